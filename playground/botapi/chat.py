"""Chats as the users see them: messages with edits applied, polls, button presses.

Every object here is live: a ``ChatMessage`` always shows the message's current state
(text, keyboard, poll counts), so ``alice.last_message.text`` after an edit is the edited
text. The Telegram JSON of a message is ``message.data`` (also reachable as
``message["text"]``).
"""

# Kept whole: a message knows its chat, a chat its messages; apart they would import each other.
# The waits take ``timeout=`` like asyncio.wait_for: it is their public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .errors import StandinTimeout
from .formatting import strip_tags_preview
from .markup import button_labels
from .media import StoredFile
from .waits import PENDING, Waits, describe

if TYPE_CHECKING:
    from .records import Injection, RecordedRequest

MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
_PRESENT = ("creator", "administrator", "member", "restricted")


class ChatHost(Protocol):
    """What a chat needs from the bot it belongs to (``StandinBot`` is one)."""

    @property
    def id(self) -> int: ...

    def api_user(self) -> dict[str, Any]:
        """The bot's User object."""
        ...

    def user_info(self, user: Any) -> UserInfo | None:
        """The user a UserHandle, UserInfo or user id stands for, if the bot knows them."""
        ...

    def inject(self, kind: str, payload: dict[str, Any], *, chat: Chat | None = None) -> Injection:
        """Queue an update for the bot."""
        ...

    def chat_changed(self, chat: Chat) -> None:
        """Something users can see changed in ``chat``."""
        ...

    def explain(self, what: str, timeout: float, *, chat: Chat | None = None) -> str:
        """The report for a wait that timed out."""
        ...


@dataclass
class UserInfo:
    """A Telegram user (a person, not the bot)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_premium: bool = False

    def api(self) -> dict[str, Any]:
        """The User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        if self.is_premium:
            user["is_premium"] = True
        return user

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


class ChatMessage:
    """One message of a chat in its current state (edits applied)."""

    def __init__(
        self,
        chat: Chat,
        data: dict[str, Any],
        *,
        seq: int,
        from_bot: bool,
        sender: UserInfo | None,
    ):
        self.chat = chat
        self.data = data
        self.seq = seq
        self.from_bot = from_bot
        self.sender = sender
        #: The text or caption exactly as the bot sent it (markup included), and its mode.
        self.raw_text: str | None = None
        self.parse_mode: str | None = None
        self.file: StoredFile | None = None
        self.poll: PollState | None = None
        #: A reply keyboard (or remove/force_reply) the message came with; not in ``data``.
        self.reply_keyboard: dict[str, Any] | None = None
        self.disable_notification = False
        self.deleted = False
        #: Earlier states of ``data``, oldest first, one per edit.
        self.history: list[dict[str, Any]] = []
        #: For messages a user sent: the update that carried it to the bot.
        self.injection: Injection | None = None
        #: For messages the bot sent: the request that sent it.
        self.request: RecordedRequest | None = None
        self.edit_no = 0  # the chat's change counter at the last edit
        self._edit_seen = 0  # the edit_no the last wait_for_edit returned

    # --- what a user sees ------------------------------------------------------------
    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])

    @property
    def text(self) -> str | None:
        """The text as displayed (markup parsed away); None for media without text."""
        return self.data.get("text")

    @property
    def caption(self) -> str | None:
        return self.data.get("caption")

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" for neither)."""
        return self.data.get("text") or self.data.get("caption") or ""

    @property
    def entities(self) -> list[dict[str, Any]]:
        return list(self.data.get("entities") or self.data.get("caption_entities") or [])

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The inline keyboard, as in the Message object."""
        return self.data.get("reply_markup")

    @property
    def buttons(self) -> list[list[str]]:
        """Labels of the inline keyboard, row by row (``[]`` without one)."""
        return button_labels(self.reply_markup)

    @property
    def button_labels(self) -> list[str]:
        """All labels of the inline keyboard, flattened."""
        return [label for row in self.buttons for label in row]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button with this label; AssertionError naming the labels there are."""
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    return dict(button)
        raise AssertionError(
            f"no button {label!r} on message {self.message_id} in chat {self.chat.id}; "
            f"its buttons are {self.buttons} and its text is {strip_tags_preview(self.content)!r}"
        )

    @property
    def photo(self) -> bytes | None:
        """The bytes of the photo, if this is a photo message."""
        return self.file.data if self.file is not None and "photo" in self.data else None

    @property
    def document(self) -> bytes | None:
        return self.file.data if self.file is not None and "document" in self.data else None

    @property
    def date(self) -> int:
        return int(self.data["date"])

    @property
    def edit_date(self) -> int | None:
        return self.data.get("edit_date")

    @property
    def is_edited(self) -> bool:
        return bool(self.history)

    @property
    def reply_to(self) -> ChatMessage | None:
        replied = self.data.get("reply_to_message")
        return None if replied is None else self.chat.message(replied["message_id"])

    def snapshot(self, *, with_reply: bool = True) -> dict[str, Any]:
        """A deep copy of the Message object as it is now."""
        data = copy.deepcopy(self.data)
        if not with_reply:
            data.pop("reply_to_message", None)
        return data

    to_dict = snapshot

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else (self.sender.first_name if self.sender else "?")
        what = (
            strip_tags_preview(self.content)
            if self.content
            else ("photo" if "photo" in self.data else "poll" if "poll" in self.data else "…")
        )
        extra = f" {self.buttons}" if self.buttons else ""
        gone = " (deleted)" if self.deleted else ""
        return f"<{who} #{self.message_id}: {what!r}{extra}{gone}>"


@dataclass
class PollState:
    """A poll the bot sent, with the users' votes (Bot API 10.0 shape)."""

    id: str
    message: ChatMessage
    question: str
    options: list[str]
    type: str = "regular"
    is_anonymous: bool = True
    allows_multiple_answers: bool = False
    allows_revoting: bool = True
    correct_option_ids: list[int] = field(default_factory=list)
    description: str | None = None
    description_entities: list[dict[str, Any]] = field(default_factory=list)
    explanation: str | None = None
    explanation_entities: list[dict[str, Any]] = field(default_factory=list)
    question_entities: list[dict[str, Any]] = field(default_factory=list)
    open_period: int | None = None
    close_date: int | None = None
    is_closed: bool = False
    votes: dict[int, list[int]] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)

    @property
    def correct_option_id(self) -> int | None:
        """The first correct option of a quiz (the pre-9.6 field)."""
        return self.correct_option_ids[0] if self.correct_option_ids else None

    @staticmethod
    def persistent_id(option_id: int) -> str:
        """The option's persistent_id (Bot API 9.6)."""
        return str(option_id)

    @property
    def counts(self) -> list[int]:
        counts = [0] * len(self.options)
        for option_ids in self.votes.values():
            for option_id in option_ids:
                counts[option_id] += 1
        return counts

    def api(self) -> dict[str, Any]:
        """The Poll object as the bot that sent it sees it."""
        counts = self.counts
        poll: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"persistent_id": self.persistent_id(number), "text": text, "voter_count": count}
                for number, (text, count) in enumerate(zip(self.options, counts, strict=True))
            ],
            "total_voter_count": sum(1 for ids in self.votes.values() if ids),
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.allows_revoting,
            "members_only": False,
        }
        if self.question_entities:
            poll["question_entities"] = self.question_entities
        if self.type == "quiz" and self.correct_option_ids:
            poll["correct_option_ids"] = list(self.correct_option_ids)
        if self.description:
            poll["description"] = self.description
            if self.description_entities:
                poll["description_entities"] = self.description_entities
        if self.explanation:
            poll["explanation"] = self.explanation
            if self.explanation_entities:
                poll["explanation_entities"] = self.explanation_entities
        if self.open_period:
            poll["open_period"] = self.open_period
        if self.close_date:
            poll["close_date"] = self.close_date
        return poll


@dataclass
class CallbackAnswer:
    """The bot's answerCallbackQuery for a press."""

    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    at: float
    request: RecordedRequest


class Press:
    """A button press (callback query) made by a user.

    ``await press.answered()`` waits until the bot called answerCallbackQuery for it and
    returns the answer; ``press.latency`` is then the seconds from press to answer.
    """

    def __init__(
        self,
        query_id: str,
        user: UserInfo,
        message: ChatMessage,
        data: str,
        injection: Injection,
    ):
        self.id = query_id
        self.user = user
        self.message = message
        self.data = data
        self.injection = injection
        self.created_at = injection.at
        self.answer: CallbackAnswer | None = None
        self.expired = False
        self._answered: asyncio.Future[CallbackAnswer] | None = None

    @property
    def chat(self) -> Chat:
        return self.message.chat

    @property
    def latency(self) -> float | None:
        """Seconds from the press to the bot's answerCallbackQuery."""
        return None if self.answer is None else self.answer.at - self.created_at

    def set_answer(self, answer: CallbackAnswer) -> None:
        """The bot answered the press (answerCallbackQuery); wakes ``answered()``."""
        self.answer = answer
        if self._answered is not None and not self._answered.done():
            self._answered.set_result(answer)

    async def answered(self, timeout: float = 5.0) -> CallbackAnswer:
        """Wait until the bot answered this press; return the answer."""
        if self.answer is not None:
            return self.answer
        if self._answered is None:
            self._answered = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(asyncio.shield(self._answered), timeout)
        except TimeoutError:
            raise StandinTimeout(
                self.chat.bot.explain(
                    f"the bot to answer the press of {self.data!r} on message "
                    f"{self.message.message_id} (callback query {self.id})",
                    timeout,
                    chat=self.chat,
                )
            ) from None

    def __repr__(self) -> str:
        state = "answered" if self.answer else "expired" if self.expired else "unanswered"
        return f"<Press {self.data!r} by {self.user.first_name} ({state})>"


class Chat:
    """A chat of the bot: a private chat with a user, or a group."""

    def __init__(
        self,
        bot: ChatHost,
        chat_id: int,
        chat_type: str,
        *,
        title: str | None = None,
        username: str | None = None,
        user: UserInfo | None = None,
    ):
        self.bot = bot
        self.id = chat_id
        self.type = chat_type
        self.title = title
        self.username = username
        self.user = user  # the other side of a private chat
        self.members: dict[int, str] = {}
        self.users: dict[int, UserInfo] = {}
        self.bot_status = "member"
        self.blocked = False  # private: the user blocked the bot
        self.started = True  # private: the user has started the bot
        self.actions: list[str] = []
        self.instance = str(abs(hash((bot.id, chat_id))) % 10**19)
        self._messages: dict[int, ChatMessage] = {}
        self._ordered: list[ChatMessage] = []
        self._next_message_id = 1
        self._change_no = 0
        self._read_mark = 0  # messages with seq <= mark were "seen" by the wait helpers
        self._action_change_no = 0
        self._waits = Waits()
        self._awaiting_response: list[Injection] = []

    # --- identity --------------------------------------------------------------------
    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def api(self) -> dict[str, Any]:
        """The Chat object."""
        if self.user is not None:
            chat: dict[str, Any] = {
                "id": self.id,
                "type": "private",
                "first_name": self.user.first_name,
            }
            if self.user.last_name:
                chat["last_name"] = self.user.last_name
            if self.user.username:
                chat["username"] = self.user.username
            return chat
        chat = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            chat["username"] = self.username
        return chat

    @property
    def display_name(self) -> str:
        """How reports name the chat: the user's name or the group's title, and the id."""
        if self.user is not None:
            return f"the chat with {self.user.first_name} ({self.id})"
        return f"{self.title!r} ({self.id})"

    def __repr__(self) -> str:
        name = self.user.first_name if self.user else self.title
        return f"<Chat {self.id} {self.type} {name!r}: {len(self.messages)} messages>"

    # --- messages ----------------------------------------------------------------------
    @property
    def messages(self) -> list[ChatMessage]:
        """Every message of the chat that still exists, oldest first, edits applied."""
        return [message for message in self._ordered if not message.deleted]

    @property
    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self._ordered if m.from_bot and not m.deleted]

    @property
    def last_message(self) -> ChatMessage | None:
        for message in reversed(self._ordered):
            if not message.deleted:
                return message
        return None

    @property
    def last_bot_message(self) -> ChatMessage | None:
        for message in reversed(self._ordered):
            if message.from_bot and not message.deleted:
                return message
        return None

    def message(self, message_id: int) -> ChatMessage | None:
        """The message with this id, or None if there is none or it was deleted."""
        message = self._messages.get(message_id)
        return None if message is None or message.deleted else message

    # --- membership (groups) -----------------------------------------------------------
    def status_of(self, user_id: int) -> str:
        if user_id == self.bot.id:
            return self.bot_status
        if self.user is not None:
            return "member" if user_id == self.user.id else "left"
        return self.members.get(user_id, "left")

    def is_present(self, user_id: int) -> bool:
        return self.status_of(user_id) in _PRESENT

    def set_status(self, user: Any, status: str) -> None:
        """Set a user's (or, with the bot's id, the bot's) status in this group."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}, not {status!r}")
        if self.user is not None:
            raise ValueError("member statuses are for groups; private chats have two members")
        info = self.bot.user_info(user)
        if info is None and getattr(user, "id", user) == self.bot.id:
            self.bot_status = status
            return
        if info is None:
            raise ValueError(f"unknown user {user!r}: create it with server.user() first")
        self.members[info.id] = status
        self.users[info.id] = info

    def add(self, *users: Any, status: str = "member") -> None:
        for user in users:
            self.set_status(user, status)

    def add_bot(self, by: Any, *, status: str = "member") -> Injection:
        """A member adds the bot to this group: the bot's status becomes ``status`` and
        the bot gets the ``my_chat_member`` update Telegram sends for it."""
        info = self.bot.user_info(by)
        if info is None or self.user is not None:
            raise ValueError("a known user adds the bot to a group")
        old_status, self.bot_status = self.bot_status, status
        bot_user = self.bot.api_user()
        return self.bot.inject(
            "my_chat_member",
            {
                "chat": self.api(),
                "from": info.api(),
                "date": int(time.time()),
                "old_chat_member": {"status": old_status, "user": bot_user},
                "new_chat_member": {"status": status, "user": bot_user},
            },
            chat=self,
        )

    def remove_bot(self, *, kicked: bool = False) -> None:
        """The bot leaves (or is kicked from) the group: sends get 403 from then on."""
        self.bot_status = "kicked" if kicked else "left"

    # --- changes (the bot's methods and the users' actions make them) ---------------------
    def add_message(
        self,
        content: dict[str, Any],
        *,
        from_bot: bool,
        sender: UserInfo | None,
        **attributes: Any,
    ) -> ChatMessage:
        """Add a message; ``attributes`` are set on it before any waiter sees it."""
        message_id = self._next_message_id
        self._next_message_id += 1
        sender_api = self.bot.api_user() if from_bot else sender.api() if sender else None
        data: dict[str, Any] = {"message_id": message_id}
        if sender_api is not None:
            data["from"] = sender_api
        data["chat"] = self.api()
        data["date"] = int(time.time())
        data.update(content)
        message = ChatMessage(
            self, data, seq=len(self._ordered) + 1, from_bot=from_bot, sender=sender
        )
        for name, value in attributes.items():
            if not hasattr(message, name):
                raise AttributeError(name)
            setattr(message, name, value)
        self._messages[message_id] = message
        self._ordered.append(message)
        self.changed()
        return message

    def message_edited(self, message: ChatMessage, previous: dict[str, Any]) -> None:
        """``message`` was edited in place; ``previous`` is its data before the edit."""
        message.history.append(previous)
        self._change_no += 1
        message.edit_no = self._change_no
        self._waits.recheck()
        self.bot.chat_changed(self)

    def delete_message(self, message: ChatMessage) -> None:
        """The message is gone for users (and its poll's timer stops)."""
        message.deleted = True
        if message.poll is not None and message.poll.timer is not None:
            message.poll.timer.cancel()
            message.poll.timer = None
        self.changed()

    def changed(self) -> None:
        """Something users see changed: re-check the waits, tell the bot's watchers."""
        self._change_no += 1
        self._waits.recheck()
        self.bot.chat_changed(self)

    def mark_user_action(self) -> None:
        """A user acted here: everything in the chat so far counts as seen by the next wait."""
        self._read_mark = len(self._ordered)
        self._action_change_no = self._change_no

    # --- the bot's answers to updates about this chat ---------------------------------------
    def expect_response(self, injection: Injection) -> None:
        """An update about this chat waits for the bot's first successful request here."""
        self._awaiting_response.append(injection)

    def bot_responded(self, record: RecordedRequest) -> None:
        """A successful request of the bot about this chat answers the earlier updates."""
        waiting = []
        for injection in self._awaiting_response:
            if injection.at < record.at:
                injection.resolve(record)
            else:
                waiting.append(injection)
        self._awaiting_response = waiting

    async def _wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        return await self._waits.wait(
            check, timeout, lambda: self.bot.explain(what, timeout, chat=self)
        )

    # --- waiting -------------------------------------------------------------------------
    async def wait_for_message(
        self,
        predicate: Callable[[ChatMessage], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> ChatMessage:
        """The next message the bot sends here (matching ``predicate``, if given).

        "Next" means after the later of: the last user action in this chat (send, press,
        vote), or the message the previous ``wait_for_message`` returned. So
        ``await alice.send("/start"); await alice.wait_for_message()`` cannot miss a fast
        reply, and two waits in a row return two different messages. Bot messages that do
        not match the predicate are passed over.
        """

        def check() -> Any:
            for message in self._ordered[self._read_mark :]:
                wanted = message.from_bot and not message.deleted
                if wanted and (predicate is None or predicate(message)):
                    self._read_mark = message.seq
                    return message
            return PENDING

        what = "a new message from the bot in " + self.display_name
        if predicate is not None:
            what += f" matching {describe(predicate)}"
        result: ChatMessage = await self._wait(check, timeout, what)
        return result

    async def wait_for_edit(
        self,
        message: ChatMessage,
        predicate: Callable[[ChatMessage], bool] | None = None,
        *,
        timeout: float = 5.0,
    ) -> ChatMessage:
        """Wait until the bot edits ``message`` (after the last user action in this chat)."""
        live = self._messages.get(message.message_id, message)
        baseline = max(self._action_change_no, live._edit_seen)

        def check() -> Any:
            if live.edit_no > baseline and (predicate is None or predicate(live)):
                live._edit_seen = live.edit_no
                return live
            return PENDING

        what = f"the bot to edit message {live.message_id} in {self.display_name}"
        if predicate is not None:
            what += f" so that it matches {describe(predicate)}"
        result: ChatMessage = await self._wait(check, timeout, what)
        return result

    async def wait_until(
        self, condition: Callable[[], Any], *, timeout: float = 5.0, what: str | None = None
    ) -> Any:
        """Wait until ``condition()`` is truthy, re-checked on every change in this chat."""

        def check() -> Any:
            value = condition()
            return value if value else PENDING

        return await self._wait(
            check, timeout, what or f"{describe(condition)} in {self.display_name}"
        )
