"""Who is a group's admin: asked of Telegram, remembered for a few minutes."""

from __future__ import annotations

import time
from typing import Any

from telegram import Bot, ChatMember, Update
from telegram.ext import ContextTypes

ADMIN_CACHE_SECONDS = 300.0
ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def posts_as_chat(update: Update) -> bool:
    """Whether the message comes from an anonymous admin, "on behalf of" the chat itself."""
    chat, message = update.effective_chat, update.effective_message
    return (
        chat is not None
        and message is not None
        and message.sender_chat is not None
        and message.sender_chat.id == chat.id
    )


def sender_id(update: Update) -> int | None:
    """The user who sent the message; None for an anonymous admin (no one to write to)."""
    if posts_as_chat(update) or update.effective_user is None:
        return None
    return update.effective_user.id


async def user_is_admin(bot: Bot, bot_data: dict[Any, Any], chat_id: int, user_id: int) -> bool:
    """Whether the user is an admin or the creator of the chat (asked with getChatMember,
    remembered in ``bot_data`` for five minutes)."""
    cache: dict[tuple[int, int], tuple[bool, float]] = bot_data.setdefault("admins", {})
    cached = cache.get((chat_id, user_id))
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    member = await bot.get_chat_member(chat_id, user_id)
    admin = member.status in ADMIN_STATUSES
    cache[(chat_id, user_id)] = (admin, time.monotonic() + ADMIN_CACHE_SECONDS)
    return admin


async def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Whether the message's sender is an admin of its chat (an anonymous admin is)."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    assert chat is not None and message is not None
    if posts_as_chat(update):
        return True
    if user is None:
        return False
    return await user_is_admin(context.bot, context.bot_data, chat.id, user.id)
