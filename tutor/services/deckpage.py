"""An own deck's page in /decks and its buttons: study it now, rename, replace, delete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import fits_poll
from tutor.domain.library import Library, own_deck_id
from tutor.services.awaiting import DeckRename, current
from tutor.services.libraries import learner_library
from tutor.services.owndecks import (
    CHANGED_MEANWHILE,
    DeckError,
    clean_title,
    fold_name,
    new_revision,
)
from tutor.services.study import active_decks, focus_deck, start_learner

NAME_TAKEN = "You already have a deck named {title!r}. Send another name."


@dataclass(frozen=True)
class DeckPage:
    """One own deck as its page in /decks shows it."""

    deck: str
    number: int
    title: str
    cards: int
    questions: int
    prompts: int
    poll_unfit: int
    share_code: str
    mine: bool


def deck_page(
    session: Session, *, library: Library, learner_id: int, deck_number: int
) -> DeckPage | None:
    """The page of an own deck the learner studies (theirs or added); None if it is not
    (any more) one of theirs."""
    found = learner_library(session, library=library, learner_id=learner_id)
    deck_id = own_deck_id(deck_number)
    if deck_id not in found.own:
        return None
    deck, own = found.decks[deck_id], found.own[deck_id]
    return DeckPage(
        deck=deck_id,
        number=deck_number,
        title=deck.title,
        cards=len(deck.cards),
        questions=len(deck.quiz),
        prompts=len(deck.explain),
        poll_unfit=sum(1 for question in deck.quiz if not fits_poll(question)),
        share_code=own.share_code,
        mine=own.owner_id == learner_id,
    )


def ask(
    session: Session, *, learner_id: int, deck_number: int, action: str, now: datetime
) -> str | None:
    """Remember that the learner's next message renames (``action`` "rename") or replaces
    ("replace") their deck, and commit; returns the deck's title, None if it is not theirs.
    """
    deck = store.owndecks.get_deck(session, deck_id=deck_number)
    if deck is None or deck.learner_id != learner_id:
        return None
    store.deckactions.set_action(
        session, learner_id=learner_id, deck_id=deck_number, action=action, now=now
    )
    session.commit()
    return deck.title


def cancel_action(session: Session, *, learner_id: int) -> bool:
    """Forget what the learner's next message was to do to a deck, and commit."""
    dropped = store.deckactions.drop_action(session, learner_id=learner_id)
    session.commit()
    return dropped


@dataclass(frozen=True)
class Renamed:
    """A deck renamed by the learner's message."""

    number: int
    old_title: str
    title: str


def rename_from_text(
    session: Session, *, learner_id: int, text: str, now: datetime
) -> Renamed | None:
    """A text message: the new name of the deck the learner asked to rename, if that is
    what their next message answers (``tutor.services.awaiting``: an explain prompt asked
    since takes the text, and the rename is dropped); None when the text is not a new name.
    Commits.

    Raises:
        DeckError: not a usable name, or one of their other decks has it; the question
            stands, so the next message can try again.
    """
    rename = current(session, learner_id=learner_id, now=now)
    if not isinstance(rename, DeckRename):
        session.commit()  # a rename that expired or was replaced is dropped on the way
        return None
    title = clean_title(text)
    deck = store.owndecks.get_deck(session, deck_id=rename.deck_number)
    if deck is None or deck.learner_id != learner_id:
        store.deckactions.drop_action(session, learner_id=learner_id)
        session.commit()
        return None
    other = store.owndecks.deck_named(session, learner_id=learner_id, name=fold_name(title))
    if other is not None and other.id != deck.id:
        raise DeckError(NAME_TAKEN.format(title=other.title))
    if not store.deckactions.take_action(
        session, learner_id=learner_id, action="rename", deck_id=rename.deck_number
    ) or not store.owndecks.move_revision(
        session,
        deck_id=rename.deck_number,
        revision=deck.revision,
        new_revision=new_revision(),
        now=now,
        title=title,
        name=fold_name(title),
    ):
        raise DeckError(CHANGED_MEANWHILE)
    session.commit()
    return Renamed(number=rename.deck_number, old_title=deck.title, title=title)


def delete_deck(session: Session, *, learner_id: int, deck_number: int) -> str | None:
    """Delete the learner's own deck: its items, its shares, the groups' choice of it, its
    place in learners' decks switched on; the learners who studied it keep their review
    history (its id is never given to another deck). Commits; returns its title, None if
    it is not theirs (any more)."""
    deck = store.owndecks.get_deck(session, deck_id=deck_number)
    if deck is None or deck.learner_id != learner_id:
        return None
    store.owndecks.clear_deck_references(
        session, deck_ids=[deck_number], decks=[own_deck_id(deck_number)]
    )
    store.owndecks.delete_deck(session, deck_id=deck_number, learner_id=learner_id)
    session.commit()
    return deck.title


@dataclass(frozen=True)
class Focused:
    """The learner's studies focused on one deck, and what it holds."""

    title: str
    cards: int
    questions: int
    prompts: int
    paused: int = 0  # the learner's other decks, switched off by this


def focus_on(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    deck_number: int,
    now: datetime,
) -> Focused | None:
    """Study now: the learner's reviews come from this own deck of theirs; commits. None
    when it is not one of their decks (any more)."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    found = learner_library(session, library=library, learner_id=learner_id)
    deck_id = own_deck_id(deck_number)
    if deck_id not in found.decks:
        return None
    paused = [d for d in active_decks(found, learner) if d != deck_id]
    focus_deck(session, learner=learner, deck_id=deck_id)
    deck = found.decks[deck_id]
    return Focused(deck.title, len(deck.cards), len(deck.quiz), len(deck.explain), len(paused))
