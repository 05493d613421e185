"""The store's queries on learners and their settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tutor.store.dialects import insert_ignore
from tutor.store.models import Learner


def get_learner(session: Session, *, learner_id: int) -> Learner | None:
    return session.get(Learner, learner_id)


def ensure_learner(
    session: Session, *, learner_id: int, first_name: str, now: datetime
) -> Learner:
    """Return the learner, creating them on first contact (safe against concurrent inserts)."""
    learner = session.get(Learner, learner_id)
    if learner is None:
        statement = (
            insert_ignore(session, Learner)
            .values(id=learner_id, first_name=first_name[:128], created_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        session.execute(statement)
        learner = session.get(Learner, learner_id)
        assert learner is not None
    elif learner.first_name != first_name[:128] or not learner.active:
        learner.first_name = first_name[:128]
        # Writing to the bot again means they unblocked it.
        learner.active = True
        session.add(learner)
    return learner
