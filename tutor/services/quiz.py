"""Private quiz rounds: five multiple-choice questions, each answer a review of its question."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import ItemKind, QuizQuestion, quiz_question
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating
from tutor.services.libraries import learner_library
from tutor.services.study import Outcome, practice_order, review_now, start_learner
from tutor.services.whichrun import Instance, NotMade, RunTemplate
from tutor.store import QuizRound

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
    # The plot a question is asked about ("which run is this?"), sent as a photo.
    photo: bytes | None = None

    @property
    def shown_options(self) -> list[str]:
        return [self.question.options[k].text for k in self.order]


@dataclass(frozen=True)
class RunToMake:
    """A question of a round whose instance needs a training run first: the handler makes
    it in the demo pool (``RunTemplate.make_instance``), then shows it with ``show_made``."""

    round_id: int
    index: int
    total: int
    template: RunTemplate
    seed: str
    deck_title: str


class AnswerOutcome(enum.Enum):
    """What became of a press on an option."""

    RECORDED = "recorded"
    # The question's instance is not made yet (e.g. after a restart): make it, press again.
    NEEDS_RUN = "needs_run"
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
    next_question: QuestionToShow | RunToMake | None = None
    run: RunToMake | None = None
    deck_title: str = ""

    @property
    def finished(self) -> bool:
        return self.outcome is AnswerOutcome.RECORDED and self.next_question is None


def shuffle_options(question: QuizQuestion, rng: random.Random) -> tuple[int, ...]:
    """A fresh order of the question's options."""
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return tuple(order)


def _seed(round_: QuizRound, index: int) -> str:
    return f"{round_.item_ids[index]}:{round_.id}:{index}:{round_.started_at.isoformat()}"


def question_at(library: Library, round_: QuizRound, index: int) -> QuizQuestion | None:
    """Question ``index`` of a round; a generated one is the same instance every time it is
    asked for (its seed is the round's and the position's), so its answer can be graded.

    Raises:
        NotMade: a "which run" question whose run was not trained yet.
    """
    item_id = round_.item_ids[index]
    return quiz_question(
        library.items.get(item_id), seed=_seed(round_, index), now=round_.started_at
    )


def _run_to_make(library: Library, round_: QuizRound, index: int) -> RunToMake | None:
    """The run question ``index`` needs first, if its item is a run template."""
    item = library.items.get(round_.item_ids[index])
    if not isinstance(item, RunTemplate):
        return None
    assert round_.id is not None
    return RunToMake(
        round_id=round_.id,
        index=index,
        total=len(round_.item_ids),
        template=item,
        seed=_seed(round_, index),
        deck_title=library.deck_title(item.id),
    )


def show_made(run: RunToMake, instance: Instance) -> QuestionToShow:
    """A run question once its instance is made: the plot, options in their own order (their
    texts name curves and rates, so they are not lettered again)."""
    return QuestionToShow(
        round_id=run.round_id,
        index=run.index,
        total=run.total,
        question=instance.question,
        deck_title=run.deck_title,
        order=tuple(range(len(instance.question.options))),
        photo=instance.png,
    )


def _show(
    library: Library, round_: QuizRound, index: int, rng: random.Random
) -> QuestionToShow | RunToMake | None:
    run = _run_to_make(library, round_, index)
    if run is not None:
        return (
            show_made(run, run.template.instance(run.seed))
            if run.template.is_made(run.seed)
            else run
        )
    question = question_at(library, round_, index)
    if question is None:
        return None
    assert round_.id is not None
    return QuestionToShow(
        round_id=round_.id,
        index=index,
        total=len(round_.item_ids),
        question=question,
        deck_title=library.deck_title(question.id),
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
    with_runs: bool = True,
) -> QuestionToShow | RunToMake | None:
    """Start a new round from the learner's decks (due questions first) and commit.

    The learner is created on first contact. Starting a round ends the previous one: its
    buttons are answered as over.

    Returns:
        The round's first question (or the run it needs first), or None when the learner's
        decks have no questions. ``with_runs=False`` (no demo trainer) leaves out questions
        that need a training run.
    """
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    library = learner_library(session, library=library, learner_id=learner_id)
    order = practice_order(session, library=library, learner=learner, kind=ItemKind.QUIZ, now=now)
    if not with_runs:
        order = [i for i in order if not isinstance(library.items.get(i), RunTemplate)]
    if not order:
        return None
    round_ = store.practice.add_round(
        session, learner_id=learner.id, item_ids=order[:size], started_at=now
    )
    assert round_.id is not None
    # Older rounds go only after the new one has its id: SQLite would hand a deleted
    # round's id to the next one, and the old round's buttons would work on the new.
    store.practice.delete_rounds_before(session, learner_id=learner.id, round_id=round_.id)
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
    library = learner_library(session, library=library, learner_id=learner_id)
    round_ = store.practice.get_round(session, round_id=round_id)
    if round_ is None or round_.learner_id != learner.id:
        # A vanished round was replaced by a newer one; otherwise the data is foreign.
        replaced = store.practice.latest_round_id(session, learner_id=learner.id) is not None
        return AnswerResult(AnswerOutcome.ROUND_OVER if replaced else AnswerOutcome.UNKNOWN)
    if index >= len(round_.item_ids):
        return AnswerResult(AnswerOutcome.UNKNOWN)
    if round_.answered != index:
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    try:
        question = question_at(library, round_, index)
    except NotMade:
        return AnswerResult(AnswerOutcome.NEEDS_RUN, run=_run_to_make(library, round_, index))
    if question is None or not 0 <= chosen < len(question.options):
        return AnswerResult(AnswerOutcome.UNKNOWN)
    correct = question.options[chosen].correct
    # The round was read at this answer count, and every write to it moves the count on:
    # if the compare-and-set wins, the score it had is the one read.
    score = round_.correct + int(correct)
    if not store.practice.advance_round(session, round_id=round_id, index=index, correct=correct):
        return AnswerResult(AnswerOutcome.ALREADY_ANSWERED)
    recorded = review_now(
        session,
        library=library,
        learner=learner,
        item=question,
        rating=Rating.GOOD if correct else Rating.AGAIN,
        now=now,
        shown_at=shown_at,
        source="quiz",
    )
    session.commit()
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
        deck_title=library.deck_title(question.id),
    )
