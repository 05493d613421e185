"""A learner's own settings, deck choice, and forgetting everything about them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.library import Library, own_deck_id
from tutor.services.libraries import learner_library
from tutor.services.reminders import reschedule
from tutor.services.stats import LearnerStats, stats_of
from tutor.services.study import active_decks, learner_zone, start_learner
from tutor.store import Learner

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


# The areas of the IANA database's Area/City names. The rest of the database holds links
# and oddities a learner never means: "Factory", "localtime", "posixrules", "EST5EDT",
# "Etc/GMT+5" (whose sign is reversed), and the "posix/" and "right/" copies.
ZONE_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


def _is_place(name: str) -> bool:
    return name == "UTC" or ("/" in name and name.split("/", 1)[0] in ZONE_AREAS)


@functools.cache
def _zone_index() -> dict[str, str]:
    # available_timezones() walks the tz database on disk: once per process is enough.
    return {name.casefold(): name for name in available_timezones() if _is_place(name)}


def parse_zone(text: str) -> str:
    """The canonical IANA name for ``text`` (case-insensitive, spaces for underscores):
    an Area/City name such as Europe/Berlin, or UTC.

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


def update_settings(
    session: Session,
    *,
    learner_id: int,
    first_name: str,
    default_zone: str,
    now: datetime,
    reminder_time: str | None = None,
    reminders_on: bool | None = None,
    timezone: str | None = None,
    new_per_day: int | None = None,
    desired_retention: float | None = None,
) -> Learner:
    """Validate and store the given settings of the learner (created on first contact),
    then commit; with no setting given, just the learner as stored.

    A change of reminder time, time zone or on/off moves the next reminder to match; the
    local day's reminder already sent stays the only one that day.

    Raises:
        SettingError: a value is out of range; nothing is stored.
    """
    # Checked before anything is written, so a refusal leaves the learner as they were.
    clock = None if reminder_time is None else parse_clock(reminder_time)
    zone = None if timezone is None else parse_zone(timezone)
    per_day = None if new_per_day is None else check_new_per_day(new_per_day)
    retention = None if desired_retention is None else check_retention(desired_retention)
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    changes = (clock, reminders_on, zone, per_day, retention)
    if changes == (None,) * len(changes):
        return learner
    if clock is not None:
        learner.reminder_time = clock
    if reminders_on is not None:
        learner.reminders_on = reminders_on
    if zone is not None:
        learner.timezone = zone
    if per_day is not None:
        learner.new_per_day = per_day
    if retention is not None:
        learner.desired_retention = retention
    if (clock, reminders_on, zone) != (None, None, None):
        reschedule(learner, default_zone=default_zone, now=now)
    store.learners.save_learner(session, learner=learner)
    session.commit()
    return learner


@dataclass(frozen=True)
class Settings:
    """A learner's settings as /settings shows them."""

    learner_id: int
    reminder_time: str  # "HH:MM", the learner's local time
    reminders_on: bool
    zone: str  # the learner's IANA time zone, else the operator's default
    new_per_day: int
    desired_retention: float


def _settings(learner: Learner, default_zone: str) -> Settings:
    return Settings(
        learner_id=learner.id,
        reminder_time=learner.reminder_time,
        reminders_on=learner.reminders_on,
        zone=learner_zone(learner, default_zone),
        new_per_day=learner.new_per_day,
        desired_retention=learner.desired_retention,
    )


def settings_of(
    session: Session, *, learner_id: int, first_name: str, default_zone: str, now: datetime
) -> Settings:
    """The learner's settings (the learner is created on first contact); commits."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    return _settings(learner, default_zone)


def change_settings(
    session: Session,
    *,
    learner_id: int,
    first_name: str,
    default_zone: str,
    now: datetime,
    reminder_time: str | None = None,
    reminders_on: bool | None = None,
    timezone: str | None = None,
    new_per_day: int | None = None,
    desired_retention: float | None = None,
) -> Settings:
    """``update_settings``, returning the settings it leaves.

    Raises:
        SettingError: a value is out of range; nothing is stored.
    """
    learner = update_settings(
        session,
        learner_id=learner_id,
        first_name=first_name,
        default_zone=default_zone,
        now=now,
        reminder_time=reminder_time,
        reminders_on=reminders_on,
        timezone=timezone,
        new_per_day=new_per_day,
        desired_retention=desired_retention,
    )
    return _settings(learner, default_zone)


class LastDeckError(SettingError):
    """Switching off the only deck that is on."""


def choose_decks(library: Library, learner: Learner, deck_id: str) -> list[str] | None:
    """The learner's deck list with ``deck_id`` switched (None: every deck is on).

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
    return None if len(chosen) == len(library.decks) else chosen


@dataclass(frozen=True)
class Toggled:
    """A deck switched: whether it is now on, and the learner's decks as they stand."""

    now_on: bool
    decks: LearnerStats


def toggle_deck(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    deck_id: str,
    now: datetime,
    default_zone: str,
) -> Toggled:
    """Switch a deck on or off for the learner and commit; returns whether it is now on,
    with the learner's statistics for the deck list.

    Raises:
        SettingError: the deck does not exist.
        LastDeckError: it is the last deck on (at least one stays on).
    """
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    library = learner_library(session, library=library, learner_id=learner_id)
    learner.decks = choose_decks(library, learner, deck_id)
    store.learners.save_learner(session, learner=learner)
    session.commit()
    numbers = stats_of(
        session,
        library=library,
        learner_id=learner_id,
        first_name=first_name,
        now=now,
        default_zone=default_zone,
    )
    return Toggled(deck_id in active_decks(library, learner), numbers)


@dataclass(frozen=True)
class Forgotten:
    """How many rows were deleted, by table name."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def count_rows(session: Session, *, learner_id: int) -> dict[str, int]:
    """How many rows each table holds about the learner, by table name."""
    return store.learners.count_learner_rows(session, learner_id=learner_id)


def forget(session: Session, *, learner_id: int) -> Forgotten:
    """Delete every row about the learner, in one transaction, and commit; nothing is
    left that names their decks (a group's choice, another learner's decks switched on)."""
    deck_ids = store.owndecks.deck_ids_of(session, learner_id=learner_id)
    store.owndecks.clear_deck_references(
        session, deck_ids=deck_ids, decks=[own_deck_id(n) for n in deck_ids]
    )
    deleted = store.learners.delete_learner_rows(session, learner_id=learner_id)
    session.commit()
    return Forgotten(deleted)
