"""The store's queries on own decks used beyond their owner: the shared decks learners
added, and the decks a group's quizzes draw from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from tutor.store.dialects import insert_ignore
from tutor.store.models import AddedDeck, GroupDeck
from tutor.store.typed import rowcount, table_of

_ADDED: Table = table_of(AddedDeck)
_GROUP_DECK: Table = table_of(GroupDeck)


# --- decks shared with a learner ---------------------------------------------------------


def add_deck(session: Session, *, learner_id: int, deck_id: int, now: datetime) -> bool:
    """Add a shared deck to the learner's decks; False if they had it already."""
    result = session.execute(
        insert_ignore(session, AddedDeck)
        .values(learner_id=learner_id, deck_id=deck_id, added_at=now)
        .on_conflict_do_nothing(index_elements=["learner_id", "deck_id"])
    )
    return rowcount(result) == 1


def remove_added(session: Session, *, learner_id: int, deck_id: int) -> bool:
    """Take a shared deck out of the learner's decks; False if it was not there."""
    result = session.execute(
        delete(_ADDED).where(_ADDED.c.learner_id == learner_id, _ADDED.c.deck_id == deck_id)
    )
    return rowcount(result) == 1


def count_added(session: Session, *, learner_id: int) -> int:
    """How many shared decks the learner has added."""
    statement = select(func.count()).where(_ADDED.c.learner_id == learner_id)
    return int(session.execute(statement).scalar_one())


# --- the decks a group's quizzes draw from -----------------------------------------------


def group_decks(session: Session, *, chat_id: int) -> dict[str, int | None]:
    """The decks chosen for the group's quizzes, each with the admin who offered it (None:
    not known), in the order stored (empty: none chosen)."""
    statement = select(_GROUP_DECK.c.deck, _GROUP_DECK.c.offered_by).where(
        _GROUP_DECK.c.chat_id == chat_id
    )
    return {str(deck): offered_by for deck, offered_by in session.execute(statement).all()}


def set_group_decks(session: Session, *, chat_id: int, decks: Mapping[str, int | None]) -> None:
    """Make ``decks`` (each with who offered it) the group's choice (none: the default)."""
    session.execute(delete(_GROUP_DECK).where(_GROUP_DECK.c.chat_id == chat_id))
    chosen = [{"chat_id": chat_id, "deck": deck, "offered_by": by} for deck, by in decks.items()]
    if chosen:
        session.execute(insert(_GROUP_DECK), chosen)


def move_group_decks(session: Session, *, old_id: int, new_id: int) -> None:
    """A group got a new id (it became a supergroup): its choice goes with it, unless the
    new id has one already."""
    if group_decks(session, chat_id=new_id):
        session.execute(delete(_GROUP_DECK).where(_GROUP_DECK.c.chat_id == old_id))
        return
    session.execute(
        update(_GROUP_DECK).where(_GROUP_DECK.c.chat_id == old_id).values(chat_id=new_id)
    )
