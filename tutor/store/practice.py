"""The store's queries on private practice: quiz rounds and the pending explain prompt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from tutor.store.models import PendingExplain, QuizRound
from tutor.store.typed import rowcount


def add_round(
    session: Session, *, learner_id: int, item_ids: list[str], started_at: datetime
) -> QuizRound:
    """Insert a new quiz round (flushed, so it has its id)."""
    round_ = QuizRound(learner_id=learner_id, item_ids=item_ids, started_at=started_at)
    session.add(round_)
    session.flush()
    return round_


def delete_rounds_before(session: Session, *, learner_id: int, round_id: int) -> None:
    """Delete the learner's rounds older than ``round_id``."""
    session.execute(
        delete(QuizRound).where(
            col(QuizRound.learner_id) == learner_id,
            col(QuizRound.id) < round_id,
        )
    )


def get_round(session: Session, *, round_id: int) -> QuizRound | None:
    """A quiz round by id."""
    return session.get(QuizRound, round_id)


def latest_round_id(session: Session, *, learner_id: int) -> int | None:
    """The id of the learner's newest round, None if they have none."""
    statement = select(func.max(QuizRound.id)).where(col(QuizRound.learner_id) == learner_id)
    found = session.execute(statement).scalar_one_or_none()
    return None if found is None else int(found)


def advance_round(session: Session, *, round_id: int, index: int, correct: bool) -> bool:
    """Count the answer to question ``index`` if the round is still at it (compare-and-set)."""
    result = session.execute(
        update(QuizRound)
        .where(col(QuizRound.id) == round_id, col(QuizRound.answered) == index)
        .values(answered=index + 1, correct=QuizRound.correct + int(correct))
    )
    return rowcount(result) == 1


def get_pending(session: Session, *, learner_id: int) -> PendingExplain | None:
    """The explain prompt waiting for the learner's answer, if any."""
    return session.get(PendingExplain, learner_id)


def set_pending(
    session: Session,
    *,
    learner_id: int,
    item_id: str,
    asked_at: datetime,
    homework_id: int | None = None,
) -> None:
    """Make ``item_id`` the learner's pending prompt (replacing any other), asked for
    ``homework_id`` (None: for /explain)."""
    pending = session.get(PendingExplain, learner_id)
    if pending is None:
        pending = PendingExplain(learner_id=learner_id, item_id=item_id, asked_at=asked_at)
    pending.item_id, pending.asked_at = item_id, asked_at
    pending.homework_id = homework_id
    session.add(pending)


def delete_pending(session: Session, *, learner_id: int, item_id: str | None = None) -> bool:
    """Delete the learner's pending prompt (only if it is ``item_id``, when given)."""
    statement = delete(PendingExplain).where(col(PendingExplain.learner_id) == learner_id)
    if item_id is not None:
        statement = statement.where(col(PendingExplain.item_id) == item_id)
    result = session.execute(statement)
    return bool(rowcount(result))
