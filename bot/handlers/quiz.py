"""/quiz in a private chat: five multiple-choice questions, a verdict after each, a score."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import AnswerQuiz, CallbackCodec, StartQuiz
from bot.format import CALLBACK_ANSWER_LIMIT, CAPTION_LIMIT, escape, fit
from bot.metrics import metrics_of
from bot.services import ButtonHandler, answer_then_send, edit_message, services
from tutor.demo import DemoError
from tutor.services import quiz
from tutor.services.whichrun import WhichRunError

LETTERS = "ABCD"
QUESTION = "<b>Quiz {number}/{total}</b> · {deck}\n\n{question}\n\n{options}"
PHOTO_QUESTION = "<b>Quiz {number}/{total}</b> · {deck}\n\n{question}"
NO_RUN = "I could not train the runs for this question just now. Send /quiz for a new round."
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
    quiz.AnswerOutcome.NEEDS_RUN: "This question is no longer available.",
}


def render_question(
    shown: quiz.QuestionToShow, *, codec: CallbackCodec, owner_id: int, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """The question with lettered options in the text and one button per letter; a question
    on a plot (its photo) is its caption, with one button per option text."""
    if shown.photo is not None:
        return _render_on_photo(shown, codec=codec, owner_id=owner_id, now=now)
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
    labels = [LETTERS[k] for k in range(len(shown.order))]
    buttons = _answer_buttons(shown, labels, codec=codec, owner_id=owner_id, now=now)
    return text, InlineKeyboardMarkup([buttons])


def _answer_buttons(
    shown: quiz.QuestionToShow,
    labels: list[str],
    *,
    codec: CallbackCodec,
    owner_id: int,
    now: datetime,
) -> list[InlineKeyboardButton]:
    """One button per option as shown, labelled ``labels``, carrying the deck's index."""
    return [
        InlineKeyboardButton(
            label,
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
        for label, original in zip(labels, shown.order, strict=True)
    ]


def _render_on_photo(
    shown: quiz.QuestionToShow, *, codec: CallbackCodec, owner_id: int, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    caption = PHOTO_QUESTION.format(
        number=shown.index + 1,
        total=shown.total,
        deck=escape(shown.deck_title),
        question=escape(shown.question.question),
    )
    labels = list(shown.shown_options)
    buttons = _answer_buttons(shown, labels, codec=codec, owner_id=owner_id, now=now)
    rows = [buttons[:2], buttons[2:]] if len(buttons) == 4 else [buttons]
    return fit(caption, CAPTION_LIMIT), InlineKeyboardMarkup(rows)


async def made(
    shown: quiz.QuestionToShow | quiz.RunToMake,
    context: ContextTypes.DEFAULT_TYPE,
    *,
    user_id: int,
) -> quiz.QuestionToShow | str:
    """The question to show; a run question's runs are trained first, in the demo pool (or
    found in the cache). A text to send instead when they cannot be."""
    if isinstance(shown, quiz.QuestionToShow):
        return shown
    demos = services(context).demos
    if demos is None:
        return NO_RUN
    try:
        instance = await shown.template.make_instance(shown.seed, demos, requester_id=user_id)
    except DemoError as exc:
        return str(exc)
    except WhichRunError:
        return NO_RUN
    return quiz.show_made(shown, instance)


async def send_question(
    message: Message,
    context: ContextTypes.DEFAULT_TYPE,
    shown: quiz.QuestionToShow | quiz.RunToMake,
    *,
    user_id: int,
    now: datetime,
    reply: bool,
) -> None:
    """Send a question under ``message`` (as a reply to it, or as the next message)."""
    ready = await made(shown, context, user_id=user_id)
    if isinstance(ready, str):
        await message.chat.send_message(ready)
        return
    text, markup = render_question(ready, codec=services(context).codec, owner_id=user_id, now=now)
    if ready.photo is not None:
        send_photo = message.reply_photo if reply else message.chat.send_photo
        await send_photo(ready.photo, caption=text, parse_mode=ParseMode.HTML, reply_markup=markup)
    elif reply:
        await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    else:
        await message.chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _edit(message: object, text: str) -> None:
    """Replace the answered question with its verdict (the caption, under a plot)."""
    if isinstance(message, Message) and message.photo:
        await message.edit_caption(fit(text, CAPTION_LIMIT), parse_mode=ParseMode.HTML)
    else:
        await edit_message(message, text, None)


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
        with_runs=shared.demos is not None,
    )
    if first is None:
        await message.reply_text(NO_QUESTIONS)
        return
    await send_question(message, context, first, user_id=user_id, now=now, reply=True)


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
    result = await _answer(context, query.from_user.id, query.from_user.first_name, payload, now)
    if result.outcome is quiz.AnswerOutcome.NEEDS_RUN and result.run is not None:
        # Its runs were not in the cache any more (a restart): train them, then grade.
        ready = await made(result.run, context, user_id=query.from_user.id)
        if isinstance(ready, str):
            await query.answer(fit(ready, CALLBACK_ANSWER_LIMIT, is_html=False))
            return
        result = await _answer(
            context, query.from_user.id, query.from_user.first_name, payload, now
        )
    if result.outcome is not quiz.AnswerOutcome.RECORDED:
        await query.answer(NOTICES[result.outcome])
        return
    assert result.question is not None
    metrics_of(context).count_review("quiz")
    metrics_of(context).count_quiz_answer(correct=result.correct)
    verdict = render_verdict(
        result, number=payload.index + 1, total=result.total, deck=result.deck_title
    )
    await asyncio.gather(
        query.answer(TOAST_RIGHT if result.correct else TOAST_WRONG),
        _edit(query.message, verdict),
    )
    if not isinstance(query.message, Message):
        return
    if result.next_question is not None:
        await send_question(
            query.message,
            context,
            result.next_question,
            user_id=query.from_user.id,
            now=now,
            reply=False,
        )
        return
    text = render_round_over(result.score, result.total)
    button = InlineKeyboardButton(
        ANOTHER_ROUND, callback_data=shared.codec.pack(StartQuiz(), owner_id=query.from_user.id)
    )
    markup = InlineKeyboardMarkup([[button]])
    await query.message.chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _answer(
    context: ContextTypes.DEFAULT_TYPE,
    user_id: int,
    first_name: str,
    payload: AnswerQuiz,
    now: datetime,
) -> quiz.AnswerResult:
    shared = services(context)
    return await shared.database.run(
        quiz.answer_question,
        library=shared.library,
        learner_id=user_id,
        first_name=first_name,
        round_id=payload.round_id,
        index=payload.index,
        chosen=payload.chosen,
        now=now,
        rng=shared.rng,
        shown_at=datetime.fromtimestamp(payload.shown_at, UTC),
    )


BUTTONS: dict[type, ButtonHandler] = {StartQuiz: on_start_quiz, AnswerQuiz: on_answer}
