"""Explain-it prompts: ask one, wait for the learner's own words, grade them as a review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.content import ExplainPrompt, ItemKind, Library
from tutor.grading import Grade, grade_explanation
from tutor.store import practice as queries
from tutor.study import Outcome, practice_order, record_rating, start_learner


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
    order = practice_order(
        session, library=library, learner=learner, kind=ItemKind.EXPLAIN, now=now
    )
    if not order:
        return None
    prompt = library.items[order[0]]
    assert isinstance(prompt, ExplainPrompt)
    queries.set_pending(session, learner_id=learner.id, item_id=prompt.id, asked_at=now)
    session.commit()
    return PromptToShow(prompt=prompt, deck_title=library.decks[library.deck_of[prompt.id]].title)


def pending_prompt(session: Session, *, library: Library, learner_id: int) -> ExplainPrompt | None:
    """The prompt waiting for this learner's answer, if any."""
    pending = queries.get_pending(session, learner_id=learner_id)
    if pending is None:
        return None
    prompt = library.items.get(pending.item_id)
    return prompt if isinstance(prompt, ExplainPrompt) else None


def cancel(session: Session, *, learner_id: int) -> bool:
    """Drop the pending prompt and commit; False if there was none."""
    dropped = queries.delete_pending(session, learner_id=learner_id)
    session.commit()
    return dropped


@dataclass(frozen=True)
class ExplainResult:
    """The grade of an answer to a prompt."""

    prompt: ExplainPrompt
    grade: Grade


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
    if pending_prompt(session, library=library, learner_id=learner_id) is None:
        return Reply(pending=False)
    if answer is None:
        return Reply(pending=True)
    start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    return Reply(
        pending=True,
        result=submit(session, library=library, learner_id=learner_id, answer=answer, now=now),
    )


def submit(
    session: Session, *, library: Library, learner_id: int, answer: str, now: datetime
) -> ExplainResult | None:
    """Grade ``answer`` against the pending prompt, record it as a review, and commit.

    The pending prompt is removed in the same transaction as the review, so one prompt is
    graded once even if two messages arrive together.

    Returns:
        The result, or None when no prompt was waiting.
    """
    learner = store.get_learner(session, learner_id=learner_id)
    pending = queries.get_pending(session, learner_id=learner_id)
    if pending is None or learner is None:
        return None
    prompt = library.items.get(pending.item_id)
    asked_at = pending.asked_at
    taken = queries.delete_pending(session, learner_id=learner_id, item_id=pending.item_id)
    if not taken or not isinstance(prompt, ExplainPrompt):
        session.commit()
        return None
    grade = grade_explanation(prompt, answer)
    memory = store.load_memory(session, learner_id=learner_id, item_id=prompt.id)
    recorded = record_rating(
        session,
        library=library,
        learner=learner,
        item=prompt,
        version=memory.reps if memory is not None else 0,
        rating=grade.rating,
        now=now,
        shown_at=asked_at,
        source="explain",
        drawn_with=memory,
    )
    if recorded.outcome is not Outcome.RECORDED:
        return None
    return ExplainResult(prompt=prompt, grade=grade)
