"""The store's queries on the Telegram update ids already taken (webhook deduplication)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tutor.store.dialects import insert_ignore
from tutor.store.models import SeenUpdate


def mark_update_seen(session: Session, *, update_id: int, now: datetime) -> bool:
    """Record ``update_id`` as taken; False when some instance recorded it before."""
    statement = (
        insert_ignore(session, SeenUpdate)
        .values(update_id=update_id, seen_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def forget_updates_seen_before(session: Session, *, before: datetime) -> int:
    """Delete the update ids taken before ``before``; how many went."""
    result = session.execute(delete(SeenUpdate).where(SeenUpdate.seen_at < before))  # type: ignore[arg-type]
    return int(result.rowcount)  # type: ignore[attr-defined]
