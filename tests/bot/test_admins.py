"""Who sent a group message: a user, or an anonymous admin posting as the chat."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.admins import posts_as_chat, sender_id

GROUP = Chat(-1001, Chat.SUPERGROUP, title="Class")
ALICE = User(7, "Alice", is_bot=False)
ANONYMOUS = User(1087968824, "Group", is_bot=True, username="GroupAnonymousBot")


def update_from(user: User, sender_chat: Chat | None = None) -> Update:
    message = Message(
        1, datetime(2026, 3, 2, tzinfo=UTC), GROUP, from_user=user, sender_chat=sender_chat,
        text="/report",
    )  # fmt: skip
    return Update(1, message=message)


def test_a_member_writing_as_themselves_is_the_sender() -> None:
    update = update_from(ALICE)
    assert not posts_as_chat(update) and sender_id(update) == 7


def test_an_anonymous_admin_has_no_one_to_write_to() -> None:
    update = update_from(ANONYMOUS, sender_chat=GROUP)
    assert posts_as_chat(update) and sender_id(update) is None


def test_a_channel_posting_in_the_group_is_not_the_chat() -> None:
    channel = Chat(-1002, Chat.CHANNEL, title="News")
    update = update_from(ANONYMOUS, sender_chat=channel)
    assert not posts_as_chat(update) and sender_id(update) == ANONYMOUS.id
