"""The store's queries on own decks' images, kept apart from the items that name them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from tutor.store.models import OwnDeckMedia
from tutor.store.owndecks import ItemRow
from tutor.store.typed import table_of

_MEDIA: Table = table_of(OwnDeckMedia)


def write_media(
    session: Session, *, deck_id: int, rows: Sequence[ItemRow], media: Mapping[str, bytes]
) -> None:
    """Store the deck's images: ``media`` (new or changed), and of those it had, the ones
    its ``rows`` (active or not) still name; the rest go."""
    named = {
        str(row.data[key]) for row in rows for key in ("image", "back_image") if row.data.get(key)
    }
    stale = delete(_MEDIA).where(_MEDIA.c.deck_id == deck_id)
    if named - set(media):
        stale = stale.where(_MEDIA.c.name.not_in(sorted(named - set(media))))
    session.execute(stale)
    for name, data in media.items():
        if name in named:
            session.execute(insert(_MEDIA).values(deck_id=deck_id, name=name, data=data))


def deck_media(session: Session, *, deck_id: int) -> dict[str, bytes]:
    """Every image of the deck, by name."""
    statement = select(_MEDIA.c.name, _MEDIA.c.data).where(_MEDIA.c.deck_id == deck_id)
    return {str(name): bytes(data) for name, data in session.execute(statement).all()}


def image(session: Session, *, deck_id: int, name: str) -> bytes | None:
    """An image of the deck, by name; None when it has none of that name."""
    statement = select(_MEDIA.c.data).where(_MEDIA.c.deck_id == deck_id, _MEDIA.c.name == name)
    data = session.execute(statement).scalar_one_or_none()
    return bytes(data) if data is not None else None
