"""The private chat's front door: /start, /help, unknown commands, every message that is not a
command (sent to what waits for it, see tutor.services.awaiting), and /cancel."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import StartReview
from bot.format import escape, fit
from bot.services import services
from bot.views import OTHER_MESSAGE
from tutor.services import awaiting, owndecks, sharing, study

GREETING = (
    "Hi {name}! I'm your learning-rate tutor.\n\n"
    "The learning rate decides whether a neural network learns slowly, well, or not at "
    "all. I teach it with short flashcards and spaced review: you rate how well you "
    "remembered each card, and I bring it back just before you would forget it.\n\n"
    "Your decks: {decks}.\nTap below for your first cards, or send /help."
)
# A learner who has been here before is greeted as one, not told what the bot is again.
GREETING_BACK = (
    "Welcome back, {name}!\n\nYour decks: {decks}.\nTap below to go on where you left off, or "
    "send /help."
)
FOCUSED = "\n\nThis link picked the deck <b>{title}</b>: your reviews come from it."
ADDED = (
    "\n\nThis link added the deck <b>{title}</b> to your decks: your reviews come from it "
    "(/decks switches others on)."
)
SHARE_PREFIX = "deck-"
BAD_SHARE_LINK = (
    "This deck link does not work: it was mistyped, or its owner deleted the deck. "
    "Send /decks to see your decks."
)
START_BUTTON = "Start reviewing"
HELP = (
    "<b>What I can do</b>\n"
    "/review — your next due or new flashcard, rated Again / Hard / Good / Easy\n"
    "/quiz — a round of 5 multiple-choice questions\n"
    "/explain — explain a concept in your own words; I grade the key ideas\n"
    "/cancel — drop what waits for your next message (a prompt, a deck's new name or file)\n"
    "/demo — train a small network and see its loss curves (/demo lr 0.001 0.1 1.5)\n"
    "/predict — guess what the loss will do at a learning rate, then see the real run\n"
    "/stats — your progress, with a chart\n"
    "/decks — switch decks on or off; rename, replace, delete or share your own\n"
    "/export — your progress as CSV, and your own decks as files\n"
    "/homework — what your classes assigned you, with due dates\n"
    "/settings — reminder time, time zone, new cards per day, retention\n"
    "/remind 07:30 — your daily reminder time (/remind off to stop)\n"
    "/timezone Europe/Berlin — your time zone\n"
    "/forget — delete everything stored about you\n"
    "Send me a file (CSV / TSV, Markdown, YAML, Anki .apkg) to study it as your own deck.\n"
    "/start — the welcome message and your first cards\n"
    "/help — this list\n\n"
    "In a class group I run quizzes and homework (/homework there); its admins get a report "
    "after each quiz and at each homework's due date here, and /report and /export there "
    "send the class's figures and answers here."
)
UNKNOWN_COMMAND = "I don't know {command}. Send /help to see what I can do."
# /cancel: a line for each question it dropped, the one the next message answered first.
CANCELLED = {
    awaiting.DeckRename: "Rename cancelled.",
    awaiting.ExplainAnswer: "Prompt dropped. Send /explain for a new one.",
    awaiting.DeckReplace: "Replace cancelled.",
    awaiting.FileToConfirm: "Replace cancelled.",
    awaiting.HomeworkExplainAnswer: "Prompt dropped. Send /homework to go on with your homework.",
}
NOTHING_TO_CANCEL = "There is nothing to cancel."


async def start_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the learner, create them on first contact, and offer the first cards; a deep
    link picks a deck (``lr-basics``), adds a shared one (``deck-<code>``) or goes to what a
    feature registered for its prefix (``hw-<code>``: a homework)."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    payload = context.args[0] if context.args else None
    for prefix, opens in shared.links.items():
        if payload is not None and payload.startswith(prefix):
            await opens(update, context, payload[len(prefix) :])
            return
    now = shared.clock()
    extra = ""
    if payload is not None and payload.startswith(SHARE_PREFIX):
        try:
            added = await shared.database.run(
                sharing.open_share_link,
                library=shared.library,
                learner_id=user.id,
                first_name=user.first_name,
                code=payload[len(SHARE_PREFIX) :],
                now=now,
            )
        except owndecks.DeckError as exc:
            await message.reply_text(str(exc))
            return
        if added is None:
            await message.reply_text(BAD_SHARE_LINK)
            return
        learner, library = added.learner, added.library
        extra = (FOCUSED if added.mine else ADDED).format(title=escape(added.title))
    else:
        welcomed = await shared.database.run(
            study.welcome,
            library=shared.library,
            learner_id=user.id,
            first_name=user.first_name,
            now=now,
            deck_id=payload,
        )
        learner, library = welcomed.learner, welcomed.library
        if payload in library.decks:
            extra = FOCUSED.format(title=escape(library.decks[payload].title))
    decks = ", ".join(escape(library.decks[d].title) for d in study.active_decks(library, learner))
    greeting = GREETING_BACK if learner.created_at < now else GREETING
    text = fit(greeting.format(name=escape(user.first_name), decks=decks) + extra)
    button = InlineKeyboardButton(
        START_BUTTON, callback_data=shared.codec.pack(StartReview(), owner_id=user.id)
    )
    await message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup([[button]])
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List every command with one line each."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(HELP, parse_mode=ParseMode.HTML)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a command the bot does not have with a pointer to /help."""
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0][:40]
    await message.reply_text(UNKNOWN_COMMAND.format(command=command))


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A private message that is not a command: to what waits for it, else a pointer."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    waiting = await shared.database.run(awaiting.awaiting, learner_id=user.id, now=shared.clock())
    # A deck replace or a file waiting for its confirm is answered by a file or a button,
    # never by a message here: those, and stray text (or stickers, photos, ...), get a pointer.
    answer = None if waiting is None else shared.answers.get(type(waiting))
    if answer is None:
        await message.reply_text(OTHER_MESSAGE)
        return
    await answer(update, context, waiting)


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop everything that waits for the learner's next message, and say what it was."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    dropped = await shared.database.run(
        awaiting.cancel_awaiting, learner_id=user.id, now=shared.clock()
    )
    lines = dict.fromkeys(CANCELLED[type(waiting)] for waiting in dropped)
    await message.reply_text("\n".join(lines) or NOTHING_TO_CANCEL)
