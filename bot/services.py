"""The services every handler shares, kept in ``bot_data`` and reached through ``services()``."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.callbacks import CallbackCodec, Payload
from tutor.config import Settings
from tutor.demo.runner import DemoRunner
from tutor.domain.library import Library
from tutor.runtime import workers
from tutor.store import Database

R = TypeVar("R")


def utc_now() -> datetime:
    return datetime.now(UTC)


ButtonHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Any], Awaitable[None]]
# A private message that answers what waited for it (a ``tutor.services.awaiting`` value).
AnswerHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Any], Awaitable[None]]
# What a "start" button sends under a message: ``send(message, context, user_id=, first_name=)``.
SendInReply = Callable[..., Awaitable[None]]
# A /start link's payload after its prefix: ``open(update, context, rest)``.
LinkHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, str], Awaitable[None]]
# A class's quiz session is over: ``report(application, session_id)`` sends its report.
ReportSession = Callable[[Any, int], Awaitable[None]]


@dataclass
class Services:
    """What handlers share: settings, content, store, button codec, the clock and the worker
    pools (deck files and charts apart, each job with its deadline)."""

    settings: Settings
    library: Library
    database: Database
    codec: CallbackCodec
    clock: Callable[[], datetime] = utc_now
    rng: random.Random = field(default_factory=random.Random)
    buttons: dict[type[Payload], ButtonHandler] = field(default_factory=dict)
    # Filled in by the app factory, so that no feature imports another: who takes a message
    # that answers an open question (by its kind), what each start button sends, who opens
    # a /start link by its payload's prefix, and who reports a finished class session.
    answers: dict[type, AnswerHandler] = field(default_factory=dict)
    links: dict[str, LinkHandler] = field(default_factory=dict)
    senders: dict[type[Payload], SendInReply] = field(default_factory=dict)
    session_over: ReportSession | None = None
    pool: workers.Workers | None = None
    demos: DemoRunner | None = None
    file_deadline: float = workers.FILE_DEADLINE_SECONDS
    chart_deadline: float = workers.CHART_DEADLINE_SECONDS
    fit_deadline: float = workers.FIT_DEADLINE_SECONDS

    def _workers(self) -> workers.Workers:
        if self.pool is None:
            raise RuntimeError("the worker pools are not running")
        return self.pool

    async def read_in_worker(self, target: Callable[..., R], *args: Any, owner: int) -> R:
        """Run ``target`` on a deck file in the files pool, within the file deadline;
        ``owner`` (the learner) has one file there at a time.

        Raises:
            workers.WorkerError: The file took too long, too much memory, or had to wait.
        """
        files = self._workers().files
        return await files.run(target, *args, deadline=self.file_deadline, owner=owner)

    async def draw_in_worker(self, target: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run ``target`` (a chart) in the charts pool, within the chart deadline.

        Raises:
            workers.WorkerError: The chart could not be drawn in time (or had to wait).
        """
        charts = self._workers().charts
        return await charts.run(target, *args, deadline=self.chart_deadline, **kwargs)

    async def fit_in_worker(self, target: Callable[..., R], *args: Any) -> R:
        """Run ``target`` (a memory-model fit) in the fits pool, within its deadline.

        Raises:
            workers.WorkerError: The fit could not run in time (or had to wait).
        """
        fits = self._workers().fits
        return await fits.run(target, *args, deadline=self.fit_deadline)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The shared services of the running application."""
    found: Services = context.bot_data["services"]
    return found


def codec_secret(token: str) -> bytes:
    """A key for signing button data, derived from the token so it needs no extra setting."""
    return hmac.new(b"lr-tutor callback data v1", token.encode(), hashlib.sha256).digest()


async def edit_message(message: object, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Edit a message the bot sent (HTML), taking "not modified" as done."""
    if not isinstance(message, Message):
        return
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as exc:
        # A double tap may try to draw what is already there; that is fine.
        if "not modified" not in exc.message.lower():
            raise


async def answer_then_send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, send: SendInReply
) -> None:
    """A "start" button (review, another round, another prompt): answer it, then reply
    under its message with ``send(message, context, user_id=, first_name=)``."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    if isinstance(query.message, Message):
        await send(
            query.message,
            context,
            user_id=query.from_user.id,
            first_name=query.from_user.first_name,
        )
