"""The sliding-window limiter: never more than the limit in any window."""

from __future__ import annotations

import asyncio

from bot.ratelimit import SlidingWindowLimiter


async def test_no_window_ever_holds_more_than_the_limit() -> None:
    limiter = SlidingWindowLimiter(10, 0.2, margin=0.01)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def call() -> None:
        async with limiter:
            times.append(loop.time())

    started = loop.time()
    await asyncio.gather(*(call() for _ in range(35)))
    elapsed = loop.time() - started
    times.sort()
    # Any 11 consecutive admissions span more than one window.
    assert all(b - a >= 0.2 for a, b in zip(times, times[10:], strict=False))
    # 35 calls at 10 a window need 3 full windows.
    assert elapsed >= 0.6
