"""Explain-it prompts: ask one, wait for the learner's own words, grade them as a review,
and let the learner change that review's rating once (they have the last word)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import ExplainPrompt, ItemKind
from tutor.domain.grading import Grade, grade_explanation
from tutor.domain.library import Library
from tutor.domain.scheduling import Memory, Rating, schedule_review
from tutor.services.libraries import learner_library
from tutor.services.study import practice_order, review_now, start_learner


@dataclass(frozen=True)
class PromptToShow:
    """The prompt the learner is asked, with its deck's title."""

    prompt: ExplainPrompt
    deck_title: str


def ask(
    session: Session, *, library: Library, learner_id: int, first_name: str, now: datetime
) -> PromptToShow | None:
    """Pick the learner's next prompt (due first), remember it as pending, and commit.

    The learner is created on first contact.

    Returns:
        The prompt, or None when the learner's decks have no explain prompts.
    """
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    library = learner_library(session, library=library, learner_id=learner_id)
    order = practice_order(
        session, library=library, learner=learner, kind=ItemKind.EXPLAIN, now=now
    )
    if not order:
        return None
    prompt = library.items[order[0]]
    assert isinstance(prompt, ExplainPrompt)
    store.practice.set_pending(session, learner_id=learner.id, item_id=prompt.id, asked_at=now)
    session.commit()
    return PromptToShow(prompt=prompt, deck_title=library.deck_title(prompt.id))


def pending_prompt(session: Session, *, library: Library, learner_id: int) -> ExplainPrompt | None:
    """The prompt waiting for this learner's answer, if any (``library``: theirs)."""
    pending = store.practice.get_pending(session, learner_id=learner_id)
    if pending is None:
        return None
    prompt = library.items.get(pending.item_id)
    return prompt if isinstance(prompt, ExplainPrompt) else None


@dataclass(frozen=True)
class ExplainResult:
    """The grade of an answer to a prompt, recorded as review ``review_id`` with the
    grade's rating; the prompt is due again at ``due``."""

    prompt: ExplainPrompt
    grade: Grade
    review_id: int
    due: datetime

    @property
    def rating(self) -> Rating:
        """The suggested rating, recorded as the review."""
        return self.grade.rating


@dataclass(frozen=True)
class Reply:
    """What became of a message: whether a prompt was waiting, and its grade if the
    message answered it."""

    pending: bool
    result: ExplainResult | None = None


def reply(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    answer: str | None,
    now: datetime,
) -> Reply:
    """A message from the learner: the answer to the pending prompt, if one waits and the
    message has text (``answer``); graded and recorded as a review (see ``submit``)."""
    library = learner_library(session, library=library, learner_id=learner_id)
    if pending_prompt(session, library=library, learner_id=learner_id) is None:
        return Reply(pending=False)
    if answer is None:
        return Reply(pending=True)
    start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    return Reply(
        pending=True,
        result=_submit(session, library=library, learner_id=learner_id, answer=answer, now=now),
    )


def submit(
    session: Session, *, library: Library, learner_id: int, answer: str, now: datetime
) -> ExplainResult | None:
    """Grade ``answer`` against the pending prompt, record it as a review, and commit.

    The pending prompt is removed in the same transaction as the review, so one prompt is
    graded once even if two messages arrive together. The review is kept changeable (see
    ``change_rating``) with the prompt's memory before it, in the same transaction.

    Returns:
        The result, or None when no prompt was waiting.
    """
    library = learner_library(session, library=library, learner_id=learner_id)
    return _submit(session, library=library, learner_id=learner_id, answer=answer, now=now)


def _submit(
    session: Session, *, library: Library, learner_id: int, answer: str, now: datetime
) -> ExplainResult | None:
    """``submit`` in the learner's own library."""
    learner = store.learners.get_learner(session, learner_id=learner_id)
    pending = store.practice.get_pending(session, learner_id=learner_id)
    if pending is None or learner is None:
        return None
    prompt = library.items.get(pending.item_id)
    asked_at = pending.asked_at
    taken = store.practice.delete_pending(session, learner_id=learner_id, item_id=pending.item_id)
    if not taken or not isinstance(prompt, ExplainPrompt):
        session.commit()
        return None
    grade = grade_explanation(prompt, answer, library.lexicon)
    rated = review_now(
        session,
        library=library,
        learner=learner,
        item=prompt,
        rating=grade.rating,
        now=now,
        shown_at=asked_at,
        source="explain",
    )
    if rated.review_id is None or rated.memory is None:
        # Another review of the prompt got there first; the taken prompt stays taken.
        session.commit()
        return None
    review_id = rated.review_id
    store.rerating.keep_changeable(
        session,
        learner_id=learner_id,
        item_id=prompt.id,
        review_id=review_id,
        suggested=int(grade.rating),
        reviewed_at=now,
        before=rated.before,
    )
    session.commit()
    return ExplainResult(prompt=prompt, grade=grade, review_id=review_id, due=rated.memory.due)


class Change(enum.Enum):
    """What became of a tap on a rating under a graded answer."""

    CHANGED = "changed"
    KEPT = "kept"  # the suggested rating: nothing to change
    ALREADY_CHANGED = "already_changed"
    STALE = "stale"  # no longer the prompt's latest review (or the learner is gone)


@dataclass(frozen=True)
class Rerated:
    """The outcome of a tap; with the review's rating and the prompt's next due time when
    it was changed or kept."""

    outcome: Change
    rating: Rating | None = None
    due: datetime | None = None


def change_rating(session: Session, *, learner_id: int, review_id: int, rating: Rating) -> Rerated:
    """The learner's last word: give explain review ``review_id`` the rating ``rating``
    instead of the suggested one, once, and commit.

    The same review is changed (its log line gets the new rating), not a second one
    added: the prompt's memory is scheduled again from the memory it had before that
    review, at that review's time. Only the prompt's latest review can be changed, and
    only once; the suggested rating is kept as it is. A compare-and-set on the changeable
    review makes a double tap, or two instances, change it once.
    """
    changeable = store.rerating.get_changeable(session, learner_id=learner_id, review_id=review_id)
    learner = store.learners.get_learner(session, learner_id=learner_id)
    if changeable is None or learner is None:
        return Rerated(Change.STALE)
    item_id = changeable.item_id
    if changeable.changed:
        return Rerated(Change.ALREADY_CHANGED)
    before: Memory | None = store.rerating.memory_before(session, changeable=changeable)
    current = store.reviews.load_memory(session, learner_id=learner_id, item_id=item_id)
    if current is None or current.reps != (before.reps if before is not None else 0) + 1:
        return Rerated(Change.STALE)
    if int(rating) == changeable.suggested:
        return Rerated(Change.KEPT, rating=rating, due=current.due)
    after = schedule_review(
        before,
        rating,
        changeable.reviewed_at,
        desired_retention=learner.desired_retention,
        parameters=learner.fsrs_parameters,
    )
    if not store.rerating.claim_change(
        session, learner_id=learner_id, item_id=item_id, review_id=review_id
    ):
        # A double tap or another instance changed it, or a later review replaced it.
        found = store.rerating.get_changeable(session, learner_id=learner_id, review_id=review_id)
        return Rerated(Change.STALE if found is None else Change.ALREADY_CHANGED)
    replaced = store.rerating.replace_review(
        session,
        learner_id=learner_id,
        item_id=item_id,
        review_id=review_id,
        after=after,
        rating=int(rating),
    )
    # When the prompt's memory moved on meanwhile, nothing but the claim was written: the
    # review is out of date, and its buttons stay spent.
    session.commit()
    if not replaced:
        return Rerated(Change.STALE)
    return Rerated(Change.CHANGED, rating=rating, due=after.due)
