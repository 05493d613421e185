"""Group chats: quiz sessions of native quiz polls, leaderboards, the daily class quiz."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Chat, ChatMember, ChatMemberUpdated, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.format import (
    POLL_EXPLANATION_LIMIT,
    POLL_OPTION_LIMIT,
    POLL_QUESTION_LIMIT,
    escape,
    fit,
)
from bot.handlers import reports
from bot.handlers.admins import is_admin, sender_id, user_is_admin
from bot.metrics import metrics_of
from bot.services import Services, services
from tutor import classroom, learners, owndecks
from tutor import reports as class_reports
from tutor.classroom import PollToSend, SessionOver, Standing
from tutor.store import GroupChat

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# The poll-closed update normally moves a session on; the timer is the fallback.
TIMER_GRACE_SECONDS = 2.0
POLL_ROW_CHECKS, POLL_ROW_WAIT_SECONDS = 20, 0.1

GREETING = (
    "Hello, {title}! I run learning-rate quizzes for the class.\n\n"
    "/quiz [questions] [seconds] starts a session of quiz polls (default {questions} "
    "questions, {seconds} s each; admins only unless opened with /access everyone)\n"
    "/stop ends it with the leaderboard\n"
    "/daily HH:MM [questions] schedules a quiz every day (/daily off stops it)\n"
    "/leaderboard shows the standings over all sessions\n"
    "/report [days] sends an admin the class's report in private (default 30 days)\n"
    "/export sends an admin every answer as a CSV file in private\n"
    "/timezone Area/City sets the chat's time zone\n"
    "/decks (admins) picks the decks the quizzes draw from, the admins' own included\n\n"
    "Every answer also counts in your own reviews: talk to me privately with /start. "
    "What the class gets wrong comes back in later quizzes."
)
STARTING = "<b>Quiz time!</b> {questions}, {seconds} s each. Answer in the polls."
ALREADY_RUNNING = "A quiz is already running here. /stop ends it."
NOT_RUNNING = "No quiz is running. Start one with /quiz."
ADMINS_ONLY = (
    "Only the chat's admins can {action} here (an admin can open it to everyone with "
    "/access everyone)."
)
QUESTION_PREFIX = "[{number}/{total}] "
LEADERBOARD_TITLE = "🏁 <b>Quiz over!</b> {total}"
STOPPED_TITLE = "🛑 <b>Quiz stopped.</b>"
STANDINGS_TITLE = "<b>Standings in this chat</b> (all sessions)"
NOBODY = "Nobody answered this time."
NO_STANDINGS = "No one has answered a quiz here yet. Start one with /quiz."
MEDALS = ("🥇", "🥈", "🥉")
LINE = "{place} {name}: {score}/{answered} · {seconds:.1f} s to answer"
# Lines a board shows; below them, how many more played (and the reader's own place).
BOARD_TOP = 20
MORE_PLAYERS = "… and {count}"
YOUR_PLACE = "Your place: {line}"
DAILY_USAGE = "Usage: /daily HH:MM [questions 1-20] (the chat's time, {zone}), or /daily off."
DAILY_SET = "A quiz of {questions} every day at {time} ({zone})."
DAILY_OFF = "The daily quiz is off."
ACCESS_USAGE = "Usage: /access admins or /access everyone (who may start and stop quizzes)."
ACCESS_SET = {
    True: "Everyone here may start and stop quizzes now.",
    False: "Only admins may start and stop quizzes now.",
}
GROUP_TIMEZONE_USAGE = "Usage: /timezone Area/City, like /timezone Europe/Berlin. Now: {zone}."
GROUP_TIMEZONE_SET = "This chat's time zone is {zone}."


def _questions(count: int) -> str:
    return "1 question" if count == 1 else f"{count} questions"


def _place(index: int, standing: Standing) -> str:
    """A medal for the first three who got something right; else the place's number."""
    return MEDALS[index] if index < len(MEDALS) and standing.score else f"{index + 1}."


def _line(index: int, standing: Standing) -> str:
    return LINE.format(
        place=_place(index, standing),
        name=escape(standing.name),
        score=standing.score,
        answered=standing.answered,
        seconds=standing.time_ms / 1000,
    )


def _more(count: int) -> str:
    return MORE_PLAYERS.format(count="1 more player" if count == 1 else f"{count} more players")


def render_standings(
    title: str, standings: tuple[Standing, ...], empty: str, *, reader_id: int | None = None
) -> str:
    """The board's top (a large class's whole board would not fit a message), how many
    more played, and the reader's own place when it is below the top."""
    lines = [title]
    if not standings:
        lines.append(empty)
    lines.extend(_line(index, standing) for index, standing in enumerate(standings[:BOARD_TOP]))
    if len(standings) > BOARD_TOP:
        lines.append(_more(len(standings) - BOARD_TOP))
        place = next(
            (index for index, s in enumerate(standings) if s.learner_id == reader_id), None
        )
        if place is not None and place >= BOARD_TOP:
            lines.append(YOUR_PLACE.format(line=_line(place, standings[place])))
    return fit("\n".join(lines))


def render_session_over(over: SessionOver, *, stopped: bool = False) -> str:
    title = STOPPED_TITLE if stopped else LEADERBOARD_TITLE.format(total=_questions(over.total))
    return render_standings(title, over.standings, NOBODY)


async def _group(shared: Services, chat: Chat) -> GroupChat:
    """The chat's row (created on first sight)."""
    return await shared.database.run(
        classroom.ensure_group, chat_id=chat.id, title=chat.title or "", now=shared.clock()
    )


async def may_manage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the sender may start or stop sessions: an admin, or anyone if opened."""
    chat = update.effective_chat
    assert chat is not None
    shared = services(context)
    group = await _group(shared, chat)
    if group.open_to_all:
        return True
    return await is_admin(update, context)


async def _refuse(update: Update, action: str) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(ADMINS_ONLY.format(action=action))


# --- moving a session on -----------------------------------------------------------------


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
        await _send_quietly(application, step.chat_id, render_session_over(step))
        await reports.deliver_session_report(application, step.session_id)
        return
    await send_question(application, step)


async def _send_quietly(application: AnyApplication, chat_id: int, text: str) -> None:
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
    _arm_timer(application, message.poll.id, step.seconds + TIMER_GRACE_SECONDS)


def _arm_timer(application: AnyApplication, poll_id: str, seconds: float) -> None:
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
    shared: Services = application.bot_data["services"]
    poll = await shared.database.run(classroom.poll_closed, poll_id=poll_id, now=shared.clock())
    if poll is not None:
        await advance_session(application, poll.session_id, poll.position)


async def resume_sessions(application: AnyApplication) -> None:
    """After a restart: re-arm the open polls' timers, move on sessions that were due."""
    shared: Services = application.bot_data["services"]
    now = shared.clock()
    plans = await shared.database.run(classroom.resume_plans)
    for plan in plans:
        poll = plan.poll
        if poll is None or poll.closed:
            # Never sent (a crash in between) or closed without moving on: move on now.
            await advance_session(application, plan.session_id, plan.position)
        elif poll.closes_at <= now:
            await close_and_advance(application, poll.poll_id)
        else:
            remaining = (poll.closes_at - now).total_seconds() + TIMER_GRACE_SECONDS
            _arm_timer(application, poll.poll_id, remaining)
    if plans:
        log.info("resumed %d quiz sessions", len(plans))


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
    offerers = await shared.database.run(owndecks.group_offerers, chat_id=chat_id)
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
    await _send_quietly(
        application,
        chat_id,
        STARTING.format(questions=_questions(len(started.item_ids)), seconds=seconds),
    )
    await advance_session(application, started.id, -1)
    return True


async def run_dailies(application: AnyApplication) -> int:
    """Start the daily class quizzes whose time has come (called by the reminder tick)."""
    shared: Services = application.bot_data["services"]
    due = await shared.database.run(
        classroom.claim_dailies,
        default_zone=shared.settings.default_timezone,
        now=shared.clock(),
    )
    started = 0
    for daily in due:
        started += await start_in_chat(
            application, daily.chat_id, daily.questions, classroom.DEFAULT_SECONDS, daily.set_by
        )
    return started


# --- commands ----------------------------------------------------------------------------


async def quiz_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/quiz [questions] [seconds] in a group: start a session of quiz polls."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    try:
        questions, seconds = classroom.parse_session_args(context.args or [])
    except classroom.UsageError as exc:
        await message.reply_text(str(exc))
        return
    if not await may_manage(update, context):
        await _refuse(update, "start a quiz")
        return
    if not await start_in_chat(
        context.application, chat.id, questions, seconds, sender_id(update)
    ):
        await message.reply_text(ALREADY_RUNNING)


async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: end the running session and post the leaderboard so far."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if not await may_manage(update, context):
        await _refuse(update, "stop a quiz")
        return
    shared = services(context)
    stopped = await shared.database.run(
        classroom.stop_session, chat_id=chat.id, now=shared.clock()
    )
    if stopped is None:
        await message.reply_text(NOT_RUNNING)
        return
    over, polls = stopped
    for poll in polls:
        if poll.message_id is not None:
            try:
                await context.bot.stop_poll(chat.id, poll.message_id)
            except TelegramError as exc:
                log.info("could not stop poll %s: %s", poll.poll_id, exc.message)
    await message.reply_text(render_session_over(over, stopped=True), parse_mode=ParseMode.HTML)
    await reports.deliver_session_report(context.application, over.session_id)


async def leaderboard_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/leaderboard: the chat's standings over all sessions."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    shared = services(context)
    standings = await shared.database.run(classroom.chat_standings, chat_id=chat.id)
    await message.reply_text(
        render_standings(
            STANDINGS_TITLE,
            standings,
            NO_STANDINGS,
            reader_id=update.effective_user.id if update.effective_user else None,
        ),
        parse_mode=ParseMode.HTML,
    )


async def daily_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/daily HH:MM [questions] or /daily off: the chat's daily quiz."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    shared = services(context)
    args = context.args or []
    group = await _group(shared, chat)
    zone = group.timezone or shared.settings.default_timezone
    usage = DAILY_USAGE.format(zone=zone)
    if not args or len(args) > 2:
        await message.reply_text(usage)
        return
    if not await may_manage(update, context):
        await _refuse(update, "schedule a daily quiz")
        return
    questions: int | None = None
    if args[0].lower() == "off":
        daily_time = None
    else:
        try:
            daily_time = learners.parse_clock(args[0])
            questions, _ = classroom.parse_session_args(args[1:2])
        except (learners.SettingError, classroom.UsageError):
            await message.reply_text(usage)
            return
    group = await shared.database.run(
        classroom.set_daily,
        chat_id=chat.id,
        title=chat.title or "",
        daily_time=daily_time,
        questions=questions,
        default_zone=shared.settings.default_timezone,
        now=shared.clock(),
        set_by=sender_id(update),
    )
    if daily_time is None:
        await message.reply_text(DAILY_OFF)
    else:
        await message.reply_text(
            DAILY_SET.format(
                questions=_questions(group.daily_questions), time=daily_time, zone=zone
            )
        )


async def access_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/access admins|everyone: who may start and stop quizzes (admins decide)."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    args = [arg.lower() for arg in context.args or []]
    if args not in (["admins"], ["everyone"]):
        await message.reply_text(ACCESS_USAGE)
        return
    # Opening or closing is for admins only, even when the chat is open to everyone.
    if not await is_admin(update, context):
        await _refuse(update, "change who may start quizzes")
        return
    shared = services(context)
    await shared.database.run(
        classroom.set_access,
        chat_id=chat.id,
        title=chat.title or "",
        open_to_all=args == ["everyone"],
        now=shared.clock(),
    )
    await message.reply_text(ACCESS_SET[args == ["everyone"]])


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timezone Area/City in a group (admins): the chat's zone for the daily quiz."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    shared = services(context)
    args = context.args or []
    group = await _group(shared, chat)
    if len(args) != 1:
        zone = group.timezone or shared.settings.default_timezone
        await message.reply_text(GROUP_TIMEZONE_USAGE.format(zone=zone))
        return
    if not await is_admin(update, context):
        await _refuse(update, "set the time zone")
        return
    try:
        zone = learners.parse_zone(args[0])
    except learners.SettingError as exc:
        await message.reply_text(str(exc))
        return
    await shared.database.run(
        classroom.set_group_zone,
        chat_id=chat.id,
        title=chat.title or "",
        zone=zone,
        default_zone=shared.settings.default_timezone,
        now=shared.clock(),
    )
    await message.reply_text(GROUP_TIMEZONE_SET.format(zone=zone))


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help or /start in a group: what the bot does there."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    await message.reply_text(fit(_greeting(chat.title), is_html=False))


def _greeting(title: str | None) -> str:
    return GREETING.format(
        title=title or "everyone",
        questions=classroom.DEFAULT_QUESTIONS,
        seconds=classroom.DEFAULT_SECONDS,
    )


# --- updates -----------------------------------------------------------------------------


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
    correct = await shared.database.run(
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


# Statuses in which the bot is in the chat.
PRESENT = frozenset(
    {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}
)


def _joined(change: ChatMemberUpdated) -> tuple[bool, bool]:
    """Whether the member (the bot, for ``my_chat_member``) was in the chat before the
    change, and whether it is now."""
    return change.old_chat_member.status in PRESENT, change.new_chat_member.status in PRESENT


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a group (greet it) or removed (stop everything there)."""
    change = update.my_chat_member
    if change is None or change.chat.type not in ("group", "supergroup"):
        return
    shared = services(context)
    was_in, is_in = _joined(change)
    if is_in and not was_in:
        await shared.database.run(
            classroom.ensure_group,
            chat_id=change.chat.id,
            title=change.chat.title or "",
            now=shared.clock(),
        )
    elif was_in and not is_in:
        await shared.database.run(classroom.leave_chat, chat_id=change.chat.id, now=shared.clock())
        log.info("removed from chat %s", change.chat.id)
        return
    else:
        return
    await _send_quietly(context.application, change.chat.id, escape(_greeting(change.chat.title)))


async def on_member_left(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member left the group, or was removed (its service message): out of the class's
    /report and /export until they come back."""
    message = update.effective_message
    if message is None or message.left_chat_member is None or message.left_chat_member.is_bot:
        return
    shared = services(context)
    await shared.database.run(
        class_reports.member_left,
        chat_id=message.chat.id,
        user_id=message.left_chat_member.id,
        now=shared.clock(),
    )


async def on_members_joined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Members joined the group (its service message): back in its reports."""
    message = update.effective_message
    if message is None or not message.new_chat_members:
        return
    people = [user.id for user in message.new_chat_members if not user.is_bot]
    shared = services(context)
    await shared.database.run(class_reports.members_back, chat_id=message.chat.id, user_ids=people)


async def on_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A member's status changed (Telegram sends it where the bot is an admin, with or
    without a service message): who left is out of the reports, who came back is in."""
    change = update.chat_member
    if change is None or change.new_chat_member.user.is_bot:
        return
    was_in, is_in = _joined(change)
    user_id, chat_id = change.new_chat_member.user.id, change.chat.id
    shared = services(context)
    if was_in and not is_in:
        await shared.database.run(
            class_reports.member_left, chat_id=chat_id, user_id=user_id, now=shared.clock()
        )
    elif is_in and not was_in:
        await shared.database.run(class_reports.members_back, chat_id=chat_id, user_ids=[user_id])


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A group became a supergroup: follow it to its new id."""
    message = update.effective_message
    if message is None:
        return
    old_id, new_id = None, None
    if message.migrate_to_chat_id:
        old_id, new_id = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old_id, new_id = message.migrate_from_chat_id, message.chat.id
    if old_id is None or new_id is None:
        return
    shared = services(context)
    await shared.database.run(
        classroom.migrate_chat, old_id=old_id, new_id=new_id, now=shared.clock()
    )
    log.info("chat %s migrated to %s", old_id, new_id)
