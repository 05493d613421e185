"""Homework, done: a member opens it from its link and answers its items one at a time in
private (each answer also a review in their own schedule), stops and goes on at will;
``assignments`` lists what is assigned to them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import ExplainPrompt, QuizQuestion
from tutor.domain.grading import Grade, grade_explanation
from tutor.domain.homework import (
    HomeworkItem,
    is_right,
    restore,
)
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating, check_utc
from tutor.services.homework import assign_to
from tutor.services.libraries import library_with_items
from tutor.services.study import learner_zone as study_zone
from tutor.services.study import review_now, start_learner

# --- doing it -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """Where a member stands on a homework: the next item (None: all answered) at
    ``position``, out of ``total``, with how many they answered."""

    homework_id: int
    title: str
    chat_title: str
    due_at: datetime
    total: int
    answered: int
    position: int | None
    item: HomeworkItem | None
    late: bool

    @property
    def finished(self) -> bool:
        return self.item is None


def _step(session: Session, homework: store.Homework, learner_id: int, now: datetime) -> Step:
    assert homework.id is not None
    items = restore(homework.items)
    done = store.homework.answered_positions(
        session, homework_id=homework.id, learner_id=learner_id
    )
    position = next((p for p in range(len(items)) if p not in done), None)
    titles = store.homework.chat_titles(session, chat_ids=[homework.chat_id])
    return Step(
        homework_id=homework.id,
        title=homework.title,
        chat_title=titles.get(homework.chat_id, ""),
        due_at=homework.due_at,
        total=len(items),
        answered=len(done),
        position=position,
        item=None if position is None else items[position],
        late=now > homework.due_at,
    )


class Opened(enum.Enum):
    """Why a homework link gives no step."""

    UNKNOWN = "unknown"


def open_link(
    session: Session,
    *,
    code: str,
    learner_id: int,
    first_name: str,
    now: datetime,
    default_zone: str,
) -> Step | Opened:
    """A member opened a homework's Start link: they are on it (and in its class) from now
    on; their next step. The caller checked they are in the chat. Commits."""
    check_utc(now)
    homework = store.homework.homework_by_code(session, code=code)
    if homework is None or homework.id is None:
        return Opened.UNKNOWN
    start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    if store.homework.get_member(session, homework_id=homework.id, learner_id=learner_id) is None:
        store.homework.saw_members(
            session, chat_id=homework.chat_id, members=[(learner_id, first_name)], now=now
        )
        assign_to(
            session, homework.id, homework.due_at, now, {learner_id: first_name}, default_zone
        )
    store.homework.mark_started(session, homework_id=homework.id, learner_id=learner_id, now=now)
    step = _step(session, homework, learner_id, now)
    session.commit()
    return step


def chat_of_link(session: Session, *, code: str) -> int | None:
    """The chat a homework link belongs to (None: no such homework)."""
    homework = store.homework.homework_by_code(session, code=code)
    return None if homework is None else homework.chat_id


def current_step(
    session: Session, *, homework_id: int, learner_id: int, now: datetime
) -> Step | None:
    """The member's next step (None: the homework is not theirs, or gone)."""
    homework = store.homework.get_homework(session, homework_id=homework_id)
    if homework is None:
        return None
    if store.homework.get_member(session, homework_id=homework_id, learner_id=learner_id) is None:
        return None
    if store.homework.has_left(session, chat_id=homework.chat_id, user_id=learner_id):
        return None
    return _step(session, homework, learner_id, now)


class Outcome(enum.Enum):
    """What became of an answer."""

    RECORDED = "recorded"
    ALREADY = "already"
    GONE = "gone"
    # An explain answer the grader could not tell: the member's own rating is the answer.
    TO_RATE = "to_rate"


@dataclass(frozen=True)
class Answered:
    """An answer's outcome, whether it was right, and the member's next step."""

    outcome: Outcome
    right: bool = False
    item: HomeworkItem | None = None
    next: Step | None = None


@dataclass(frozen=True)
class _Reviewer:
    """Who answers and the library their review is made in, read before anything is
    written: making either may commit (a learner created) or ask for the unit to run again
    (an own deck not yet in this process's cache), and neither may come after an answer
    is stored, or a run again would find it stored and lose its review."""

    learner: store.Learner
    library: Library


def _reviewer(
    session: Session,
    *,
    library: Library,
    homework: store.Homework,
    learner_id: int,
    first_name: str,
    now: datetime,
) -> _Reviewer:
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    ids = [entry["item"]["id"] for entry in homework.items]
    return _Reviewer(learner, library_with_items(session, library=library, item_ids=ids))


def _record(
    session: Session,
    *,
    reviewer: _Reviewer,
    homework: store.Homework,
    position: int,
    rating: Rating,
    chosen_option: int | None,
    now: datetime,
    shown_at: datetime | None,
) -> Answered:
    """Store a member's first answer to an item and review it in their own schedule (when
    the item still exists); nothing committed."""
    assert homework.id is not None
    learner_id = reviewer.learner.id
    items = restore(homework.items)
    if not 0 <= position < len(items):
        return Answered(Outcome.GONE)
    item = items[position]
    right = is_right(item, rating, chosen_option)
    saved = store.homework.save_answer(
        session,
        values={
            "homework_id": homework.id,
            "learner_id": learner_id,
            "position": position,
            "item_id": item.id,
            "rating": int(rating),
            "correct": right,
            "chosen_option": chosen_option,
            "answered_at": now,
            "late": now > homework.due_at,
        },
    )
    if not saved:
        return Answered(Outcome.ALREADY, item=item, next=_step(session, homework, learner_id, now))
    if item.id in reviewer.library.items:
        review_now(
            session,
            library=reviewer.library,
            learner=reviewer.learner,
            item=item.id,
            rating=rating,
            now=now,
            source="homework",
            shown_at=shown_at,
        )
    step = _step(session, homework, learner_id, now)
    if step.finished:
        store.homework.mark_finished(
            session, homework_id=homework.id, learner_id=learner_id, now=now
        )
    return Answered(Outcome.RECORDED, right, item, step)


def answer(
    session: Session,
    *,
    library: Library,
    homework_id: int,
    learner_id: int,
    first_name: str,
    position: int,
    rating: Rating | None = None,
    chosen_option: int | None = None,
    now: datetime,
    shown_at: datetime | None = None,
) -> Answered:
    """A member rated a card (``rating``) or chose a quiz option (``chosen_option``): stored
    once (a second press changes nothing), reviewed, and their next step; commits."""
    check_utc(now)
    homework = store.homework.get_homework(session, homework_id=homework_id)
    if (
        homework is None
        or current_step(session, homework_id=homework_id, learner_id=learner_id, now=now) is None
    ):
        return Answered(Outcome.GONE)
    items = restore(homework.items)
    if chosen_option is not None:
        if not 0 <= position < len(items):
            return Answered(Outcome.GONE)
        question = items[position]
        if not isinstance(question, QuizQuestion) or not 0 <= chosen_option < len(
            question.options
        ):
            return Answered(Outcome.GONE)
        rating = Rating.GOOD if question.options[chosen_option].correct else Rating.AGAIN
    assert rating is not None
    reviewer = _reviewer(
        session,
        library=library,
        homework=homework,
        learner_id=learner_id,
        first_name=first_name,
        now=now,
    )
    answered = _record(
        session,
        reviewer=reviewer,
        homework=homework,
        position=position,
        rating=rating,
        chosen_option=chosen_option,
        now=now,
        shown_at=shown_at,
    )
    session.commit()
    return answered


def ask_prompt(
    session: Session, *, homework_id: int, learner_id: int, position: int, now: datetime
) -> bool:
    """An explain item of a homework is shown: the member's next text answers it. Commits."""
    homework = store.homework.get_homework(session, homework_id=homework_id)
    if homework is None:
        return False
    items = restore(homework.items)
    if not 0 <= position < len(items) or not isinstance(items[position], ExplainPrompt):
        return False
    store.practice.set_pending(
        session,
        learner_id=learner_id,
        item_id=items[position].id,
        asked_at=now,
        homework_id=homework_id,
    )
    session.commit()
    return True


@dataclass(frozen=True)
class Explained:
    """An explain answer for a homework: its grade (None when the prompt was no longer
    waiting) and the member's step after it. Where the grader could not tell
    (``Grade.unsure``), nothing is stored yet: the member rates themselves (``answer``
    with a rating for the prompt's ``position``)."""

    answered: Answered
    grade: Grade | None = None
    prompt: ExplainPrompt | None = None
    position: int | None = None

    @property
    def rate_yourself(self) -> bool:
        return self.grade is not None and self.grade.unsure


def answer_prompt(
    session: Session,
    *,
    library: Library,
    homework_id: int,
    learner_id: int,
    first_name: str,
    text: str,
    now: datetime,
) -> Explained:
    """The member's text answers the homework's pending prompt: graded, stored, reviewed
    (the prompt is taken in the same transaction, so it is graded once); commits."""
    check_utc(now)
    pending = store.practice.get_pending(session, learner_id=learner_id)
    homework = store.homework.get_homework(session, homework_id=homework_id)
    if (
        pending is None
        or pending.homework_id != homework_id
        or homework is None
        or current_step(session, homework_id=homework_id, learner_id=learner_id, now=now) is None
    ):
        if pending is not None and pending.homework_id == homework_id:
            # Not theirs any more (they left the chat, say): the prompt no longer waits.
            store.practice.delete_pending(session, learner_id=learner_id)
        session.commit()
        return Explained(Answered(Outcome.GONE))
    reviewer = _reviewer(
        session,
        library=library,
        homework=homework,
        learner_id=learner_id,
        first_name=first_name,
        now=now,
    )
    items = restore(homework.items)
    position = next((p for p, item in enumerate(items) if item.id == pending.item_id), None)
    asked_at = pending.asked_at
    taken = store.practice.delete_pending(session, learner_id=learner_id, item_id=pending.item_id)
    prompt = None if position is None else items[position]
    if not taken or position is None or not isinstance(prompt, ExplainPrompt):
        session.commit()
        return Explained(Answered(Outcome.GONE))
    grade = grade_explanation(prompt, text, library.lexicon)
    if grade.unsure:
        session.commit()
        step = _step(session, homework, learner_id, now)
        answered = Answered(Outcome.TO_RATE, item=prompt, next=step)
        return Explained(answered, grade, prompt, position)
    answered = _record(
        session,
        reviewer=reviewer,
        homework=homework,
        position=position,
        rating=grade.rating,
        chosen_option=None,
        now=now,
        shown_at=asked_at,
    )
    session.commit()
    return Explained(answered, grade, prompt, position)


# --- what a member has to do ------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """One homework on a member's list."""

    homework_id: int
    title: str
    chat_title: str
    due_at: datetime
    total: int
    answered: int


def assignments(session: Session, *, learner_id: int, now: datetime) -> list[Assignment]:
    """/homework in private: what is assigned to the member and not finished, due first
    (past due ones too: they can still be done, late)."""
    check_utc(now)
    found = [
        (homework, member)
        for homework, member in store.homework.learner_homework(session, learner_id=learner_id)
        if member.finished_at is None
        and not store.homework.has_left(session, chat_id=homework.chat_id, user_id=learner_id)
    ]
    if not found:
        return []
    ids = [h.id for h, _ in found if h.id is not None]
    counts = store.homework.answer_counts(session, homework_ids=ids, learner_id=learner_id)
    titles = store.homework.chat_titles(session, chat_ids={h.chat_id for h, _ in found})
    return [
        Assignment(
            homework_id=h.id,
            title=h.title,
            chat_title=titles.get(h.chat_id, ""),
            due_at=h.due_at,
            total=len(h.items),
            answered=counts.get(h.id, 0),
        )
        for h, _ in found
        if h.id is not None
    ]


# --- small reads for the replies ------------------------------------------------------------


def learner_zone(session: Session, *, learner_id: int, default_zone: str) -> str:
    """The member's own time zone, that their list shows due dates in."""
    learner = store.learners.get_learner(session, learner_id=learner_id)
    return default_zone if learner is None else study_zone(learner, default_zone)


def right_answers(session: Session, *, homework_id: int, learner_id: int) -> int:
    """How many of the member's answers to the homework were right."""
    answers = store.homework.homework_answers(
        session, homework_id=homework_id, learner_id=learner_id
    )
    return sum(answer.correct for answer in answers)
