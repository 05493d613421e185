"""The store's queries on daily slots (reminders, class dailies) and what reminders count."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from tutor.store.models import GroupChat, ItemState, Learner, ReviewLog
from tutor.store.typed import rowcount, table_of

LEARNER: Table = table_of(Learner)
ITEM_STATE: Table = table_of(ItemState)
GROUP: Table = table_of(GroupChat)
REVIEW_LOG: Table = table_of(ReviewLog)
# What the use-cases hand back to these queries: a table with daily slots, and its query.
SlotTable = Table
SlotQuery = Select[Any]


def unscheduled_learners(session: Session, *, limit: int) -> list[Learner]:
    """Learners with reminders on but no next slot (new ones)."""
    statement = (
        select(Learner)
        .where(
            col(Learner.reminders_on).is_(True),
            col(Learner.active).is_(True),
            col(Learner.next_reminder_at).is_(None),
        )
        .limit(limit)
    )
    return list(session.execute(statement).scalars().all())


def locks_rows(session: Session) -> bool:
    """Whether the session's database can skip rows another instance has locked."""
    return session.get_bind().dialect.name == "postgresql"


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
    """The learners whose reminder slot has come (first name, decks and daily new cap)."""
    return slots_query(
        LEARNER,
        slot_time="reminder_time",
        next_at="next_reminder_at",
        last_on="last_reminded_on",
        conditions=[LEARNER.c.reminders_on.is_(True), LEARNER.c.active.is_(True)],
        extra=["first_name", "decks", "new_per_day"],
        now=now,
        limit=limit,
        lock=lock,
    )


def daily_quiz_slots(now: datetime, limit: int, *, lock: bool) -> Select[Any]:
    """The groups whose daily class quiz slot has come (how many questions it asks, and
    who set it)."""
    return slots_query(
        GROUP,
        slot_time="daily_time",
        next_at="next_daily_at",
        last_on="last_daily_on",
        conditions=[GROUP.c.active.is_(True), GROUP.c.daily_time.is_not(None)],
        extra=["daily_questions", "daily_set_by"],
        now=now,
        limit=limit,
        lock=lock,
    )


def move_slot(
    session: Session,
    *,
    table: Table,
    key: Any,
    next_at: str,
    last_on: str,
    slot: datetime,
    new_slot: datetime,
    served_on: date | None,
) -> bool:
    """Move one row's slot from ``slot`` to ``new_slot`` (compare-and-set); False if another
    instance moved it first."""
    result = session.execute(
        update(table)
        .where(table.c.id == key, table.c[next_at] == slot)
        .values({next_at: new_slot, last_on: served_on})
    )
    return rowcount(result) == 1


def give_back_reminder(
    session: Session,
    *,
    learner_id: int,
    claimed_next_at: datetime,
    reminded_on: date,
    previous_reminded_on: date | None,
    retry_at: datetime,
) -> bool:
    """Undo a reminder's claim (if nothing moved it since): the slot becomes ``retry_at``
    and the day counts as not reminded."""
    c = LEARNER.c
    result = session.execute(
        update(LEARNER)
        .where(
            c.id == learner_id,
            c.next_reminder_at == claimed_next_at,
            c.last_reminded_on == reminded_on,
        )
        .values(next_reminder_at=retry_at, last_reminded_on=previous_reminded_on)
    )
    return rowcount(result) == 1


def slot_rows(session: Session, *, query: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``slots_query``."""
    return [tuple(row) for row in session.execute(query).all()]


def item_due_dates(
    session: Session, *, learner_ids: Collection[int]
) -> list[tuple[int, str, datetime]]:
    """(learner id, item id, due) of every item state of the given learners."""
    if not learner_ids:
        return []
    c = ITEM_STATE.c
    statement = select(c.learner_id, c.item_id, c.due).where(c.learner_id.in_(list(learner_ids)))
    return [(int(r[0]), str(r[1]), r[2]) for r in session.execute(statement).all()]


def first_reviews_since(
    session: Session, *, learner_ids: Collection[int], since: datetime, source: str = "review"
) -> list[tuple[int, str, datetime]]:
    """(learner id, item id, when) of each first review of an item from ``source`` since
    ``since``."""
    if not learner_ids:
        return []
    c = REVIEW_LOG.c
    statement = select(c.learner_id, c.item_id, c.reviewed_at).where(
        c.learner_id.in_(list(learner_ids)),
        c.reviewed_at >= since,
        c.was_new.is_(True),
        c.source == source,
    )
    return [(int(r[0]), str(r[1]), r[2]) for r in session.execute(statement).all()]


def set_inactive(session: Session, *, learner_id: int) -> None:
    """Mark the learner as unreachable (they blocked the bot)."""
    session.execute(update(Learner).where(col(Learner.id) == learner_id).values(active=False))
