"""Telegram's flood limits for sending messages, as sliding windows."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

SENDING_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendpoll",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendvoice",
        "sendvideonote",
        "sendsticker",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "senddice",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)


@dataclass(frozen=True)
class RateLimits:
    """Per-bot limits on message-sending methods (off unless the server gets some).

    Telegram documents about 30 messages per second overall and 20 per minute in one
    group; over them a call fails with 429 and ``retry_after`` and is not delivered.
    ``methods`` are lower-case Bot API method names that count.
    """

    overall_per_second: int = 30
    per_group_per_minute: int = 20
    methods: frozenset[str] = field(default=SENDING_METHODS)


class _Window:
    """Timestamps of the calls in the last ``span`` seconds."""

    def __init__(self, limit: int, span: float):
        self.limit = limit
        self.span = span
        self.times: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        while self.times and self.times[0] <= now - self.span:
            self.times.popleft()
        if len(self.times) < self.limit:
            return None
        return max(1, math.ceil(self.times[0] + self.span - now))


class RateLimiter:
    """Counts sending calls of one bot; says how long to wait when over a limit."""

    def __init__(self, limits: RateLimits):
        self.limits = limits
        self._overall = _Window(limits.overall_per_second, 1.0)
        self._groups: dict[int, _Window] = {}

    def admit(self, method: str, chat_id: int, now: float) -> int | None:
        """Record a call and return None, or return ``retry_after`` seconds if over a limit."""
        if method.lower() not in self.limits.methods:
            return None
        windows = [self._overall]
        if chat_id < 0:
            group = self._groups.get(chat_id)
            if group is None:
                group = self._groups[chat_id] = _Window(self.limits.per_group_per_minute, 60.0)
            windows.append(group)
        waits = [wait for window in windows if (wait := window.retry_after(now)) is not None]
        if waits:
            return max(waits)
        for window in windows:
            window.times.append(now)
        return None
