"""Texts and keyboards that several features show: each lives here once, and a handler
that shows it imports it from here (handlers never import each other)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Message

from bot.callbacks import CallbackCodec, RunDemo
from bot.format import escape
from tutor.demo import DemoRunner
from tutor.domain.grading import Grade
from tutor.domain.scheduling import Rating

# A card's four ratings (Anki's): under a revealed card, and under a graded explain answer.
RATING_LABELS = {
    Rating.AGAIN: "Again",
    Rating.HARD: "Hard",
    Rating.GOOD: "Good",
    Rating.EASY: "Easy",
}
# A card's front has this button; its back ends with the card's answer and the question.
SHOW_ANSWER = "Show answer"
ANSWER_PART = "\n\n<b>Answer</b>\n{back}\n\n<i>How well did you remember it?</i>"
# An explain prompt, under its first line (in /explain and in homework), and the reply to
# anything but text while it waits.
PROMPT_PART = (
    "\n\n{prompt}\n\n<i>Hint: {hint}</i>\n\nAnswer in one message (a few sentences), or send "
    "/cancel."
)
NOT_TEXT = "Please answer the prompt in text, or send /cancel."
# A private message nothing waits for (tutor.services.awaiting), or whose question is gone.
OTHER_MESSAGE = (
    "I read what you write as your answer to an /explain prompt, and a file you send as a "
    "deck of your own. To study, send /review; /help lists everything I can do."
)
# A deck switched on or off, in a learner's /decks and in a group's.
DECK_ON, DECK_OFF = "✅", "⬜"
# An own deck's button, or its file, after the deck was deleted (or is not theirs).
DECK_GONE = "That deck is no longer one of yours."
SEE_IT_RUN = "▶️ See it run"
WARMING_UP = "The trainer is warming up after a restart: your plot follows in a few seconds."


def counts(cards: int, questions: int, prompts: int) -> str:
    """ "120 cards, 15 questions, 2 explain prompts" (kinds it has none of left out)."""
    parts = [
        f"{n} {word}{'' if n == 1 else 's'}"
        for n, word in ((cards, "card"), (questions, "question"), (prompts, "explain prompt"))
        if n
    ]
    return ", ".join(parts) or "no items"


def demo_button(name: str, *, owner_id: int, codec: CallbackCodec) -> InlineKeyboardButton:
    """The "See it run" button a card with a demo shows on its revealed side."""
    return InlineKeyboardButton(
        SEE_IT_RUN, callback_data=codec.pack(RunDemo(name=name), owner_id=owner_id)
    )


async def note_warm_up(message: Message, runner: DemoRunner) -> None:
    """Says so when a demo asked now waits for the trainer to warm up (after a restart)."""
    if runner.warming_up:
        await message.reply_text(WARMING_UP)


# --- a graded explain answer: in /explain and in homework ---------------------------------
SCORE = "<b>You covered {covered}/{total} key ideas.</b>"
COVERED = "✅ {name}"
MISSED = "➖ {name} <i>(missed)</i>"
NOT_FOUND = "➖ {name} <i>(not found)</i>"
CONTRADICTED = "❌ {name} <i>(your answer says otherwise)</i>"
OTHER_WAY = "⚠️ <b>Careful:</b> part of your answer says the opposite of a key idea (marked ❌)."
UNSURE = (
    "I could not tell how much of this is right: I did not find these key ideas in your"
    " words. Compare with the model answer and rate yourself."
)
MODEL_ANSWER = "<b>A model answer</b>\n{answer}"
EMPTY = "I didn't find an answer in that message. Have a look at a model answer:"
OFF_TOPIC = (
    "That doesn't touch the key ideas yet. No worries: read the model answer and try "
    "this prompt again when it comes back."
)
ALL_COVERED = "Excellent: every key idea is there."
CAREFUL = "⚠️ <b>Careful:</b> {correction}"
NOTE = "ℹ️ {note}"


def render_cautions(grade: Grade) -> list[str]:
    """A "Careful:" line for each misconception the answer shows, with its correction, and
    the reason the rating is capped (a bare list of key phrases), when there is one."""
    lines = [CAREFUL.format(correction=escape(caution.correction)) for caution in grade.cautions]
    if grade.contradicted and not grade.cautions:
        lines.append(OTHER_WAY)
    if grade.note:
        lines.append(NOTE.format(note=escape(grade.note)))
    return lines


def render_grade(grade: Grade, model_answer: str) -> str:
    """The score, each key idea covered or missed, and a model answer."""
    total = len(grade.covered) + len(grade.missed)
    lines = []
    if grade.empty:
        lines.append(EMPTY)
    else:
        lines.append(SCORE.format(covered=len(grade.covered), total=total))
        lines += render_cautions(grade)
        if grade.off_topic:
            lines.append(OFF_TOPIC)
        elif grade.unsure:
            lines.append(UNSURE)
        elif not grade.missed:
            lines.append(ALL_COVERED)
        lines.append("")
        lines += [COVERED.format(name=escape(name)) for name in grade.covered]
        missed = NOT_FOUND if grade.unsure else MISSED
        lines += [
            (CONTRADICTED if name in grade.contradicted else missed).format(name=escape(name))
            for name in grade.missed
        ]
    lines += ["", MODEL_ANSWER.format(answer=escape(model_answer))]
    return "\n".join(lines)
