"""Homework in private: its items one at a time in one message (a card with Show answer and
the four ratings, a quiz question with its options, an explain prompt answered by the next
message), stopped and gone on with at will; /homework lists what is assigned."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.admins import MEMBER_STATUSES
from bot.callbacks import (
    CallbackCodec,
    HomeworkChoose,
    HomeworkGo,
    HomeworkRate,
    HomeworkReveal,
)
from bot.format import card_html, escape, fit
from bot.services import Services, services
from bot.telegram_io import answer_quietly, show_in_place
from bot.views import ANSWER_PART, NOT_TEXT, PROMPT_PART, RATING_LABELS, SHOW_ANSWER, render_grade
from tutor.domain.content import Card, ExplainPrompt, QuizQuestion
from tutor.domain.scheduling import Rating
from tutor.services import homework, homework_steps
from tutor.services.awaiting import HomeworkExplainAnswer
from tutor.services.quiz import shuffle_options

from .common import button, when

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

HEADER = "📚 <b>Homework</b> · {chat} · {number}/{total}{late}"
LATE = " · late"
PROMPT = "\n\n<b>Explain it in your own words</b>" + PROMPT_PART
YOUR_ANSWER = "Your answer: {answer}"
RIGHT = "✅ Right."
WRONG = "❌ Not quite: the answer is “{answer}”."
NEXT = "Next ▸"
DONE = "✅ <b>Homework done</b>: {title} ({chat}), {right}/{total} right.{late}"
DONE_LATE = " It came after the due date, and your teacher sees it so."
NOT_YOURS = "This homework is not assigned to you (or it was deleted)."
NOT_A_MEMBER = "This homework is for the members of {chat}: join the group first."
UNKNOWN_LINK = "This homework link does not work: it was mistyped, or the homework is gone."
ALREADY = "You answered this one already."
LIST_TITLE = "<b>Your homework</b>"
LIST_LINE = "{number}. {title} ({chat}): {answered}/{total} done, due {due}{late}"
LIST_LATE = " (past due: you can still do it)"
GO_ON = "{number}. Go on"
NO_HOMEWORK = "No homework is assigned to you right now."


def _header(step: homework_steps.Step, position: int | None = None) -> str:
    """The item's line above it: the homework, the chat, which item (``position``: another
    than the step's own, for a verdict shown after the step moved on)."""
    position = step.position if position is None else position
    assert position is not None
    return HEADER.format(
        chat=escape(step.chat_title or "your class"),
        number=position + 1,
        total=step.total,
        late=LATE if step.late else "",
    )


def _order(step: homework_steps.Step, owner: int) -> tuple[int, ...]:
    """A question's options in the order this member sees them (the same at every showing)."""
    assert isinstance(step.item, QuizQuestion)
    rng = random.Random(f"{step.homework_id}:{owner}:{step.position}")
    return shuffle_options(step.item, rng)


def render_step(
    step: homework_steps.Step, *, right: int, codec: CallbackCodec, owner: int, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A member's step as one message: the item with its buttons, or the end."""
    if step.item is None:
        return (
            DONE.format(
                title=escape(step.title),
                chat=escape(step.chat_title or "your class"),
                right=right,
                total=step.total,
                late=DONE_LATE if step.late else "",
            ),
            None,
        )
    assert step.position is not None
    shown = int(now.timestamp())
    item, head = step.item, _header(step)
    if isinstance(item, Card):
        reveal = button(
            SHOW_ANSWER,
            HomeworkReveal(step.homework_id, step.position, shown),
            codec=codec,
            owner=owner,
        )
        return fit(f"{head}\n\n{card_html(item.front)}"), InlineKeyboardMarkup([[reveal]])
    if isinstance(item, QuizQuestion):
        order = _order(step, owner)
        lines = [f"{head}\n\n<b>{escape(item.question)}</b>", ""]
        lines += [f"{n}. {escape(item.options[i].text)}" for n, i in enumerate(order, 1)]
        buttons = [
            button(str(n), HomeworkChoose(step.homework_id, step.position, shown, i),
                    codec=codec, owner=owner)
            for n, i in enumerate(order, 1)
        ]  # fmt: skip
        return fit("\n".join(lines)), InlineKeyboardMarkup([buttons])
    assert isinstance(item, ExplainPrompt)
    text = head + PROMPT.format(prompt=escape(item.prompt), hint=escape(item.hint))
    return fit(text), None


def _next_button(codec: CallbackCodec, homework_id: int, owner: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button(NEXT, HomeworkGo(homework_id), codec=codec, owner=owner)]]
    )


async def _right_so_far(shared: Services, step: homework_steps.Step, owner: int) -> int:
    return await shared.database.run(
        homework_steps.right_answers, homework_id=step.homework_id, learner_id=owner
    )


async def show_step(
    context: ContextTypes.DEFAULT_TYPE, message: object, step: homework_steps.Step, owner: int
) -> None:
    """Turn ``message`` (or a new one) into the member's step; an explain prompt waits for
    their next message from now on."""
    shared = services(context)
    now = shared.clock()
    if isinstance(step.item, ExplainPrompt) and step.position is not None:
        await shared.database.run(
            homework_steps.ask_prompt,
            homework_id=step.homework_id,
            learner_id=owner,
            position=step.position,
            now=now,
        )
    right = await _right_so_far(shared, step, owner) if step.finished else 0
    text, markup = render_step(step, right=right, codec=shared.codec, owner=owner, now=now)
    if message is None:
        await context.bot.send_message(owner, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return
    await show_in_place(message, text, markup, chat_id=owner, bot=context.bot)


async def open_link(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """/start hw-<code>: a member opens a homework from its Start button in the group."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    chat_id = await shared.database.run(homework_steps.chat_of_link, code=code)
    if chat_id is None:
        await message.reply_text(UNKNOWN_LINK)
        return
    try:
        member = await context.bot.get_chat_member(chat_id, user.id)
        present = member.status in MEMBER_STATUSES
    except TelegramError as exc:
        log.info("homework link of chat %s: membership of %s unknown: %s", chat_id, user.id, exc)
        present = False
    if not present:
        title = await shared.database.run(homework.chat_title, chat_id=chat_id)
        await message.reply_text(NOT_A_MEMBER.format(chat=title or "the class"))
        return
    step = await shared.database.run(
        homework_steps.open_link,
        code=code,
        learner_id=user.id,
        first_name=user.first_name,
        now=shared.clock(),
        default_zone=shared.settings.default_timezone,
    )
    if not isinstance(step, homework_steps.Step):
        await message.reply_text(UNKNOWN_LINK)
        return
    await show_step(context, None, step, user.id)


async def private_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/homework in private: what is assigned to the member, due first."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    now = shared.clock()
    found = await shared.database.run(homework_steps.assignments, learner_id=user.id, now=now)
    if not found:
        await message.reply_text(NO_HOMEWORK)
        return
    zone = await shared.database.run(
        homework_steps.learner_zone,
        learner_id=user.id,
        default_zone=shared.settings.default_timezone,
    )
    lines = [LIST_TITLE]
    buttons = []
    for number, assignment in enumerate(found, 1):
        lines.append(
            LIST_LINE.format(
                number=number,
                title=escape(assignment.title),
                chat=escape(assignment.chat_title or "your class"),
                answered=assignment.answered,
                total=assignment.total,
                due=f"{when(assignment.due_at, zone)} ({zone})",
                late=LIST_LATE if assignment.due_at < now else "",
            )
        )
        buttons.append(
            [button(GO_ON.format(number=number), HomeworkGo(assignment.homework_id),
                     codec=shared.codec, owner=user.id)]
        )  # fmt: skip
    await message.reply_text(
        fit("\n".join(lines)),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def on_go(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: HomeworkGo) -> None:
    """Go on: the member's next item of the homework."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    step = await shared.database.run(
        homework_steps.current_step,
        homework_id=payload.homework,
        learner_id=query.from_user.id,
        now=shared.clock(),
    )
    if step is None:
        await answer_quietly(query, NOT_YOURS)
        return
    await answer_quietly(query)
    await show_step(context, query.message, step, query.from_user.id)


async def on_reveal(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: HomeworkReveal
) -> None:
    """Show answer: the card's back and the four ratings."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    owner = query.from_user.id
    step = await shared.database.run(
        homework_steps.current_step,
        homework_id=payload.homework,
        learner_id=owner,
        now=shared.clock(),
    )
    if step is None:
        await answer_quietly(query, NOT_YOURS)
        return
    if step.position != payload.position or not isinstance(step.item, Card):
        await answer_quietly(query, ALREADY)
        await show_step(context, query.message, step, owner)
        return
    text = f"{_header(step)}\n\n{card_html(step.item.front)}" + ANSWER_PART.format(
        back=card_html(step.item.back)
    )
    ratings = [
        button(label, HomeworkRate(payload.homework, payload.position, payload.shown_at, int(r)),
                codec=shared.codec, owner=owner)
        for r, label in RATING_LABELS.items()
    ]  # fmt: skip
    await answer_quietly(query)
    await show_in_place(
        query.message, fit(text), InlineKeyboardMarkup([ratings]), chat_id=owner, bot=context.bot
    )


async def _answered(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    answered: homework_steps.Answered,
    verdict: str,
) -> None:
    """After an answer: a card goes straight on to the next item; a quiz question shows its
    verdict with Next."""
    query = update.callback_query
    assert query is not None
    owner = query.from_user.id
    if answered.outcome is homework_steps.Outcome.GONE or answered.next is None:
        await answer_quietly(query, NOT_YOURS)
        return
    await answer_quietly(
        query, ALREADY if answered.outcome is homework_steps.Outcome.ALREADY else None
    )
    if verdict and answered.outcome is homework_steps.Outcome.RECORDED:
        codec = services(context).codec
        await show_in_place(
            query.message, verdict, _next_button(codec, answered.next.homework_id, owner),
            chat_id=owner, bot=context.bot,
        )  # fmt: skip
        return
    await show_step(context, query.message, answered.next, owner)


async def _store_answer(
    context: ContextTypes.DEFAULT_TYPE,
    query: CallbackQuery,
    payload: HomeworkRate | HomeworkChoose,
    **answer: Any,
) -> homework_steps.Answered:
    """A pressed answer (``rating=`` or ``chosen_option=``) stored by the use-case."""
    shared = services(context)
    answered: homework_steps.Answered = await shared.database.run(
        homework_steps.answer,
        library=shared.library,
        homework_id=payload.homework,
        learner_id=query.from_user.id,
        first_name=query.from_user.first_name,
        position=payload.position,
        now=shared.clock(),
        shown_at=datetime.fromtimestamp(payload.shown_at, UTC),
        **answer,
    )
    return answered


async def on_rate(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: HomeworkRate
) -> None:
    """A card rated: stored (once) as the homework's answer and a review, then the next item."""
    query = update.callback_query
    assert query is not None
    if payload.rating not in {int(r) for r in Rating}:
        await answer_quietly(query, NOT_YOURS)
        return
    answered = await _store_answer(context, query, payload, rating=Rating(payload.rating))
    await _answered(update, context, answered, "")


async def on_choose(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: HomeworkChoose
) -> None:
    """A quiz option chosen: stored (once), then the verdict with Next."""
    query = update.callback_query
    assert query is not None
    answered = await _store_answer(context, query, payload, chosen_option=payload.option)
    verdict = ""
    question = answered.item
    if isinstance(question, QuizQuestion):
        right_text = question.options[question.correct_index].text
        step = answered.next
        assert step is not None
        verdict = "\n\n".join(
            [
                f"{_header(step, payload.position)}\n\n<b>{escape(question.question)}</b>",
                YOUR_ANSWER.format(answer=escape(question.options[payload.option].text)),
                RIGHT if answered.right else WRONG.format(answer=escape(right_text)),
                escape(question.explanation),
            ]
        )
    await _answered(update, context, answered, fit(verdict))


async def on_explain_answer(
    update: Update, context: ContextTypes.DEFAULT_TYPE, waiting: HomeworkExplainAnswer
) -> None:
    """The member's text answers the homework's explain prompt: graded, stored, Next."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    if message.text is None:
        await message.reply_text(NOT_TEXT)
        return
    shared = services(context)
    explained = await shared.database.run(
        homework_steps.answer_prompt,
        library=shared.library,
        homework_id=waiting.homework_id,
        learner_id=user.id,
        first_name=user.first_name,
        text=message.text,
        now=shared.clock(),
    )
    if explained.grade is None or explained.prompt is None or explained.answered.next is None:
        await message.reply_text(NOT_YOURS)
        return
    text = fit(render_grade(explained.grade, explained.prompt.model_answer))
    markup = _next_button(shared.codec, waiting.homework_id, user.id)
    if explained.rate_yourself and explained.position is not None:
        # Nothing stored yet: the member's own rating is the answer (see Explained).
        shown = int(waiting.asked_at.timestamp())
        markup = InlineKeyboardMarkup(
            [
                [
                    button(label, HomeworkRate(waiting.homework_id, explained.position, shown,
                                               int(rating)), codec=shared.codec, owner=user.id)
                    for rating, label in RATING_LABELS.items()
                ]
            ]
        )  # fmt: skip
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
