"""Writing to a user in private from a group's business: the link that opens the bot's
private chat, whether Telegram refused because the user never started the bot, and a
report's text and its chart (drawn in the worker, sent after the text)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.services import Services
from tutor.runtime import tasks, workers

log = logging.getLogger(__name__)

# The /start payload of the link that opens the private chat (any payload that is not a
# deck id or a registered prefix just starts the bot).
START_PAYLOAD = "reports"


def start_link(bot: Bot) -> str:
    """The link that opens the bot's private chat with a Start button."""
    return f"https://t.me/{bot.username}?start={START_PAYLOAD}"


def cannot_write(error: TelegramError) -> bool:
    """Whether Telegram refused because the user has not started the bot (or blocked it)."""
    return isinstance(error, Forbidden) or (
        isinstance(error, BadRequest) and "chat not found" in error.message.lower()
    )


async def send_private(bot: Bot, user_id: int, text: str) -> bool:
    """Send a report's text to the user's private chat; False if Telegram refuses because
    the bot may not write to them."""
    try:
        await bot.send_message(user_id, text, parse_mode=ParseMode.HTML)
    except TelegramError as exc:
        if not cannot_write(exc):
            raise
        log.info("cannot write to user %s: %s", user_id, exc.message)
        return False
    return True


async def send_chart(
    shared: Services,
    bot: Bot,
    user_id: int,
    caption: str,
    target: tasks.Task[..., bytes],
    *args: Any,
    **kwargs: Any,
) -> None:
    """Draw a report's chart in the worker process and send it after the text (which does
    not wait for it); a chart that fails is logged and left out."""
    try:
        chart = await shared.draw_in_worker(target, *args, **kwargs)
    except workers.WorkerError as exc:
        log.warning("a report chart was left out: %s", exc)
        return
    except Exception:
        log.exception("a report chart failed")
        return
    try:
        await bot.send_photo(user_id, chart, caption=caption)
    except TelegramError as exc:
        log.info("report chart to user %s not sent: %s", user_id, exc.message)
