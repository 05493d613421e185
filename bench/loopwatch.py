"""The event loop's stalls: how late a 10 ms ticker wakes up while heavy work runs.

One process serves every learner, so a pause of its event loop is a pause for all of them.
Every bench that exercises heavy work prints the longest such pause (issue 29's figure,
target 50 ms):

- in the bench's own process (the work runs through ``Database.run`` there), with
  ``async with LoopWatch() as watch: ...`` and then ``watch.worst``;
- in a bot run as a subprocess, by starting it as ``python -m bench.loopwatch FILE``
  (``watched_bot_args``): the bot's own event loops get the ticker, which writes each
  stall over ``NOTED`` to FILE, read back with ``read_stalls``.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

TICK = 0.010
# Stalls shorter than this are not written down by a watched bot (the figure is the worst).
NOTED = 0.002
TARGET = 0.050


class LoopWatch:
    """A 10 ms ticker on the running loop; ``worst`` is the longest lateness seen (seconds)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, time.monotonic() - started - TICK)

    async def __aenter__(self) -> LoopWatch:
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._task is not None
        # One more tick, so a stall at the very end of the work is counted too.
        await asyncio.sleep(TICK * 2)
        self._task.cancel()


def stall_line(seconds: float) -> str:
    """The figure as the benches print it."""
    verdict = "within" if seconds <= TARGET else "over"
    return (
        f"the event loop's worst stall {seconds * 1000:.0f} ms "
        f"({verdict} the {TARGET * 1000:.0f} ms target)"
    )


# --- a watched bot: python -m bench.loopwatch FILE -------------------------------------------


def watched_bot_args(stalls: Path) -> list[str]:
    """The interpreter arguments that run ``python -m bot`` watched, writing to ``stalls``."""
    return ["-m", "bench.loopwatch", str(stalls)]


def _watched_bot(stalls: Path) -> int:
    """``python -m bot`` with the ticker on every event loop it runs on its main thread,
    writing each tick's lateness over NOTED (monotonic time, seconds) to ``stalls``."""
    out = stalls.open("a", buffering=1)
    tickers: list[asyncio.Task[None]] = []  # kept: a loop closed at exit never logs them

    async def tick() -> None:
        # Only the loop the bot serves updates on: the store's thread for long units runs a
        # loop of its own, busy by design while a long unit runs.
        if threading.current_thread() is not threading.main_thread():
            return
        while True:
            started = time.monotonic()
            await asyncio.sleep(TICK)
            late = time.monotonic() - started - TICK
            if late > NOTED:
                out.write(f"{time.monotonic():.4f} {late:.4f}\n")

    class Watched(asyncio.DefaultEventLoopPolicy):
        def new_event_loop(self) -> asyncio.AbstractEventLoop:
            loop = super().new_event_loop()
            loop.call_soon(lambda: tickers.append(loop.create_task(tick())))
            return loop

    asyncio.set_event_loop_policy(Watched())
    from bot.__main__ import main as bot_main

    return bot_main([])


def read_stalls(stalls: Path, start: float, end: float) -> list[tuple[float, float]]:
    """The stalls a watched bot wrote between two monotonic times: (seconds late, seconds
    after ``start``), the longest first."""
    found = []
    for line in stalls.read_text().splitlines():
        at, late = (float(v) for v in line.split())
        if start <= at <= end:
            found.append((late, at - start))
    return sorted(found, reverse=True)


if __name__ == "__main__":
    sys.exit(_watched_bot(Path(sys.argv[1])))
