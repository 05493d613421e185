"""The store's queries on changeable reviews: the learner's last word on an explain grade."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from tutor.domain.scheduling import Memory
from tutor.store.columns import memory_columns, memory_of, memory_values
from tutor.store.models import ChangeableReview, ItemState, MemoryBefore, ReviewLog
from tutor.store.reviews import set_memory_if_at
from tutor.store.typed import rowcount, table_of

_CHANGEABLE = table_of(ChangeableReview)
_BEFORE = table_of(MemoryBefore)
_STATE = table_of(ItemState).c
_LOG = table_of(ReviewLog).c


def keep_changeable(
    session: Session,
    *,
    learner_id: int,
    item_id: str,
    review_id: int,
    suggested: int,
    reviewed_at: datetime,
    before: Memory | None,
) -> None:
    """Make review ``review_id`` the learner's changeable review of ``item_id`` (replacing
    the one before it), with the item's memory ``before`` it (None: never reviewed)."""
    key = {"learner_id": learner_id, "item_id": item_id}
    # The memory goes with its review (the foreign key cascades); deleted here as well, so
    # that a database without foreign keys enforced keeps no stale memory either.
    for table in (_BEFORE, _CHANGEABLE):
        session.execute(
            delete(table).where(table.c.learner_id == learner_id, table.c.item_id == item_id)
        )
    review = {"review_id": review_id, "suggested": suggested, "reviewed_at": reviewed_at}
    session.execute(insert(_CHANGEABLE), {**key, **review, "changed": False})
    if before is not None:
        session.execute(insert(_BEFORE), {**key, **memory_values(before)})


def get_changeable(
    session: Session, *, learner_id: int, review_id: int
) -> ChangeableReview | None:
    """The learner's changeable review with this log id, None if it is not (or no longer)
    their latest review of its item."""
    statement = select(ChangeableReview).where(
        col(ChangeableReview.learner_id) == learner_id,
        col(ChangeableReview.review_id) == review_id,
    )
    return session.execute(statement).scalars().first()


_MEMORY_BEFORE = select(*memory_columns(_BEFORE))


def memory_before(session: Session, *, changeable: ChangeableReview) -> Memory | None:
    """The item's memory before the changeable review, None if it had never been reviewed."""
    row = session.execute(
        _MEMORY_BEFORE.where(
            _BEFORE.c.learner_id == changeable.learner_id,
            _BEFORE.c.item_id == changeable.item_id,
        )
    ).first()
    return None if row is None else memory_of(row)


def claim_change(session: Session, *, learner_id: int, item_id: str, review_id: int) -> bool:
    """Mark the review as changed if it is still the item's changeable review and unchanged
    (compare-and-set); False if a change or a later review got there first."""
    result = session.execute(
        update(_CHANGEABLE)
        .where(
            _CHANGEABLE.c.learner_id == learner_id,
            _CHANGEABLE.c.item_id == item_id,
            _CHANGEABLE.c.review_id == review_id,
            _CHANGEABLE.c.changed.is_(False),
        )
        .values(changed=True)
    )
    return rowcount(result) == 1


def replace_review(
    session: Session,
    *,
    learner_id: int,
    item_id: str,
    review_id: int,
    after: Memory,
    rating: int,
) -> bool:
    """Give review ``review_id`` the rating ``rating`` and the item the memory ``after`` it,
    if the item is still at the memory that review left (compare-and-set on ``reps``:
    ``after.reps``, as a replaced review counts once); False, writing nothing, if not."""
    if not set_memory_if_at(
        session, learner_id=learner_id, item_id=item_id, reps=after.reps, memory=after
    ):
        return False
    session.execute(
        update(table_of(ReviewLog))
        .where(_LOG.id == review_id, _LOG.learner_id == learner_id)
        .values(rating=rating)
    )
    return True
