"""Daily reminders: when each learner's next one falls, and claiming the ones due now.

The schedule lives in the learner rows (``next_reminder_at`` in UTC and the local date of
the last reminder), so a restart loses nothing. A reminder is claimed, by moving the row
to its next slot with a compare-and-set, before it is sent: two bot processes on one
database never send the same one, and a crash between claim and send loses that day's
reminder rather than sending it twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tutor.content import Library
from tutor.scheduling import check_utc
from tutor.store import ItemState, Learner

CLAIM_BATCH = 500
LEARNER: Table = Learner.__table__  # type: ignore[attr-defined]
ITEM_STATE: Table = ItemState.__table__  # type: ignore[attr-defined]


def slot_on(day: date, reminder_time: str, zone: str) -> datetime:
    """The UTC instant of the local ``reminder_time`` ("HH:MM") on ``day`` in ``zone``.

    A time that does not exist that day (skipped by a daylight-saving switch) falls an hour
    later in wall-clock terms; a time that happens twice takes the first.
    """
    hour, minute = (int(part) for part in reminder_time.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def first_slot_after(
    reminder_time: str, zone: str, now: datetime, *, not_on_or_before: date | None = None
) -> datetime:
    """The next reminder instant after ``now`` on a local day after ``not_on_or_before``."""
    check_utc(now)
    day = now.astimezone(ZoneInfo(zone)).date()
    if not_on_or_before is not None and day <= not_on_or_before:
        day = not_on_or_before + timedelta(days=1)
    while (slot := slot_on(day, reminder_time, zone)) <= now:
        day += timedelta(days=1)
    return slot


@dataclass(frozen=True)
class SlotDecision:
    """What to do with a learner whose reminder slot has come."""

    send: bool
    next_at: datetime
    reminded_on: date | None


def decide(
    slot: datetime,
    reminder_time: str,
    zone: str,
    now: datetime,
    last_reminded_on: date | None,
) -> SlotDecision:
    """Decide on a slot at or before ``now``: send today's reminder, or move on.

    A slot from an earlier local day (the bot was down) stands for today's slot: sent if
    today's time has passed, else kept for later today. Never two on one local day.
    """
    check_utc(now)
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    if slot.astimezone(tz).date() < today:
        todays = slot_on(today, reminder_time, zone)
        if todays > now:
            return SlotDecision(send=False, next_at=todays, reminded_on=last_reminded_on)
    tomorrow = slot_on(today + timedelta(days=1), reminder_time, zone)
    if last_reminded_on is not None and last_reminded_on >= today:
        return SlotDecision(send=False, next_at=tomorrow, reminded_on=last_reminded_on)
    return SlotDecision(send=True, next_at=tomorrow, reminded_on=today)


def reschedule(learner: Learner, *, default_zone: str, now: datetime) -> None:
    """Set the learner's next reminder after a change of time, zone or on/off (no commit)."""
    if not learner.reminders_on:
        learner.next_reminder_at = None
        return
    learner.next_reminder_at = first_slot_after(
        learner.reminder_time,
        learner.timezone or default_zone,
        now,
        not_on_or_before=learner.last_reminded_on,
    )


@dataclass(frozen=True)
class Reminder:
    """A claimed reminder, to be sent."""

    learner_id: int
    first_name: str
    due_count: int


async def schedule_unscheduled(
    *, session: AsyncSession, default_zone: str, now: datetime, limit: int = CLAIM_BATCH
) -> int:
    """Give learners with reminders on but no next slot (new ones) their first, and commit."""
    rows = (
        (
            await session.execute(
                select(Learner)
                .where(
                    Learner.reminders_on.is_(True),  # type: ignore[attr-defined]
                    Learner.active.is_(True),  # type: ignore[attr-defined]
                    Learner.next_reminder_at.is_(None),  # type: ignore[union-attr]
                )
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    for learner in rows:
        reschedule(learner, default_zone=default_zone, now=now)
        session.add(learner)
    await session.commit()
    return len(rows)


def slots_query(
    table: Table,
    *,
    slot_time: str,
    next_at: str,
    last_on: str,
    conditions: Sequence[ColumnElement[bool]],
    extra: Sequence[str],
    now: datetime,
    limit: int,
    lock: bool,
) -> Select[Any]:
    """The rows of ``table`` whose daily slot has come, oldest first.

    Each row starts with the id, the time zone, the local time of day, the slot and the
    local date last served, then the ``extra`` columns.
    """
    c = table.c
    statement = (
        select(c.id, c.timezone, c[slot_time], c[next_at], c[last_on], *(c[n] for n in extra))
        .where(*conditions, c[next_at] <= now)
        .order_by(c[next_at])
        .limit(limit)
    )
    # PostgreSQL: another instance skips the rows this one is claiming instead of waiting.
    return statement.with_for_update(skip_locked=True) if lock else statement


def reminder_slots(now: datetime, limit: int, *, lock: bool) -> Select[Any]:
    """The learners whose reminder slot has come (with their first names and decks)."""
    return slots_query(
        LEARNER,
        slot_time="reminder_time",
        next_at="next_reminder_at",
        last_on="last_reminded_on",
        conditions=[LEARNER.c.reminders_on.is_(True), LEARNER.c.active.is_(True)],
        extra=["first_name", "decks"],
        now=now,
        limit=limit,
        lock=lock,
    )


async def claim_slots(
    *,
    session: AsyncSession,
    query: Select[Any],
    table: Table,
    slot_time: str,
    next_at: str,
    last_on: str,
    default_zone: str,
    now: datetime,
) -> tuple[list[tuple[Any, ...]], int]:
    """Move every row of ``query`` (a ``slots_query``) to its next slot, with a
    compare-and-set on the slot it had; no commit.

    Reminders and daily class quizzes share this: the schedule lives in the row, and
    whoever moves the slot on is the one who serves it.

    Returns:
        The rows to serve now (claimed here, and due today by ``decide``), and how many
        rows were handled in all; fewer than the query's limit means none is left for now.
    """
    check_utc(now)
    rows = (await session.execute(query)).all()
    claimed_rows: list[tuple[Any, ...]] = []
    for row in rows:
        key, zone, local_time, slot, last = row[:5]
        decision = decide(slot, local_time, zone or default_zone, now, last)
        claimed = await session.execute(
            update(table)
            .where(table.c.id == key, table.c[next_at] == slot)
            .values({next_at: decision.next_at, last_on: decision.reminded_on})
        )
        if claimed.rowcount == 1 and decision.send:  # type: ignore[attr-defined]
            claimed_rows.append(tuple(row))
    return claimed_rows, len(rows)


def locks_rows(session: AsyncSession) -> bool:
    """Whether the session's database can skip rows another instance has locked."""
    return session.bind is not None and session.bind.dialect.name == "postgresql"


async def claim_due(
    *,
    session: AsyncSession,
    library: Library,
    default_zone: str,
    now: datetime,
    limit: int = CLAIM_BATCH,
) -> tuple[list[Reminder], int]:
    """Claim the reminder slots that have come, move each to its next slot, and commit.

    Returns:
        The reminders to send now (learners with something due in the decks they study),
        and how many slots were handled in all; fewer than ``limit`` means none is left
        for now.
    """
    rows, handled = await claim_slots(
        session=session,
        query=reminder_slots(now, limit, lock=locks_rows(session)),
        table=LEARNER,
        slot_time="reminder_time",
        next_at="next_reminder_at",
        last_on="last_reminded_on",
        default_zone=default_zone,
        now=now,
    )
    names = {int(row[0]): str(row[5]) for row in rows}
    decks = {int(row[0]): row[6] for row in rows}
    counts = await due_counts(session=session, library=library, decks_of=decks, now=now)
    await session.commit()
    reminders = [
        Reminder(learner_id=learner_id, first_name=name, due_count=counts[learner_id])
        for learner_id, name in names.items()
        if counts.get(learner_id)
    ]
    return reminders, handled


async def due_counts(
    *,
    session: AsyncSession,
    library: Library,
    decks_of: Mapping[int, Collection[str] | None],
    now: datetime,
) -> dict[int, int]:
    """How many items each learner has due at ``now`` in the decks they have switched on
    (``decks_of``: learner id to their deck list, None for all); learners with none are
    left out. Items no longer in the library do not count.
    """
    if not decks_of:
        return {}
    wanted = {learner_id: set(library.chosen_decks(d)) for learner_id, d in decks_of.items()}
    state = ITEM_STATE.c
    result = await session.execute(
        select(state.learner_id, state.item_id).where(
            state.learner_id.in_(list(decks_of)), state.due <= now
        )
    )
    counts: Counter[int] = Counter()
    for learner_id, item_id in result.all():
        if library.deck_of.get(item_id) in wanted[learner_id]:
            counts[learner_id] += 1
    return dict(counts)


async def mark_unreachable(*, session: AsyncSession, learner_id: int) -> None:
    """The learner blocked the bot: no more reminders until they write again; commit."""
    await session.execute(
        update(Learner)
        .where(Learner.id == learner_id)  # type: ignore[arg-type]
        .values(active=False)
    )
    await session.commit()
