"""Daily reminders end to end: the tick, the button, a blocked learner, restarts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from playground.botapi import BotApiStandin, UserHandle
from tests.conftest import tiny_deck
from tests.e2e.conftest import FakeClock, RunningBot
from tutor.domain.library import Library, library_of
from tutor.store import Database, Learner

# 08:58:30 UTC is 09:58:30 in Berlin (CET); the reminder is set for 10:00 there.
START = datetime(2026, 3, 2, 8, 58, 30, tzinfo=UTC)
TICK = 0.1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def cards() -> Library:
    return library_of([tiny_deck("alpha", cards=3)])


def is_reminder(message: Any) -> bool:
    return "waiting for" in (message.text or "") and message.button_labels == ["Start review"]


def reminders_to(server: BotApiStandin, user: UserHandle) -> list[Any]:
    return [m for m in user.bot_messages if is_reminder(m)]


async def set_reminder(user: UserHandle) -> None:
    """Berlin time and a 10:00 reminder."""
    await user.send("/timezone Europe/Berlin")
    await user.wait_for_message()
    await user.send("/remind 10:00")
    assert "10:00 (Europe/Berlin)" in ((await user.wait_for_message()).text or "")


async def prepare(user: UserHandle, *, due: bool = True) -> None:
    """Set Berlin time and a 10:00 reminder, and review the deck's cards: the first is
    due again in a minute (``due``), the others (or all) are rated Easy."""
    await set_reminder(user)
    await user.send("/review")
    card = await user.wait_for_message()
    for n in range(3):
        await (await user.press(card, "Show answer")).answered()
        back = await user.wait_for_edit(card, lambda m: "Answer" in (m.text or ""))
        rating = "Again" if due and n == 0 else "Easy"
        label = next(label for label in back.button_labels if label.startswith(rating))
        await (await user.press(back, label)).answered()
        card = await user.wait_for_edit(back, lambda m: "Answer" not in (m.text or ""))


async def ticks(count: int = 5) -> None:
    await asyncio.sleep(TICK * count)


async def test_one_reminder_at_the_local_time_and_its_button_starts_a_review(
    server: BotApiStandin, running_bot: RunningBot, clock: FakeClock, cards: Library
) -> None:
    alice = server.user(1001, "Alice")
    idle = server.user(1002, "Idle")  # reminders on, nothing due: gets nothing
    async with running_bot(library=cards, clock=clock, reminder_interval=TICK):
        await prepare(alice)
        await prepare(idle, due=False)
        await ticks()
        assert reminders_to(server, alice) == []  # 09:58:30 in Berlin: not yet

        clock.advance(seconds=95)  # 10:00:05 in Berlin
        reminder = await alice.wait_for_message(is_reminder, timeout=5)
        assert reminder.text == "Alice, 1 item is waiting for review today.\n" + (
            "A few minutes now keeps them fresh."
        )
        assert reminder.button_labels == ["Start review"]
        clock.advance(minutes=30)
        await ticks()
        assert len(reminders_to(server, alice)) == 1
        assert reminders_to(server, idle) == []

        await (await alice.press(reminder, "Start review")).answered()
        card = await alice.wait_for_message(lambda m: "Show answer" in m.button_labels)
        assert "Question 0 of alpha?" in (card.text or "")

        # The next day brings the next reminder, once.
        clock.advance(days=1)
        await alice.wait_for_message(lambda m: m is not reminder and is_reminder(m))
        await ticks()
        assert len(reminders_to(server, alice)) == 2


async def test_a_new_learner_is_reminded_of_the_new_cards_waiting(
    server: BotApiStandin, running_bot: RunningBot, clock: FakeClock, cards: Library
) -> None:
    newcomer = server.user(1004, "Nia")
    async with running_bot(library=cards, clock=clock, reminder_interval=TICK):
        await newcomer.send("/start")
        await newcomer.wait_for_message()
        await set_reminder(newcomer)  # nothing reviewed yet
        clock.advance(seconds=95)  # 10:00:05 in Berlin
        reminder = await newcomer.wait_for_message(is_reminder, timeout=5)
        assert reminder.text == "Nia, 3 new cards are waiting for you today.\n" + (
            "A few minutes now gets you started."
        )
        await (await newcomer.press(reminder, "Start review")).answered()
        card = await newcomer.wait_for_message(lambda m: "Show answer" in m.button_labels)
        assert "new card" in (card.text or "")


async def test_a_blocked_learner_is_marked_inactive_and_skipped(
    server: BotApiStandin,
    running_bot: RunningBot,
    clock: FakeClock,
    cards: Library,
    store: Database,
) -> None:
    bob = server.user(1003, "Bob")
    async with running_bot(library=cards, clock=clock, reminder_interval=TICK):
        await prepare(bob)
        server.block(bob)
        clock.advance(seconds=95)
        refused = await server.wait_for_request(
            "sendMessage", lambda r: r.error is not None, timeout=5
        )
        assert "bot was blocked by the user" in (refused.error or "")
        await ticks()
        clock.advance(days=1)
        await ticks(10)
        attempts = [r for r in server.requests("sendMessage") if r.params["chat_id"] == bob.id]
        assert attempts[-1] is refused  # nothing tried after the block
    learner = await store.run(lambda session: session.execute(select(Learner)).scalar_one())
    assert learner.active is False


async def test_a_restart_across_the_reminder_minute_sends_exactly_one(
    server: BotApiStandin, running_bot: RunningBot, clock: FakeClock, cards: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=cards, clock=clock, reminder_interval=TICK):
        await prepare(alice)
    clock.advance(minutes=5)  # the bot was down at 10:00
    async with running_bot(library=cards, clock=clock, reminder_interval=TICK):
        await alice.wait_for_message(is_reminder)
        await ticks()
    async with running_bot(library=cards, clock=clock, reminder_interval=TICK):
        await ticks(10)
    assert len(reminders_to(server, alice)) == 1
    # Down from before the next day's reminder until the morning after: that missed
    # reminder is not sent late, and the day the bot is back gets its own, once.
    clock.advance(days=2, hours=-1)  # 09:05 in Berlin, two days later
    async with running_bot(library=cards, clock=clock, reminder_interval=TICK):
        await ticks(10)
        assert len(reminders_to(server, alice)) == 1
        clock.advance(hours=1)
        await alice.wait_until(lambda: len(reminders_to(server, alice)) == 2)
        await ticks(10)
    assert len(reminders_to(server, alice)) == 2
