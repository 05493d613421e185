"""Progress that comes with a deck file: an Anki collection's review history, kept as the
learner's own reviews, with the memories FSRS computes from it.

A learner who sends their collection (.colpkg) keeps their progress: each card's reviews
(as Anki's FSRS reads them, ``tutor.imports.anki_history``) are stored as the learner's
reviews, marked ``anki``, and the card's memory is what FSRS makes of its whole history,
the bot's reviews of it included. An .apkg is a shared deck: like Anki's default import,
its cards start new, whoever's reviews it carries.

Three steps, so that the event loop never waits for the CPU work: `plan` reads what is
stored (a read-only unit), ``tutor.domain.memorymodel:replay_all`` recomputes the touched items'
memories in the worker, and `carry` writes. Sending the same file again adds nothing: a
review already stored (same item, same moment) is not stored twice. A review the learner
makes in between is never lost: a memory is written only while the item still holds the
reviews it was computed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.memorymodel import PastReview
from tutor.domain.scheduling import Memory, check_utc, start_of_local_day
from tutor.imports import ParsedDeck

SOURCE = "anki"  # the review log's source for a review brought from Anki


def carries_progress(file_name: str) -> bool:
    """Whether a file's review history becomes the sender's: a whole collection's does."""
    return file_name.casefold().endswith(".colpkg")


@dataclass(frozen=True)
class Plan:
    """What a file's history adds, and what the worker must replay.

    Attributes:
        new: The file's reviews not stored yet, with their durations.
        histories: Every review of the items ``new`` touches, stored ones included, in the
            form the replay takes.
        expected: Each touched item's review count now (0: never reviewed), which its new
            memory is written against.
    """

    new: list[tuple[PastReview, int]] = field(default_factory=list)
    histories: list[PastReview] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)


def plan(session: Session, *, learner_id: int, deck_number: int, parsed: ParsedDeck) -> Plan:
    """The file's reviews of its items that the learner's log does not hold yet (a
    read-only unit: run it with ``Database.run_long``)."""
    if not parsed.history:
        return Plan()
    by_key = {
        row.key: row.item_id
        for row in store.owndecks.all_items(session, deck_id=deck_number)
        if row.active
    }
    wanted = {by_key[key] for key in parsed.history if key in by_key}
    stored = store.progress.learner_reviews(session, learner_id=learner_id, item_ids=wanted)
    seen = {(item_id, when) for item_id, when, *_ in stored}
    new = [
        (PastReview(by_key[key], review.reviewed_at, review.rating), review.duration_ms)
        for key, reviews in parsed.history.items()
        if key in by_key
        for review in reviews
        if (by_key[key], review.reviewed_at) not in seen
    ]
    touched = {review.item_id for review, _ in new}
    histories = [
        PastReview(item_id, when, rating)
        for item_id, when, rating, *_ in stored
        if item_id in touched
    ] + [review for review, _ in new]
    reps = store.progress.review_counts(session, learner_id=learner_id, item_ids=touched)
    return Plan(new, histories, {item_id: reps.get(item_id, 0) for item_id in touched})


@dataclass(frozen=True)
class Carried:
    """What a file's history brought: reviews stored, and of the items they touch, how
    many are due by the end of the learner's day."""

    reviews: int = 0
    items: int = 0
    due_today: int = 0


def carry(
    session: Session,
    *,
    learner_id: int,
    plan: Plan,
    memories: Mapping[str, Memory],
    now: datetime,
    zone: str,
) -> Carried:
    """Store the planned reviews as the learner's, and the memories their histories give
    (``memories``, from the worker), each only while the item holds as many reviews as
    when planned."""
    check_utc(now)
    if not plan.new:
        return Carried()
    store.progress.add_reviews(
        session,
        learner_id=learner_id,
        reviews=[
            (review.item_id, review.reviewed_at, review.rating, duration)
            for review, duration in plan.new
        ],
        source=SOURCE,
    )
    fresh = {item: memories[item] for item, reps in plan.expected.items() if reps == 0}
    seen = {item: memories[item] for item, reps in plan.expected.items() if reps > 0}
    store.progress.add_memories(session, learner_id=learner_id, memories=fresh)
    store.fits.rewrite_memories(
        session, learner_id=learner_id, memories=seen, expected=plan.expected
    )
    session.commit()
    day_end = start_of_local_day(now, zone) + timedelta(days=1)
    return Carried(
        reviews=len(plan.new),
        items=len(plan.expected),
        due_today=sum(1 for memory in memories.values() if memory.due < day_end),
    )
