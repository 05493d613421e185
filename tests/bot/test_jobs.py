"""The reminder job: a reminder Telegram keeps refusing is given back, not lost silently."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.callbacks import CallbackCodec
from bot.jobs import ReminderSender, render_reminder
from tutor.domain.library import Library
from tutor.services import reminders, study
from tutor.store import Database, Learner

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class RateLimitedBot:
    """A bot whose send still gets 429 after the retry policy (bot.telegram_io) gave up."""

    def __init__(self) -> None:
        self.tries = 0

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        self.tries += 1
        raise RetryAfter(timedelta(0))


async def test_a_reminder_still_rate_limited_is_given_back_for_later_today(
    database: Database, tiny_library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    await database.run(study.start_learner, learner_id=1, first_name="Ada", now=NOW)
    await database.run(
        reminders.schedule_unscheduled, default_zone="UTC", now=NOW - timedelta(hours=1)
    )
    (reminder,), _ = await database.run(
        reminders.claim_due, library=tiny_library, default_zone="UTC", now=NOW
    )
    bot = RateLimitedBot()
    shared = SimpleNamespace(database=database, clock=lambda: NOW, codec=CallbackCodec(b"secret"))
    application = SimpleNamespace(bot=bot)
    with caplog.at_level(logging.WARNING, logger="bot.jobs"):
        sent = await ReminderSender()._send(
            application,  # type: ignore[arg-type]
            shared,  # type: ignore[arg-type]
            reminder,
            asyncio.Semaphore(1),
        )
    # The job adds no retries of its own on top of the one policy.
    assert not sent and bot.tries == 1
    learner = await database.run(lambda session: session.get(Learner, 1))
    assert (learner.next_reminder_at, learner.last_reminded_on) == (
        NOW + timedelta(minutes=5),
        None,
    )
    assert [r.getMessage() for r in caplog.records] == [
        "reminder to 1 not sent (still rate-limited); trying again at 09:05 UTC"
    ]
    # Later the same day it goes out after all, once.
    again, _ = await database.run(
        reminders.claim_due,
        library=tiny_library,
        default_zone="UTC",
        now=NOW + timedelta(minutes=5),
    )
    assert [r.learner_id for r in again] == [1]
    learner = await database.run(lambda session: session.get(Learner, 1))
    assert learner.last_reminded_on == date(2026, 3, 2)


def test_the_reminder_says_what_is_due_and_what_is_new_in_plain_words() -> None:
    def text(due: int, new: int) -> str:
        return render_reminder(
            reminders.Reminder(learner_id=1, first_name="Ada", due_count=due, new_count=new)
        )

    assert text(3, 10) == (
        "<b>Ada, 3 items are waiting for review today, and 10 new cards.</b>\n"
        "A few minutes now keeps them fresh."
    )
    assert text(1, 0) == (
        "<b>Ada, 1 item is waiting for review today.</b>\nA few minutes now keeps them fresh."
    )
    assert text(0, 1) == (
        "<b>Ada, 1 new card is waiting for you today.</b>\nA few minutes now gets you started."
    )
