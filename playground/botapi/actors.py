"""Simulated users: what a person does in Telegram, turned into updates for the bot."""

# The waits take ``timeout=`` like asyncio.wait_for: it is their public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from .chat import Chat, ChatMessage, PollState, Press, UserInfo
from .formatting import command_entities
from .media import FileStore
from .polls import PollBook
from .records import Injection


class UserHost(Protocol):
    """What a user's actions need from the bot they talk to (``StandinBot`` is one)."""

    @property
    def file_store(self) -> FileStore: ...

    @property
    def polls(self) -> PollBook: ...

    def inject_message(self, chat: Chat, message: ChatMessage) -> Injection:
        """Queue the ``message`` update for a user's message (unless privacy mode hides it)."""
        ...

    def inject_press(self, user: UserInfo, message: ChatMessage, data: str) -> Press:
        """Queue the ``callback_query`` update for a press of a button of ``message``."""
        ...


class UserHandle:
    """A user of the bot, with a private chat with it.

    Actions (``send``, ``reply``, ``press``, ``answer_poll``) inject the updates Telegram
    would send; the private chat's state and waits are reachable directly
    (``alice.messages``, ``alice.last_message``, ``await alice.wait_for_message()``).
    Pass ``chat=group`` to act in a group instead.
    """

    def __init__(self, bot: UserHost, info: UserInfo, chat: Chat):
        self.bot = bot
        self.info = info
        self.chat = chat

    # --- identity --------------------------------------------------------------------------
    @property
    def id(self) -> int:
        return self.info.id

    @property
    def name(self) -> str:
        return self.info.first_name

    @property
    def username(self) -> str | None:
        return self.info.username

    def api(self) -> dict[str, Any]:
        return self.info.api()

    def __repr__(self) -> str:
        state = " (blocked the bot)" if self.blocked else ""
        return f"<User {self.id} {self.name!r}{state}>"

    # --- the private chat --------------------------------------------------------------------
    @property
    def messages(self) -> list[ChatMessage]:
        """The private chat, oldest first, edits applied."""
        return self.chat.messages

    @property
    def bot_messages(self) -> list[ChatMessage]:
        return self.chat.bot_messages

    @property
    def last_message(self) -> ChatMessage | None:
        return self.chat.last_message

    @property
    def last_bot_message(self) -> ChatMessage | None:
        return self.chat.last_bot_message

    @property
    def blocked(self) -> bool:
        return self.chat.blocked

    def block(self) -> None:
        """The user blocks the bot: sends to them get 403 ``bot was blocked by the user``."""
        self.chat.blocked = True

    def unblock(self) -> None:
        self.chat.blocked = False

    async def wait_for_message(
        self,
        predicate: Callable[[ChatMessage], bool] | None = None,
        *,
        timeout: float = 5.0,
        chat: Chat | None = None,
    ) -> ChatMessage:
        """The bot's next message in the private chat (or ``chat``); see Chat.wait_for_message."""
        return await (chat or self.chat).wait_for_message(predicate, timeout=timeout)

    async def wait_for_edit(
        self,
        message: ChatMessage,
        predicate: Callable[[ChatMessage], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> ChatMessage:
        """Wait until the bot edits ``message`` after this user's last action there."""
        return await message.chat.wait_for_edit(message, predicate, timeout=timeout)

    async def wait_until(
        self, condition: Callable[[], Any], *, timeout: float = 5.0, chat: Chat | None = None
    ) -> Any:
        return await (chat or self.chat).wait_until(condition, timeout=timeout)

    # --- actions ---------------------------------------------------------------------------
    def _target(self, chat: Chat | None) -> Chat:
        target = chat or self.chat
        if target.bot is not self.chat.bot:
            raise ValueError(f"{target!r} belongs to another bot")
        if target is self.chat:
            # Writing to the bot restarts it after a block, as Telegram's "Restart" does.
            target.blocked = False
            target.started = True
        elif not target.is_present(self.id):
            raise ValueError(
                f"{self.name} is not a member of {target.title!r} "
                f"(status {target.status_of(self.id)!r})"
            )
        return target

    async def send(
        self,
        text: str,
        *,
        chat: Chat | None = None,
        reply_to: ChatMessage | None = None,
    ) -> ChatMessage:
        """Send a text message; commands get their ``bot_command`` entity as in Telegram.

        Returns the message (``message.injection`` is the update the bot gets). In groups
        with the bot's privacy mode on, only commands, replies to the bot and mentions of
        it reach the bot, as in Telegram.
        """
        target = self._target(chat)
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to.snapshot(with_reply=False)
        return self._post(target, content)

    async def reply(self, to: ChatMessage, text: str) -> ChatMessage:
        """Reply to a message (in the chat of that message)."""
        return await self.send(text, chat=to.chat, reply_to=to)

    async def send_photo(
        self, data: bytes, *, caption: str | None = None, chat: Chat | None = None
    ) -> ChatMessage:
        """Send a photo; the bot can fetch it with getFile and the file URL."""
        target = self._target(chat)
        stored = self.bot.file_store.add_photo(data)
        content: dict[str, Any] = {"photo": [dict(size) for size in stored.photo_sizes]}
        if caption:
            content["caption"] = caption
            entities = command_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._post(target, content, file=stored)

    async def send_document(
        self,
        data: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: Chat | None = None,
        reply_to: ChatMessage | None = None,
    ) -> ChatMessage:
        """Send a file; the bot can fetch it with getFile and the file URL."""
        target = self._target(chat)
        stored = self.bot.file_store.add_document(data, file_name, mime_type)
        content: dict[str, Any] = {"document": stored.document_api()}
        if caption:
            content["caption"] = caption
            entities = command_entities(caption)
            if entities:
                content["caption_entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = reply_to.snapshot(with_reply=False)
        return self._post(target, content, file=stored)

    def _post(self, chat: Chat, content: dict[str, Any], **attributes: Any) -> ChatMessage:
        message = chat.add_message(content, from_bot=False, sender=self.info, **attributes)
        chat.mark_user_action()
        message.injection = self.bot.inject_message(chat, message)
        return message

    async def press(
        self, message: ChatMessage, label: str | None = None, *, data: str | None = None
    ) -> Press:
        """Press the inline button labelled ``label`` on the message's CURRENT keyboard.

        ``data=`` sends that callback data instead (a forged or stale button). Returns the
        Press; ``await press.answered()`` waits for the bot's answerCallbackQuery.
        """
        chat = message.chat
        if chat is not self.chat and not chat.is_present(self.id):
            raise ValueError(f"{self.name} is not a member of {chat.title!r}")
        current = chat.message(message.message_id)
        if current is None:
            raise AssertionError(
                f"message {message.message_id} no longer exists in chat {chat.id}; "
                "it cannot be pressed"
            )
        if data is None:
            if label is None:
                raise TypeError("press() needs a button label or data=")
            button = current.button(label)
            if "callback_data" not in button:
                raise AssertionError(f"button {label!r} is not a callback button: {button}")
            data = str(button["callback_data"])
        chat.mark_user_action()
        return self.bot.inject_press(self.info, current, data)

    async def answer_poll(
        self, poll: ChatMessage | PollState | str, option_ids: Iterable[int]
    ) -> Injection:
        """Vote in a poll the bot sent (``[]`` retracts a vote in a regular poll).

        The bot gets a ``poll_answer`` update for non-anonymous polls and a ``poll`` update
        with the new counts; returns the first of these injections.
        """
        return self.bot.polls.vote(self.info, poll, list(option_ids))
