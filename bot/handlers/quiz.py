"""/quiz in a private chat: five multiple-choice questions, a verdict after each, a score."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import AnswerQuiz, CallbackCodec, StartQuiz
from bot.format import escape
from bot.metrics import metrics_of
from bot.services import ButtonHandler, answer_then_send, edit_message, services
from tutor import quiz

LETTERS = "ABCD"
QUESTION = "<b>Quiz {number}/{total}</b> · {deck}\n\n{question}\n\n{options}"
RIGHT = "✅ <b>Right!</b> {answer}"
WRONG = "❌ <b>Not quite.</b> You picked: {picked}"
CORRECT_WAS = "Right answer: <b>{answer}</b>"
WHY_WRONG = "<i>{reason}</i>"
ROUND_OVER = "<b>Round over: {score}/{total}</b>\n{comment}"
COMMENTS = (
    (1.0, "Perfect round!"),
    (0.6, "Well done. The ones you missed come back sooner."),
    (0.0, "These will come back soon; each round makes them stick."),
)
ANOTHER_ROUND = "Another round"
NO_QUESTIONS = "Your decks have no quiz questions. Switch on another deck in /decks."
TOAST_RIGHT = "Right!"
TOAST_WRONG = "Not quite."
NOTICES = {
    quiz.AnswerOutcome.ALREADY_ANSWERED: "You already answered this question.",
    quiz.AnswerOutcome.ROUND_OVER: "This round is over. Send /quiz for a new one.",
    quiz.AnswerOutcome.UNKNOWN: "This question is no longer available.",
}


def render_question(
    shown: quiz.QuestionToShow, *, codec: CallbackCodec, owner_id: int, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """The question with lettered options in the text and one button per letter."""
    options = "\n".join(
        f"<b>{LETTERS[k]}.</b> {escape(text)}" for k, text in enumerate(shown.shown_options)
    )
    text = QUESTION.format(
        number=shown.index + 1,
        total=shown.total,
        deck=escape(shown.deck_title),
        question=escape(shown.question.question),
        options=options,
    )
    buttons = [
        InlineKeyboardButton(
            LETTERS[k],
            callback_data=codec.pack(
                AnswerQuiz(
                    round_id=shown.round_id,
                    index=shown.index,
                    chosen=original,
                    shown_at=int(now.timestamp()),
                ),
                owner_id=owner_id,
            ),
        )
        for k, original in enumerate(shown.order)
    ]
    return text, InlineKeyboardMarkup([buttons])


def render_verdict(result: quiz.AnswerResult, *, number: int, total: int, deck: str) -> str:
    """The answered question: right or wrong, the correct answer, the explanation."""
    question = result.question
    assert question is not None
    correct = question.options[question.correct_index]
    lines = [f"<b>Quiz {number}/{total}</b> · {escape(deck)}", "", escape(question.question), ""]
    if result.correct:
        lines.append(RIGHT.format(answer=escape(correct.text)))
    else:
        picked = question.options[result.chosen]
        lines.append(WRONG.format(picked=escape(picked.text)))
        if picked.why_wrong:
            lines.append(WHY_WRONG.format(reason=escape(picked.why_wrong)))
        lines.append(CORRECT_WAS.format(answer=escape(correct.text)))
    lines += ["", escape(question.explanation)]
    if question.note:
        lines += ["", f"<i>{escape(question.note)}</i>"]
    return "\n".join(lines)


def render_round_over(score: int, total: int) -> str:
    share = score / total if total else 0.0
    comment = next(text for threshold, text in COMMENTS if share >= threshold)
    return ROUND_OVER.format(score=score, total=total, comment=comment)


async def send_round(
    message: Message, context: ContextTypes.DEFAULT_TYPE, *, user_id: int, first_name: str
) -> None:
    """Start a round and send its first question in reply to ``message``."""
    shared = services(context)
    now = shared.clock()
    first = await shared.database.run(
        quiz.start_round,
        library=shared.library,
        learner_id=user_id,
        first_name=first_name,
        now=now,
        rng=shared.rng,
    )
    if first is None:
        await message.reply_text(NO_QUESTIONS)
        return
    text, markup = render_question(first, codec=shared.codec, owner_id=user_id, now=now)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def quiz_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Start a round of multiple-choice questions."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    await send_round(message, context, user_id=user.id, first_name=user.first_name)


async def on_start_quiz(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: StartQuiz
) -> None:
    """The Another round button."""
    await answer_then_send(update, context, send_round)


async def on_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: AnswerQuiz
) -> None:
    """An option pressed: store the review, show the verdict, then the next question."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    now = shared.clock()
    result = await shared.database.run(
        quiz.answer_question,
        library=shared.library,
        learner_id=query.from_user.id,
        first_name=query.from_user.first_name,
        round_id=payload.round_id,
        index=payload.index,
        chosen=payload.chosen,
        now=now,
        rng=shared.rng,
        shown_at=datetime.fromtimestamp(payload.shown_at, UTC),
    )
    if result.outcome is not quiz.AnswerOutcome.RECORDED:
        await query.answer(NOTICES[result.outcome])
        return
    assert result.question is not None
    metrics_of(context).count_review("quiz")
    metrics_of(context).count_quiz_answer(correct=result.correct)
    deck = shared.library.decks[shared.library.deck_of[result.question.id]].title
    verdict = render_verdict(result, number=payload.index + 1, total=result.total, deck=deck)
    await asyncio.gather(
        query.answer(TOAST_RIGHT if result.correct else TOAST_WRONG),
        edit_message(query.message, verdict, None),
    )
    if not isinstance(query.message, Message):
        return
    if result.next_question is not None:
        text, markup = render_question(
            result.next_question, codec=shared.codec, owner_id=query.from_user.id, now=now
        )
    else:
        text = render_round_over(result.score, result.total)
        button = InlineKeyboardButton(
            ANOTHER_ROUND,
            callback_data=shared.codec.pack(StartQuiz(), owner_id=query.from_user.id),
        )
        markup = InlineKeyboardMarkup([[button]])
    await query.message.chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)


BUTTONS: dict[type, ButtonHandler] = {StartQuiz: on_start_quiz, AnswerQuiz: on_answer}
