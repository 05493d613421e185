"""Chats and their members: getChat, getChatMember(s), administrators, leaveChat."""

from __future__ import annotations

from typing import Any

from ..chat import Chat
from ..errors import bad_request
from .registry import Call, MethodTable, registrar

#: This family's handlers, by lower-case method name.
METHODS: MethodTable = {}
api_method = registrar(METHODS)


def _member(chat: Chat, user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object for a status."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
        if chat.type == "supergroup":
            member["can_manage_topics"] = False
    elif status == "restricted":
        member.update(
            is_member=True,
            can_send_messages=False,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
            can_edit_tag=False,
            until_date=0,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


@api_method("getChat")
def get_chat(call: Call) -> Any:
    chat = call.bot.resolve_chat(call.params.values.get("chat_id"))
    info = chat.api()
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    )
    return info


@api_method("getChatMember")
def get_chat_member(call: Call) -> Any:
    bot, params = call.bot, call.params
    chat = bot.resolve_chat(params.values.get("chat_id"))
    user_id = params.integer("user_id", 0)
    if user_id <= 0:
        raise bad_request("invalid user_id specified")
    if user_id == bot.id:
        return _member(chat, bot.api_user(), chat.status_of(bot.id))
    info = chat.users.get(user_id) or bot.user_info(user_id)
    if info is None:
        raise bad_request("user not found")
    return _member(chat, info.api(), chat.status_of(user_id))


@api_method("getChatAdministrators")
def get_chat_administrators(call: Call) -> Any:
    bot = call.bot
    chat = bot.resolve_chat(call.params.values.get("chat_id"))
    if chat.is_private:
        raise bad_request("there are no administrators in the private chat")
    admins = [
        _member(chat, chat.users[user_id].api(), status)
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_status in ("creator", "administrator"):
        admins.append(_member(chat, bot.api_user(), chat.bot_status))
    return admins


@api_method("getChatMemberCount")
def get_chat_member_count(call: Call) -> Any:
    bot = call.bot
    chat = bot.resolve_chat(call.params.values.get("chat_id"))
    if chat.is_private:
        return 2
    people = sum(1 for user_id in chat.members if chat.is_present(user_id))
    return people + (1 if chat.is_present(bot.id) else 0)


@api_method("leaveChat")
def leave_chat(call: Call) -> Any:
    chat = call.bot.resolve_chat(call.params.values.get("chat_id"))
    if chat.is_private:
        raise bad_request("chat member status can't be changed in private chats")
    chat.bot_status = "left"
    return True
