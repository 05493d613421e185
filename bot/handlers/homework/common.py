"""What the homework handlers share: its link's prefix, who counts as in the chat, and how
dates, labels and buttons are written."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton

from bot.callbacks import CallbackCodec

# The /start payload's prefix of a homework's Start link.
LINK_PREFIX = "hw-"
LABEL_CHARS = 80


def when(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def button(text: str, payload: Any, *, codec: CallbackCodec, owner: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=codec.pack(payload, owner_id=owner))
