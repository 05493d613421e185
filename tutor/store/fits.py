"""The store's queries for fitted memory models, a learner's and a class's: the review
history, who is due a fit, the latest fit, and memories rewritten under new parameters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, cast, func, or_, select, update
from sqlalchemy.orm import Session

from tutor.domain.scheduling import Memory
from tutor.store.columns import MEMORY_FIELDS, memory_values
from tutor.store.models import (
    ClassFit,
    ClassMemory,
    GroupChat,
    ItemState,
    MemoryFit,
    PollVote,
    ReviewLog,
    SessionPoll,
)
from tutor.store.typed import rowcount, table_of

_LOG = table_of(ReviewLog).c
_FIT = table_of(MemoryFit).c
_TABLE = table_of(ItemState)
_STATE = _TABLE.c


def due_for_fit(
    session: Session,
    *,
    min_reviews: int,
    fitted_before: datetime,
    new_reviews: int,
    limit: int,
) -> list[int]:
    """Learners with at least ``min_reviews`` reviews who were never fitted, or whose last
    fit is older than ``fitted_before`` with reviews since, or who made ``new_reviews``
    since it; never one who went back to FSRS's defaults."""
    counts = (
        select(_LOG.learner_id.label("learner_id"), func.count().label("reviews"))
        .group_by(_LOG.learner_id)
        .having(func.count() >= min_reviews)
        .subquery()
    )
    statement = (
        select(counts.c.learner_id)
        .outerjoin(MemoryFit, _FIT.learner_id == counts.c.learner_id)
        .where(
            or_(
                _FIT.learner_id.is_(None),
                and_(
                    _FIT.declined.is_(False),
                    or_(
                        and_(_FIT.fitted_at < fitted_before, counts.c.reviews > _FIT.reviews),
                        counts.c.reviews >= _FIT.reviews + new_reviews,
                    ),
                ),
            )
        )
        .order_by(counts.c.learner_id)
        .limit(limit)
    )
    return [int(learner_id) for learner_id in session.execute(statement).scalars()]


def get_fit(session: Session, *, learner_id: int) -> MemoryFit | None:
    """The learner's latest fit, None if never fitted."""
    return session.get(MemoryFit, learner_id)


def save_fit(session: Session, *, fit: MemoryFit) -> None:
    """Stage the learner's latest fit (it replaces the one before) for the next commit."""
    session.merge(fit)


def _rewrite_statement(table: Any, owner: str) -> Any:
    """Replace one memory while it holds the reviews it was computed from (``b_reps``)."""
    columns = table.c
    return (
        update(table)
        .where(
            columns[owner] == bindparam("b_owner"),
            columns.item_id == bindparam("b_item_id"),
            columns.reps == bindparam("b_reps"),
        )
        .values({name: bindparam(name) for name in MEMORY_FIELDS})
    )


# On the tables, not the classes: a list of parameters is then one Core executemany, not
# the ORM's bulk update by primary key.
_REWRITE_LEARNER = _rewrite_statement(_TABLE, "learner_id")
_REWRITE_CLASS = _rewrite_statement(table_of(ClassMemory), "chat_id")


def rewrite_memories(
    session: Session,
    *,
    learner_id: int,
    memories: Mapping[str, Memory],
    expected: Mapping[str, int] | None = None,
) -> int:
    """Replace the learner's memories of these items, each only while it still holds the
    reviews the new one was computed from (``expected[item]`` reviews, else as many as
    the new memory): a review that lands meanwhile keeps its own. How many were replaced."""
    return _rewrite(session, _REWRITE_LEARNER, learner_id, memories, expected)


def rewrite_class_memories(
    session: Session, *, chat_id: int, memories: Mapping[str, Memory]
) -> int:
    """``rewrite_memories`` for a class's memories of its questions."""
    return _rewrite(session, _REWRITE_CLASS, chat_id, memories, None)


def _rewrite(
    session: Session,
    statement: Any,
    owner: int,
    memories: Mapping[str, Memory],
    expected: Mapping[str, int] | None,
) -> int:
    if not memories:
        return 0
    rows = [
        {
            "b_owner": owner,
            "b_item_id": item_id,
            "b_reps": memory.reps if expected is None else expected[item_id],
            **memory_values(memory),
        }
        for item_id, memory in memories.items()
    ]
    if session.get_bind().dialect.name == "sqlite":
        # One executemany, on the event loop's thread (see Database.run): 500 memories in
        # about 10 ms where a statement each took 100. SQLite counts what it changed.
        result = session.execute(statement, rows)
        return rowcount(result)
    # asyncpg reports no count for an executemany; statement by statement, each awaited
    # off the loop, counts.
    replaced = 0
    for row in rows:
        replaced += rowcount(session.execute(statement, row))
    return replaced


def class_history(session: Session, *, chat_id: int) -> list[tuple[str, datetime, int, int]]:
    """The class's reviews of its questions: each closed poll's question, when it closed,
    and how many answered it and how many right, oldest first."""
    poll, vote = table_of(SessionPoll).c, table_of(PollVote).c
    rows = session.execute(
        select(
            poll.item_id,
            poll.closes_at,
            func.count(vote.learner_id),
            func.sum(cast(vote.correct, Integer)),
        )
        .join(PollVote, vote.poll_id == poll.poll_id)
        .where(poll.chat_id == chat_id, poll.closed.is_(True))
        .group_by(poll.poll_id, poll.item_id, poll.closes_at)
        .order_by(poll.closes_at)
    )
    return [
        (str(item), when, int(answered), int(right or 0)) for item, when, answered, right in rows
    ]


def classes_due_for_fit(
    session: Session, *, min_reviews: int, fitted_before: datetime, limit: int
) -> list[int]:
    """Classes with at least ``min_reviews`` closed polls, never fitted or fitted before
    ``fitted_before`` with polls since."""
    poll = table_of(SessionPoll).c
    fit = table_of(ClassFit).c
    counts = (
        select(poll.chat_id.label("chat_id"), func.count().label("reviews"))
        .where(poll.closed.is_(True))
        .group_by(poll.chat_id)
        .having(func.count() >= min_reviews)
        .subquery()
    )
    statement = (
        select(counts.c.chat_id)
        .outerjoin(ClassFit, fit.chat_id == counts.c.chat_id)
        .where(
            or_(
                fit.chat_id.is_(None),
                and_(fit.fitted_at < fitted_before, counts.c.reviews > fit.reviews),
            )
        )
        .order_by(counts.c.chat_id)
        .limit(limit)
    )
    return [int(chat_id) for chat_id in session.execute(statement).scalars()]


def set_class_parameters(session: Session, *, chat_id: int, parameters: list[float]) -> None:
    """Stage the FSRS parameters the class's memory is scheduled with from now on."""
    session.execute(
        update(table_of(GroupChat))
        .where(table_of(GroupChat).c.id == chat_id)
        .values(fsrs_parameters=parameters)
    )


def get_class_fit(session: Session, *, chat_id: int) -> ClassFit | None:
    """The class's latest fit, None if never fitted."""
    return session.get(ClassFit, chat_id)


def save_class_fit(session: Session, *, fit: ClassFit) -> None:
    """Stage the class's latest fit (it replaces the one before) for the next commit."""
    session.merge(fit)
