"""The poll loop: a session's questions sent as quiz polls one after another, each with a
timer in case its closing never comes; the members' answers; the daily quizzes started."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.admins import user_is_admin
from bot.format import POLL_EXPLANATION_LIMIT, POLL_OPTION_LIMIT, POLL_QUESTION_LIMIT, fit
from bot.metrics import metrics_of
from bot.services import Services, services
from tutor.services import classroom, dailies, groupdecks
from tutor.services.classroom import PollToSend, SessionOver

from .texts import (
    QUESTION_PREFIX,
    STARTING,
    question_count,
    render_session_over,
)

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# The poll-closed update normally moves a session on; the timer is the fallback.
TIMER_GRACE_SECONDS = 2.0
POLL_ROW_CHECKS, POLL_ROW_WAIT_SECONDS = 20, 0.1


async def advance_session(
    application: AnyApplication, session_id: int, from_position: int
) -> None:
    """Take the session's next step (if nobody else took it) and send what it needs."""
    shared: Services = application.bot_data["services"]
    step = await shared.database.run(
        classroom.advance,
        library=shared.library,
        session_id=session_id,
        from_position=from_position,
        now=shared.clock(),
        rng=shared.rng,
    )
    if step is None:
        return
    if isinstance(step, SessionOver):
        await send_quietly(application, step.chat_id, render_session_over(step))
        await report_session(application, step.session_id)
        return
    await send_question(application, step)


async def report_session(application: AnyApplication, session_id: int) -> None:
    """A finished session's report, to whoever the app factory named (``Services``)."""
    shared: Services = application.bot_data["services"]
    if shared.session_over is not None:
        await shared.session_over(application, session_id)


async def send_quietly(application: AnyApplication, chat_id: int, text: str) -> None:
    """Post ``text`` (HTML) in the chat; a chat that refuses it is logged, not raised."""
    try:
        await application.bot.send_message(chat_id, fit(text), parse_mode=ParseMode.HTML)
    except (Forbidden, BadRequest) as exc:
        log.info("could not post to chat %s: %s", chat_id, exc.message)


async def send_question(application: AnyApplication, step: PollToSend) -> None:
    """Send one question as a quiz poll and arm the timer that moves on if no update comes."""
    shared: Services = application.bot_data["services"]
    question = step.question
    prefix = QUESTION_PREFIX.format(number=step.position + 1, total=step.total)
    try:
        message = await application.bot.send_poll(
            step.chat_id,
            fit(prefix + question.question, POLL_QUESTION_LIMIT, is_html=False),
            [fit(option, POLL_OPTION_LIMIT, is_html=False) for option in step.options],
            is_anonymous=False,
            type="quiz",
            correct_option_ids=[step.correct_option],
            explanation=fit(question.explanation, POLL_EXPLANATION_LIMIT, is_html=False),
            open_period=step.seconds,
        )
    except (Forbidden, BadRequest) as exc:
        # Removed from the chat, or it cannot take polls: the session ends here.
        log.info("quiz poll to chat %s refused: %s", step.chat_id, exc.message)
        await shared.database.run(classroom.stop_session, chat_id=step.chat_id, now=shared.clock())
        return
    assert message.poll is not None
    await shared.database.run(
        classroom.record_poll,
        to_send=step,
        poll_id=message.poll.id,
        message_id=message.message_id,
        now=shared.clock(),
    )
    arm_timer(application, message.poll.id, step.seconds + TIMER_GRACE_SECONDS)


def arm_timer(application: AnyApplication, poll_id: str, seconds: float) -> None:
    """Move the session on ``seconds`` from now unless the poll's closing does it first (one
    timer per poll, replaced when armed again)."""
    assert application.job_queue is not None
    name = f"quiz-poll-{poll_id}"
    for job in application.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    application.job_queue.run_once(_poll_timer, when=max(0.0, seconds), data=poll_id, name=name)


async def _poll_timer(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The poll's time is up and no closed-poll update moved the session on yet."""
    assert context.job is not None
    await close_and_advance(context.application, str(context.job.data))


async def close_and_advance(application: AnyApplication, poll_id: str) -> None:
    """The poll is closed: record it (once) and take the session's next step."""
    shared: Services = application.bot_data["services"]
    poll = await shared.database.run(classroom.poll_closed, poll_id=poll_id, now=shared.clock())
    if poll is not None:
        await advance_session(application, poll.session_id, poll.position)


async def _admin_now(application: AnyApplication, chat_id: int, user_id: int) -> bool:
    """Whether the user is the chat's admin (remembered a minute); not, if Telegram cannot
    say (a user who left the chat, or deleted their account)."""
    try:
        return await user_is_admin(application.bot, application.bot_data, chat_id, user_id)
    except TelegramError as exc:
        log.info("admin check of %s in chat %s failed: %s", user_id, chat_id, exc.message)
        return False


async def start_in_chat(
    application: AnyApplication,
    chat_id: int,
    questions: int,
    seconds: int,
    started_by: int | None = None,
) -> bool:
    """Open a session in the chat and send its first question; False if one runs already.
    ``started_by`` gets the session's report in private."""
    shared: Services = application.bot_data["services"]
    offerers = await shared.database.run(groupdecks.group_offerers, chat_id=chat_id)
    started = await shared.database.run(
        classroom.start_session,
        library=shared.library,
        chat_id=chat_id,
        questions=questions,
        seconds=seconds,
        now=shared.clock(),
        rng=shared.rng,
        started_by=started_by,
        admins=[user for user in offerers if await _admin_now(application, chat_id, user)],
    )
    if started is None or started.id is None:
        return False
    await send_quietly(
        application,
        chat_id,
        STARTING.format(questions=question_count(len(started.item_ids)), seconds=seconds),
    )
    await advance_session(application, started.id, -1)
    return True


async def run_dailies(application: AnyApplication) -> int:
    """Start the daily class quizzes whose time has come (called by the reminder tick)."""
    shared: Services = application.bot_data["services"]
    due = await shared.database.run(
        dailies.claim_dailies,
        default_zone=shared.settings.default_timezone,
        now=shared.clock(),
    )
    started = 0
    for daily in due:
        started += await start_in_chat(
            application, daily.chat_id, daily.questions, classroom.DEFAULT_SECONDS, daily.set_by
        )
    return started


async def on_poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member answered a session poll: count it and review it in their own schedule."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return  # an anonymous admin's vote belongs to no learner
    shared = services(context)
    # A fast voter's answer can arrive before the poll's row is committed (Telegram shows
    # the poll as soon as sendPoll returns): give the row a moment to appear.
    for _ in range(POLL_ROW_CHECKS):
        if await shared.database.run(classroom.poll_known, poll_id=answer.poll_id):
            break
        await asyncio.sleep(POLL_ROW_WAIT_SECONDS)
    # A class answers in a burst (400 votes in a few seconds): each vote is stored off the
    # event loop, so the private chats' updates between them are served meanwhile.
    correct = await shared.database.run_long(
        classroom.record_vote,
        library=shared.library,
        poll_id=answer.poll_id,
        user_id=answer.user.id,
        first_name=answer.user.first_name,
        option_ids=list(answer.option_ids),
        now=shared.clock(),
    )
    if correct is not None:
        metrics_of(context).count_review("group")
        metrics_of(context).count_quiz_answer(correct=correct)


async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A poll's new state: when one of ours closed, the session moves on."""
    poll = update.poll
    if poll is not None and poll.is_closed:
        await close_and_advance(context.application, poll.id)
