"""The services every handler shares, kept in ``bot_data`` and reached through ``services()``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.callbacks import CallbackCodec, Payload
from tutor.config import Settings
from tutor.content import Library
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
    buttons: dict[type[Payload], ButtonHandler] = field(default_factory=dict)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The shared services of the running application."""
    found: Services = context.bot_data["services"]
    return found


def codec_secret(token: str) -> bytes:
    """A key for signing button data, derived from the token so it needs no extra setting."""
    return hmac.new(b"lr-tutor callback data v1", token.encode(), hashlib.sha256).digest()
