"""Telegram's flood limits, kept strictly: PTB's AIORateLimiter with sliding windows.

aiolimiter's leaky bucket lets a full bucket out at once and then refills it, so about
twice the rate can pass in the first second; Telegram (and the stand-in) count calls in
a sliding window and answer the excess with 429. A window of call times never lets more
than the limit through in any period, which is what "zero 429s" needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from telegram import constants
from telegram.ext import AIORateLimiter

# A call counts from when it is let through until a window after its answer came back:
# Telegram saw it somewhere in between, and that is all the limiter can know. The small
# margin covers clock granularity.
WINDOW_MARGIN = 0.01


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
        """Whether ``amount`` calls could go now (PTB uses it to drop idle group limiters)."""
        return self._used(asyncio.get_running_loop().time()) + amount <= self.max_rate

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
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


class _GivenUpIsLoggedOnce(logging.Filter):
    """Drop PTB's traceback for a 429 that the retry policy already gave up on and logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Rate limit hit after maximum")


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_GivenUpIsLoggedOnce())


class TelegramRateLimiter(AIORateLimiter):
    """30 messages a second overall and 20 a minute per group, as sliding windows.

    Edits in private chats stay out of the overall window: Telegram's limit is on sending
    messages, and editing the card a learner just pressed is the answer to that press.
    A 429 is waited out by the one retry policy (``bot.telegram_io``), under this limiter;
    the application builds it with ``max_retries=0``.
    """

    def __init__(
        self,
        *,
        overall_per_second: int = constants.FloodLimit.MESSAGES_PER_SECOND,
        per_group_per_minute: int = constants.FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP,
        max_retries: int = 3,
    ) -> None:
        super().__init__(max_retries=max_retries)
        self._base_limiter = SlidingWindowLimiter(overall_per_second, 1.0)  # type: ignore[assignment]
        self._per_group = per_group_per_minute
        self._windows: dict[str | int, SlidingWindowLimiter] = {}

    def _get_group_limiter(self, group_id: str | int | bool) -> Any:
        key = group_id if not isinstance(group_id, bool) else int(group_id)
        if len(self._windows) > 512:
            for old in [
                k for k, w in self._windows.items() if k != key and w.has_capacity(w.max_rate)
            ]:
                del self._windows[old]
        if key not in self._windows:
            self._windows[key] = SlidingWindowLimiter(self._per_group, 60.0)
        return self._windows[key]

    async def process_request(
        self,
        callback: Callable[..., Any],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        if endpoint.startswith("edit") and isinstance(chat_id, int) and chat_id > 0:
            data = {key: value for key, value in data.items() if key != "chat_id"}
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
