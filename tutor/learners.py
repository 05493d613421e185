"""A learner's own settings, deck choice, and forgetting everything about them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import Column, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from tutor.content import Library
from tutor.reminders import reschedule
from tutor.store import Learner
from tutor.study import active_decks

NEW_PER_DAY_RANGE = (1, 50)
RETENTION_RANGE = (0.80, 0.97)
ZONE_EXAMPLES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


class SettingError(ValueError):
    """A setting value out of range or malformed; the message is what the learner is told."""


def parse_clock(text: str) -> str:
    """Normalise a local time of day ("7:30", "07.30", "19h05") to "HH:MM".

    Raises:
        SettingError: not a time of day between 00:00 and 23:59.
    """
    match = _CLOCK.match(text.strip())
    if match is None:
        raise SettingError(f"{text.strip()[:20]!r} is not a time of day; use HH:MM, like 07:30.")
    return f"{int(match[1]):02d}:{match[2]}"


@functools.cache
def _zone_index() -> dict[str, str]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    return {name.casefold(): name for name in available_timezones()}


def parse_zone(text: str) -> str:
    """The canonical IANA name for ``text`` (case-insensitive, spaces for underscores).

    Raises:
        SettingError: no such time zone; the message gives examples.
    """
    wanted = text.strip().replace(" ", "_")
    name = _zone_index().get(wanted.casefold())
    if name is not None:
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    examples = ", ".join(ZONE_EXAMPLES)
    raise SettingError(
        f"I don't know the time zone {text.strip()[:40]!r}. Use an IANA name such as {examples}."
    )


def check_new_per_day(value: int) -> int:
    low, high = NEW_PER_DAY_RANGE
    if not low <= value <= high:
        raise SettingError(f"New cards per day must be between {low} and {high}.")
    return value


def check_retention(value: float) -> float:
    low, high = RETENTION_RANGE
    if not low - 1e-9 <= value <= high + 1e-9:
        raise SettingError(f"Desired retention must be between {low:.0%} and {high:.0%}.")
    return round(value, 2)


async def update_settings(
    *,
    session: AsyncSession,
    learner: Learner,
    default_zone: str,
    now: datetime,
    reminder_time: str | None = None,
    reminders_on: bool | None = None,
    timezone: str | None = None,
    new_per_day: int | None = None,
    desired_retention: float | None = None,
) -> Learner:
    """Validate and store the given settings, then commit.

    A change of reminder time, time zone or on/off moves the next reminder to match; the
    local day's reminder already sent stays the only one that day.

    Raises:
        SettingError: a value is out of range; nothing is stored.
    """
    if reminder_time is not None:
        learner.reminder_time = parse_clock(reminder_time)
    if reminders_on is not None:
        learner.reminders_on = reminders_on
    if timezone is not None:
        learner.timezone = parse_zone(timezone)
    if new_per_day is not None:
        learner.new_per_day = check_new_per_day(new_per_day)
    if desired_retention is not None:
        learner.desired_retention = check_retention(desired_retention)
    if (reminder_time, reminders_on, timezone) != (None, None, None):
        reschedule(learner, default_zone=default_zone, now=now)
    session.add(learner)
    await session.commit()
    return learner


class LastDeckError(SettingError):
    """Switching off the only deck that is on."""


async def toggle_deck(
    *, session: AsyncSession, library: Library, learner: Learner, deck_id: str
) -> bool:
    """Switch a deck on or off for the learner and commit; returns whether it is now on.

    Raises:
        SettingError: the deck does not exist.
        LastDeckError: it is the last deck on (at least one stays on).
    """
    if deck_id not in library.decks:
        raise SettingError("That deck no longer exists.")
    on = active_decks(library, learner)
    if deck_id in on:
        if len(on) == 1:
            raise LastDeckError("At least one deck stays on.")
        chosen = [d for d in on if d != deck_id]
    else:
        chosen = [d for d in library.decks if d in on or d == deck_id]
    # Everything on is stored as None, so decks added later are on for this learner too.
    learner.decks = None if len(chosen) == len(library.decks) else chosen
    session.add(learner)
    await session.commit()
    return deck_id in chosen


def _learner_columns() -> list[Column[Any]]:
    """The column naming the learner in every table about learners, the learner's own last.

    Found from the schema, so a table added later is forgotten too without a change here.
    """
    columns = [
        table.c.learner_id
        for table in reversed(SQLModel.metadata.sorted_tables)
        if "learner_id" in table.c
    ]
    return [*columns, Learner.__table__.c.id]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Forgotten:
    """How many rows were deleted, by table name."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


async def count_rows(*, session: AsyncSession, learner_id: int) -> dict[str, int]:
    """How many rows each table holds about the learner, by table name."""
    counts: dict[str, int] = {}
    for column in _learner_columns():
        result = await session.execute(
            select(func.count()).select_from(column.table).where(column == learner_id)
        )
        counts[str(column.table.name)] = int(result.scalar_one())
    return counts


async def forget(*, session: AsyncSession, learner_id: int) -> Forgotten:
    """Delete every row about the learner, in one transaction, and commit."""
    deleted: dict[str, int] = {}
    for column in _learner_columns():
        result = await session.execute(delete(column.table).where(column == learner_id))
        deleted[str(column.table.name)] = int(result.rowcount)  # type: ignore[attr-defined]
    await session.commit()
    return Forgotten(deleted)
