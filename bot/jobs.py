"""Scheduled jobs: the reminder tick that asks the store who is due and sends their
reminders, and the memory-model tick that fits learners' FSRS parameters in the worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.callbacks import StartReview
from bot.format import MESSAGE_LIMIT, escape, fit
from bot.metrics import metrics_of
from bot.ratelimit import SEND_CONCURRENCY
from bot.services import Services
from tutor.domain.memorymodel import replay_all
from tutor.runtime import tasks, workers
from tutor.services import fitting, reminders

log = logging.getLogger(__name__)

REMINDER_JOB = "reminders"
REMINDER_TICK_SECONDS = 20.0
FIT_JOB = "memory-fits"
# Who is due a fit is asked hourly; each fit runs in the fits worker, one after another.
FIT_TICK_SECONDS = 3600.0
# After the rate limiter's own retries, one more wait for a reminder that still got a 429.

# What is waiting, in plain words: items due for review, new cards under today's cap.
REMINDER_DUE = "{items} waiting for review today"
REMINDER_NEW = "{cards} waiting for you today"
REMINDER_BOTH = "{items} waiting for review today, and {cards}"
REMINDER = "<b>{name}, {waiting}.</b>\n{nudge}"
NUDGE_DUE = "A few minutes now keeps them fresh."
NUDGE_NEW = "A few minutes now gets you started."
REMINDER_BUTTON = "Start review"


def _items(count: int) -> str:
    return "1 item is" if count == 1 else f"{count} items are"


def _new_cards(count: int, *, verb: bool) -> str:
    cards = "1 new card" if count == 1 else f"{count} new cards"
    if not verb:
        return cards
    return f"{cards} is" if count == 1 else f"{cards} are"


def render_reminder(reminder: reminders.Reminder) -> str:
    """The reminder's text: how many items are due and how many new cards wait."""
    due, new = reminder.due_count, reminder.new_count
    if due and new:
        waiting = REMINDER_BOTH.format(items=_items(due), cards=_new_cards(new, verb=False))
    elif due:
        waiting = REMINDER_DUE.format(items=_items(due))
    else:
        waiting = REMINDER_NEW.format(cards=_new_cards(new, verb=True))
    name = escape(reminder.first_name) or "Hi"
    text = REMINDER.format(name=name, waiting=waiting, nudge=NUDGE_DUE if due else NUDGE_NEW)
    return fit(text, MESSAGE_LIMIT, is_html=True)


# The tick's other work, after the reminders: start the class quizzes whose daily time has
# come, send homework nudges and reports (the app factory hands them down: a feature's
# handlers are not imported here).
TickWork = Callable[[Application[Any, Any, Any, Any, Any, Any]], Awaitable[int]]


class ReminderSender:
    """Runs the tick: claims due reminders batch by batch and sends them, never two ticks
    at once (a slow tick makes the next one a no-op instead of overlapping it)."""

    def __init__(self, also: Sequence[TickWork] = ()) -> None:
        self._also = tuple(also)
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
            scheduled = await shared.database.run_long(
                reminders.schedule_unscheduled, default_zone=zone, now=shared.clock()
            )
        while True:
            # A batch of hundreds of learners' reminders: off the event loop.
            batch, handled = await shared.database.run_long(
                reminders.claim_due,
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
        for work in self._also:
            await work(application)
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
        text = render_reminder(reminder)
        async with gate:
            try:
                await application.bot.send_message(
                    reminder.learner_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=InlineKeyboardMarkup([[button]]),
                )
                return True
            except (Forbidden, BadRequest) as exc:
                if isinstance(exc, BadRequest) and "chat not found" not in exc.message.lower():
                    log.warning("reminder to %s refused: %s", reminder.learner_id, exc.message)
                    return False
                # Blocked, deactivated or gone: nobody to remind until they write again.
                log.info("learner %s unreachable: %s", reminder.learner_id, exc.message)
                await shared.database.run(
                    reminders.mark_unreachable, learner_id=reminder.learner_id
                )
                return False
            except TelegramError as exc:
                # The retry policy (bot.telegram_io) waited out 429s and retried what was
                # safe to retry; what is left is given back for later today.
                why = "still rate-limited" if isinstance(exc, RetryAfter) else exc.message
                await self._give_back(shared, reminder, why)
                return False

    async def _give_back(self, shared: Services, reminder: reminders.Reminder, why: str) -> None:
        """A claimed reminder that did not go out: tried again later today, or one line
        saying it was skipped (never lost silently, never sent twice)."""
        retry_at = await shared.database.run(
            reminders.give_back, reminder=reminder, now=shared.clock()
        )
        if retry_at is None:
            log.warning("reminder to %s skipped today: %s", reminder.learner_id, why)
        else:
            log.warning(
                "reminder to %s not sent (%s); trying again at %s UTC",
                reminder.learner_id,
                why,
                retry_at.strftime("%H:%M"),
            )


async def fit_learner(
    shared: Services, learner_id: int, *, requested: bool = False
) -> fitting.Recorded:
    """Fit the learner's memory model in the worker and store what became of it.

    Raises:
        workers.WorkerError: The fit could not run (too slow, the worker died, a full queue).
    """
    given = await shared.database.run_long(fitting.fit_input, learner_id=learner_id)
    refit = await shared.fit_in_worker(
        tasks.REFIT, given.reviews, given.current, given.desired_retention
    )
    return await shared.database.run(
        fitting.record, learner_id=learner_id, refit=refit, now=shared.clock(), requested=requested
    )


async def use_defaults(shared: Services, learner_id: int) -> int:
    """Take the learner back to FSRS's defaults, their memories recomputed in the worker;
    how many were replaced.

    Raises:
        workers.WorkerError: The recomputation could not run.
    """
    given = await shared.database.run_long(fitting.fit_input, learner_id=learner_id)
    if given.current is None:
        return 0
    memories = await shared.fit_in_worker(replay_all, given.reviews, given.desired_retention, None)
    return await shared.database.run(
        fitting.use_defaults, learner_id=learner_id, memories=memories
    )


async def fit_class(shared: Services, chat_id: int) -> fitting.Recorded:
    """Fit a class's memory model from its polls in the worker, and store what became of it.

    Raises:
        workers.WorkerError: The fit could not run.
    """
    given = await shared.database.run_long(fitting.class_fit_input, chat_id=chat_id)
    refit = await shared.fit_in_worker(tasks.REFIT, given.reviews, given.current, 0.9)
    return await shared.database.run(
        fitting.record_class, chat_id=chat_id, refit=refit, now=shared.clock()
    )


async def fit_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Fit the learners and the classes who are due a fit (see ``fitting.due`` and
    ``fitting.classes_due``), one after another."""
    shared: Services = context.bot_data["services"]
    if shared.pool is None:
        return  # no worker to fit in (a test's bot without pools)
    for learner_id in await shared.database.run(fitting.due, now=shared.clock()):
        try:
            recorded = await fit_learner(shared, learner_id)
        except workers.WorkerError as exc:
            log.warning("memory fit of %s did not run: %s", learner_id, exc)
            continue
        if recorded.fit is not None:
            log.info(
                "memory fit of %s: %s (log loss %.4f against %.4f), %d memories rescheduled",
                learner_id,
                "adopted" if recorded.adopted else "kept the parameters in use",
                recorded.fit.fitted_loss,
                recorded.fit.current_loss,
                recorded.rescheduled,
            )
    for chat_id in await shared.database.run(fitting.classes_due, now=shared.clock()):
        try:
            recorded = await fit_class(shared, chat_id)
        except workers.WorkerError as exc:
            log.warning("memory fit of class %s did not run: %s", chat_id, exc)
            continue
        log.info("memory fit of class %s: adopted %s", chat_id, recorded.adopted)


def schedule_jobs(
    application: Application[Any, Any, Any, Any, Any, Any],
    *,
    reminder_interval: float = REMINDER_TICK_SECONDS,
    fit_interval: float = FIT_TICK_SECONDS,
    also: Sequence[TickWork] = (),
) -> ReminderSender:
    """Register the reminder and memory-fit ticks (replacing ones of the same names) on
    PTB's JobQueue; the reminder tick also runs ``also`` (dailies, homework), in order."""
    assert application.job_queue is not None
    for name in (REMINDER_JOB, FIT_JOB):
        for job in application.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
    application.job_queue.run_repeating(
        fit_tick,
        interval=fit_interval,
        first=min(60.0, fit_interval),
        name=FIT_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
    sender = ReminderSender(also)
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
