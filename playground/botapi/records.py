"""What happened: every request the bot made, and every update the test injected."""

# The waits take ``timeout=`` like asyncio.wait_for: it is their public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import bisect
import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .errors import StandinTimeout
from .params import Upload


@dataclass(eq=False)
class RecordedRequest:
    """One Bot API call of the bot, with Telegram's answer.

    ``at`` and ``done_at`` are ``time.perf_counter()`` values (comparable with
    ``Injection.at``); ``wall_time`` is ``time.time()`` when the request arrived.
    """

    seq: int
    bot_username: str
    method: str
    params: dict[str, Any]
    files: dict[str, Upload]
    at: float
    wall_time: float
    chat_id: int | str | None = None
    status: int = 0
    done_at: float | None = None
    body: bytes = b""
    exception: BaseException | None = None

    @cached_property
    def response(self) -> dict[str, Any]:
        """The JSON Telegram answered (parsed on first access)."""
        if not self.body:
            return {}
        try:
            data: dict[str, Any] = json.loads(self.body)
        except ValueError:  # an injected proxy error page
            return {"ok": False, "description": self.body.decode(errors="replace")}
        return data

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def error(self) -> str | None:
        """Telegram's description of the failure, e.g. ``Bad Request: chat not found``."""
        return None if self.ok else self.response.get("description")

    @property
    def duration(self) -> float | None:
        return None if self.done_at is None else self.done_at - self.at

    def __repr__(self) -> str:
        shown = []
        for name, value in self.params.items():
            text = repr(value)
            if len(text) > 50:
                text = text[:47] + "..."
            shown.append(f"{name}={text}")
        for name, upload in self.files.items():
            shown.append(f"{name}=<{len(upload.data)} bytes>")
        outcome = (
            "pending"
            if not self.done
            else (str(self.status) if self.ok else f"{self.status} {self.error}")
        )
        return f"{self.method}({', '.join(shown)}) -> {outcome}"


@dataclass(eq=False)
class Injection:
    """An update the test put into the bot's queue.

    ``at`` is the ``time.perf_counter()`` of the injection; ``delivered_at`` when the bot
    received it (getUpdates answer or webhook 2xx); ``response`` the bot's first
    successful request about the same chat after the injection (for a callback query its
    answerCallbackQuery counts too), which gives a user's time to first answer.
    """

    update_id: int
    kind: str
    update: dict[str, Any]
    at: float
    chat_id: int | None
    request_mark: int
    dropped: str | None = None
    delivered_at: float | None = None
    response: RecordedRequest | None = None
    _responded: asyncio.Future[RecordedRequest] | None = field(default=None, repr=False)

    @property
    def latency(self) -> float | None:
        """Seconds from injection to the bot's first answer, once there is one."""
        return None if self.response is None else self.response.at - self.at

    def resolve(self, record: RecordedRequest) -> None:
        """The bot answered: the first successful request about the chat after this update."""
        if self.response is None:
            self.response = record
            if self._responded is not None and not self._responded.done():
                self._responded.set_result(record)

    async def responded(self, timeout: float = 5.0) -> RecordedRequest:
        """Wait for the bot's first successful request about this update's chat."""
        if self.response is not None:
            return self.response
        if self.dropped:
            raise StandinTimeout(
                f"update {self.update_id} ({self.kind}) never reaches the bot: {self.dropped}"
            )
        if self._responded is None:
            self._responded = asyncio.get_running_loop().create_future()
        try:
            return await asyncio.wait_for(asyncio.shield(self._responded), timeout)
        except TimeoutError:
            delivered = (
                "never delivered"
                if self.delivered_at is None
                else f"delivered {time.perf_counter() - self.delivered_at:.2f}s ago"
            )
            raise StandinTimeout(
                f"Timed out after {timeout:g}s waiting for the bot to answer update "
                f"{self.update_id} ({self.kind}) in chat {self.chat_id}; it was {delivered}"
            ) from None


Waiter = tuple[Callable[[RecordedRequest], bool], int, "asyncio.Future[RecordedRequest]"]


class RequestLog:
    """Every request of one bot, indexed by method and chat, with waits on new ones.

    Requests are numbered (``seq``) in the order they finish, so each index list is
    sorted and a wait finds "the first matching request after X" by bisection.
    """

    def __init__(self) -> None:
        self.seq = 0
        self.records: list[RecordedRequest] = []  # everything but getUpdates
        self.polls: list[RecordedRequest] = []  # getUpdates
        self.by_method: dict[str, list[RecordedRequest]] = defaultdict(list)
        self.by_chat: dict[int | str, list[RecordedRequest]] = defaultdict(list)
        self.inflight = 0
        self.last_activity = time.perf_counter()
        self.mark = 0  # seq of the request the last wait returned
        self.injection_mark = 0  # seq when the last update was injected
        self._waiters: list[Waiter] = []

    def started(self, record: RecordedRequest) -> None:
        if record.method != "getUpdates":
            self.inflight += 1
            self.last_activity = record.at

    def finished(self, record: RecordedRequest, status: int, body: bytes) -> None:
        record.status = status
        record.body = body
        record.done_at = time.perf_counter()
        self.seq += 1
        record.seq = self.seq
        if record.method == "getUpdates":
            self.polls.append(record)
        else:
            self.inflight -= 1
            self.last_activity = record.done_at
            self.records.append(record)
            self.by_method[record.method.lower()].append(record)
            if record.chat_id is not None:
                self.by_chat[record.chat_id].append(record)
        for matches, baseline, future in self._waiters:
            if not future.done() and record.seq > baseline and matches(record):
                future.set_result(record)

    def select(
        self, method: str | None = None, chat_id: int | str | None = None
    ) -> list[RecordedRequest]:
        """Finished requests, oldest first; getUpdates only when asked for by name."""
        if method is not None:
            name = method.lower()
            source = self.polls if name == "getupdates" else self.by_method.get(name, [])
            if chat_id is None:
                return list(source)
            return [record for record in source if record.chat_id == chat_id]
        if chat_id is not None:
            return list(self.by_chat.get(chat_id, []))
        return list(self.records)

    def clear(self) -> None:
        self.records.clear()
        self.polls.clear()
        self.by_method.clear()
        self.by_chat.clear()
        self.mark = self.seq

    def baseline(self, since: RecordedRequest | Injection | int | str | None) -> int:
        if since is None:
            return max(self.mark, self.injection_mark)
        if since == "now":
            return self.seq
        if isinstance(since, RecordedRequest):
            return since.seq
        if isinstance(since, Injection):
            return since.request_mark
        if isinstance(since, int):
            return since
        raise TypeError(f"since={since!r}")

    async def wait(
        self,
        method: str | None,
        matches: Callable[[RecordedRequest], bool],
        baseline: int,
        timeout: float,
    ) -> RecordedRequest | None:
        """The first request after ``baseline`` that matches; None on timeout."""
        name = method.lower() if method else None
        if name == "getupdates":
            source = self.polls
        else:
            source = self.by_method.get(name, []) if name else self.records
        start = bisect.bisect_right(source, baseline, key=lambda record: record.seq)
        for record in source[start:]:
            if matches(record):
                self.mark = record.seq
                return record
        future: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()
        waiter = (matches, baseline, future)
        self._waiters.append(waiter)
        try:
            record = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            self._waiters.remove(waiter)
        self.mark = record.seq
        return record
