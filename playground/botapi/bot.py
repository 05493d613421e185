"""One bot's world: its users and chats, update queue, webhook, files, polls and log."""

# Kept whole: StandinBot is the one facade tests and methods hold; its parts live in their modules.
# The waits take ``timeout=`` like asyncio.wait_for: it is their public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import aiohttp

from .access import hidden_reason
from .actors import UserHandle
from .chat import Chat, ChatMessage, PollState, Press, UserInfo
from .commands import CommandLists
from .errors import StandinTimeout, bad_request, too_many_requests
from .media import FileStore, StoredFile
from .params import Upload
from .polls import PollBook
from .ratelimit import RateLimiter, RateLimits
from .records import Injection, RecordedRequest, RequestLog
from .reports import timeout_report
from .updates import UPDATE_KINDS, UpdateQueue, WebhookConfig

log = logging.getLogger(__name__)


class BotHost(Protocol):
    """What a bot needs from the server it runs on (``BotApiStandin`` is one)."""

    @property
    def base_url(self) -> str: ...

    @property
    def time_scale(self) -> float:
        """The factor on the stand-in's own timers (poll open_period)."""
        ...

    @property
    def callback_timeout(self) -> float:
        """How long a callback query can be answered."""
        ...

    @property
    def webhook_retry_delay(self) -> float: ...

    @property
    def webhook_timeout(self) -> float: ...

    def client_session(self) -> aiohttp.ClientSession:
        """The HTTP client that delivers to webhooks."""
        ...

    def request_finished(self, record: RecordedRequest) -> None:
        """A request of the bot finished (the server's ``on_request`` hooks run)."""
        ...


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
        server: BotHost,
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
        self._queries: dict[str, Press] = {}
        self._query_ids = itertools.count(random.randrange(10**17, 10**18))
        #: Files the bot uploaded and its users sent.
        self.file_store = FileStore()
        #: The polls the bot sent.
        self.polls = PollBook(self._inject, lambda: server.time_scale)
        #: setMyCommands per (scope, language code).
        self.command_lists = CommandLists(self.resolve_chat)
        #: setMyDescription, setMyShortDescription, setMyName, setChatMenuButton, ...
        self.settings: dict[tuple[str, Any], Any] = {}

        #: The update queue (getUpdates, offsets, allowed_updates, the webhook).
        self.updates = UpdateQueue(
            server.client_session,
            retry_delay=lambda: server.webhook_retry_delay,
            request_timeout=lambda: server.webhook_timeout,
        )
        #: Every request of the bot.
        self.log = RequestLog()
        self._hooks: list[Callable[[RecordedRequest], None]] = []
        self._change_hooks: list[Callable[[Chat], None]] = []

    def __repr__(self) -> str:
        return f"<StandinBot @{self.username} ({len(self._chats)} chats)>"

    # --- Test-side API: people and chats --------------------------------------------------
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

    def user_info(self, user: Any) -> UserInfo | None:
        """The user a UserHandle, UserInfo or known user id stands for."""
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
        state = self.polls.get(poll)
        self.polls.close(state)
        return state

    def poll(self, poll: ChatMessage | str) -> PollState:
        return self.polls.get(poll)

    def press_of(self, query_id: str) -> Press:
        """The press with this callback query id."""
        return self._queries[query_id]

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The commands set with setMyCommands for a scope (default scope if None)."""
        key = self.command_lists.scope_key(scope)
        listed = self.command_lists.get(key, language_code)
        return [(c["command"], c["description"]) for c in listed]

    def menu_commands(self, chat: Chat, user_id: int) -> list[tuple[str, str]]:
        """The commands a user's client shows in ``chat``, as Telegram picks them (see
        ``CommandLists.shown``)."""
        info = self.user_info(user_id)
        language = (info.language_code or "") if info is not None else ""
        return self.command_lists.shown(chat, user_id, language)

    @property
    def injections(self) -> list[Injection]:
        """Every update injected for this bot, in order (dropped ones included)."""
        return self.updates.injections

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates waiting in the queue (not yet confirmed by an offset)."""
        return [injection.update for injection in self.updates.queue]

    def files(self) -> list[StoredFile]:
        return self.file_store.all()

    def file_by_path(self, path: str) -> StoredFile | None:
        """The file a download URL names by its ``path``."""
        return self.file_store.by_path(path)

    # --- Test-side API: the request log ---------------------------------------------------
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

    def chat_changed(self, chat: Chat) -> None:
        """Run the ``on_change`` hooks for ``chat``."""
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
        await settle_bots([self], quiet, timeout)

    def explain(self, what: str, timeout: float, *, chat: Chat | None = None) -> str:
        """A report for a wait that timed out: what was awaited and what happened."""
        return timeout_report(
            what,
            timeout,
            chat=chat,
            updates=self.updates,
            injections=self.injections,
            requests=self.log.records,
            base_url=lambda: self.server.base_url,
        )

    # --- Server side: identity, chats, access ---------------------------------------------
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

    def check_rate(self, method: str, chat: Chat) -> None:
        if self.rate_limiter is None:
            return
        retry_after = self.rate_limiter.admit(method, chat.id, time.perf_counter())
        if retry_after is not None:
            raise too_many_requests(retry_after)

    # --- Server side: updates -------------------------------------------------------------
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
        injection = self.updates.add(
            kind,
            payload,
            chat_id=chat.id if chat is not None else None,
            request_mark=self.log.seq,
            dropped=dropped,
        )
        self.log.injection_mark = self.log.seq
        if chat is not None and not injection.dropped:
            chat.expect_response(injection)
        return injection

    def inject_message(self, chat: Chat, message: ChatMessage) -> Injection:
        """Queue the update for a user's message (dropped when privacy mode hides it)."""
        reason = hidden_reason(
            chat,
            message,
            bot_id=self.id,
            bot_username=self.username,
            reads_all=self.can_read_all_group_messages,
        )
        return self._inject("message", message.snapshot(), chat, dropped=reason)

    def inject_press(self, user: UserInfo, message: ChatMessage, data: str) -> Press:
        """Queue the callback query of a press of a button of ``message``."""
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

    # --- Server side: callback queries and the request log --------------------------------
    def callback_query(self, query_id: str) -> Press | None:
        return self._queries.get(query_id)

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
            if chat is not None:
                chat.bot_responded(record)
        for hook in list(self._hooks):
            try:
                hook(record)
            except Exception:
                log.exception("on_request hook failed for %r", record)
        self.server.request_finished(record)

    def shutdown(self) -> asyncio.Task[None] | None:
        """Stop timers, the webhook and long polls; return the webhook task to await."""
        task = self.updates.stop_webhook()
        self.updates.abort_long_poll("shutdown")
        self.polls.stop_timers()
        return task


async def settle_bots(bots: Iterable[StandinBot], quiet: float, timeout: float) -> None:
    """Wait until every bot is idle: updates delivered, no request for ``quiet`` s."""
    bots = list(bots)
    deadline = time.perf_counter() + timeout
    while True:
        now = time.perf_counter()
        busy = [bot for bot in bots if bot.busy]
        idle_for = now - max((bot.log.last_activity for bot in bots), default=0.0)
        if not busy and idle_for >= quiet:
            return
        if now >= deadline:
            first = busy[0] if busy else bots[0]
            state = (
                f"{sum(b.log.inflight for b in busy)} request(s) in flight, "
                f"{sum(b.updates.undelivered for b in busy)} update(s) undelivered"
                if busy
                else f"requests kept coming (last {idle_for:.3f}s ago)"
            )
            raise StandinTimeout(first.explain(f"the bot to settle ({state})", timeout))
        pause = 0.01 if busy else quiet - idle_for
        await asyncio.sleep(max(0.002, min(pause, deadline - now)))
