"""The store's queries for progress brought with a deck file: the reviews and memories a
learner holds of some items, and the file's reviews and new memories written in bulk."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from tutor.domain.scheduling import Memory
from tutor.store.dialects import insert_ignore
from tutor.store.models import ItemState, ReviewLog
from tutor.store.typed import table_of

_LOG = table_of(ReviewLog).c
_STATES = table_of(ItemState)
_STATE = _STATES.c


def learner_reviews(
    session: Session, *, learner_id: int, item_ids: Collection[str] | None = None
) -> list[tuple[str, datetime, int, int | None, str]]:
    """The learner's reviews (of these items; of all when None): (item id, when, rating,
    duration in ms, source), oldest first."""
    if item_ids is not None and not item_ids:
        return []
    statement = select(
        _LOG.item_id, _LOG.reviewed_at, _LOG.rating, _LOG.duration_ms, _LOG.source
    ).where(_LOG.learner_id == learner_id)
    if item_ids is not None:
        statement = statement.where(_LOG.item_id.in_(list(item_ids)))
    rows = session.execute(statement.order_by(_LOG.reviewed_at, _LOG.id))
    return [(str(i), when, int(r), d, str(s)) for i, when, r, d, s in rows]


def review_counts(
    session: Session, *, learner_id: int, item_ids: Collection[str]
) -> dict[str, int]:
    """How many reviews each of these items' memories holds (items never seen are absent)."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(_STATE.item_id, _STATE.reps).where(
            _STATE.learner_id == learner_id, _STATE.item_id.in_(list(item_ids))
        )
    )
    return {str(item): int(reps) for item, reps in rows}


def add_reviews(
    session: Session,
    *,
    learner_id: int,
    reviews: Sequence[tuple[str, datetime, int, int]],
    source: str,
) -> None:
    """Stage reviews (item id, when, rating, duration in ms) as the learner's, from
    ``source``; one executemany."""
    if reviews:
        session.execute(
            insert(ReviewLog),
            [
                {
                    "learner_id": learner_id,
                    "item_id": item_id,
                    "rating": rating,
                    "reviewed_at": when,
                    "duration_ms": duration,
                    "source": source,
                    "was_new": False,
                }
                for item_id, when, rating, duration in reviews
            ],
        )


def add_memories(session: Session, *, learner_id: int, memories: Mapping[str, Memory]) -> None:
    """Stage memories of items the learner never reviewed; an item reviewed meanwhile
    keeps the memory its review gave."""
    if memories:
        session.execute(
            insert_ignore(session, _STATES).on_conflict_do_nothing(),
            [
                {"learner_id": learner_id, "item_id": item_id, **asdict(memory)}
                for item_id, memory in memories.items()
            ],
        )
