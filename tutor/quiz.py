"""Private quiz rounds: five multiple-choice questions, each answer a review of its question."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.content import ItemKind, Library, QuizQuestion, quiz_question
from tutor.scheduling import Rating
from tutor.store import QuizRound
from tutor.store import practice as queries
from tutor.study import Outcome, practice_order, record_rating, start_learner

ROUND_SIZE = 5


@dataclass(frozen=True)
class QuestionToShow:
    """One question of a round, its options in the order this showing uses.

    ``order[k]`` is the deck's index of the option shown in position ``k``; the button of
    position ``k`` carries ``order[k]``, so the answer needs no memory of the shuffle.
    """

    round_id: int
    index: int
    total: int
    question: QuizQuestion
    deck_title: str
    order: tuple[int, ...]

    @property
    def shown_options(self) -> list[str]:
        return [self.question.options[k].text for k in self.order]


class AnswerOutcome(enum.Enum):
    """What became of a press on an option."""

    RECORDED = "recorded"
    ALREADY_ANSWERED = "already_answered"
    ROUND_OVER = "round_over"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class AnswerResult:
    """The verdict on one answer, and what comes next."""

    outcome: AnswerOutcome
    question: QuizQuestion | None = None
    chosen: int = 0
    correct: bool = False
    score: int = 0
    total: int = 0
    next_question: QuestionToShow | None = None

    @property
    def finished(self) -> bool:
        return self.outcome is AnswerOutcome.RECORDED and self.next_question is None


def shuffle_options(question: QuizQuestion, rng: random.Random) -> tuple[int, ...]:
    """A fresh order of the question's options."""
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return tuple(order)


def question_at(library: Library, round_: QuizRound, index: int) -> QuizQuestion | None:
    """Question ``index`` of a round; a generated one is the same instance every time it is
    asked for (its seed is the round's and the position's), so its answer can be graded."""
    item_id = round_.item_ids[index]
    seed = f"{item_id}:{round_.id}:{index}:{round_.started_at.isoformat()}"
    return quiz_question(library.items.get(item_id), seed=seed, now=round_.started_at)


def _show(
    library: Library, round_: QuizRound, index: int, rng: random.Random
) -> QuestionToShow | None:
    question = question_at(library, round_, index)
    if question is None:
        return None
    assert round_.id is not None
    return QuestionToShow(
        round_id=round_.id,
        index=index,
        total=len(round_.item_ids),
        question=question,
        deck_title=library.decks[library.deck_of[question.id]].title,
        order=shuffle_options(question, rng),
    )


def start_round(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    now: datetime,
    rng: random.Random,
    size: int = ROUND_SIZE,
) -> QuestionToShow | None:
    """Start a new round from the learner's decks (due questions first) and commit.

    The learner is created on first contact. Starting a round ends the previous one: its
    buttons are answered as over.

    Returns:
        The round's first question, or None when the learner's decks have no questions.
    """
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    order = practice_order(session, library=library, learner=learner, kind=ItemKind.QUIZ, now=now)
    if not order:
        return None
    round_ = queries.add_round(
        session, learner_id=learner.id, item_ids=order[:size], started_at=now
    )
    assert round_.id is not None
    # Older rounds go only after the new one has its id: SQLite would hand a deleted
    # round's id to the next one, and the old round's buttons would work on the new.
    queries.delete_rounds_before(session, learner_id=learner.id, round_id=round_.id)
    session.commit()
    return _show(library, round_, 0, rng)


def answer_question(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    round_id: int,
    index: int,
    chosen: int,
    now: datetime,
    rng: random.Random,
    shown_at: datetime | None = None,
) -> AnswerResult:
    """Grade the option ``chosen`` (the deck's index) for question ``index`` of a round.

    The round advances with a compare-and-set on its answer count, in the same
    transaction as the review (right → Good, wrong → Again), so a double tap or an old
    message's button changes nothing.
    """
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    round_ = queries.get_round(session, round_id=round_id)
    if round_ is None or round_.learner_id != learner.id:
        # A vanished round was replaced by a newer one; otherwise the data is foreign.
        replaced = queries.latest_round_id(session, learner_id=learner.id) is not None
        return AnswerResult(AnswerOutcome.ROUND_OVER if replaced else AnswerOutcome.UNKNOWN)
    if index >= len(round_.item_ids):
        return AnswerResult(AnswerOutcome.UNKNOWN)
    if round_.answered != index:
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    question = question_at(library, round_, index)
    if question is None or not 0 <= chosen < len(question.options):
        return AnswerResult(AnswerOutcome.UNKNOWN)
    correct = question.options[chosen].correct
    # The round was read at this answer count, and every write to it moves the count on:
    # if the compare-and-set wins, the score it had is the one read.
    score = round_.correct + int(correct)
    if not queries.advance_round(session, round_id=round_id, index=index, correct=correct):
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    memory = store.load_memory(session, learner_id=learner.id, item_id=question.id)
    recorded = record_rating(
        session,
        library=library,
        learner=learner,
        item=question,
        version=memory.reps if memory is not None else 0,
        rating=Rating.GOOD if correct else Rating.AGAIN,
        now=now,
        shown_at=shown_at,
        source="quiz",
        drawn_with=memory,
    )
    if recorded.outcome is not Outcome.RECORDED:
        # Another review of this question slipped in between; the press can be retried.
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    following = None
    if index + 1 < len(round_.item_ids):
        following = _show(library, round_, index + 1, rng)
    return AnswerResult(
        AnswerOutcome.RECORDED,
        question=question,
        chosen=chosen,
        correct=correct,
        score=score,
        total=len(round_.item_ids),
        next_question=following,
    )
