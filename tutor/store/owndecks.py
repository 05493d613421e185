"""The store's queries on own decks: decks and their items, which decks a learner studies,
and what goes when decks are deleted (images: ``deckmedia``; shared and group decks:
``shareddecks``; pending actions and imports: ``deckactions``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlmodel import col

from tutor.store.models import (
    AddedDeck,
    GroupDeck,
    ItemState,
    Learner,
    OwnDeck,
    OwnDeckItem,
    ReviewLog,
)
from tutor.store.typed import inserted_key, rowcount, table_of

_DECK: Table = table_of(OwnDeck)
_ITEM: Table = table_of(OwnDeckItem)
_ADDED: Table = table_of(AddedDeck)
_GROUP_DECK: Table = table_of(GroupDeck)
_LOG: Table = table_of(ReviewLog)
_STATE: Table = table_of(ItemState)


@dataclass(frozen=True)
class ItemRow:
    """One stored item of an own deck (``data`` is the item as JSON)."""

    item_id: str
    kind: str
    key: str
    data: dict[str, Any]
    position: int
    active: bool = True


@dataclass(frozen=True)
class DeckHead:
    """An own deck's row without its items."""

    id: int
    owner_id: int
    title: str
    share_code: str
    revision: int


# --- which decks a learner studies: read on every study request, so built once ------------
# Each learner's own decks (0), then the decks they added (1), by id.
_VERSIONS = union_all(
    select(_DECK.c.learner_id, _DECK.c.id, _DECK.c.revision, literal(0).label("added")).where(
        _DECK.c.learner_id.in_(bindparam("learner_ids", expanding=True))
    ),
    select(_ADDED.c.learner_id, _DECK.c.id, _DECK.c.revision, literal(1).label("added"))
    .join(_DECK, _DECK.c.id == _ADDED.c.deck_id)
    .where(_ADDED.c.learner_id.in_(bindparam("learner_ids", expanding=True))),
)


# The same for one learner, without an expanding IN list: every study request reads it.
_ONE_LEARNER = union_all(
    select(_DECK.c.learner_id, _DECK.c.id, _DECK.c.revision, literal(0).label("added")).where(
        _DECK.c.learner_id == bindparam("learner_id")
    ),
    select(_ADDED.c.learner_id, _DECK.c.id, _DECK.c.revision, literal(1).label("added"))
    .join(_DECK, _DECK.c.id == _ADDED.c.deck_id)
    .where(_ADDED.c.learner_id == bindparam("learner_id")),
)


def learner_deck_versions(
    session: Session, *, learner_ids: Collection[int]
) -> dict[int, list[tuple[int, int]]]:
    """For each learner (those with none are left out), the (id, revision) of the decks
    they study besides the built-in ones: their own, then the ones they added, each by id."""
    if not learner_ids:
        return {}
    if len(learner_ids) == 1:
        rows = session.execute(_ONE_LEARNER, {"learner_id": next(iter(learner_ids))}).all()
    else:
        rows = session.execute(_VERSIONS, {"learner_ids": list(learner_ids)}).all()
    found: dict[int, list[tuple[int, int, int]]] = {}
    for learner_id, deck_id, revision, added in rows:
        found.setdefault(int(learner_id), []).append((int(added), int(deck_id), int(revision)))
    return {
        learner_id: [(deck_id, revision) for _, deck_id, revision in sorted(decks)]
        for learner_id, decks in found.items()
    }


def deck_versions(session: Session, *, deck_ids: Collection[int]) -> list[tuple[int, int]]:
    """The (id, revision) of those of ``deck_ids`` that exist, by id."""
    if not deck_ids:
        return []
    statement = (
        select(_DECK.c.id, _DECK.c.revision)
        .where(_DECK.c.id.in_(list(deck_ids)))
        .order_by(_DECK.c.id)
    )
    return [(int(row[0]), int(row[1])) for row in session.execute(statement).all()]


def _deck_with_items(data: Any, *, sliced: bool) -> Select[Any]:
    """The deck's row with its active items in order, each item's JSON as ``data`` reads
    it; ``sliced``: only the items after position ``:after``, at most ``:limit``."""
    joined = (_ITEM.c.deck_id == _DECK.c.id) & _ITEM.c.active.is_(True)
    if sliced:
        joined &= _ITEM.c.position > bindparam("after")
    statement = (
        select(
            _DECK.c.id,
            _DECK.c.learner_id,
            _DECK.c.title,
            _DECK.c.share_code,
            _DECK.c.revision,
            _ITEM.c.item_id,
            _ITEM.c.kind,
            _ITEM.c.key,
            data,
            _ITEM.c.position,
        )
        .select_from(_DECK.outerjoin(_ITEM, joined))
        .where(_DECK.c.id == bindparam("deck_id"))
        .order_by(_ITEM.c.position)
    )
    return statement.limit(bindparam("limit")) if sliced else statement


_LOAD = _deck_with_items(_ITEM.c.data, sliced=False)
# A slice of the same with each item's JSON as text, decoded by the caller off the event
# loop.
_LOAD_JSON = _deck_with_items(cast(_ITEM.c.data, Text), sliced=True)


def _head(row: Any) -> DeckHead:
    return DeckHead(
        id=int(row[0]),
        owner_id=int(row[1]),
        title=str(row[2]),
        share_code=str(row[3]),
        revision=int(row[4]),
    )


def load_deck(session: Session, *, deck_id: int) -> tuple[DeckHead, list[ItemRow]] | None:
    """The deck and its active items in order, read in one statement (one snapshot: the
    items are those of the revision read with them); None if there is no such deck."""
    rows = session.execute(_LOAD, {"deck_id": deck_id}).all()
    if not rows:
        return None
    items = [
        ItemRow(item_id=r[5], kind=r[6], key=r[7], data=r[8], position=r[9])
        for r in rows
        if r[5] is not None
    ]
    return _head(rows[0]), items


def load_deck_json(
    session: Session, *, deck_id: int, after: int, limit: int
) -> tuple[DeckHead, list[tuple[str, str, str, str, int]]] | None:
    """The deck and up to ``limit`` of its active items after position ``after``, each as
    (id, kind, key, JSON text, position), in one statement; None if there is no such deck.
    Read in slices, a big deck reaches the event loop a few hundred rows at a time."""
    rows = session.execute(_LOAD_JSON, {"deck_id": deck_id, "after": after, "limit": limit})
    found = rows.all()
    if not found:
        return None
    return _head(found[0]), [(r[5], r[6], r[7], r[8], r[9]) for r in found if r[5] is not None]


def item_counts(session: Session, *, deck_ids: Collection[int]) -> list[tuple[int, int, int]]:
    """(id, revision, active items) of those of ``deck_ids`` that exist, in one statement
    (so each count is of the revision read with it)."""
    if not deck_ids:
        return []
    statement = (
        select(_DECK.c.id, _DECK.c.revision, func.count(_ITEM.c.item_id))
        .select_from(
            _DECK.outerjoin(_ITEM, (_ITEM.c.deck_id == _DECK.c.id) & _ITEM.c.active.is_(True))
        )
        .where(_DECK.c.id.in_(list(deck_ids)))
        .group_by(_DECK.c.id, _DECK.c.revision)
    )
    return [(int(d), int(r), int(n)) for d, r, n in session.execute(statement).all()]


def learner_item_count(session: Session, *, learner_id: int) -> int:
    """How many active items the decks the learner studies hold: their own and the ones
    they added."""
    own = select(_DECK.c.id).where(_DECK.c.learner_id == learner_id)
    added = select(_ADDED.c.deck_id).where(_ADDED.c.learner_id == learner_id)
    statement = select(func.count()).where(
        _ITEM.c.active.is_(True), _ITEM.c.deck_id.in_(own.union(added))
    )
    return int(session.execute(statement).scalar_one())


def active_count(session: Session, *, deck_id: int) -> int:
    """How many active items the deck holds."""
    statement = select(func.count()).where(_ITEM.c.deck_id == deck_id, _ITEM.c.active.is_(True))
    return int(session.execute(statement).scalar_one())


# --- decks -------------------------------------------------------------------------------


def get_deck(session: Session, *, deck_id: int) -> OwnDeck | None:
    """The deck's row, if it exists."""
    return session.get(OwnDeck, deck_id)


def deck_named(session: Session, *, learner_id: int, name: str) -> OwnDeck | None:
    """The learner's deck of this (folded) name, if they have one."""
    statement = select(OwnDeck).where(
        col(OwnDeck.learner_id) == learner_id,
        col(OwnDeck.name) == name,
    )
    return session.execute(statement).scalars().first()


def deck_by_code(session: Session, *, share_code: str) -> OwnDeck | None:
    """The deck with this share code, if any."""
    statement = select(OwnDeck).where(col(OwnDeck.share_code) == share_code)
    return session.execute(statement).scalars().first()


def decks_of_owners(session: Session, *, learner_ids: Collection[int]) -> list[OwnDeck]:
    """The decks the learners own, by owner and id."""
    if not learner_ids:
        return []
    statement = (
        select(OwnDeck)
        .where(col(OwnDeck.learner_id).in_(list(learner_ids)))
        .order_by(col(OwnDeck.learner_id), col(OwnDeck.id))
    )
    return list(session.execute(statement).scalars().all())


def count_owned(session: Session, *, learner_id: int) -> int:
    """How many decks the learner owns."""
    statement = select(func.count()).where(_DECK.c.learner_id == learner_id)
    return int(session.execute(statement).scalar_one())


def insert_deck(
    session: Session,
    *,
    learner_id: int,
    name: str,
    title: str,
    share_code: str,
    revision: int,
    now: datetime,
) -> int:
    """Add a deck (no items yet); returns its id."""
    result = session.execute(
        insert(_DECK).values(
            learner_id=learner_id,
            name=name,
            title=title,
            share_code=share_code,
            revision=revision,
            created_at=now,
            updated_at=now,
        )
    )
    return inserted_key(result)


def move_revision(
    session: Session,
    *,
    deck_id: int,
    revision: int,
    new_revision: int,
    now: datetime,
    title: str | None = None,
    name: str | None = None,
) -> bool:
    """Give the deck ``new_revision`` (and a new title and name, if given) if it is still at
    ``revision`` (compare-and-set); False, writing nothing, if it moved on or is gone.

    On PostgreSQL the row stays locked until the transaction ends: a second writer of the
    same deck waits, then finds the revision moved on.
    """
    values: dict[str, Any] = {"revision": new_revision, "updated_at": now}
    if title is not None:
        values["title"] = title
    if name is not None:
        values["name"] = name
    result = session.execute(
        update(_DECK).where(_DECK.c.id == deck_id, _DECK.c.revision == revision).values(**values)
    )
    return rowcount(result) == 1


def delete_deck(session: Session, *, deck_id: int, learner_id: int) -> bool:
    """Delete the learner's deck (its items, shares and pending actions go with it)."""
    result = session.execute(
        delete(_DECK).where(_DECK.c.id == deck_id, _DECK.c.learner_id == learner_id)
    )
    return rowcount(result) == 1


# --- items -------------------------------------------------------------------------------


def all_items(session: Session, *, deck_id: int) -> list[ItemRow]:
    """Every item the deck ever had (active or not), by position."""
    statement = (
        select(
            _ITEM.c.item_id,
            _ITEM.c.kind,
            _ITEM.c.key,
            _ITEM.c.data,
            _ITEM.c.position,
            _ITEM.c.active,
        )
        .where(_ITEM.c.deck_id == deck_id)
        .order_by(_ITEM.c.position)
    )
    return [ItemRow(*row) for row in session.execute(statement).all()]


def write_items(session: Session, *, deck_id: int, rows: Sequence[ItemRow]) -> None:
    """Make ``rows`` the deck's items (active and inactive), in place of what it had."""
    session.execute(delete(_ITEM).where(_ITEM.c.deck_id == deck_id))
    if rows:
        session.execute(
            insert(_ITEM),
            [
                {
                    "deck_id": deck_id,
                    "item_id": row.item_id,
                    "kind": row.kind,
                    "key": row.key,
                    "data": row.data,
                    "position": row.position,
                    "active": row.active,
                }
                for row in rows
            ],
        )


def delete_memories(session: Session, *, item_ids: Collection[str]) -> None:
    """Delete every learner's memory of these items (items dropped from a deck: their
    review history stays, as when a deck is deleted)."""
    ids = list(item_ids)
    for start in range(0, len(ids), 5000):
        session.execute(delete(_STATE).where(_STATE.c.item_id.in_(ids[start : start + 5000])))


# --- deleting decks ----------------------------------------------------------------------


def deck_ids_of(session: Session, *, learner_id: int) -> list[int]:
    """The ids of the decks the learner owns."""
    statement = select(_DECK.c.id).where(_DECK.c.learner_id == learner_id)
    return [int(number) for number in session.execute(statement).scalars().all()]


def clear_deck_references(
    session: Session, *, deck_ids: Collection[int], decks: Collection[str]
) -> None:
    """Decks are about to be deleted (ids ``deck_ids``, library ids ``decks``): no group's
    choice and no learner's list of decks switched on names them any more. Their items,
    shares and pending actions go with their rows (foreign keys)."""
    if not deck_ids:
        return
    session.execute(delete(_GROUP_DECK).where(_GROUP_DECK.c.deck.in_(list(decks))))
    holders = select(_ADDED.c.learner_id).where(_ADDED.c.deck_id.in_(list(deck_ids)))
    owners = select(_DECK.c.learner_id).where(_DECK.c.id.in_(list(deck_ids)))
    statement = select(Learner).where(col(Learner.id).in_(union_all(holders, owners)))
    gone = set(decks)
    for learner in session.execute(statement).scalars().all():
        if learner.decks and not gone.isdisjoint(learner.decks):
            # None of their decks left on: every deck is, as for a learner who never chose.
            learner.decks = [d for d in learner.decks if d not in gone] or None
            session.add(learner)


# --- export ------------------------------------------------------------------------------


def last_ratings(session: Session, *, learner_id: int) -> dict[str, int]:
    """The rating of each item's latest review by the learner, by item id."""
    latest = (
        select(func.max(_LOG.c.id)).where(_LOG.c.learner_id == learner_id).group_by(_LOG.c.item_id)
    )
    statement = select(_LOG.c.item_id, _LOG.c.rating).where(_LOG.c.id.in_(latest))
    return {str(row[0]): int(row[1]) for row in session.execute(statement).all()}
