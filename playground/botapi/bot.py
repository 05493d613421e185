"""One bot's world: its users and chats, update queue, webhook, files, polls and log."""

# The waits take ``timeout=`` like asyncio.wait_for: it is their public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .actors import UserHandle
from .chat import Chat, ChatMessage, PollState, Press, UserInfo
from .errors import StandinTimeout, bad_request, forbidden, too_many_requests
from .media import StoredFile, make_document, make_photo
from .params import Upload
from .ratelimit import RateLimiter, RateLimits
from .records import Injection, RecordedRequest, RequestLog
from .updates import UPDATE_KINDS, UpdateQueue, WebhookConfig

if TYPE_CHECKING:
    from .server import BotApiStandin

log = logging.getLogger(__name__)


def chat_id_of(target: Any) -> int | str | None:
    """The chat id of a Chat, a UserHandle (its private chat), a message or a plain id."""
    if target is None:
        return None
    if isinstance(target, Chat):
        return target.id
    if isinstance(target, UserHandle):
        return target.chat.id
    if isinstance(target, ChatMessage):
        return target.chat.id
    if isinstance(target, bool):
        return None
    if isinstance(target, int | str):
        return target
    raise TypeError(f"not a chat: {target!r}")


class StandinBot:
    """A bot on the stand-in server, with the test-side API for its users and chats."""

    def __init__(
        self,
        server: BotApiStandin,
        token: str,
        *,
        username: str | None = None,
        first_name: str = "Stand-in Bot",
        privacy_mode: bool = True,
        rate_limits: RateLimits | None = None,
    ):
        head = token.split(":", 1)[0]
        self.server = server
        self.token = token
        self.id = int(head) if head.isdigit() else 10**9 + abs(hash(token)) % 10**9
        self.username = username or f"standin{self.id}_bot"
        self.first_name = first_name
        self.can_join_groups = True
        self.can_read_all_group_messages = not privacy_mode
        self.supports_inline_queries = False
        self.rate_limiter = RateLimiter(rate_limits) if rate_limits else None
        self.rate_limited_count = 0

        self._users: dict[int, UserHandle] = {}
        self._chats: dict[int, Chat] = {}
        self._chats_by_username: dict[str, Chat] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, StoredFile] = {}
        self._polls: dict[str, PollState] = {}
        self._queries: dict[str, Press] = {}
        self._query_ids = itertools.count(random.randrange(10**17, 10**18))
        self._poll_ids = itertools.count(random.randrange(10**17, 10**18))
        self._file_counter = itertools.count(1)
        #: setMyCommands per (scope key, language code).
        self.command_lists: dict[tuple[tuple[Any, ...], str], list[dict[str, str]]] = {}
        #: setMyDescription, setMyShortDescription, setMyName, setChatMenuButton, ...
        self.settings: dict[tuple[str, Any], Any] = {}

        #: The update queue (getUpdates, offsets, allowed_updates, the webhook).
        self.updates = UpdateQueue(
            server._client_session,
            retry_delay=lambda: server.webhook_retry_delay,
            request_timeout=lambda: server.webhook_timeout,
        )
        #: Every update injected for this bot, in order (dropped ones included).
        self.injections: list[Injection] = []
        #: Every request of the bot.
        self.log = RequestLog()
        self._hooks: list[Callable[[RecordedRequest], None]] = []
        self._change_hooks: list[Callable[[Chat], None]] = []

    def __repr__(self) -> str:
        return f"<StandinBot @{self.username} ({len(self._chats)} chats)>"

    # ======================================================================================
    # Test-side API: people and chats
    # ======================================================================================
    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        started: bool = True,
    ) -> UserHandle:
        """A user with a private chat with the bot (the same handle for the same id).

        ``started=False`` is a user who never pressed Start: sending to them fails with
        403 ``bot can't initiate conversation with a user`` until they write.
        """
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        info = UserInfo(user_id, first_name, last_name, username, language_code)
        chat = Chat(self, user_id, "private", user=info)
        chat.started = started
        handle = UserHandle(self, info, chat)
        self._users[user_id] = handle
        self._chats[user_id] = chat
        return handle

    @property
    def users(self) -> list[UserHandle]:
        return list(self._users.values())

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        members: Iterable[Any] = (),
        admins: Iterable[Any] = (),
        creator: Any = None,
        kind: str = "supergroup",
        username: str | None = None,
        bot_status: str = "member",
    ) -> Chat:
        """A group the bot is in, with members and admins (UserHandles or user ids)."""
        if kind not in ("group", "supergroup"):
            raise ValueError("kind is 'group' or 'supergroup'")
        if chat_id >= 0:
            raise ValueError("group chat ids are negative (supergroups: -100...)")
        if chat_id in self._chats:
            raise ValueError(f"chat {chat_id} exists already")
        chat = Chat(self, chat_id, kind, title=title, username=username)
        chat.bot_status = bot_status
        for user in members:
            chat.set_status(user, "member")
        for user in admins:
            chat.set_status(user, "administrator")
        if creator is not None:
            chat.set_status(creator, "creator")
        self._chats[chat_id] = chat
        if username:
            self._chats_by_username[username.lower()] = chat
        return chat

    def chat(self, target: Any) -> Chat:
        """The Chat for an id, a UserHandle or a message."""
        chat_id = chat_id_of(target)
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise KeyError(f"no chat {target!r}")
        return chat

    @property
    def chats(self) -> list[Chat]:
        return list(self._chats.values())

    def block(self, user: UserHandle | int) -> None:
        """The user blocks the bot (403 ``bot was blocked by the user`` from then on)."""
        self.chat(user).blocked = True

    def unblock(self, user: UserHandle | int) -> None:
        self.chat(user).blocked = False

    def _user_info(self, user: Any) -> UserInfo | None:
        if isinstance(user, UserHandle):
            return user.info
        if isinstance(user, UserInfo):
            return user
        if isinstance(user, int) and user in self._users:
            return self._users[user].info
        return None

    def inject(self, kind: str, payload: dict[str, Any], *, chat: Chat | None = None) -> Injection:
        """Inject any update (``kind`` is its field, e.g. ``my_chat_member``)."""
        if kind not in UPDATE_KINDS:
            raise ValueError(f"unknown update kind {kind!r}")
        return self._inject(kind, payload, chat)

    def close_poll(self, poll: ChatMessage | PollState | str) -> PollState:
        """Close a poll now, as its open_period running out would (emits a ``poll`` update)."""
        state = self._poll_state(poll)
        self._close_poll(state)
        return state

    def poll(self, poll: ChatMessage | str) -> PollState:
        return self._poll_state(poll)

    def press_of(self, query_id: str) -> Press:
        """The press with this callback query id."""
        return self._queries[query_id]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The commands set with setMyCommands for a scope (default scope if None)."""
        key = self.command_scope_key(scope)
        return [
            (c["command"], c["description"])
            for c in self.command_lists.get((key, language_code), [])
        ]

    def menu_commands(self, chat: Chat, user_id: int) -> list[tuple[str, str]]:
        """The commands a user's client shows in ``chat``, as Telegram picks them.

        The first scope with commands wins, narrowest first (Bot API, "Determining list
        of commands"): in a private chat chat, all_private_chats, default; in a group
        chat_member, chat_administrators (for admins), chat, all_chat_administrators
        (for admins), all_group_chats, default. Each scope in the user's language first.
        """
        scopes: list[tuple[Any, ...]]
        if chat.is_private:
            scopes = [("chat", chat.id), ("all_private_chats",), ("default",)]
        else:
            admin = chat.status_of(user_id) in ("creator", "administrator")
            scopes = [("chat_member", chat.id, user_id)]
            scopes += [("chat_administrators", chat.id)] if admin else []
            scopes += [("chat", chat.id)]
            scopes += [("all_chat_administrators",)] if admin else []
            scopes += [("all_group_chats",), ("default",)]
        info = self._user_info(user_id)
        language = (info.language_code or "") if info is not None else ""
        for scope in scopes:
            for code in dict.fromkeys([language, ""]):
                commands = self.command_lists.get((scope, code))
                if commands:
                    return [(c["command"], c["description"]) for c in commands]
        return []

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates waiting in the queue (not yet confirmed by an offset)."""
        return [injection.update for injection in self.updates.queue]

    def files(self) -> list[StoredFile]:
        return list({id(f): f for f in self._files.values()}.values())

    # ======================================================================================
    # Test-side API: the request log
    # ======================================================================================
    def requests(self, method: str | None = None, chat_id: Any = None) -> list[RecordedRequest]:
        """Finished requests of the bot, oldest first; getUpdates only when asked by name."""
        return self.log.select(method, chat_id_of(chat_id))

    def last_request(
        self, method: str | None = None, chat_id: Any = None
    ) -> RecordedRequest | None:
        found = self.requests(method, chat_id)
        return found[-1] if found else None

    def clear_requests(self) -> None:
        """Forget the request log (long benchmarks); waits only see new requests after it."""
        self.log.clear()

    def on_request(self, callback: Callable[[RecordedRequest], None]) -> Callable[[], None]:
        """Call ``callback(record)`` after every finished request of this bot.

        Runs synchronously in the server's event loop; returns a function that removes it.
        """
        self._hooks.append(callback)
        return lambda: self._hooks.remove(callback)

    def on_change(self, callback: Callable[[Chat], None]) -> Callable[[], None]:
        """Call ``callback(chat)`` after every change users could see in a chat of this
        bot (a message sent, edited or deleted, a poll's votes or closing).

        Runs synchronously in the server's event loop; returns a function that removes it.
        """
        self._change_hooks.append(callback)
        return lambda: self._change_hooks.remove(callback)

    def _chat_changed(self, chat: Chat) -> None:
        for hook in list(self._change_hooks):
            try:
                hook(chat)
            except Exception:
                log.exception("on_change hook failed for %r", chat)

    async def wait_for_request(
        self,
        method: str | None = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        chat_id: Any = None,
        timeout: float = 5.0,
        since: RecordedRequest | Injection | int | str | None = None,
    ) -> RecordedRequest:
        """The first finished request with this method (and chat, and predicate).

        It must come after ``since``: by default the later of the last injected update and
        the request the previous wait_for_request returned, so waits cannot miss a fast
        bot and consecutive waits return different requests. ``since="now"`` looks only at
        requests from now on, ``since=0`` at all of them.
        """
        name = method.lower() if method else None
        wanted_chat = chat_id_of(chat_id)

        def matches(record: RecordedRequest) -> bool:
            return (
                (name is None or record.method.lower() == name)
                and (wanted_chat is None or record.chat_id == wanted_chat)
                and (predicate is None or bool(predicate(record)))
            )

        record = await self.log.wait(method, matches, self.log.baseline(since), timeout)
        if record is None:
            what = f"a {method or 'any'} request"
            if wanted_chat is not None:
                what += f" for chat {wanted_chat}"
            if predicate is not None:
                what += f" matching {getattr(predicate, '__name__', predicate)}"
            chat = self._chats.get(wanted_chat) if isinstance(wanted_chat, int) else None
            raise StandinTimeout(self.explain(what, timeout, chat=chat))
        return record

    @property
    def busy(self) -> bool:
        """Requests in flight, or updates the bot takes but has not received yet."""
        updates = self.updates
        return self.log.inflight > 0 or (updates.consumed and updates.undelivered > 0)

    async def settle(self, quiet: float = 0.2, *, timeout: float = 10.0) -> None:
        """Wait until this bot is idle: every update delivered and no request for ``quiet`` s."""
        await self.server._settle([self], quiet, timeout)

    def explain(self, what: str, timeout: float, *, chat: Chat | None = None) -> str:
        """A report for a wait that timed out: what was awaited and what happened."""
        lines = [f"Timed out after {timeout:g}s waiting for {what}."]
        if chat is not None:
            shown = chat.messages[-6:]
            lines.append(f"Messages in {chat._name()} (last {len(shown)}):")
            lines.extend(f"  {message!r}" for message in shown)
            if not shown:
                lines.append("  (none)")
        now = time.perf_counter()
        updates = self.updates
        if updates.webhook is not None:
            lines.append(
                f"Updates go to the webhook {updates.webhook.url}: {len(updates.queue)} pending, "
                f"last error {updates.webhook.last_error_message!r}."
            )
        elif updates.last_poll_at is None:
            lines.append(
                f"The bot never called getUpdates (is it running, with base_url "
                f"{self.server.base_url}/bot?); {updates.undelivered} update(s) wait for it."
            )
        else:
            waiting = " and is long-polling now" if updates.poller is not None else ""
            lines.append(
                f"The bot last called getUpdates {now - updates.last_poll_at:.2f}s ago{waiting}; "
                f"{updates.undelivered} update(s) not yet delivered."
            )
        dropped = [i for i in self.injections[-5:] if i.dropped]
        for injection in dropped:
            lines.append(f"Update {injection.kind} was not queued: {injection.dropped}")
        recent = self.log.records[-8:]
        if recent:
            lines.append("Last requests of the bot (oldest first):")
            lines.extend(f"  {now - record.at:6.2f}s ago  {record!r}" for record in recent)
        else:
            lines.append("The bot made no requests other than getUpdates.")
        return "\n".join(lines)

    # ======================================================================================
    # Server side: identity, chats, access
    # ======================================================================================
    def api_user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def me(self) -> dict[str, Any]:
        return {
            **self.api_user(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def find_chat(self, value: Any) -> Chat | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return self._chats.get(value)
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@"):
                return self._chats_by_username.get(text[1:].lower())
            try:
                return self._chats.get(int(text))
            except ValueError:
                return None
        return None

    def resolve_chat(self, value: Any) -> Chat:
        """The chat a ``chat_id`` parameter names, or 400 ``chat not found``."""
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        chat = self.find_chat(value)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def check_can_write(self, chat: Chat) -> None:
        """403 when Telegram would refuse to deliver to this chat."""
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

    def command_scope_key(self, scope: Any) -> tuple[Any, ...]:
        """A hashable key for a BotCommandScope."""
        if scope in (None, "", {}):
            return ("default",)
        if isinstance(scope, str):
            try:
                scope = json.loads(scope)
            except ValueError:
                raise bad_request("can't parse BotCommandScope JSON object") from None
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope: BotCommandScope must be an Object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return (kind,)
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise bad_request("can't parse BotCommandScope: Unsupported type specified")
        chat = self.resolve_chat(scope.get("chat_id"))
        if kind == "chat_member":
            user_id = scope.get("user_id")
            if not isinstance(user_id, int) or user_id <= 0:
                raise bad_request("can't parse BotCommandScope: Invalid user_id specified")
            return (kind, chat.id, user_id)
        return (kind, chat.id)

    def check_rate(self, method: str, chat: Chat) -> None:
        if self.rate_limiter is None:
            return
        retry_after = self.rate_limiter.admit(method, chat.id, time.perf_counter())
        if retry_after is not None:
            raise too_many_requests(retry_after)

    # ======================================================================================
    # Server side: files
    # ======================================================================================
    def _next_path(self, folder: str, extension: str) -> str:
        return f"{folder}/file_{next(self._file_counter)}.{extension}"

    def _store_photo(self, data: bytes) -> StoredFile:
        stored, ids = make_photo(data, self._next_path("photos", "jpg"))
        for file_id, _ in ids:
            self._files[file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def store_upload(self, upload: Upload, kind: str) -> StoredFile:
        if kind == "photo":
            return self._store_photo(upload.data)
        return self._store_document(upload.data, upload.filename, upload.content_type)

    def _store_document(
        self, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        extension = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        stored = make_document(data, self._next_path("documents", extension), file_name, mime_type)
        self._files[stored.file_id] = stored
        self._file_paths[stored.file_path] = stored
        return stored

    def file_by_id(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id.strip())

    def file_by_path(self, path: str) -> StoredFile | None:
        return self._file_paths.get(path)

    # ======================================================================================
    # Server side: updates
    # ======================================================================================
    @property
    def webhook(self) -> WebhookConfig | None:
        return self.updates.webhook

    @property
    def allowed_updates(self) -> list[str] | None:
        return self.updates.allowed_updates

    def _inject(
        self,
        kind: str,
        payload: dict[str, Any],
        chat: Chat | None,
        *,
        dropped: str | None = None,
    ) -> Injection:
        dropped = dropped or self.updates.refusal(kind)
        update_id = 0 if dropped else self.updates.next_update_id
        injection = Injection(
            update_id=update_id,
            kind=kind,
            update={"update_id": update_id, kind: payload},
            at=time.perf_counter(),
            chat_id=chat.id if chat is not None else None,
            request_mark=self.log.seq,
            dropped=dropped,
        )
        self.injections.append(injection)
        self.log.injection_mark = self.log.seq
        if dropped:
            return injection
        self.updates.next_update_id += 1
        if chat is not None:
            chat._awaiting_response.append(injection)
        self.updates.push(injection)
        return injection

    def _inject_message(self, chat: Chat, message: ChatMessage) -> Injection:
        reason = self._hidden_reason(chat, message)
        return self._inject("message", message.snapshot(), chat, dropped=reason)

    def _hidden_reason(self, chat: Chat, message: ChatMessage) -> str | None:
        """Why a group message does not reach the bot (privacy mode), or None."""
        if chat.is_private:
            return None
        if chat.bot_status in ("left", "kicked"):
            return f"the bot is not in {chat.title!r} (status {chat.bot_status})"
        if self.can_read_all_group_messages or chat.bot_status in ("administrator", "creator"):
            return None
        text = message.content
        for entity in message.entities:
            if entity["type"] == "bot_command":
                command = text[entity["offset"] : entity["offset"] + entity["length"]]
                if "@" not in command or command.split("@", 1)[1].lower() == self.username.lower():
                    return None
        replied = message.data.get("reply_to_message")
        if replied is not None and replied.get("from", {}).get("id") == self.id:
            return None
        if f"@{self.username}".lower() in text.lower():
            return None
        return "privacy mode: bots see only commands, replies and mentions in groups"

    def _inject_press(self, user: UserInfo, message: ChatMessage, data: str) -> Press:
        query_id = str(next(self._query_ids))
        payload = {
            "id": query_id,
            "from": user.api(),
            "message": message.snapshot(),
            "chat_instance": message.chat.instance,
            "data": data,
        }
        injection = self._inject("callback_query", payload, message.chat)
        press = Press(query_id, user, message, data, injection)
        self._queries[query_id] = press
        return press

    # ======================================================================================
    # Server side: polls and callback queries
    # ======================================================================================
    def new_poll_id(self) -> str:
        return str(next(self._poll_ids))

    def register_poll(self, state: PollState) -> None:
        self._polls[state.id] = state
        delay: float | None = None
        if state.is_closed:
            return
        if state.open_period:
            delay = state.open_period
        elif state.close_date:
            delay = max(0.0, state.close_date - time.time())
        if delay is not None:
            loop = asyncio.get_running_loop()
            state.timer = loop.call_later(delay * self.server.time_scale, self._close_poll, state)

    def _poll_state(self, poll: ChatMessage | PollState | str) -> PollState:
        if isinstance(poll, PollState):
            return poll
        if isinstance(poll, ChatMessage):
            if poll.poll is None:
                raise ValueError(f"{poll!r} is not a poll")
            return poll.poll
        state = self._polls.get(poll)
        if state is None:
            raise KeyError(f"no poll {poll!r}")
        return state

    def refresh_poll(self, state: PollState) -> None:
        state.message.data["poll"] = state.api()
        state.message.chat._changed()

    def _close_poll(self, state: PollState) -> None:
        if state.is_closed:
            return
        state.is_closed = True
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        self.refresh_poll(state)
        self._inject("poll", state.api(), None)

    def _vote(
        self, user: UserInfo, poll: ChatMessage | PollState | str, option_ids: list[int]
    ) -> Injection:
        state = self._poll_state(poll)
        chat = state.message.chat
        if not chat.is_present(user.id):
            raise ValueError(f"{user.first_name} is not in the chat of the poll")
        if state.message.deleted:
            raise AssertionError("the poll's message was deleted")
        if state.is_closed:
            raise AssertionError(f"the poll {state.question!r} is closed")
        if len(set(option_ids)) != len(option_ids) or any(
            not 0 <= option < len(state.options) for option in option_ids
        ):
            raise ValueError(f"option ids {option_ids} do not fit {len(state.options)} options")
        if len(option_ids) > 1 and not state.allows_multiple_answers:
            raise AssertionError("this poll takes one answer")
        previous = state.votes.get(user.id)
        if previous and not state.allows_revoting:
            raise AssertionError(f"this {state.type} poll does not allow changing the answer")
        if not option_ids and not previous:
            raise AssertionError("there is no vote to retract")
        if option_ids:
            state.votes[user.id] = sorted(option_ids)
        else:
            del state.votes[user.id]
        self.refresh_poll(state)
        chat._mark_user_action()
        first = None
        if not state.is_anonymous:
            first = self._inject(
                "poll_answer",
                {
                    "poll_id": state.id,
                    "user": user.api(),
                    "option_ids": sorted(option_ids),
                    "option_persistent_ids": [state.persistent_id(o) for o in sorted(option_ids)],
                },
                chat,
            )
        updated = self._inject("poll", state.api(), None)
        return first or updated

    def callback_query(self, query_id: str) -> Press | None:
        return self._queries.get(query_id)

    # ======================================================================================
    # Server side: the request log
    # ======================================================================================
    def begin_request(
        self, method: str, params: dict[str, Any], files: dict[str, Upload]
    ) -> RecordedRequest:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str):
            chat = self.find_chat(chat_id)
            chat_id = chat.id if chat is not None else chat_id
        elif not isinstance(chat_id, int) or isinstance(chat_id, bool):
            chat_id = None
        record = RecordedRequest(
            seq=0,
            bot_username=self.username,
            method=method,
            params=params,
            files=files,
            at=time.perf_counter(),
            wall_time=time.time(),
            chat_id=chat_id,
        )
        self.log.started(record)
        return record

    def finish_request(self, record: RecordedRequest, status: int, body: bytes) -> None:
        self.log.finished(record, status, body)
        if record.method == "getUpdates":
            return
        if status == 429:
            self.rate_limited_count += 1
        if status == 200 and isinstance(record.chat_id, int):
            chat = self._chats.get(record.chat_id)
            if chat is not None and chat._awaiting_response:
                waiting = []
                for injection in chat._awaiting_response:
                    if injection.at < record.at:
                        injection._resolve(record)
                    else:
                        waiting.append(injection)
                chat._awaiting_response = waiting
        for hook in [*self._hooks, *self.server._hooks]:
            try:
                hook(record)
            except Exception:
                log.exception("on_request hook failed for %r", record)

    def shutdown(self) -> asyncio.Task[None] | None:
        """Stop timers, the webhook and long polls; return the webhook task to await."""
        task = self.updates.stop_webhook()
        self.updates.abort_long_poll("shutdown")
        for state in self._polls.values():
            if state.timer is not None:
                state.timer.cancel()
                state.timer = None
        return task
