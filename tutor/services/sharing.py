"""Own decks shared by link: a share link opened (the deck added), an added deck removed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.library import Library, own_deck_id
from tutor.services import quotas
from tutor.services.libraries import learner_library
from tutor.services.owndecks import DeckError
from tutor.services.quotas import MAX_ADDED, TOO_MANY_ADDED
from tutor.services.study import focus_deck, start_learner
from tutor.store import Learner

# What a share code looks like (``owndecks.SHARE_CODE_BYTES`` random bytes, URL-safe): any
# other text is not one, and is never looked up.
SHARE_CODE = re.compile(r"^[A-Za-z0-9_-]{12}$")


@dataclass(frozen=True)
class Shared:
    """A share link opened: the learner, what they study now, and the deck it added."""

    learner: Learner
    library: Library
    deck: str
    title: str
    mine: bool


def open_share_link(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    code: str,
    now: datetime,
) -> Shared | None:
    """/start deck-<code>: add the deck (created on first contact) and focus the learner's
    studies on it, as a deep link to a built-in deck does; commits. None when no deck has
    that code (mistyped, or deleted).

    Raises:
        DeckError: the learner has added MAX_ADDED shared decks already, or the deck would
            take their decks past the quota on items (``tutor.services.quotas``).
    """
    if not SHARE_CODE.match(code):
        return None
    deck = store.owndecks.deck_by_code(session, share_code=code)
    if deck is None or deck.id is None:
        return None
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    mine = deck.learner_id == learner_id
    # Opening the link again (or one's own) adds nothing, and focuses the deck again.
    if not mine:
        over = quotas.items_refusal(
            session,
            learner_id=learner_id,
            adding=store.owndecks.active_count(session, deck_id=deck.id),
        )
        if store.shareddecks.add_deck(session, learner_id=learner_id, deck_id=deck.id, now=now):
            if store.shareddecks.count_added(session, learner_id=learner_id) > MAX_ADDED:
                raise DeckError(TOO_MANY_ADDED.format(limit=MAX_ADDED))
            if over is not None:
                raise DeckError(over)
    focus_deck(session, learner=learner, deck_id=own_deck_id(deck.id))
    found = learner_library(session, library=library, learner_id=learner_id)
    return Shared(learner, found, own_deck_id(deck.id), deck.title, mine)


def remove_added(session: Session, *, learner_id: int, deck_number: int) -> bool:
    """Take a deck shared with the learner out of their decks; commits."""
    removed = store.shareddecks.remove_added(session, learner_id=learner_id, deck_id=deck_number)
    session.commit()
    return removed
