"""Who is in the class: the bot added to a group or removed, members leaving and coming
back (out of the reports and back in), a group becoming a supergroup."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.ext import ContextTypes

from bot.admins import MEMBER_STATUSES
from bot.format import escape
from bot.services import services
from tutor.services import groupchats, homework
from tutor.services import reports as class_reports

from .sessions import send_quietly
from .texts import greeting

log = logging.getLogger(__name__)


def _joined(change: ChatMemberUpdated) -> tuple[bool, bool]:
    """Whether the member (the bot, for ``my_chat_member``) was in the chat before the
    change, and whether it is now."""
    return (
        change.old_chat_member.status in MEMBER_STATUSES,
        change.new_chat_member.status in MEMBER_STATUSES,
    )


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bot was added to a group (greet it) or removed (stop everything there)."""
    change = update.my_chat_member
    if change is None or change.chat.type not in ("group", "supergroup"):
        return
    shared = services(context)
    was_in, is_in = _joined(change)
    if is_in and not was_in:
        await shared.database.run(
            groupchats.group_settings,
            chat_id=change.chat.id,
            title=change.chat.title or "",
            now=shared.clock(),
        )
    elif was_in and not is_in:
        await shared.database.run(
            groupchats.leave_chat, chat_id=change.chat.id, now=shared.clock()
        )
        log.info("removed from chat %s", change.chat.id)
        return
    else:
        return
    await send_quietly(context.application, change.chat.id, escape(greeting(change.chat.title)))


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


async def _joined_class(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, people: list[tuple[int, str]]
) -> None:
    """Members (id, first name) joined: back in the class's reports, and in the class its
    homework goes to (the open homework included)."""
    if not people:
        return
    shared = services(context)
    await shared.database.run(
        class_reports.members_back, chat_id=chat_id, user_ids=[user for user, _ in people]
    )
    await shared.database.run(
        homework.members_joined,
        chat_id=chat_id,
        members=people,
        default_zone=shared.settings.default_timezone,
        now=shared.clock(),
    )


async def on_members_joined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Members joined the group (its service message): back in its reports, in its
    homework."""
    message = update.effective_message
    if message is None or not message.new_chat_members:
        return
    people = [(user.id, user.first_name) for user in message.new_chat_members if not user.is_bot]
    await _joined_class(context, message.chat.id, people)


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
        await _joined_class(context, chat_id, [(user_id, change.new_chat_member.user.first_name)])


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
        groupchats.migrate_chat, old_id=old_id, new_id=new_id, now=shared.clock()
    )
    log.info("chat %s migrated to %s", old_id, new_id)
