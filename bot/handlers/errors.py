"""The error handler: log what broke (never the token) and still answer the user."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.telegram_io import GONE_TEXTS

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again."


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log an error raised by a handler and tell the user, when there is one."""
    error = context.error
    chat_id = (
        update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
    )
    if isinstance(error, Forbidden):
        # The user blocked the bot; there is nobody to tell.
        log.info("forbidden: %s", error.message)
        return
    if isinstance(error, NetworkError | RetryAfter):
        # A Bot API fault the retry policy gave up on: it logged the fault (one WARNING
        # line per attempt) already, so no traceback here.
        # No "Sorry" either: the call that failed was most likely the reply itself, and
        # whether it reached the user is unknown.
        log.info("gave up on a Bot API call in chat %s: %s", chat_id, error)
        return
    if isinstance(error, BadRequest) and any(gone in error.message.lower() for gone in GONE_TEXTS):
        # A press on a message deleted meanwhile: nothing is wrong on our side.
        log.info("the message of a press in chat %s is gone: %s", chat_id, error.message)
        return
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=error)
        return
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
        log.info("could not tell the user about the error: %s", exc.message)
