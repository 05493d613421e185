"""Group quiz sessions: questions as quiz polls one after another, votes, leaderboards.

A session lives in the database. Every step (the next question, the end) is taken with a
compare-and-set on the session's position, so the poll-closed update, the timer and a
second bot instance can all try to move it on and exactly one does.

A session's questions are drawn, and its closed polls reviewed, by the class's own memory
(``tutor.services.classmemory``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import Item, ItemKind, QuizQuestion, fits_poll, quiz_question
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating
from tutor.services import classmemory
from tutor.services.libraries import group_quiz_library, library_with_items
from tutor.services.study import review_now
from tutor.services.whichrun import RunTemplate
from tutor.store import QuizSession, SessionPoll
from tutor.store.classroom import Standing as Standing

NUMBER = re.compile(r"[0-9]{1,4}")
DEFAULT_QUESTIONS, QUESTIONS_RANGE = 5, (1, 20)
DEFAULT_SECONDS, SECONDS_RANGE = 30, (5, 600)


class UsageError(ValueError):
    """Arguments out of range; the message says what is allowed."""


def parse_session_args(args: list[str]) -> tuple[int, int]:
    """``/quiz [questions] [seconds]`` → (questions, seconds), checked against the ranges."""
    usage = (
        f"Usage: /quiz [questions {QUESTIONS_RANGE[0]}-{QUESTIONS_RANGE[1]}] "
        f"[seconds {SECONDS_RANGE[0]}-{SECONDS_RANGE[1]}], for example /quiz 5 30."
    )
    # ASCII digits only: str.isdigit also takes "²", which int() refuses.
    if len(args) > 2 or not all(NUMBER.fullmatch(arg) for arg in args):
        raise UsageError(usage)
    questions = int(args[0]) if args else DEFAULT_QUESTIONS
    seconds = int(args[1]) if len(args) > 1 else DEFAULT_SECONDS
    if not QUESTIONS_RANGE[0] <= questions <= QUESTIONS_RANGE[1]:
        raise UsageError(usage)
    if not SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]:
        raise UsageError(usage)
    return questions, seconds


def start_session(
    session: Session,
    *,
    library: Library,
    chat_id: int,
    questions: int,
    seconds: int,
    now: datetime,
    rng: random.Random,
    started_by: int | None = None,
    admins: Collection[int] = (),
) -> QuizSession | None:
    """Open a session of ``questions`` quiz questions from the decks the chat's admins
    chose (``tutor.services.libraries.group_quiz_library``), drawn by the class's memory (see
    ``draw_questions``), and commit.

    Args:
        started_by: The admin who gets the session's report (None: nobody to send it to).
        admins: Which of the own decks' offerers (``tutor.services.groupdecks.group_offerers``)
            are the chat's admins now: an own deck offered by anyone else is left out.

    Returns:
        The session, or None when one is already running in the chat.
    """
    library, decks = group_quiz_library(session, library=library, chat_id=chat_id, admins=admins)
    pool = [q.id for q in library.items_of_kind(ItemKind.QUIZ, decks) if _in_polls(q)]
    memories = store.classroom.class_memories(session, chat_id=chat_id)
    chosen = classmemory.draw_questions(pool, memories, questions, now=now, rng=rng)
    started = store.classroom.insert_session(
        session,
        chat_id=chat_id,
        item_ids=chosen,
        seconds=seconds,
        started_by=started_by,
        now=now,
    )
    session.commit()
    return started


def running_session(session: Session, *, chat_id: int) -> QuizSession | None:
    """The chat's running session, if any."""
    return store.classroom.running_session(session, chat_id=chat_id)


@dataclass(frozen=True)
class PollToSend:
    """The next question of a session, with its options in the order to send."""

    session_id: int
    chat_id: int
    position: int
    total: int
    seconds: int
    question: QuizQuestion
    order: tuple[int, ...]

    @property
    def options(self) -> list[str]:
        return [self.question.options[k].text for k in self.order]

    @property
    def correct_option(self) -> int:
        return self.order.index(self.question.correct_index)


@dataclass(frozen=True)
class SessionOver:
    """A finished session and its leaderboard, best first."""

    session_id: int
    chat_id: int
    total: int
    standings: tuple[Standing, ...]


def advance(
    session: Session,
    *,
    library: Library,
    session_id: int,
    from_position: int,
    now: datetime,
    rng: random.Random,
) -> PollToSend | SessionOver | None:
    """Move a session on from ``from_position``: its next question, or its end; commits.

    Returns:
        What to send, or None when another caller moved it on already.
    """
    quiz_session = store.classroom.get_session(session, session_id=session_id)
    if quiz_session is None or quiz_session.finished_at is not None:
        return None
    # Own decks' questions are found as their decks are now (a deleted one's are skipped).
    library = library_with_items(session, library=library, item_ids=quiz_session.item_ids)
    following = from_position + 1
    while following < len(quiz_session.item_ids) and not _is_quiz(
        library, quiz_session.item_ids[following]
    ):
        following += 1  # a question removed from the decks since the session started
    finishing = following >= len(quiz_session.item_ids)
    moved = store.classroom.move_session(
        session,
        session_id=session_id,
        from_position=from_position,
        to_position=following,
        finished_at=now if finishing else None,
    )
    over = _session_over(session, quiz_session) if moved and finishing else None
    session.commit()
    if not moved:
        return None
    if over is not None:
        return over
    # A generated item gets its instance now: the poll carries it and its correct option.
    item_id = quiz_session.item_ids[following]
    seed = f"{item_id}:{session_id}:{following}:{now.isoformat()}"
    question = quiz_question(library.items.get(item_id), seed=seed, now=now)
    assert question is not None
    order = list(range(len(question.options)))
    rng.shuffle(order)
    return PollToSend(
        session_id=session_id,
        chat_id=quiz_session.chat_id,
        position=following,
        total=len(quiz_session.item_ids),
        seconds=quiz_session.seconds,
        question=question,
        order=tuple(order),
    )


def _is_quiz(library: Library, item_id: str) -> bool:
    item = library.items.get(item_id)
    return item is not None and item.kind is ItemKind.QUIZ and _in_polls(item)


def _in_polls(item: Item) -> bool:
    """Whether a quiz item can be a group poll: not the questions on a plot of fresh runs
    ("which run is this?"), which need a training run and a photo before the poll, nor an
    own deck's question longer than a poll allows (``fits_poll``)."""
    if isinstance(item, QuizQuestion):
        return fits_poll(item)
    return not isinstance(item, RunTemplate)


def stop_session(
    session: Session, *, chat_id: int, now: datetime
) -> tuple[SessionOver, list[SessionPoll]] | None:
    """End the chat's running session now; returns its leaderboard and its open polls."""
    running = store.classroom.running_session(session, chat_id=chat_id)
    if running is None or running.id is None:
        session.commit()
        return None
    if not store.classroom.finish_session(session, session_id=running.id, now=now):
        session.commit()
        return None
    polls = store.classroom.open_polls(session, session_id=running.id)
    store.classroom.close_polls(session, poll_ids=[p.poll_id for p in polls])
    for poll in polls:
        classmemory.review_by_class(session, poll=poll, now=now)
    over = _session_over(session, running)
    session.commit()
    return over, polls


def record_poll(
    session: Session, *, to_send: PollToSend, poll_id: str, message_id: int, now: datetime
) -> SessionPoll:
    """Remember a poll the bot sent for a session; commits."""
    poll = SessionPoll(
        poll_id=poll_id,
        session_id=to_send.session_id,
        chat_id=to_send.chat_id,
        position=to_send.position,
        item_id=to_send.question.id,
        correct_option=to_send.correct_option,
        message_id=message_id,
        opened_at=now,
        closes_at=now + timedelta(seconds=to_send.seconds),
        question=to_send.question.question,
        options=[option.text for option in to_send.question.options],
        option_order=list(to_send.order),
    )
    store.classroom.add_poll(session, poll=poll)
    session.commit()
    return poll


def poll_known(session: Session, *, poll_id: str) -> bool:
    """Whether the poll is one the bot sent for a session (its row is stored)."""
    known = store.classroom.get_poll(session, poll_id=poll_id) is not None
    session.commit()
    return known


def poll_closed(session: Session, *, poll_id: str, now: datetime) -> SessionPoll | None:
    """Mark a session poll closed and review its question in the class's memory; returns
    the poll if this call closed it (None: unknown or done). Commits."""
    closed = store.classroom.close_polls(session, poll_ids=[poll_id]) == 1
    poll = store.classroom.get_poll(session, poll_id=poll_id) if closed else None
    if poll is not None:
        classmemory.review_by_class(session, poll=poll, now=now)
    session.commit()
    return poll


@dataclass(frozen=True)
class ResumePlan:
    """A running session found at start-up, and the poll of its current question."""

    session_id: int
    position: int
    poll: SessionPoll | None


def resume_plans(session: Session) -> list[ResumePlan]:
    """Every unfinished session (to pick up after a restart) with its current poll."""
    plans = []
    for quiz_session in store.classroom.all_running(session):
        assert quiz_session.id is not None
        poll = store.classroom.poll_at(
            session, session_id=quiz_session.id, position=quiz_session.position
        )
        plans.append(ResumePlan(quiz_session.id, quiz_session.position, poll))
    session.commit()
    return plans


def record_vote(
    session: Session,
    *,
    library: Library,
    poll_id: str,
    user_id: int,
    first_name: str,
    option_ids: list[int],
    now: datetime,
) -> bool | None:
    """Count a member's answer and review the question in their own schedule; commits.

    Returns:
        Whether the answer was right, or None when it does not count (unknown or closed
        poll, a retracted or repeated vote).
    """
    poll = store.classroom.get_poll(session, poll_id=poll_id)
    if (
        poll is None
        or poll.closed
        or not option_ids
        or now > poll.closes_at + timedelta(seconds=2)
    ):
        session.commit()
        return None
    learner = store.learners.ensure_learner(
        session, learner_id=user_id, first_name=first_name, now=now
    )
    # The question counts in the member's schedule even if its own deck is not one of theirs.
    library = library_with_items(session, library=library, item_ids=[poll.item_id])
    correct = option_ids[0] == poll.correct_option
    order = poll.option_order
    chosen = (
        order[option_ids[0]] if order is not None and 0 <= option_ids[0] < len(order) else None
    )
    elapsed = max(0, int((now - poll.opened_at).total_seconds() * 1000))
    counted = store.classroom.insert_vote(
        session,
        poll=poll,
        learner_id=user_id,
        first_name=first_name,
        correct=correct,
        chosen_option=chosen,
        elapsed_ms=elapsed,
        now=now,
    )
    if not counted:
        session.commit()
        return None
    # The question may have left the decks, or another review of it by this member got
    # there first: the vote still counts either way (a lost race wrote nothing), and the
    # commit stores it with the review when there is one.
    review_now(
        session,
        library=library,
        learner=learner,
        item=poll.item_id,
        rating=Rating.GOOD if correct else Rating.AGAIN,
        now=now,
        source="group",
    )
    session.commit()
    return correct


def _sorted(standings: list[Standing]) -> tuple[Standing, ...]:
    return tuple(sorted(standings, key=lambda s: (-s.score, s.time_ms, s.name)))


def _session_over(session: Session, quiz_session: QuizSession) -> SessionOver:
    assert quiz_session.id is not None
    return SessionOver(
        session_id=quiz_session.id,
        chat_id=quiz_session.chat_id,
        total=len(quiz_session.item_ids),
        standings=_sorted(
            store.classroom.vote_totals(
                session, session_id=quiz_session.id, chat_id=quiz_session.chat_id
            )
        ),
    )


def chat_standings(session: Session, *, chat_id: int) -> tuple[Standing, ...]:
    """The chat's standings over all its sessions, best first."""
    standings = _sorted(store.classroom.vote_totals(session, chat_id=chat_id))
    session.commit()
    return standings
