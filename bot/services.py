"""The services every handler shares, kept in ``bot_data`` and reached through ``services()``."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import random
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.callbacks import CallbackCodec, Payload
from tutor import workers
from tutor.config import Settings
from tutor.content import Library
from tutor.demo.runner import DemoRunner
from tutor.store import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


ButtonHandler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Any], Awaitable[None]]


@dataclass
class Services:
    """What handlers share: settings, content, store, button codec and the clock."""

    settings: Settings
    library: Library
    database: Database
    codec: CallbackCodec
    clock: Callable[[], datetime] = utc_now
    rng: random.Random = field(default_factory=random.Random)
    buttons: dict[type[Payload], ButtonHandler] = field(default_factory=dict)
    pool: Executor | None = None
    demos: DemoRunner | None = None

    async def in_worker(self, target: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``module:function`` in the worker process without blocking the event loop."""
        if self.pool is None:
            raise RuntimeError("the worker pool is not running")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.pool, functools.partial(workers.call, target, *args, **kwargs)
        )


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


SendInReply = Callable[..., Awaitable[None]]


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
