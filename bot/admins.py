"""Who is a group's admin: asked of Telegram, remembered for a minute."""

from __future__ import annotations

from typing import Any

from cachetools import TTLCache
from telegram import Bot, ChatMember, Update
from telegram.ext import ContextTypes

# A demoted admin keeps what a cached answer allows for at most this long; /report and
# /export (what a member's answers reach) ask Telegram every time.
ADMIN_CACHE_SECONDS = 60.0
# The answers remembered at most (the oldest go first): a bot in many busy groups keeps a
# bounded cache, and an expired answer is dropped, not only ignored.
ADMIN_CACHE_SIZE = 10_000
ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
# Statuses in which a user (or the bot) is in the chat.
MEMBER_STATUSES = frozenset(
    {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}
)
_CACHE_KEY = "admins"

AdminCache = TTLCache[tuple[int, int], bool]


def admin_cache(bot_data: dict[Any, Any]) -> AdminCache:
    """The application's cache of admin answers, by (chat, user)."""
    cache = bot_data.get(_CACHE_KEY)
    if not isinstance(cache, TTLCache):
        cache = AdminCache(maxsize=ADMIN_CACHE_SIZE, ttl=ADMIN_CACHE_SECONDS)
        bot_data[_CACHE_KEY] = cache
    return cache


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


async def user_is_admin(
    bot: Bot, bot_data: dict[Any, Any], chat_id: int, user_id: int, *, fresh: bool = False
) -> bool:
    """Whether the user is an admin or the creator of the chat (asked with getChatMember,
    remembered for ADMIN_CACHE_SECONDS; ``fresh`` asks Telegram whatever is remembered)."""
    cache = admin_cache(bot_data)
    if not fresh:
        cached = cache.get((chat_id, user_id))
        if cached is not None:
            return cached
    member = await bot.get_chat_member(chat_id, user_id)
    admin = member.status in ADMIN_STATUSES
    cache[(chat_id, user_id)] = admin
    return admin


async def is_admin(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, fresh: bool = False
) -> bool:
    """Whether the message's sender is an admin of its chat (an anonymous admin is);
    ``fresh``: asked of Telegram now, not remembered."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    assert chat is not None and message is not None
    if posts_as_chat(update):
        return True
    if user is None:
        return False
    return await user_is_admin(context.bot, context.bot_data, chat.id, user.id, fresh=fresh)
