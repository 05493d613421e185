"""Telegram's flood limits, kept strictly: a ``BaseRateLimiter`` with sliding windows.

aiolimiter's leaky bucket (what PTB's ``AIORateLimiter`` uses) lets a full bucket out at
once and then refills it, so about twice the rate can pass in the first second; Telegram
(and the stand-in) count calls in a sliding window and answer the excess with 429. A window
of call times never lets more than the limit through in any period, which is what "zero
429s" needs. The limiter is built on PTB's public ``BaseRateLimiter`` only: PTB's private
members may change in any minor release.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

from telegram import constants
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

# What a Bot API call returns (PTB's own alias for it is private).
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]

# A call counts from when it is let through until a window after its answer came back:
# Telegram saw it somewhere in between, and that is all the limiter can know. The small
# margin covers clock granularity.
WINDOW_MARGIN = 0.01
# Past this many group windows, the idle ones are dropped (as PTB's AIORateLimiter does).
GROUP_WINDOWS_KEPT = 512
# Added to a 429's ``retry_after`` before calling again (PTB's AIORateLimiter adds the same).
RETRY_AFTER_MARGIN = 0.1
# Sends a batch (reminders, homework nudges) keeps in flight at once; the limiter paces
# them to Telegram's 30 a second.
SEND_CONCURRENCY = 30

_LOGGER = logging.getLogger(__name__)


class SlidingWindowLimiter:
    """``async with`` lets at most ``limit`` calls reach the server in any ``period``.

    A call occupies a place from when it enters until ``period`` after it left. Counting
    from the answer, not from the start, makes the guarantee hold however late a call
    actually reaches the server (connection pool waits, event-loop lag).
    """

    def __init__(self, limit: int, period: float, *, margin: float = WINDOW_MARGIN) -> None:
        self.max_rate = limit
        self.period = period + margin
        self._in_flight = 0
        self._finished: deque[float] = deque()
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()

    def _forget_old(self, now: float) -> None:
        while self._finished and self._finished[0] <= now - self.period:
            self._finished.popleft()

    def _used(self, now: float) -> int:
        self._forget_old(now)
        return self._in_flight + len(self._finished)

    def has_capacity(self, amount: float = 1) -> bool:
        """Whether ``amount`` calls could go now (used to drop idle group windows)."""
        return self._used(asyncio.get_running_loop().time()) + amount <= self.max_rate

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        # Waiters queue on the lock, so they are let through in the order they came.
        async with self._lock:
            while self._used(now := loop.time()) >= self.max_rate:
                self._changed.clear()
                timeout = self._finished[0] + self.period - now if self._finished else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            self._in_flight += 1

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._in_flight -= 1
        # Finish times are appended in order, so the deque stays sorted.
        self._finished.append(asyncio.get_running_loop().time())
        self._changed.set()


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds, whether PTB gives it as int or timedelta."""
    # PTB 22 warns on reading ``retry_after`` unless PTB_TIMEDELTA opts in to timedelta;
    # both forms are handled, so the warning says nothing to act on here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class TelegramRateLimiter(BaseRateLimiter[int]):
    """30 messages a second overall and 20 a minute per group, as sliding windows.

    Mirrors PTB's ``AIORateLimiter``: a call with a ``chat_id`` goes through the overall
    window; one to a group or channel (a negative id or an ``@username``) first through
    that chat's window; a paid broadcast only through the paid-broadcast window; a call
    without a chat is not held. Edits in private chats stay out of the overall window:
    Telegram's limit is on sending messages, and editing the card a learner just pressed is
    the answer to that press.

    A ``RetryAfter`` is retried up to ``max_retries`` times (``rate_limit_args`` overrides
    it per call), after ``retry_after`` plus a margin during which no call is let through.
    The application builds it with ``max_retries=0``: a 429 is waited out by the one retry
    policy (``bot.telegram_io``), under this limiter, and a ``RetryAfter`` that reaches here
    is re-raised without logging, for that policy has logged it once.
    """

    def __init__(
        self,
        *,
        overall_per_second: int = constants.FloodLimit.MESSAGES_PER_SECOND,
        per_group_per_minute: int = constants.FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        max_retries: int = 3,
        overall_period: float = 1.0,
        group_period: float = 60.0,
    ) -> None:
        """Set the limits; the periods are Telegram's (tests shorten them)."""
        self.max_retries = max_retries
        self.per_group = per_group_per_minute
        self.group_period = group_period
        self.overall = SlidingWindowLimiter(overall_per_second, overall_period)
        self.paid_broadcasts = SlidingWindowLimiter(
            constants.FloodLimit.PAID_MESSAGES_PER_SECOND, 1.0
        )
        self._groups: dict[str | int, SlidingWindowLimiter] = {}
        # Set unless a 429 that will be retried holds every call until ``_resume_at``.
        self._running = asyncio.Event()
        self._running.set()
        self._resume_at = 0.0

    async def initialize(self) -> None:
        """Nothing to open: the windows live in memory."""

    async def shutdown(self) -> None:
        """Nothing to close; the windows are kept, so a restart within a window obeys it."""

    def group_window(self, group_id: str | int) -> SlidingWindowLimiter:
        """The window of one group or channel, made on first use."""
        window = self._groups.get(group_id)
        if window is None:
            if len(self._groups) > GROUP_WINDOWS_KEPT:
                for key, idle in list(self._groups.items()):
                    if idle.has_capacity(idle.max_rate):
                        del self._groups[key]
            window = self._groups[group_id] = SlidingWindowLimiter(
                self.per_group, self.group_period
            )
        return window

    def _pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._resume_at = max(self._resume_at, loop.time() + seconds)
        self._running.clear()
        loop.call_at(self._resume_at, self._resume_when_due)

    def _resume_when_due(self) -> None:
        # The loop may run a timer a clock tick early, and a later 429 may have moved the end.
        loop = asyncio.get_running_loop()
        if loop.time() >= self._resume_at:
            self._running.set()
        else:
            loop.call_at(self._resume_at, self._resume_when_due)

    async def _call_once(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        windows: list[SlidingWindowLimiter],
    ) -> ApiResult:
        async with contextlib.AsyncExitStack() as stack:
            for window in windows:
                await stack.enter_async_context(window)
            await self._running.wait()
            return await callback(*args, **kwargs)

    def _windows_for(self, endpoint: str, data: dict[str, Any]) -> list[SlidingWindowLimiter]:
        """The windows a call passes, the group's before the overall one (as PTB's order)."""
        if data.get("allow_paid_broadcast", False):
            return [self.paid_broadcasts]
        chat_id = data.get("chat_id")
        if chat_id is None:
            return []
        # An integer chat id may come as a string; "@name" stays a string.
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        if isinstance(chat_id, int) and chat_id > 0 and endpoint.startswith("edit"):
            return []
        if (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str):
            # A channel cannot be told from a supergroup: both get the group window.
            return [self.group_window(chat_id), self.overall]
        return [self.overall]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> ApiResult:
        """Make the call when every window it counts in has room; retry a 429 if allowed."""
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        windows = self._windows_for(endpoint, data)
        attempt = 0
        while True:
            try:
                return await self._call_once(callback, args, kwargs, windows)
            except RetryAfter as error:
                if attempt >= max_retries:
                    raise
                attempt += 1
                wait = retry_after_seconds(error) + RETRY_AFTER_MARGIN
                _LOGGER.info(
                    "%s rate limited: retry %d of %d after %.1f s",
                    endpoint,
                    attempt,
                    max_retries,
                    wait,
                )
                self._pause(wait)
                await self._running.wait()
