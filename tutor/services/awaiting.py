"""What the learner's next private message answers: the one place that knows every question
left open (an explain prompt, one asked for homework, a deck's new name, a deck's new file)
and which comes first.

Two tables hold them (``PendingExplain``, ``DeckAction``); nothing else reads them to
decide where a message goes, and /cancel clears both here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.scheduling import check_utc
from tutor.services.owndecks import is_fresh


@dataclass(frozen=True)
class ExplainAnswer:
    """An explain prompt (``item_id``) waits for the learner's answer in text."""

    item_id: str
    asked_at: datetime


@dataclass(frozen=True)
class HomeworkExplainAnswer:
    """An explain prompt of homework ``homework_id`` (its item at ``position``) waits for
    the learner's answer in text."""

    homework_id: int
    item_id: str
    asked_at: datetime


@dataclass(frozen=True)
class DeckRename:
    """The learner's next text is the new name of their deck ``deck_number``."""

    deck_number: int
    asked_at: datetime


@dataclass(frozen=True)
class DeckReplace:
    """The learner's next file replaces their deck ``deck_number``."""

    deck_number: int
    asked_at: datetime


@dataclass(frozen=True)
class FileToConfirm:
    """A file sent for the learner's deck ``deck_number`` waits for the button that
    replaces the deck with it."""

    deck_number: int
    asked_at: datetime


Awaiting = ExplainAnswer | HomeworkExplainAnswer | DeckRename | DeckReplace | FileToConfirm


def _open(session: Session, *, learner_id: int, now: datetime) -> list[Awaiting]:
    """Every question still open, the one the next text answers first.

    The order: a deck rename (asked in /decks in the last ACTION_VALID_FOR), then the
    explain prompt, then a deck replace or a file waiting for its confirm (a file answers
    those, never a text). A rename that expired, or that an explain prompt asked since
    replaced, is dropped here (not left waiting for the message after the answer).
    """
    action = store.deckactions.get_action(session, learner_id=learner_id)
    prompt = store.practice.get_pending(session, learner_id=learner_id)
    if action is not None and (
        not is_fresh(action.asked_at, now)
        or (action.action == "rename" and prompt is not None and prompt.asked_at > action.asked_at)
    ):
        store.deckactions.drop_action(session, learner_id=learner_id)
        action = None
    found: list[Awaiting] = []
    if action is not None and action.action == "rename":
        found.append(DeckRename(action.deck_id, action.asked_at))
    if prompt is not None and prompt.homework_id is not None:
        found.append(HomeworkExplainAnswer(prompt.homework_id, prompt.item_id, prompt.asked_at))
    elif prompt is not None:
        found.append(ExplainAnswer(prompt.item_id, prompt.asked_at))
    if action is not None and action.action == "replace":
        found.append(DeckReplace(action.deck_id, action.asked_at))
    if action is not None and action.action == "confirm":
        found.append(FileToConfirm(action.deck_id, action.asked_at))
    return found


def current(session: Session, *, learner_id: int, now: datetime) -> Awaiting | None:
    """``awaiting`` within a use-case that commits its session itself."""
    found = _open(session, learner_id=learner_id, now=now)
    return found[0] if found else None


def awaiting(session: Session, *, learner_id: int, now: datetime) -> Awaiting | None:
    """What the learner's next message answers, None when nothing waits; commits (a dead
    rename is dropped, see ``_open``).

    Args:
        session: The unit of work's session.
        learner_id: The learner (a Telegram user id).
        now: The current time (UTC-aware).

    Returns:
        The deck rename asked last, else the explain prompt, else the deck replace or the
        file waiting for its confirm; None when nothing is open.
    """
    check_utc(now)
    found = current(session, learner_id=learner_id, now=now)
    session.commit()
    return found


def cancel_awaiting(session: Session, *, learner_id: int, now: datetime) -> tuple[Awaiting, ...]:
    """/cancel: drop every open question (the explain prompt and the deck action) and
    commit; returns those that were still open, in ``awaiting``'s order (empty: nothing
    was)."""
    check_utc(now)
    found = _open(session, learner_id=learner_id, now=now)
    store.practice.delete_pending(session, learner_id=learner_id)
    store.deckactions.drop_action(session, learner_id=learner_id)
    session.commit()
    return tuple(found)
