"""The store's queries on memories (FSRS states) and the review log: the review hot path."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from tutor.domain.scheduling import Memory
from tutor.store.columns import memories_after, memory_columns, memory_of, memory_values
from tutor.store.models import ItemState, ReviewLog
from tutor.store.typed import inserted_key, rowcount, table_of


def load_memories(
    session: Session, *, learner_id: int, item_ids: Collection[str]
) -> dict[str, Memory]:
    """The learner's memories of the given items, by item id (missing = never seen).

    Reads plain columns of all the learner's states (the primary key's prefix) and keeps
    the wanted ones: cheaper than an IN list of every card and than ORM objects.
    """
    if not item_ids:
        return {}
    rows = session.execute(_MEMORIES, {"learner_id": learner_id}).all()
    return {row[0]: _read_memory(row) for row in rows if row[0] in item_ids}


# The review hot path's statements, built once: building a statement and its cache key on
# every call costs more than SQLite takes to run it.
_STATE = table_of(ItemState).c
_LOG = table_of(ReviewLog).c
_MEMORY_COLUMNS = memory_columns(table_of(ItemState))
_ALL_MEMORIES, _read_memory = memories_after(table_of(ItemState), _STATE.item_id)
_MEMORIES = _ALL_MEMORIES.where(_STATE.learner_id == bindparam("learner_id"))
# The items a learner saw for the first time (from a source) since a moment.
_NEW_SINCE = select(_LOG.item_id).where(
    _LOG.learner_id == bindparam("learner_id"),
    _LOG.reviewed_at >= bindparam("since"),
    _LOG.was_new.is_(True),
    _LOG.source == bindparam("source"),
)
# What the next card is drawn from, without the learner's whole history: the items due at
# a moment, most overdue first (on the learner-and-due index), and the ids of every item
# seen, one narrow column.
_DUE = (
    select(_STATE.item_id, _STATE.reps)
    .where(_STATE.learner_id == bindparam("learner_id"), _STATE.due <= bindparam("now"))
    .order_by(_STATE.due, _STATE.item_id)
)
_SEEN = select(_STATE.item_id).where(_STATE.learner_id == bindparam("learner_id"))


def due_items(
    session: Session, *, learner_id: int, item_ids: Collection[str], now: datetime
) -> list[tuple[str, int]]:
    """Which of ``item_ids`` the learner has due at ``now``, most overdue first (ties by
    id), each with how many times it was reviewed."""
    rows = session.execute(_DUE, {"learner_id": learner_id, "now": now})
    return [(item_id, reps) for item_id, reps in rows if item_id in item_ids]


def seen_items(session: Session, *, learner_id: int) -> set[str]:
    """The ids of every item the learner has reviewed at least once."""
    return set(session.execute(_SEEN, {"learner_id": learner_id}).scalars())


def new_items_since(
    session: Session,
    *,
    learner_id: int,
    item_ids: Collection[str],
    since: datetime,
    source: str = "review",
) -> set[str]:
    """Which of ``item_ids`` the learner saw for the first time (from ``source``) since
    ``since``: today's new cards of the decks they study."""
    parameters = {"learner_id": learner_id, "since": since, "source": source}
    fresh = session.execute(_NEW_SINCE, parameters).scalars()
    return {str(item_id) for item_id in fresh if item_id in item_ids}


def reviews_since(
    session: Session, *, learner_id: int, since: datetime, source: str | None = None
) -> int:
    """How many reviews the learner made since ``since`` (optionally from one source)."""
    statement = (
        select(func.count())
        .select_from(ReviewLog)
        .where(
            col(ReviewLog.learner_id) == learner_id,
            col(ReviewLog.reviewed_at) >= since,
        )
    )
    if source is not None:
        statement = statement.where(col(ReviewLog.source) == source)
    result = session.execute(statement)
    return int(result.scalar_one())


_INSERT_LOG = insert(table_of(ReviewLog))
# By dialect: the first review's INSERT, which skips a row another review has just made.
_INSERT_FIRST = {
    name: dialect.insert(table_of(ItemState)).on_conflict_do_nothing(
        index_elements=["learner_id", "item_id"]
    )
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
# The later reviews' compare-and-set: the SET clause comes from the parameters' names.
_UPDATE_NEXT = update(table_of(ItemState)).where(
    _STATE.learner_id == bindparam("key_learner_id"),
    _STATE.item_id == bindparam("key_item_id"),
    _STATE.reps == bindparam("key_reps"),
)


def set_memory_if_at(
    session: Session, *, learner_id: int, item_id: str, reps: int, memory: Memory
) -> bool:
    """Write the item's ``memory`` if it is still at ``reps`` reviews (compare-and-set);
    False, writing nothing, if another write moved it on."""
    guard = {"key_learner_id": learner_id, "key_item_id": item_id, "key_reps": reps}
    result = session.execute(_UPDATE_NEXT, {**memory_values(memory), **guard})
    return rowcount(result) == 1


def save_review(
    session: Session,
    *,
    learner_id: int,
    item_id: str,
    after: Memory,
    expected_reps: int,
    rating: int,
    reviewed_at: datetime,
    duration_ms: int | None,
    source: str,
) -> int | None:
    """Store a review, the item's memory ``after`` it and its log line, if the item is
    still at ``expected_reps`` (0: never reviewed). Nothing is committed.

    Returns:
        The id of the log line, or None if another review got there first.

    The compare-and-set on ``reps`` makes a double tap, or two instances racing on one
    button, record exactly one rating.
    """
    if expected_reps == 0:
        statement = _INSERT_FIRST[session.get_bind().dialect.name]
        key = {"learner_id": learner_id, "item_id": item_id}
        result = session.execute(statement, {**key, **memory_values(after)})
        saved = rowcount(result) == 1
    else:
        saved = set_memory_if_at(
            session, learner_id=learner_id, item_id=item_id, reps=expected_reps, memory=after
        )
    if not saved:
        return None
    log = {
        "learner_id": learner_id,
        "item_id": item_id,
        "rating": rating,
        "reviewed_at": reviewed_at,
        "duration_ms": duration_ms,
        "source": source,
        "was_new": expected_reps == 0,
    }
    inserted = session.execute(_INSERT_LOG, log)
    return inserted_key(inserted)


_MEMORY = select(*_MEMORY_COLUMNS).where(
    _STATE.learner_id == bindparam("learner_id"), _STATE.item_id == bindparam("item_id")
)


def load_memory(session: Session, *, learner_id: int, item_id: str) -> Memory | None:
    """The learner's memory of one item, None if never reviewed (a primary-key read)."""
    row = session.execute(_MEMORY, {"learner_id": learner_id, "item_id": item_id}).first()
    return None if row is None else memory_of(row)


def learner_states(session: Session, *, learner_id: int) -> list[ItemState]:
    """All of the learner's item states."""
    statement = select(ItemState).where(col(ItemState.learner_id) == learner_id)
    return list(session.execute(statement).scalars().all())


def learner_log(session: Session, *, learner_id: int) -> list[tuple[datetime, int, str]]:
    """When, how and from where the learner reviewed: (reviewed_at, rating, source) rows."""
    statement = select(_LOG.reviewed_at, _LOG.rating, _LOG.source).where(
        _LOG.learner_id == learner_id
    )
    return [(row[0], int(row[1]), str(row[2])) for row in session.execute(statement).all()]
