"""Study use-cases: who the learner is, what to review next, and recording a rating."""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import Card, Item, ItemKind
from tutor.domain.library import Library
from tutor.domain.scheduling import (
    Memory,
    Rating,
    count_due,
    rank_for_practice,
    schedule_review,
    start_of_local_day,
)
from tutor.services.libraries import learner_library
from tutor.store import Learner
from tutor.store.learners import LearnerSettings, LearnerSnapshot

# Longer answers say more about a distraction than about memory (Anki caps at 60 s too).
MAX_REVIEW_DURATION_MS = 60_000


def learner_zone(learner: LearnerSettings, default_zone: str) -> str:
    """The learner's IANA time zone, or the operator's default."""
    return learner.timezone or default_zone


def active_decks(library: Library, learner: LearnerSettings) -> list[str]:
    """Ids of the decks switched on for the learner, in library order."""
    return library.chosen_decks(learner.decks)


def start_learner(session: Session, *, learner_id: int, first_name: str, now: datetime) -> Learner:
    """Create the learner on first contact (or refresh their name) and commit."""
    known = store.learners.get_learner(session, learner_id=learner_id)
    if known is not None and store.learners.is_current(known, first_name):
        return known  # nothing to write
    learner = store.learners.ensure_learner(
        session, learner_id=learner_id, first_name=first_name, now=now
    )
    session.commit()
    return learner


def start_studying(
    session: Session, *, learner_id: int, first_name: str, now: datetime
) -> LearnerSnapshot:
    """``start_learner`` for a review press: the learner's settings as a plain value, read
    with one select when nothing needs writing (most presses stop there)."""
    known = store.learners.learner_snapshot(session, learner_id=learner_id)
    if known is None or not store.learners.is_current(known, first_name):
        start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
        known = store.learners.learner_snapshot(session, learner_id=learner_id)
        assert known is not None
    return known


def focus_deck(session: Session, *, learner: Learner, deck_id: str) -> None:
    """Switch the learner's studies to one deck (a /start deep link) and commit."""
    learner.decks = [deck_id]
    store.learners.save_learner(session, learner=learner)
    session.commit()


@dataclass(frozen=True)
class Welcomed:
    """The learner as read (or created) and the library they study."""

    learner: Learner
    library: Library


def welcome(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    now: datetime,
    deck_id: str | None = None,
) -> Welcomed:
    """/start: the learner (created on first contact), focused on ``deck_id`` if it is one
    of the decks they study (a deep link); commits."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    studied = learner_library(session, library=library, learner_id=learner_id)
    if deck_id is not None and deck_id in studied.decks:
        focus_deck(session, learner=learner, deck_id=deck_id)
    return Welcomed(learner, studied)


@dataclass(frozen=True)
class CardToShow:
    """A card picked for review, with what the learner sees around it."""

    card: Card
    deck_title: str
    version: int
    is_new: bool
    due_count: int


@dataclass(frozen=True)
class Caught:
    """Nothing to review now: what was done today and when the next card falls due."""

    reviewed_today: int
    next_due: datetime | None
    new_cap_reached: bool
    # Cards due now in decks the learner has switched off (Study now on another deck):
    # never hidden without a word.
    due_elsewhere: int = 0


def _due_elsewhere(
    session: Session,
    library: Library,
    learner: LearnerSettings,
    studied: Collection[str],
    now: datetime,
) -> int:
    """How many cards are due now in the decks the learner has switched off."""
    if learner.decks is None:
        return 0
    others = library.id_set_of_kind(ItemKind.CARD) - set(studied)
    memories = store.reviews.load_memories(session, learner_id=learner.id, item_ids=others)
    return count_due(memories.keys(), memories, now)


def next_card(
    session: Session, *, library: Library, learner: LearnerSettings, now: datetime, zone: str
) -> CardToShow | Caught:
    """The learner's next card: the most overdue, else the first new one in teaching order
    under the daily cap.

    Drawn on every press, so it reads what the choice needs and no more: the cards due now,
    then (when none is) today's new ones and the ids seen. The learner's whole history,
    which grows with every review, is read only to say they are caught up.
    """
    decks = active_decks(library, learner)
    card_set = library.id_set_of_kind(ItemKind.CARD, decks)
    due = store.reviews.due_items(session, learner_id=learner.id, item_ids=card_set, now=now)
    if due:
        item_id, reps = due[0]
        return _card_to_show(library, item_id, version=reps, is_new=False, due_count=len(due))
    # The daily cap is on new flashcards, counted over the decks studied now (as Anki's
    # limit is a deck's): a deck sent and studied today gets its own, whatever other decks
    # used. Quizzes and explain prompts have their own pace.
    day_start = start_of_local_day(now, zone)
    new_today = store.reviews.new_items_since(
        session, learner_id=learner.id, item_ids=card_set, since=day_start
    )
    new_left = max(0, learner.new_per_day - len(new_today))
    card_ids = library.ids_of_kind(ItemKind.CARD, decks)
    if new_left > 0:
        seen = store.reviews.seen_items(session, learner_id=learner.id)
        first_new = next((i for i in card_ids if i not in seen), None)
        if first_new is not None:
            return _card_to_show(library, first_new, version=0, is_new=True, due_count=0)
    memories = store.reviews.load_memories(session, learner_id=learner.id, item_ids=card_set)
    upcoming = [m.due for m in memories.values()]
    return Caught(
        reviewed_today=store.reviews.reviews_since(
            session, learner_id=learner.id, since=day_start, source="review"
        ),
        next_due=min(upcoming) if upcoming else None,
        new_cap_reached=new_left == 0 and any(i not in memories for i in card_ids),
        due_elsewhere=_due_elsewhere(session, library, learner, card_set, now),
    )


def _card_to_show(
    library: Library, item_id: str, *, version: int, is_new: bool, due_count: int
) -> CardToShow:
    card = library.items[item_id]
    assert isinstance(card, Card)
    return CardToShow(
        card=card,
        deck_title=library.deck_title(card.id),
        version=version,
        is_new=is_new,
        due_count=due_count,
    )


def practice_order(
    session: Session, *, library: Library, learner: LearnerSettings, kind: ItemKind, now: datetime
) -> list[str]:
    """The ids of the learner's items of ``kind`` in the decks they study, due ones first
    (see ``rank_for_practice``); empty when those decks have none."""
    decks = active_decks(library, learner)
    ids = library.ids_of_kind(kind, decks)
    if not ids:
        return []
    memories = store.reviews.load_memories(
        session, learner_id=learner.id, item_ids=library.id_set_of_kind(kind, decks)
    )
    return rank_for_practice(ids, memories, now)


def current_memory(session: Session, *, learner_id: int, item_id: str) -> Memory | None:
    """The learner's memory of one item, None if never reviewed."""
    return store.reviews.load_memory(session, learner_id=learner_id, item_id=item_id)


def preview_intervals(
    memory: Memory | None,
    now: datetime,
    *,
    desired_retention: float,
    parameters: Sequence[float] | None = None,
) -> dict[Rating, timedelta]:
    """How long until the item is due again for each possible rating (for the buttons)."""
    return {
        rating: schedule_review(
            memory, rating, now, desired_retention=desired_retention, parameters=parameters
        ).due
        - now
        for rating in Rating
    }


class Outcome(enum.Enum):
    """What became of a rating."""

    RECORDED = "recorded"
    ALREADY_RATED = "already_rated"
    UNKNOWN_ITEM = "unknown_item"


@dataclass(frozen=True)
class RatingResult:
    """A rating's outcome; when recorded, the memory after it, its review log's id and
    the memory before it (None for a first review)."""

    outcome: Outcome
    memory: Memory | None = None
    review_id: int | None = None
    before: Memory | None = None


def record_rating(
    session: Session,
    *,
    library: Library,
    learner: LearnerSettings,
    item: Item | str,
    version: int,
    rating: Rating,
    now: datetime,
    shown_at: datetime | None = None,
    source: str = "review",
    drawn_with: Memory | Literal["unknown"] | None = "unknown",
) -> RatingResult:
    """``apply_rating``, then commit the session (what the caller wrote before in it is
    committed whether the rating was recorded or not)."""
    result = apply_rating(
        session,
        library=library,
        learner=learner,
        item=item,
        version=version,
        rating=rating,
        now=now,
        shown_at=shown_at,
        source=source,
        drawn_with=drawn_with,
    )
    session.commit()
    return result


def review_now(
    session: Session,
    *,
    library: Library,
    learner: LearnerSettings,
    item: Item | str,
    rating: Rating,
    now: datetime,
    source: str,
    shown_at: datetime | None = None,
) -> RatingResult:
    """Review an item now, from whatever its memory is (a quiz answer, a class vote, an
    explain answer): ``apply_rating`` at the review count read here, so a review that
    slips in between makes this one ALREADY_RATED rather than counted twice. Nothing is
    committed."""
    item_id = item if isinstance(item, str) else item.id
    memory = store.reviews.load_memory(session, learner_id=learner.id, item_id=item_id)
    return apply_rating(
        session,
        library=library,
        learner=learner,
        item=item,
        version=memory.reps if memory is not None else 0,
        rating=rating,
        now=now,
        shown_at=shown_at,
        source=source,
        drawn_with=memory,
    )


def apply_rating(
    session: Session,
    *,
    library: Library,
    learner: LearnerSettings,
    item: Item | str,
    version: int,
    rating: Rating,
    now: datetime,
    shown_at: datetime | None = None,
    source: str = "review",
    drawn_with: Memory | Literal["unknown"] | None = "unknown",
) -> RatingResult:
    """Apply one rating of an item drawn at ``version``; nothing is committed.

    The memory state and its review log are written together, and only if the item is
    still at ``version``: a second tap on the same card changes nothing. A lost race
    writes nothing (the guarded write matches no row), so nothing needs rolling back and
    what the caller wrote before in the session stands (a group vote, a taken prompt).
    ``drawn_with`` is the memory the item was shown with, when the caller has it: the
    compare-and-set on ``version`` makes reading it again unnecessary.
    """
    item_id = item if isinstance(item, str) else item.id
    if item_id not in library.items:
        return RatingResult(Outcome.UNKNOWN_ITEM)
    if drawn_with == "unknown":
        current = store.reviews.load_memory(session, learner_id=learner.id, item_id=item_id)
    else:
        current = drawn_with
    if (current.reps if current else 0) != version:
        return RatingResult(Outcome.ALREADY_RATED)
    after = schedule_review(
        current,
        rating,
        now,
        desired_retention=learner.desired_retention,
        parameters=learner.fsrs_parameters,
    )
    duration = None
    if shown_at is not None:
        duration = max(
            0, min(MAX_REVIEW_DURATION_MS, int((now - shown_at).total_seconds() * 1000))
        )
    review_id = store.reviews.save_review(
        session,
        learner_id=learner.id,
        item_id=item_id,
        after=after,
        expected_reps=version,
        rating=int(rating),
        reviewed_at=now,
        duration_ms=duration,
        source=source,
    )
    if review_id is None:
        return RatingResult(Outcome.ALREADY_RATED)
    return RatingResult(Outcome.RECORDED, after, review_id, current)


# --- the review session's units of work (see ``store.Database.run``) -------------------------
@dataclass(frozen=True)
class Drawn:
    """The learner as read (or created) and what to show them next."""

    learner: LearnerSnapshot
    upcoming: CardToShow | Caught


def draw_next(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    now: datetime,
    default_zone: str,
) -> Drawn:
    """/review: the learner (created on first contact) and their next card."""
    learner = start_studying(session, learner_id=learner_id, first_name=first_name, now=now)
    library = learner_library(session, library=library, learner_id=learner_id)
    zone = learner_zone(learner, default_zone)
    upcoming = next_card(session, library=library, learner=learner, now=now, zone=zone)
    return Drawn(learner, upcoming)


@dataclass(frozen=True)
class Revealed:
    """Show answer: the learner, the card (None when it is gone), its deck's title, and the
    learner's memory of it."""

    learner: LearnerSnapshot
    card: Card | None
    deck_title: str = ""
    memory: Memory | None = None


def reveal(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    item_id: str,
    now: datetime,
) -> Revealed:
    """Show answer: the learner (created on first contact), the card, and their memory of it."""
    learner = start_studying(session, learner_id=learner_id, first_name=first_name, now=now)
    library = learner_library(session, library=library, learner_id=learner_id)
    card = library.item(item_id)
    if not isinstance(card, Card):
        return Revealed(learner, None)
    memory = current_memory(session, learner_id=learner.id, item_id=item_id)
    return Revealed(learner, card, library.deck_title(item_id), memory)


@dataclass(frozen=True)
class Rated:
    """A rating's outcome and, if it was recorded, the card to show next."""

    learner: LearnerSnapshot
    result: RatingResult
    upcoming: CardToShow | Caught | None


def rate_and_draw(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    item_id: str,
    version: int,
    rating: Rating,
    now: datetime,
    shown_at: datetime,
    default_zone: str,
) -> Rated:
    """A rating on /review: record it (committed), then draw the next card (also when
    the card was rated already: the press came from a message that is behind).

    The learner is read here (and created on first contact), never taken from a copy kept
    between presses: another instance may have changed or forgotten them meanwhile.
    """
    learner = start_studying(session, learner_id=learner_id, first_name=first_name, now=now)
    library = learner_library(session, library=library, learner_id=learner_id)
    result = record_rating(
        session,
        library=library,
        learner=learner,
        item=item_id,
        version=version,
        rating=rating,
        now=now,
        shown_at=shown_at,
    )
    upcoming = None
    if result.outcome is not Outcome.UNKNOWN_ITEM:
        # Drawn for an old card too: its message is redrawn to where the learner is (a lost
        # or late edit must never leave them with buttons that only say "already rated").
        zone = learner_zone(learner, default_zone)
        upcoming = next_card(session, library=library, learner=learner, now=now, zone=zone)
    return Rated(learner, result, upcoming)
