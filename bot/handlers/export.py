"""/export in a private chat: the learner's progress and reviews as CSV, and each own deck as
a file that imports back unchanged."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import ContextTypes

from bot.format import CAPTION_LIMIT, escape, fit, quantity
from bot.services import services
from tutor.imports import export_deck
from tutor.runtime import workers
from tutor.services import progress_export

log = logging.getLogger(__name__)


EXPORT_PROGRESS = (
    "Your progress on {rows}: item, deck, front, reviews, last rating, due date, stability, "
    "predicted recall."
)
EXPORT_REVIEWS = (
    "Your {reviews} as a log: item, deck, when (UTC), rating, seconds, and where each came "
    "from (review, quiz, explain, group, or anki for those brought from Anki)."
)
EXPORT_DECK = "Your deck <b>{title}</b>: send this file back to me to replace or restore it."
NOTHING_TO_EXPORT = "Nothing to export yet: review a few cards (/review) or send me a deck file."
EXPORT_FAILED = "I could not write your deck <b>{title}</b> this time; send /export again later."


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export in a private chat: the learner's progress as CSV, and each own deck as a file
    that imports back unchanged."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    export = await shared.database.run(
        progress_export.export_of,
        library=shared.library,
        learner_id=user.id,
        first_name=user.first_name,
        now=shared.clock(),
    )
    if not export.rows and not export.decks:
        await message.reply_text(NOTHING_TO_EXPORT)
        return
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    if export.rows:
        await message.reply_document(
            export.progress_csv,
            filename="progress.csv",
            caption=fit(EXPORT_PROGRESS.format(rows=quantity(export.rows)), CAPTION_LIMIT),
        )
    if export.reviews:
        await message.reply_document(
            export.reviews_csv,
            filename="reviews.csv",
            caption=fit(
                EXPORT_REVIEWS.format(reviews=quantity(export.reviews, "review")), CAPTION_LIMIT
            ),
        )
    for deck in export.decks:
        try:
            file_name, data = await shared.read_in_worker(export_deck, deck, owner=user.id)
        except workers.WorkerError as exc:
            log.warning("export of deck %s failed: %s", deck.name[:40], exc)
            await message.reply_text(
                EXPORT_FAILED.format(title=escape(deck.name)), parse_mode=ParseMode.HTML
            )
            continue
        await message.reply_document(
            data,
            filename=file_name,
            caption=fit(EXPORT_DECK.format(title=escape(deck.name)), CAPTION_LIMIT),
            parse_mode=ParseMode.HTML,
        )
