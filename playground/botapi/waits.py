"""Waits on a chat: a check re-run on every change until it returns something."""

# The waits take ``timeout=`` like asyncio.wait_for: it is their public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import StandinTimeout

#: What a check returns while the wait goes on.
PENDING = object()


@dataclass
class _Waiter:
    check: Callable[[], Any]
    future: asyncio.Future[Any]


class Waits:
    """The waits on one chat; ``recheck()`` after every change wakes those now satisfied."""

    def __init__(self) -> None:
        self._waiters: list[_Waiter] = []

    def recheck(self) -> None:
        for waiter in list(self._waiters):
            if waiter.future.done():
                continue
            result = waiter.check()
            if result is not PENDING:
                waiter.future.set_result(result)

    async def wait(
        self, check: Callable[[], Any], timeout: float, explain: Callable[[], str]
    ) -> Any:
        """What ``check()`` returns once it is not PENDING; StandinTimeout with
        ``explain()`` after ``timeout`` seconds."""
        result = check()
        if result is not PENDING:
            return result
        waiter = _Waiter(check, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter.future, timeout)
        except TimeoutError:
            raise StandinTimeout(explain()) from None
        finally:
            self._waiters.remove(waiter)


def describe(function: Callable[..., Any]) -> str:
    """A predicate's name for a report (a lambda by its file and line)."""
    name = getattr(function, "__name__", None) or repr(function)
    if name == "<lambda>":
        code = getattr(function, "__code__", None)
        where = (
            f" at {code.co_filename.rsplit('/', 1)[-1]}:{code.co_firstlineno}"
            if code is not None
            else ""
        )
        return f"the lambda{where}"
    return name
