"""The group commands: /quiz, /stop, /leaderboard, /daily, /access, /timezone, /help."""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.admins import is_admin, sender_id
from bot.format import fit
from bot.services import Services, services
from tutor.services import classroom, dailies, groupchats, learners

from .sessions import report_session, start_in_chat
from .texts import (
    ACCESS_SET,
    ACCESS_USAGE,
    ADMINS_ONLY,
    ALREADY_RUNNING,
    DAILY_OFF,
    DAILY_SET,
    DAILY_USAGE,
    GROUP_TIMEZONE_SET,
    GROUP_TIMEZONE_USAGE,
    NO_STANDINGS,
    NOT_RUNNING,
    STANDINGS_TITLE,
    greeting,
    question_count,
    render_session_over,
    render_standings,
)

log = logging.getLogger(__name__)


async def _group(shared: Services, chat: Chat) -> groupchats.GroupSettings:
    """The chat's settings (the chat is known from now on)."""
    return await shared.database.run(
        groupchats.group_settings, chat_id=chat.id, title=chat.title or "", now=shared.clock()
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
    await report_session(context.application, over.session_id)


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
    await shared.database.run(
        dailies.set_daily,
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
                questions=question_count(
                    questions if questions is not None else group.daily_questions
                ),
                time=daily_time,
                zone=zone,
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
        groupchats.set_access,
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
        dailies.set_group_zone,
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
    await message.reply_text(fit(greeting(chat.title), is_html=False))
