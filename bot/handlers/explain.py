"""/explain: one open prompt, the learner's next message as the answer, a graded reply.

The reply carries the four ratings with the grader's suggestion marked: the suggestion is
stored as the review at once, and one tap on another rating replaces that review (the
learner has the last word), once.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import CallbackCodec, ChangeRating, StartExplain
from bot.format import MESSAGE_LIMIT, escape, fit, long_duration, shown_length
from bot.metrics import metrics_of
from bot.services import AnswerHandler, ButtonHandler, answer_then_send, services
from bot.telegram_io import answer_quietly, show_in_place
from bot.views import NOT_TEXT, OTHER_MESSAGE, PROMPT_PART, RATING_LABELS, render_grade
from tutor.domain.scheduling import Rating
from tutor.services import explain
from tutor.services.awaiting import ExplainAnswer

PROMPT = "<b>Explain it in your own words</b> · {deck}" + PROMPT_PART
PLACEHOLDER = "Your explanation"
ANOTHER_PROMPT = "Another prompt"
NO_PROMPTS = "Your decks have no explain prompts. Switch on another deck in /decks."
SUGGESTED = "{label} ✓"
RATED = (
    "Rated <b>{rating}</b>: next review in {delta}. <i>Disagree? Tap another rating (once).</i>"
)
RATE_YOURSELF = (
    "Counted as <b>{rating}</b> (next review in {delta}) until you tap your own rating (once)."
)
CHANGED = "Changed to <b>{rating}</b>: next review in {delta}."
CHANGED_TOAST = "Changed to {rating}: next review in {delta}."
KEPT = "{rating} it is: next review in {delta}."
ALREADY_CHANGED = "You already changed this rating: it can be changed once."
STALE = "This answer's rating can no longer be changed."
INVALID_RATING = "This button is not valid."


def render_reply(result: explain.ExplainResult, *, now: datetime) -> str:
    """The graded reply: the grade, the model answer, and the rating it was stored with
    (always kept whole: the grade is cut first if Telegram's limit requires it); when the
    grader could not tell, that rating only stands until the learner rates themselves."""
    line = RATE_YOURSELF if result.grade.unsure else RATED
    rated = line.format(rating=RATING_LABELS[result.rating], delta=long_duration(result.due - now))
    room = MESSAGE_LIMIT - shown_length(rated) - 2
    return fit(render_grade(result.grade, result.prompt.model_answer), room) + "\n\n" + rated


def reply_markup(
    result: explain.ExplainResult, *, codec: CallbackCodec, owner_id: int
) -> InlineKeyboardMarkup:
    """Again / Hard / Good / Easy with the suggested rating marked (none when the grader
    could not tell), then Another prompt."""
    suggested = None if result.grade.unsure else result.rating
    ratings = [
        InlineKeyboardButton(
            SUGGESTED.format(label=label) if rating is suggested else label,
            callback_data=codec.pack(
                ChangeRating(review_id=result.review_id, rating=int(rating)), owner_id=owner_id
            ),
        )
        for rating, label in RATING_LABELS.items()
    ]
    return InlineKeyboardMarkup([ratings, [another_prompt_button(codec, owner_id=owner_id)]])


def another_prompt_button(codec: CallbackCodec, *, owner_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        ANOTHER_PROMPT, callback_data=codec.pack(StartExplain(), owner_id=owner_id)
    )


def render_changed(shown: str, *, rating: Rating, delta: str) -> str:
    """The reply as shown (HTML) with its last paragraph, the rating, saying it changed."""
    graded, _, _rated = shown.rpartition("\n\n")
    changed = CHANGED.format(rating=RATING_LABELS[rating], delta=delta)
    return fit(graded or shown, MESSAGE_LIMIT - shown_length(changed) - 2) + "\n\n" + changed


async def send_prompt(
    message: Message, context: ContextTypes.DEFAULT_TYPE, *, user_id: int, first_name: str
) -> None:
    """Pick the learner's next prompt and ask it in reply to ``message``."""
    shared = services(context)
    now = shared.clock()
    shown = await shared.database.run(
        explain.ask, library=shared.library, learner_id=user_id, first_name=first_name, now=now
    )
    if shown is None:
        await message.reply_text(NO_PROMPTS)
        return
    text = PROMPT.format(
        deck=escape(shown.deck_title),
        prompt=escape(shown.prompt.prompt),
        hint=escape(shown.prompt.hint),
    )
    await message.reply_text(
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=ForceReply(input_field_placeholder=PLACEHOLDER),
    )


async def explain_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask one open prompt; the learner's next text message answers it."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    await send_prompt(message, context, user_id=user.id, first_name=user.first_name)


async def on_start_explain(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: StartExplain
) -> None:
    """The Another prompt button."""
    await answer_then_send(update, context, send_prompt)


async def on_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, waiting: ExplainAnswer
) -> None:
    """The message after a prompt: graded as its answer (a message without text is asked
    for one)."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    now = shared.clock()
    answered = await shared.database.run(
        explain.reply,
        library=shared.library,
        learner_id=user.id,
        first_name=user.first_name,
        answer=message.text,
        now=now,
    )
    # Replies go out after the unit of work: no transaction is held across a network call.
    if answered.pending and message.text is None:
        await message.reply_text(NOT_TEXT)
        return
    result = answered.result
    if result is None:
        # The prompt went meanwhile (answered, or its deck switched off): an ordinary message.
        await message.reply_text(OTHER_MESSAGE)
        return
    metrics_of(context).count_review("explain")
    await message.reply_text(
        render_reply(result, now=now),
        parse_mode=ParseMode.HTML,
        reply_markup=reply_markup(result, codec=shared.codec, owner_id=user.id),
    )


async def on_change_rating(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ChangeRating
) -> None:
    """A rating under a graded answer: replace the review's rating (once), then say so."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    try:
        rating = Rating(payload.rating)
    except ValueError:
        await query.answer(INVALID_RATING)
        return
    now = shared.clock()
    rerated = await shared.database.run(
        explain.change_rating,
        learner_id=query.from_user.id,
        review_id=payload.review_id,
        rating=rating,
    )
    if rerated.outcome is explain.Change.ALREADY_CHANGED:
        await query.answer(ALREADY_CHANGED)
        return
    if rerated.outcome is explain.Change.STALE:
        await query.answer(STALE)
        return
    assert rerated.rating is not None and rerated.due is not None
    delta = long_duration(rerated.due - now)
    label = RATING_LABELS[rerated.rating]
    if rerated.outcome is explain.Change.KEPT:
        await query.answer(KEPT.format(rating=label, delta=delta))
        return
    # The change is stored: the learner hears it in the toast and in the reply, whose
    # rating buttons are spent (only Another prompt stays).
    toast = CHANGED_TOAST.format(rating=label, delta=delta)
    message = query.message
    if not isinstance(message, Message) or not message.text:
        await answer_quietly(query, toast)
        return
    text = render_changed(message.text_html, rating=rerated.rating, delta=delta)
    markup = InlineKeyboardMarkup(
        [[another_prompt_button(shared.codec, owner_id=query.from_user.id)]]
    )
    await asyncio.gather(
        answer_quietly(query, toast),
        show_in_place(message, text, markup, chat_id=message.chat.id, bot=context.bot),
    )


BUTTONS: dict[type, ButtonHandler] = {
    StartExplain: on_start_explain,
    ChangeRating: on_change_rating,
}
ANSWERS: dict[type, AnswerHandler] = {ExplainAnswer: on_answer}
