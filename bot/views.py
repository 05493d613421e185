"""Texts and keyboards that several features show: each lives here once, and a handler
that shows it imports it from here (handlers never import each other)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, Message

from bot.callbacks import CallbackCodec, RunDemo
from tutor.demo import DemoRunner
from tutor.domain.scheduling import Rating

# A card's four ratings (Anki's): under a revealed card, and under a graded explain answer.
RATING_LABELS = {
    Rating.AGAIN: "Again",
    Rating.HARD: "Hard",
    Rating.GOOD: "Good",
    Rating.EASY: "Easy",
}
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
