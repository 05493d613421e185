"""Scheduled jobs: the reminder tick that asks the store who is due and sends their reminders."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.callbacks import StartReview
from bot.format import escape
from bot.handlers import classroom
from bot.metrics import metrics_of
from bot.services import Services
from tutor import reminders

log = logging.getLogger(__name__)

REMINDER_JOB = "reminders"
REMINDER_TICK_SECONDS = 20.0
# Sends in flight at once; the rate limiter paces them to Telegram's 30 a second.
SEND_CONCURRENCY = 30
# After the rate limiter's own retries, one more wait for a reminder that still got a 429.
RETRY_ROUNDS = 3

REMINDER = "<b>{name}, {count} waiting for review today.</b>\nA few minutes now keeps them fresh."
REMINDER_BUTTON = "Start review"


def _items(count: int) -> str:
    return "1 item is" if count == 1 else f"{count} items are"


class ReminderSender:
    """Runs the tick: claims due reminders batch by batch and sends them, never two ticks
    at once (a slow tick makes the next one a no-op instead of overlapping it)."""

    def __init__(self) -> None:
        self._running = asyncio.Lock()
        self.sent = 0

    async def tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One pass: schedule new learners, then claim and send until nothing is due."""
        if self._running.locked():
            log.debug("reminder tick skipped: the previous one is still sending")
            return
        async with self._running:
            await self.run_once(context.application)

    async def run_once(self, application: Application[Any, Any, Any, Any, Any, Any]) -> int:
        shared: Services = application.bot_data["services"]
        zone = shared.settings.default_timezone
        total = 0
        scheduled = reminders.CLAIM_BATCH
        while scheduled == reminders.CLAIM_BATCH:
            async with shared.database.session() as session:
                scheduled = await reminders.schedule_unscheduled(
                    session=session, default_zone=zone, now=shared.clock()
                )
        while True:
            async with shared.database.session() as session:
                batch, handled = await reminders.claim_due(
                    session=session,
                    library=shared.library,
                    default_zone=zone,
                    now=shared.clock(),
                )
            gate = asyncio.Semaphore(SEND_CONCURRENCY)
            results = await asyncio.gather(
                *(self._send(application, shared, reminder, gate) for reminder in batch)
            )
            total += sum(results)
            if handled < reminders.CLAIM_BATCH:
                break
        await classroom.run_dailies(application)
        if total:
            log.info("sent %d reminders", total)
        self.sent += total
        metrics_of(application).count_reminders(total)
        return total

    async def _send(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        shared: Services,
        reminder: reminders.Reminder,
        gate: asyncio.Semaphore,
    ) -> bool:
        button = InlineKeyboardButton(
            REMINDER_BUTTON,
            callback_data=shared.codec.pack(StartReview(), owner_id=reminder.learner_id),
        )
        text = REMINDER.format(
            name=escape(reminder.first_name) or "Hi", count=_items(reminder.due_count)
        )
        async with gate:
            for _ in range(RETRY_ROUNDS):
                try:
                    await application.bot.send_message(
                        reminder.learner_id,
                        text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=InlineKeyboardMarkup([[button]]),
                    )
                    return True
                except RetryAfter as exc:
                    delay = exc.retry_after
                    seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                    await asyncio.sleep(float(seconds))
                except (Forbidden, BadRequest) as exc:
                    if isinstance(exc, BadRequest) and "chat not found" not in exc.message.lower():
                        log.warning("reminder to %s refused: %s", reminder.learner_id, exc.message)
                        return False
                    # Blocked, deactivated or gone: nobody to remind until they write again.
                    log.info("learner %s unreachable: %s", reminder.learner_id, exc.message)
                    async with shared.database.session() as session:
                        await reminders.mark_unreachable(
                            session=session, learner_id=reminder.learner_id
                        )
                    return False
                except TelegramError as exc:
                    log.warning("reminder to %s failed: %s", reminder.learner_id, exc.message)
                    return False
        return False


def schedule_jobs(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    reminder_interval: float = REMINDER_TICK_SECONDS,
) -> ReminderSender:
    """Register the reminder tick (replacing one of the same name) on PTB's JobQueue."""
    assert application.job_queue is not None
    for job in application.job_queue.get_jobs_by_name(REMINDER_JOB):
        job.schedule_removal()
    sender = ReminderSender()
    application.job_queue.run_repeating(
        sender.tick,
        interval=reminder_interval,
        first=min(1.0, reminder_interval),
        name=REMINDER_JOB,
        # A second instance may start while a long tick sends; it returns at once (see
        # ReminderSender.tick) instead of APScheduler warning about every skipped run.
        job_kwargs={"max_instances": 2, "coalesce": True, "misfire_grace_time": None},
    )
    return sender
