"""Files: a deck sent as a file is imported (with Study now), and a file for a deck name the
learner has replaces it after a confirm. /export sends them back: ``export``."""

from __future__ import annotations

import asyncio
import logging

from telegram import Document, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.callbacks import (
    CancelDeckAction,
    ConfirmReplace,
    StartExplain,
    StartQuiz,
    StartReview,
    StudyDeck,
)
from bot.format import MESSAGE_LIMIT, escape, fit, quantity, shown_length
from bot.metrics import metrics_of
from bot.services import ButtonHandler, Services, edit_message, services
from bot.views import DECK_GONE, counts
from tutor.domain.memorymodel import replay_all
from tutor.imports import (
    MAX_FILE_BYTES,
    TOO_BIG,
    ImportFailed,
    ParsedDeck,
    parse_file,
)
from tutor.runtime import workers
from tutor.services import deckpage, owndecks, progress, quotas, study

log = logging.getLogger(__name__)


NOT_FETCHED = "I could not fetch that file from Telegram. Please send it again."
# A file the reader could not finish (tutor.runtime.workers: each file has a deadline and a memory
# limit), or could not start yet.
TOO_SLOW = (
    "{name} took too long to read, so I stopped; check that it is a deck file, or split it "
    "into smaller ones."
)
TOO_MUCH_MEMORY = (
    "{name} needed too much memory to read, so I stopped; check that it is a deck file, or "
    "split it into smaller ones."
)
READER_DIED = "{name} stopped my file reader, so I could not import it; check the file."
STILL_READING = "I am still reading your last file; send {name} when I have answered."
READERS_BUSY = "I am reading many files right now; send {name} again in a minute."
# The refusals after which a worker had to be stopped: they count against the hourly quota.
STOPPED = (workers.WorkTimedOut, workers.WorkerOutOfMemory, workers.WorkerDied)
WORKER_REFUSALS: dict[type[workers.WorkerError], str] = {
    workers.WorkTimedOut: TOO_SLOW,
    workers.WorkerOutOfMemory: TOO_MUCH_MEMORY,
    workers.WorkerDied: READER_DIED,
    workers.WorkerBusy: STILL_READING,
    workers.WorkersFull: READERS_BUSY,
}
IMPORTED = "Deck <b>{title}</b>: {counts}."
REPLACED = "Deck <b>{title}</b> replaced: {counts}."
KEPT_PROGRESS = "{kept} kept your progress (found again by id or front text)."
# An Anki collection's review history, as the sender's own progress.
HISTORY_CARRIED = (
    "Your progress came along: {reviews} reviews of {items}, as Anki recorded them; {due} "
    "due today."
)
HISTORY_HELD = "Its review history is yours already: nothing new to carry over."
HISTORY_LEFT = (
    "It carries {count} reviews by whoever made it; like Anki's import, I start its cards "
    "new. To bring your own progress, send your collection (.colpkg)."
)
HISTORY_FAILED = "Its review history could not be carried over this time; send the file again."
RETIRED = "{retired} no longer in the file left your reviews."
SKIPPED_TITLE = "<b>Skipped {count}:</b>"
SKIPPED_LINE = "• {where}: {reason}"
SKIPPED_MORE = "… and {count} more skipped."
MEDIA = (
    "{count} left out: sounds are not played here, and a picture shows only when the "
    "file holds it (an Anki package, or a zip of the deck and its images)."
)
POLL_UNFIT = (
    "{count} too long for a quiz poll (question 300, option 100, explanation 200 "
    "characters): asked in /quiz here, left out of group quizzes."
)
STUDY_HINT = "Study now makes your reviews come from this deck; /decks switches others back on."
GROUP_HINT = (
    "It is in your decks: study it with me in a private chat. Admins pick the decks of this "
    "chat's quizzes with /decks."
)
STUDY_NOW = "Study now"
# What Study now changed: the learner's studies come from that deck alone, for now.
STUDYING = "Studying <b>{title}</b> now. Paused while you do: your {decks}."
CONFIRM = (
    "You have a deck named <b>{title}</b>. Replace it with this file? Items found again "
    "(by id or front text) keep your progress; items no longer in the file leave your reviews."
)
CONFIRM_YES = "Replace {title}"
CONFIRM_NO = "Keep the old one"
NOTHING_WAITS = "That file was handled already, or it expired: send it again."
REPLACING = "Replacing…"
# The skipped rows a reply lists before it sums up the rest: the reply stays well within
# one message, and a long list is better read in the file itself.
SKIPPED_BUDGET = 3000


def render_skipped(parsed: ParsedDeck, budget: int = SKIPPED_BUDGET) -> list[str]:
    """Every skipped row with where and why, as many as fit ``budget`` characters; then how
    many more."""
    if not parsed.skipped:
        return []
    lines = [SKIPPED_TITLE.format(count=quantity(len(parsed.skipped), "row"))]
    used = shown_length(lines[0])
    for shown, row in enumerate(parsed.skipped):
        line = SKIPPED_LINE.format(where=escape(row.where), reason=escape(row.reason))
        if used + shown_length(line) + 1 > budget:
            lines.append(SKIPPED_MORE.format(count=len(parsed.skipped) - shown))
            break
        lines.append(line)
        used += shown_length(line) + 1
    return lines


def render_imported(
    parsed: ParsedDeck,
    imported: owndecks.Imported,
    *,
    in_group: bool = False,
    history: str | None = None,
) -> str:
    """What was imported (and ``history``, what became of its review history), what was
    skipped and why, and what it means for group quizzes."""
    kinds = counts(imported.cards, imported.questions, imported.prompts)
    title = escape(imported.title)
    head = (REPLACED if imported.replaced else IMPORTED).format(title=title, counts=kinds)
    lines = [head]
    if history is not None:
        lines.append(escape(history))
    if imported.replaced:
        if imported.kept:
            lines.append(KEPT_PROGRESS.format(kept=quantity(imported.kept)))
        if imported.retired:
            lines.append(RETIRED.format(retired=quantity(imported.retired)))
    lines += [escape(note) for note in parsed.notes]
    if imported.poll_unfit:
        lines.append(POLL_UNFIT.format(count=quantity(imported.poll_unfit, "question")))
    if parsed.media_skipped:
        lines.append(
            MEDIA.format(
                count=quantity(parsed.media_skipped, "sound or picture", "sounds or pictures")
            )
        )
    skipped = render_skipped(parsed)
    if skipped:
        lines += ["", *skipped]
    lines += ["", GROUP_HINT if in_group else STUDY_HINT]
    return fit("\n".join(lines), MESSAGE_LIMIT)


def study_markup(
    shared: Services, imported: owndecks.Imported, owner_id: int
) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        STUDY_NOW,
        callback_data=shared.codec.pack(StudyDeck(deck=imported.number), owner_id=owner_id),
    )
    return InlineKeyboardMarkup([[button]])


async def _download(context: ContextTypes.DEFAULT_TYPE, file_id: str) -> bytes | None:
    """The file's bytes from Telegram (getFile, then its URL), None if it cannot be had."""
    try:
        telegram_file = await context.bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.info("could not download file %s: %s", file_id[:16], exc.message)
        return None


def worker_refusal(error: workers.WorkerError, file_name: str) -> str:
    """The one line for a file the reader did not finish."""
    return WORKER_REFUSALS[type(error)].format(name=file_name)


async def read_deck(
    shared: Services,
    context: ContextTypes.DEFAULT_TYPE,
    file_id: str,
    file_name: str,
    *,
    owner: User,
) -> ParsedDeck | str:
    """Download a file and read it as a deck (in the files pool: a big package is seconds
    of CPU, a hostile one is stopped at its deadline, and counts against the hourly
    quota); a message for the user when it cannot be. ``owner`` has one file being read at
    a time."""
    if shared.pool is not None and shared.pool.files.is_busy(owner.id):
        # Refused before downloading, as the pool itself would refuse it.
        metrics_of(context).count_worker_event(shared.pool.files.name, "busy")
        return STILL_READING.format(name=file_name)
    data = await _download(context, file_id)
    if data is None:
        return NOT_FETCHED
    if len(data) > MAX_FILE_BYTES:
        return TOO_BIG.format(name=file_name, size=len(data) / 1024 / 1024)
    try:
        parsed: ParsedDeck = await shared.read_in_worker(
            parse_file, file_name, data, owner=owner.id
        )
    except ImportFailed as exc:
        return str(exc)
    except workers.WorkerError as exc:
        if isinstance(exc, STOPPED):
            await shared.database.run(
                owndecks.note_stopped_file,
                learner_id=owner.id,
                first_name=owner.first_name,
                now=shared.clock(),
            )
        return worker_refusal(exc, file_name)
    return parsed


async def import_document(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    user: User,
    document: Document,
    *,
    in_group: bool = False,
) -> None:
    """Import a document as the sender's deck and reply with what came of it."""
    shared = services(context)
    name = (document.file_name or "deck")[:255]
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        # Refused before downloading: the size Telegram reports is enough.
        metrics_of(context).count_deck_file("refused")
        await message.reply_text(TOO_BIG.format(name=name, size=document.file_size / 1024 / 1024))
        return
    # The hourly quota is checked before the file is downloaded and read, not only when
    # its items are stored: a file past it costs no worker time.
    refusal = await shared.database.run(
        quotas.import_refusal, learner_id=user.id, now=shared.clock()
    )
    if refusal is not None:
        metrics_of(context).count_deck_file("refused")
        await message.reply_text(refusal)
        return
    await message.reply_chat_action(ChatAction.TYPING)
    parsed = await read_deck(shared, context, document.file_id, name, owner=user)
    if isinstance(parsed, str):
        metrics_of(context).count_deck_file("refused")
        await message.reply_text(parsed)
        return
    try:
        result = await shared.database.run_long(
            owndecks.receive_file,
            learner_id=user.id,
            first_name=user.first_name,
            parsed=parsed,
            file_id=document.file_id,
            file_name=name,
            now=shared.clock(),
        )
    except owndecks.DeckError as exc:
        metrics_of(context).count_deck_file("refused")
        await message.reply_text(str(exc))
        return
    if isinstance(result, owndecks.NeedsConfirm):
        metrics_of(context).count_deck_file("confirm")
        title = escape(result.title)
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        CONFIRM_YES.format(title=result.title),
                        callback_data=shared.codec.pack(
                            ConfirmReplace(deck=result.number), owner_id=user.id
                        ),
                    )
                ],
                [
                    InlineKeyboardButton(
                        CONFIRM_NO,
                        callback_data=shared.codec.pack(CancelDeckAction(), owner_id=user.id),
                    )
                ],
            ]
        )
        await message.reply_text(
            CONFIRM.format(title=title), parse_mode=ParseMode.HTML, reply_markup=markup
        )
        return
    metrics_of(context).count_deck_file("replaced" if result.replaced else "imported")
    history = await carry_history(shared, user, parsed, result, name)
    await message.reply_text(
        render_imported(parsed, result, in_group=in_group, history=history),
        parse_mode=ParseMode.HTML,
        reply_markup=None if in_group else study_markup(shared, result, user.id),
    )


async def carry_history(
    shared: Services, user: User, parsed: ParsedDeck, imported: owndecks.Imported, name: str
) -> str | None:
    """Keep a collection's review history as the sender's progress (its memories replayed
    in the worker); what the import's reply says of it, None when the file has none."""
    if not parsed.history:
        return None
    if not progress.carries_progress(name):
        count = sum(len(reviews) for reviews in parsed.history.values())
        return HISTORY_LEFT.format(count=f"{count:,}")
    plan = await shared.database.run_long(
        progress.plan, learner_id=user.id, deck_number=imported.number, parsed=parsed
    )
    if not plan.new:
        return HISTORY_HELD
    learner = await shared.database.run(
        study.start_learner, learner_id=user.id, first_name=user.first_name, now=shared.clock()
    )
    try:
        memories = await shared.fit_in_worker(
            replay_all, plan.histories, learner.desired_retention, learner.fsrs_parameters
        )
    except workers.WorkerError as exc:
        log.warning("history of %s for %s not carried over: %s", name, user.id, exc)
        return HISTORY_FAILED
    carried = await shared.database.run_long(
        progress.carry,
        learner_id=user.id,
        plan=plan,
        memories=memories,
        now=shared.clock(),
        zone=study.learner_zone(learner, shared.settings.default_timezone),
    )
    return HISTORY_CARRIED.format(
        reviews=f"{carried.reviews:,}",
        items=quantity(carried.items, "card"),
        due=f"{carried.due_today:,}",
    )


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file in a private chat: imported as the sender's deck."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.document is not None
    await import_document(message, context, user, message.document)


async def on_group_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A file in a group: imported for its sender only when it replies to the bot (a class
    chat's other files are none of its business)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.document is None:
        return
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return
    await import_document(message, context, user, message.document, in_group=True)


async def on_confirm_replace(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ConfirmReplace
) -> None:
    """Replace: the waiting file is read again and replaces the deck of its name."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    user = query.from_user
    waiting = await shared.database.run(
        owndecks.waiting_file, learner_id=user.id, deck_number=payload.deck, now=shared.clock()
    )
    if waiting is None:
        await asyncio.gather(
            query.answer(NOTHING_WAITS), edit_message(query.message, NOTHING_WAITS, None)
        )
        return
    await query.answer(REPLACING)
    parsed = await read_deck(shared, context, waiting.file_id, waiting.file_name, owner=user)
    if isinstance(parsed, str):
        metrics_of(context).count_deck_file("refused")
        await edit_message(query.message, escape(parsed), None)
        return
    try:
        result = await shared.database.run_long(
            owndecks.replace_confirmed,
            learner_id=user.id,
            deck_number=payload.deck,
            file_id=waiting.file_id,
            parsed=parsed,
            now=shared.clock(),
        )
    except owndecks.DeckError as exc:
        metrics_of(context).count_deck_file("refused")
        await edit_message(query.message, escape(str(exc)), None)
        return
    if result is None:
        await edit_message(query.message, NOTHING_WAITS, None)
        return
    metrics_of(context).count_deck_file("replaced")
    history = await carry_history(shared, user, parsed, result, waiting.file_name)
    await edit_message(
        query.message,
        render_imported(parsed, result, history=history),
        study_markup(shared, result, user.id),
    )


async def on_study_deck(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: StudyDeck
) -> None:
    """Study now: the learner's reviews come from the deck; its first card at once (its
    first question, or prompt, when it has no cards)."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    user = query.from_user
    focused = await shared.database.run(
        deckpage.focus_on,
        library=shared.library,
        learner_id=user.id,
        first_name=user.first_name,
        deck_number=payload.deck,
        now=shared.clock(),
    )
    if focused is None:
        await query.answer(DECK_GONE)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if focused.paused:
        # The import's reply says what Study now changed (and its button has done its job).
        note = STUDYING.format(
            title=escape(focused.title), decks=quantity(focused.paused, "other deck")
        )
        room = MESSAGE_LIMIT - shown_length(note) - 2
        text = f"{fit(query.message.text_html, room)}\n\n{note}"
        await edit_message(query.message, text, None)
    start = StartReview if focused.cards else StartQuiz if focused.questions else StartExplain
    send = shared.senders[start]
    await send(query.message, context, user_id=user.id, first_name=user.first_name)


BUTTONS: dict[type, ButtonHandler] = {
    ConfirmReplace: on_confirm_replace,
    StudyDeck: on_study_deck,
}
