"""What Telegram lets through: the bot's sends (403s) and, in groups, what the bot reads."""

from __future__ import annotations

from .chat import Chat, ChatMessage
from .errors import forbidden


def check_can_write(chat: Chat) -> None:
    """403 when Telegram would refuse to deliver the bot's message to this chat."""
    if chat.is_private:
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        return
    kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
    if chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {kind}")
    if chat.bot_status == "left":
        raise forbidden(f"bot is not a member of the {kind}")


def hidden_reason(
    chat: Chat, message: ChatMessage, *, bot_id: int, bot_username: str, reads_all: bool
) -> str | None:
    """Why a user's message does not reach the bot (not in the group, privacy mode), or None.

    With privacy mode on (``reads_all`` False) a bot that is not an admin sees only
    commands (``/cmd`` or ``/cmd@this_bot``), replies to it and mentions of it.
    """
    if chat.is_private:
        return None
    if chat.bot_status in ("left", "kicked"):
        return f"the bot is not in {chat.title!r} (status {chat.bot_status})"
    if reads_all or chat.bot_status in ("administrator", "creator"):
        return None
    text = message.content
    for entity in message.entities:
        if entity["type"] == "bot_command":
            command = text[entity["offset"] : entity["offset"] + entity["length"]]
            if "@" not in command or command.split("@", 1)[1].lower() == bot_username.lower():
                return None
    replied = message.data.get("reply_to_message")
    if replied is not None and replied.get("from", {}).get("id") == bot_id:
        return None
    if f"@{bot_username}".lower() in text.lower():
        return None
    return "privacy mode: bots see only commands, replies and mentions in groups"
