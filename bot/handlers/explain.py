"""/explain: one open prompt, the learner's next message as the answer, a graded reply."""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import StartExplain
from bot.format import escape
from bot.handlers import start
from bot.metrics import metrics_of
from bot.services import ButtonHandler, answer_then_send, services
from tutor import explain
from tutor.grading import Grade

PROMPT = (
    "<b>Explain it in your own words</b> · {deck}\n\n{prompt}\n\n"
    "<i>Hint: {hint}</i>\n\nAnswer in one message (a few sentences), or send /cancel."
)
PLACEHOLDER = "Your explanation"
SCORE = "<b>You covered {covered}/{total} key ideas.</b>"
COVERED = "✅ {name}"
MISSED = "▫️ {name} <i>(missed)</i>"
MODEL_ANSWER = "<b>A model answer</b>\n{answer}"
EMPTY = "I didn't find an answer in that message. Have a look at a model answer:"
OFF_TOPIC = (
    "That doesn't touch the key ideas yet. No worries: read the model answer and try "
    "this prompt again when it comes back."
)
ALL_COVERED = "Excellent: every key idea is there."
ANOTHER_PROMPT = "Another prompt"
NO_PROMPTS = "Your decks have no explain prompts. Switch on another deck in /decks."
CANCELLED = "Prompt dropped. Send /explain for a new one."
NOTHING_TO_CANCEL = "There is nothing to cancel."
NOT_TEXT = "Please answer the prompt in text, or send /cancel."


def render_grade(grade: Grade, model_answer: str) -> str:
    """The score, each key idea covered or missed, and a model answer."""
    total = len(grade.covered) + len(grade.missed)
    lines = []
    if grade.empty:
        lines.append(EMPTY)
    else:
        lines.append(SCORE.format(covered=len(grade.covered), total=total))
        if grade.off_topic:
            lines.append(OFF_TOPIC)
        elif not grade.missed:
            lines.append(ALL_COVERED)
        lines.append("")
        lines += [COVERED.format(name=escape(name)) for name in grade.covered]
        lines += [MISSED.format(name=escape(name)) for name in grade.missed]
    lines += ["", MODEL_ANSWER.format(answer=escape(model_answer))]
    return "\n".join(lines)


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


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Drop the prompt waiting for an answer."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    dropped = await shared.database.run(explain.cancel, learner_id=user.id)
    await message.reply_text(CANCELLED if dropped else NOTHING_TO_CANCEL)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: the answer to a pending prompt, else a pointer to the commands."""
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
        await start.other_message(update, context)
        return
    metrics_of(context).count_review("explain")
    button = InlineKeyboardButton(
        ANOTHER_PROMPT, callback_data=shared.codec.pack(StartExplain(), owner_id=user.id)
    )
    await message.reply_text(
        render_grade(result.grade, result.prompt.model_answer),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[button]]),
    )


BUTTONS: dict[type, ButtonHandler] = {StartExplain: on_start_explain}
