"""The store's queries on the Telegram update ids already taken (webhook deduplication)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlmodel import col

from tutor.store.dialects import insert_ignore
from tutor.store.models import SeenUpdate
from tutor.store.typed import rowcount


def mark_update_seen(session: Session, *, update_id: int, now: datetime) -> bool:
    """Record ``update_id`` as taken; False when some instance recorded it before."""
    statement = (
        insert_ignore(session, SeenUpdate)
        .values(update_id=update_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    return bool(rowcount(session.execute(statement)))


def forget_updates_seen_before(session: Session, *, before: datetime) -> int:
    """Delete the update ids taken before ``before``; how many went."""
    result = session.execute(delete(SeenUpdate).where(col(SeenUpdate.seen_at) < before))
    return rowcount(result)
