"""Fault injection: Bot API calls answered with 5xx or 429, dropped, delayed, or refused.

``server.faults.inject("sendMessage", rate=0.2)`` makes one call in five of that method
fail in one of the ``KINDS`` (chosen at random, seeded); ``await server.outage(3)`` refuses
every connection for three seconds. ``server.faults.injected`` lists what was done.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

#: ``500``: Telegram's JSON ``Internal Server Error``, the call not carried out.
#: ``502``: an HTML ``Bad Gateway`` from a proxy in front, the call not carried out.
#: ``429``: ``Too Many Requests`` with ``retry_after``.
#: ``drop_before``: the connection is closed before the call is carried out.
#: ``drop_after``: the call is carried out, then the connection is closed unanswered.
#: ``delay``: the answer comes after ``delay`` seconds (the call is carried out then,
#: even if the client gave up waiting).
KINDS = ("500", "502", "429", "drop_before", "drop_after", "delay")


@dataclass(frozen=True)
class FaultRule:
    """How one method fails: how often, in which ways, and the delay and retry_after."""

    rate: float
    kinds: tuple[str, ...]
    delay: float
    retry_after: int
    limit: int | None = None  # at most this many faults, then calls go through


@dataclass
class Faults:
    """The faults of a stand-in server, per Bot API method (names case-insensitive)."""

    seed: int | None = None
    rules: dict[str, FaultRule] = field(default_factory=dict)
    injected: list[tuple[str, str]] = field(default_factory=list)
    outage_until: float = 0.0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def reseed(self, seed: int) -> None:
        """Make the choice of faulty calls repeatable from here on."""
        self._rng = random.Random(seed)

    def inject(
        self,
        *methods: str,
        rate: float = 1.0,
        kinds: tuple[str, ...] = KINDS,
        delay: float = 10.0,
        retry_after: int = 1,
        limit: int | None = None,
    ) -> None:
        """Make ``rate`` of the calls of each method fail in one of ``kinds`` (the first
        ``limit`` faults only, when given)."""
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {KINDS}")
        for method in methods:
            self.rules[method.lower()] = FaultRule(rate, tuple(kinds), delay, retry_after, limit)

    def clear(self, *methods: str) -> None:
        """Stop injecting faults into these methods (all methods when none is named)."""
        if not methods:
            self.rules.clear()
        for method in methods:
            self.rules.pop(method.lower(), None)

    @property
    def in_outage(self) -> bool:
        return time.perf_counter() < self.outage_until

    def pick(self, method: str) -> tuple[str, FaultRule] | None:
        """The fault for this call of ``method``, or None to answer it normally."""
        rule = self.rules.get(method.lower())
        if rule is None or self._rng.random() >= rule.rate:
            return None
        if rule.limit is not None and self.count(method=method) >= rule.limit:
            return None
        kind = self._rng.choice(rule.kinds)
        self.injected.append((method, kind))
        return kind, rule

    def count(self, kind: str | None = None, method: str | None = None) -> int:
        """How many faults were injected (of a kind, into a method)."""
        return sum(
            1
            for m, k in self.injected
            if (kind is None or k == kind) and (method is None or m.lower() == method.lower())
        )
