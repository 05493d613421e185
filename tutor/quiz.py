"""Private quiz rounds: five multiple-choice questions, each answer a review of its question."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tutor.content import ItemKind, Library, QuizQuestion
from tutor.scheduling import Rating
from tutor.store import ItemState, Learner, QuizRound
from tutor.study import Outcome, practice_order, record_rating

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


def _show(
    library: Library, round_: QuizRound, index: int, rng: random.Random
) -> QuestionToShow | None:
    question = library.items.get(round_.item_ids[index])
    if not isinstance(question, QuizQuestion):
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


async def start_round(
    *,
    session: AsyncSession,
    library: Library,
    learner: Learner,
    now: datetime,
    rng: random.Random,
    size: int = ROUND_SIZE,
) -> QuestionToShow | None:
    """Start a new round from the learner's decks (due questions first) and commit.

    Starting a round ends the previous one: its buttons are answered as over.

    Returns:
        The round's first question, or None when the learner's decks have no questions.
    """
    order = await session.run_sync(
        practice_order, library=library, learner=learner, kind=ItemKind.QUIZ, now=now
    )
    if not order:
        return None
    chosen = order[:size]
    round_ = QuizRound(learner_id=learner.id, item_ids=chosen, started_at=now)
    session.add(round_)
    await session.flush()
    # Older rounds go only after the new one has its id: SQLite would hand a deleted
    # round's id to the next one, and the old round's buttons would work on the new.
    await session.execute(
        delete(QuizRound).where(
            QuizRound.learner_id == learner.id,  # type: ignore[arg-type]
            QuizRound.id < round_.id,  # type: ignore[arg-type,operator]
        )
    )
    await session.commit()
    return _show(library, round_, 0, rng)


async def answer_question(
    *,
    session: AsyncSession,
    library: Library,
    learner: Learner,
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
    round_ = await session.get(QuizRound, round_id)
    if round_ is None or round_.learner_id != learner.id:
        latest = await session.execute(
            select(func.max(QuizRound.id)).where(QuizRound.learner_id == learner.id)  # type: ignore[arg-type]
        )
        # A vanished round was replaced by a newer one; otherwise the data is foreign.
        replaced = latest.scalar_one_or_none() is not None
        return AnswerResult(AnswerOutcome.ROUND_OVER if replaced else AnswerOutcome.UNKNOWN)
    if index >= len(round_.item_ids):
        return AnswerResult(AnswerOutcome.UNKNOWN)
    if round_.answered != index:
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    question = library.items.get(round_.item_ids[index])
    if not isinstance(question, QuizQuestion) or not 0 <= chosen < len(question.options):
        return AnswerResult(AnswerOutcome.UNKNOWN)
    correct = question.options[chosen].correct
    advanced = await session.execute(
        update(QuizRound)
        .where(QuizRound.id == round_id, QuizRound.answered == index)  # type: ignore[arg-type]
        .values(answered=index + 1, correct=QuizRound.correct + int(correct))
    )
    if advanced.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    state = await session.get(ItemState, (learner.id, question.id))
    recorded = await session.run_sync(
        record_rating,
        library=library,
        learner=learner,
        item=question,
        version=state.reps if state is not None else 0,
        rating=Rating.GOOD if correct else Rating.AGAIN,
        now=now,
        shown_at=shown_at,
        source="quiz",
    )
    if recorded.outcome is not Outcome.RECORDED:
        # Another review of this question slipped in between; the press can be retried.
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    await session.refresh(round_)
    following = None
    if index + 1 < len(round_.item_ids):
        following = _show(library, round_, index + 1, rng)
    return AnswerResult(
        AnswerOutcome.RECORDED,
        question=question,
        chosen=chosen,
        correct=correct,
        score=round_.correct,
        total=len(round_.item_ids),
        next_question=following,
    )
