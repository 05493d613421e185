"""The error handler: log what broke (never the token) and still answer the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again."


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an error raised by a handler and tell the user, when there is one."""
    error = context.error
    if isinstance(error, Forbidden):
        # The user blocked the bot; there is nobody to tell.
        log.info("forbidden: %s", error.message)
        return
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        log.warning("network error while polling: %s", error.message)
        return
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
    chat_id = update.effective_chat.id if update.effective_chat else None
    log.error("error handling update %s in chat %s", update.update_id, chat_id, exc_info=error)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(SORRY)
        elif (
            update.effective_message is not None
            and update.effective_chat is not None
            and update.effective_chat.type == "private"
        ):
            await update.effective_message.reply_text(SORRY)
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", exc.message)
