"""Small text helpers shared by the handlers: escaping and human-readable durations."""

from __future__ import annotations

import html
from datetime import timedelta

_UNITS = (
    ("year", "y", 365 * 86400),
    ("month", "mo", 30 * 86400),
    ("day", "d", 86400),
    ("hour", "h", 3600),
    ("minute", "m", 60),
)


def escape(text: str) -> str:
    """Escape deck or user text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def _largest_unit(delta: timedelta) -> tuple[int, str, str]:
    seconds = max(0, round(delta.total_seconds()))
    for name, short, size in _UNITS:
        if seconds >= size:
            return round(seconds / size), name, short
    return 1, "minute", "m"


def short_duration(delta: timedelta) -> str:
    """A compact duration for a button label: '1m', '10m', '3d', '2mo'."""
    count, _name, short = _largest_unit(delta)
    return f"{count}{short}"


def long_duration(delta: timedelta) -> str:
    """A duration in words: 'a minute', '10 minutes', '3 days'."""
    count, name, _short = _largest_unit(delta)
    if count == 1:
        return f"an {name}" if name == "hour" else f"a {name}"
    return f"{count} {name}s"
