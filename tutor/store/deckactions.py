"""The store's queries on what a learner's messages do to their decks: the pending action
their next message completes, and the deck files received (for the quota on imports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from tutor.store.dialects import insert_ignore
from tutor.store.models import DeckAction, DeckImport
from tutor.store.typed import rowcount, table_of

_ACTION: Table = table_of(DeckAction)
_IMPORT: Table = table_of(DeckImport)


# --- what the learner's next message does to a deck --------------------------------------


def set_action(
    session: Session,
    *,
    learner_id: int,
    deck_id: int,
    action: str,
    now: datetime,
    file_id: str | None = None,
    file_name: str | None = None,
) -> None:
    """Make this the learner's pending deck action, in place of any other."""
    values = {
        "deck_id": deck_id,
        "action": action,
        "file_id": file_id,
        "file_name": file_name,
        "asked_at": now,
    }
    session.execute(
        insert_ignore(session, DeckAction)
        .values(learner_id=learner_id, **values)
        .on_conflict_do_update(index_elements=["learner_id"], set_=values)
    )


def get_action(session: Session, *, learner_id: int) -> DeckAction | None:
    """The learner's pending deck action, if any."""
    return session.get(DeckAction, learner_id)


def take_action(
    session: Session,
    *,
    learner_id: int,
    action: str,
    deck_id: int,
    file_id: str | None = None,
) -> bool:
    """Remove the pending action if it is this one (a compare-and-delete): True for the one
    caller that took it, False for a double tap or an action replaced meanwhile."""
    condition = (
        (_ACTION.c.learner_id == learner_id)
        & (_ACTION.c.action == action)
        & (_ACTION.c.deck_id == deck_id)
    )
    if file_id is not None:
        condition = condition & (_ACTION.c.file_id == file_id)
    result = session.execute(delete(_ACTION).where(condition))
    return rowcount(result) == 1


def drop_action(session: Session, *, learner_id: int) -> bool:
    """Remove the learner's pending deck action; False if there was none."""
    result = session.execute(delete(_ACTION).where(_ACTION.c.learner_id == learner_id))
    return rowcount(result) == 1


# --- deck files received, for the quota on imports per hour ----------------------------


def record_import(session: Session, *, learner_id: int, at: datetime, since: datetime) -> None:
    """Note a deck file imported (a new deck or a replace) at ``at``; the learner's notes
    from before ``since`` go (the window's rows stay bounded)."""
    session.execute(
        delete(_IMPORT).where(_IMPORT.c.learner_id == learner_id, _IMPORT.c.imported_at < since)
    )
    session.execute(insert(_IMPORT).values(learner_id=learner_id, imported_at=at))


def imports_since(session: Session, *, learner_id: int, since: datetime) -> list[datetime]:
    """When the learner's deck files were imported since ``since``, oldest first."""
    statement = (
        select(DeckImport.imported_at)  # type: ignore[call-overload]
        .where(DeckImport.learner_id == learner_id, DeckImport.imported_at >= since)
        .order_by(DeckImport.imported_at)
    )
    return list(session.execute(statement).scalars().all())
