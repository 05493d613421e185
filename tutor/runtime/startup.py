"""Start-up's patience: a service that does not answer yet is tried again, then given up on.

A database server or Bot API still starting (a container that comes up after the bot,
a network that is not there yet) is waited for with capped exponential backoff and one
warning line per try, never a traceback; after ``give_up_after`` seconds start-up stops
with one line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

FIRST_PAUSE_SECONDS = 0.5
MAX_PAUSE_SECONDS = 15.0


class NotReady(Exception):
    """A service was still unreachable when start-up gave up; ``str()`` is one line."""


async def wait_until_ready(
    attempt: Callable[[], Awaitable[T]],
    *,
    what: str,
    transient: Callable[[BaseException], str | None],
    give_up_after: float,
    log: logging.Logger,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Await ``attempt()`` until it succeeds, for at most ``give_up_after`` seconds.

    Args:
        attempt: One try, e.g. connecting and reading the schema's revision.
        what: The service as an operator knows it, e.g. "the database at db:5432/tutor".
        transient: Why an error means "not reachable yet" (worth another try), or None
            for an error that another try cannot fix, which is raised at once.
        give_up_after: Seconds from the first try after which no new try starts.
        log: Where the warning for each failed try goes.

    Raises:
        NotReady: The service was still unreachable after ``give_up_after`` seconds.
    """
    deadline = clock() + give_up_after
    pause = FIRST_PAUSE_SECONDS
    tries = 0
    while True:
        tries += 1
        try:
            return await attempt()
        except Exception as error:
            reason = transient(error)
            if reason is None:
                raise
            left = deadline - clock()
            if left <= 0:
                raise NotReady(
                    f"{what} is unreachable ({reason}); gave up after {tries} tries in "
                    f"{give_up_after:g} s: check that it runs and the address is right"
                ) from None
            wait = min(pause, left)
            log.warning("%s is unreachable (%s): trying again in %.1f s", what, reason, wait)
            await sleep(wait)
            pause = min(2 * pause, MAX_PAUSE_SECONDS)
