"""The decks a group's quizzes draw from: each admin's choice, and who offered which."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import ItemKind, QuizQuestion, fits_poll
from tutor.domain.library import Library, own_deck_number
from tutor.services.libraries import extended, group_quiz_library
from tutor.services.owndecks import DeckError

NOT_PICKABLE = "That deck cannot be picked here."
LAST_GROUP_DECK = "At least one deck stays on for this chat's quizzes."


@dataclass(frozen=True)
class DeckChoice:
    """A deck of a group's quizzes as one admin sees it: a built-in deck (no owner) or an
    own deck, theirs (which they may offer) or one a co-admin offered (``offered_by``)."""

    deck: str
    title: str
    owner_id: int | None
    chosen: bool
    poll_questions: int
    offered_by: int | None = None


def _choices(
    session: Session, *, library: Library, chat_id: int, admin_id: int
) -> tuple[list[DeckChoice], dict[str, int | None]]:
    """What ``admin_id`` sees in the group's /decks, and the choice as it stands (every
    built-in deck when none is stored or none of the stored ones is left)."""
    stored = store.shareddecks.group_decks(session, chat_id=chat_id)
    mine = store.owndecks.decks_of_owners(session, learner_ids=[admin_id])
    owned = {d.id for d in mine if d.id is not None}
    offered = {n for n in (own_deck_number(d) for d in stored) if n is not None}
    found = extended(
        session, library, store.owndecks.deck_versions(session, deck_ids=owned | offered)
    )
    current = {d: stored[d] for d in found.decks if d in stored}
    if not current:
        current = dict.fromkeys(library.decks)
    choices = []
    for deck_id, deck in found.decks.items():
        own = found.own.get(deck_id)
        if own is not None and own.owner_id != admin_id and deck_id not in current:
            continue  # a co-admin's deck they did not offer: not theirs to show
        choices.append(
            DeckChoice(
                deck=deck_id,
                title=deck.title,
                owner_id=own.owner_id if own is not None else None,
                chosen=deck_id in current,
                poll_questions=sum(
                    1
                    for item in found.items_of_kind(ItemKind.QUIZ, [deck_id])
                    if isinstance(item, QuizQuestion) and fits_poll(item)
                ),
                offered_by=current.get(deck_id),
            )
        )
    return choices, current


def group_deck_choices(
    session: Session, *, library: Library, chat_id: int, admin_id: int
) -> list[DeckChoice]:
    """The decks of a group's quizzes as the admin sees them: the built-in ones and the
    admin's own (theirs to switch), then those co-admins offered, each chosen or not."""
    choices, _current = _choices(session, library=library, chat_id=chat_id, admin_id=admin_id)
    session.commit()
    return choices


def toggle_group_deck(
    session: Session, *, library: Library, chat_id: int, deck: str, admin_id: int
) -> tuple[bool, list[DeckChoice]]:
    """Switch a built-in deck or one of the admin's own decks on or off for the group's
    quizzes, and commit; returns whether it is on now, and the choices as they stand.
    An own deck is offered by its owner only; every built-in deck and nothing else is the
    default, stored as no choice (so a deck added to content/ later joins).

    Raises:
        DeckError: the deck is neither built-in nor the admin's own, or it is the last on.
    """
    choices, current = _choices(session, library=library, chat_id=chat_id, admin_id=admin_id)
    if deck not in {c.deck for c in choices if c.owner_id in (None, admin_id)}:
        raise DeckError(NOT_PICKABLE)
    now_on = deck not in current
    wanted = dict(current)
    if now_on:
        wanted[deck] = admin_id
    else:
        del wanted[deck]
    if not wanted:
        raise DeckError(LAST_GROUP_DECK)
    default = set(wanted) == set(library.decks)
    store.shareddecks.set_group_decks(session, chat_id=chat_id, decks={} if default else wanted)
    session.commit()
    updated = [replace(c, chosen=c.deck in wanted, offered_by=wanted.get(c.deck)) for c in choices]
    return now_on, updated


def group_offerers(session: Session, *, chat_id: int) -> list[int]:
    """Who offered the own decks a group chose: the quiz draws from a deck only while they
    are the chat's admins (the bot asks Telegram, and hands them to ``start_session``)."""
    stored = store.shareddecks.group_decks(session, chat_id=chat_id)
    session.commit()
    return sorted(
        {by for deck, by in stored.items() if by is not None and own_deck_number(deck) is not None}
    )


def group_decks(session: Session, *, library: Library, chat_id: int) -> list[str]:
    """The ids of the decks the group's quizzes draw from (see
    ``tutor.services.libraries.group_quiz_library``, which also gives the library holding them)."""
    return group_quiz_library(session, library=library, chat_id=chat_id)[1]
