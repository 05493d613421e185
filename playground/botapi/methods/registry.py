"""What a method handler gets (``Call``) and gives (a result or ``Described``); the tables."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..bot import StandinBot
from ..params import Params
from ..records import RecordedRequest


@dataclass
class Call:
    """One API call being handled."""

    bot: StandinBot
    params: Params
    record: RecordedRequest
    method: str


@dataclass
class Described:
    """A successful result that Telegram sends with a ``description`` (webhook calls)."""

    result: Any
    description: str


Handler = Callable[[Call], Any]
#: lower-case method name -> (Telegram's spelling, handler, is a coroutine function)
MethodTable = dict[str, tuple[str, Handler, bool]]


def registrar(table: MethodTable) -> Callable[[str], Callable[[Handler], Handler]]:
    """The decorator a family registers its handlers with: ``@api_method("getMe")``."""

    def api_method(name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            table[name.lower()] = (name, handler, asyncio.iscoroutinefunction(handler))
            return handler

        return register

    return api_method
