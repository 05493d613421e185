"""Simulated learners: made in a bot's database, they press its buttons over real HTTP and
time each press (``Sample``), one ``Driver`` per bot (ours, the echo bot)."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bench.echo_bot import ECHO_LABEL
from bot.handlers.review import SHOW_ANSWER
from bot.views import RATING_LABELS
from playground.botapi import ChatMessage, StandinBot, UserHandle
from tutor.domain.scheduling import Rating
from tutor.store import Database, Learner, schema

# A bench learner must never run out of new cards within a run.
NEW_PER_DAY = 10_000
PRESS_TIMEOUT = 20.0
# How the learners rate: mostly Good, as people do.
RATING_WEIGHTS = {Rating.AGAIN: 10, Rating.HARD: 15, Rating.GOOD: 60, Rating.EASY: 15}


@dataclass(frozen=True)
class Sample:
    """One press: when it was made, answered (answerCallbackQuery) and redrawn (the edit)."""

    pressed_at: float
    answered_at: float
    drawn_at: float
    as_expected: bool

    @property
    def latency(self) -> float:
        return self.answered_at - self.pressed_at

    @property
    def draw_latency(self) -> float:
        return self.drawn_at - self.pressed_at


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class Driver(Protocol):
    """How a learner gets a first message from a bot and makes one press on it."""

    name: str
    bot: StandinBot

    async def first_message(self, user: UserHandle) -> ChatMessage: ...

    async def step(
        self, user: UserHandle, message: ChatMessage, rng: random.Random
    ) -> tuple[Sample, ChatMessage | None]: ...


async def press_and_wait(
    user: UserHandle, message: ChatMessage, label: str, expected_answer: str | None
) -> tuple[Sample, ChatMessage | None]:
    """Press ``label``, wait for the answer and the edit, and time them.

    An answer other than ``expected_answer`` (an error notice) comes without an edit: the
    message returned is then None, and the learner has to start again.
    """
    press = await user.press(message, label)

    async def redrawn() -> tuple[ChatMessage, float]:
        edited = await user.wait_for_edit(message, timeout=PRESS_TIMEOUT)
        return edited, time.perf_counter()

    redraw = asyncio.ensure_future(redrawn())
    try:
        answer = await press.answered(timeout=PRESS_TIMEOUT)
        if expected_answer is None:
            as_expected = answer.text is None
        else:
            as_expected = (answer.text or "").startswith(expected_answer)
        if not as_expected:
            return Sample(press.created_at, answer.at, answer.at, False), None
        edited, drawn_at = await redraw
    finally:
        redraw.cancel()
    return Sample(press.created_at, answer.at, drawn_at, True), edited


class TutorDriver:
    """A learner of our bot: /review, then Show answer and a rating, card after card."""

    name = "ours"

    def __init__(self, bot: StandinBot) -> None:
        self.bot = bot

    async def first_message(self, user: UserHandle) -> ChatMessage:
        await user.send("/review")
        card = await user.wait_for_message(timeout=PRESS_TIMEOUT)
        if card.button_labels != [SHOW_ANSWER]:
            raise RuntimeError(f"/review for learner {user.id} did not show a card: {card!r}")
        return card

    async def step(
        self, user: UserHandle, message: ChatMessage, rng: random.Random
    ) -> tuple[Sample, ChatMessage | None]:
        labels = message.button_labels
        if labels == [SHOW_ANSWER]:
            return await press_and_wait(user, message, SHOW_ANSWER, None)
        (rating,) = rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))
        name = RATING_LABELS[rating]
        label = next((label for label in labels if label.startswith(name)), None)
        if label is None:
            raise RuntimeError(f"learner {user.id} has nothing to press: {message!r}")
        return await press_and_wait(user, message, label, f"{name}:")


class EchoDriver:
    """A user of the echo bot: any message, then its one button, again and again."""

    name = "echo"

    def __init__(self, bot: StandinBot) -> None:
        self.bot = bot

    async def first_message(self, user: UserHandle) -> ChatMessage:
        await user.send("/start")
        return await user.wait_for_message(timeout=PRESS_TIMEOUT)

    async def step(
        self, user: UserHandle, message: ChatMessage, rng: random.Random
    ) -> tuple[Sample, ChatMessage | None]:
        return await press_and_wait(user, message, ECHO_LABEL, None)


def learners_of(bot: StandinBot, first_id: int, count: int) -> list[UserHandle]:
    ids = range(first_id, first_id + count)
    return [bot.user(user_id, f"Learner {user_id}") for user_id in ids]


async def press_once(
    driver: Driver,
    user: UserHandle,
    message: ChatMessage,
    rng: random.Random,
    samples: list[Sample],
) -> ChatMessage:
    """One press; after an error notice the learner starts over as a person would."""
    sample, edited = await driver.step(user, message, rng)
    samples.append(sample)
    return edited if edited is not None else await driver.first_message(user)


async def create_learners(database_url: str, user_ids: Sequence[int]) -> None:
    """Make the bench learners before the bot starts, with a daily cap they never reach."""
    database = Database(database_url)
    try:
        await schema.upgrade(database)
        now = datetime.now(UTC)
        async with AsyncSession(database.engine, expire_on_commit=False) as session:
            session.add_all(
                Learner(
                    id=user_id,
                    first_name=f"Learner {user_id}",
                    new_per_day=NEW_PER_DAY,
                    created_at=now,
                )
                for user_id in user_ids
            )
            await session.commit()
    finally:
        await database.close()
