"""A bare PTB echo bot, the benchmark's baseline: each press is answered and echoed.

``python -m bench.echo_bot`` reads the same settings as ``python -m bot`` and runs with the
same update processor, connection pool, rate limiter and long-poll timeout, so the only
difference between the two bots is what their handlers do for a press. Any message gets a
message with one button; a press on it is answered and the message's text is edited to echo
it (keeping the button), concurrently, as our review handlers do.

The rate limiter is our bot's ``TelegramRateLimiter`` (a ``BaseRateLimiter`` that keeps edits
in private chats out of the 30-a-second window): PTB's plain ``AIORateLimiter`` puts every
edit in that window, which would make the baseline a rate-limiter figure.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

from pydantic import ValidationError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import (
    ALLOWED_UPDATES,
    BOT_API_CONNECTIONS,
    MAX_CONCURRENT_UPDATES,
    POOL_TIMEOUT,
    PerChatUpdateProcessor,
)
from bot.logs import configure_logging
from bot.ratelimit import TelegramRateLimiter
from tutor.config import Settings

ECHO_LABEL = "Echo"
ECHO_DATA = "echo"
PROMPT = "Press the button."
# The same long-poll timeout as ``python -m bot``.
POLL_TIMEOUT = 10

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(ECHO_LABEL, callback_data=ECHO_DATA)]])

log = logging.getLogger("bench.echo_bot")


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with a message carrying the one button to press."""
    message = update.effective_message
    assert message is not None
    await message.reply_text(PROMPT, reply_markup=KEYBOARD)


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the press and echo it into the message; the query id keeps each text new."""
    query = update.callback_query
    assert query is not None
    await asyncio.gather(
        query.answer(),
        query.edit_message_text(f"{query.data} {query.id}", reply_markup=KEYBOARD),
    )


def build_echo_application(settings: Settings) -> Application[Any, Any, Any, Any, Any, Any]:
    """The echo bot, built like ``bot.app.build_application`` minus our services."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required")
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .rate_limiter(TelegramRateLimiter(max_retries=3))
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .connection_pool_size(BOT_API_CONNECTIONS)
        .pool_timeout(POOL_TIMEOUT)
        .build()
    )
    application.add_handler(CallbackQueryHandler(on_press))
    application.add_handler(MessageHandler(filters.ALL, on_message))
    return application


def main() -> int:
    """Run the echo bot with long polling until SIGINT or SIGTERM."""
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"invalid configuration: {exc.error_count()} error(s)", file=sys.stderr)
        return 2
    configure_logging(settings)
    if settings.telegram_bot_token is None:
        print("TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
        return 1
    application = build_echo_application(settings)
    log.info("echo bot: long polling %s", settings.telegram_api_url)
    application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=POLL_TIMEOUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
