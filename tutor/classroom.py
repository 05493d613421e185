"""Group quiz sessions: questions as quiz polls one after another, votes, leaderboards.

A session lives in the database. Every step (the next question, the end) is taken with a
compare-and-set on the session's position, so the poll-closed update, the timer and a
second bot instance can all try to move it on and exactly one does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Integer, Table, cast, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tutor import reminders, store
from tutor.content import ItemKind, Library, QuizQuestion
from tutor.scheduling import Rating
from tutor.store import GroupChat, ItemState, PollVote, QuizSession, SessionPoll
from tutor.store.dialects import insert_ignore
from tutor.study import Outcome, record_rating

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
    if len(args) > 2 or not all(arg.isdigit() for arg in args):
        raise UsageError(usage)
    questions = int(args[0]) if args else DEFAULT_QUESTIONS
    seconds = int(args[1]) if len(args) > 1 else DEFAULT_SECONDS
    if not QUESTIONS_RANGE[0] <= questions <= QUESTIONS_RANGE[1]:
        raise UsageError(usage)
    if not SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]:
        raise UsageError(usage)
    return questions, seconds


async def ensure_group(
    *, session: AsyncSession, chat_id: int, title: str, now: datetime
) -> GroupChat:
    """The group's row, created on first sight (title refreshed); commits."""
    group = await session.get(GroupChat, chat_id)
    if group is None:
        statement = (
            insert_ignore(session, GroupChat)
            .values(id=chat_id, title=title[:255], created_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        await session.execute(statement)
        group = await session.get(GroupChat, chat_id)
        assert group is not None
    elif group.title != title[:255] or not group.active:
        group.title, group.active = title[:255], True
        session.add(group)
    await session.commit()
    return group


async def start_session(
    *,
    session: AsyncSession,
    library: Library,
    chat_id: int,
    questions: int,
    seconds: int,
    now: datetime,
    rng: random.Random,
) -> QuizSession | None:
    """Open a session of ``questions`` random quiz questions and commit.

    Returns:
        The session, or None when one is already running in the chat.
    """
    pool = [q.id for q in library.items_of_kind(ItemKind.QUIZ)]
    chosen = rng.sample(pool, min(questions, len(pool)))
    quiz_session = QuizSession(chat_id=chat_id, item_ids=chosen, seconds=seconds, started_at=now)
    session.add(quiz_session)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    return quiz_session


async def running_session(*, session: AsyncSession, chat_id: int) -> QuizSession | None:
    result = await session.execute(
        select(QuizSession).where(
            QuizSession.chat_id == chat_id,  # type: ignore[arg-type]
            QuizSession.finished_at.is_(None),  # type: ignore[union-attr]
        )
    )
    return result.scalars().first()


async def all_running(*, session: AsyncSession) -> list[QuizSession]:
    """Every unfinished session (to pick up after a restart)."""
    result = await session.execute(
        select(QuizSession).where(QuizSession.finished_at.is_(None))  # type: ignore[union-attr]
    )
    return list(result.scalars().all())


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
class Standing:
    """One player's line on a leaderboard."""

    learner_id: int
    name: str
    score: int
    answered: int
    time_ms: int


@dataclass(frozen=True)
class SessionOver:
    """A finished session and its leaderboard, best first."""

    session_id: int
    chat_id: int
    total: int
    standings: tuple[Standing, ...]


async def advance(
    *,
    session: AsyncSession,
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
    quiz_session = await session.get(QuizSession, session_id)
    if quiz_session is None or quiz_session.finished_at is not None:
        return None
    following = from_position + 1
    while following < len(quiz_session.item_ids) and not isinstance(
        library.items.get(quiz_session.item_ids[following]), QuizQuestion
    ):
        following += 1  # a question removed from the decks since the session started
    values: dict[str, object] = {"position": following}
    if following >= len(quiz_session.item_ids):
        values["finished_at"] = now
    moved = await session.execute(
        update(QuizSession)
        .where(
            QuizSession.id == session_id,  # type: ignore[arg-type]
            QuizSession.position == from_position,  # type: ignore[arg-type]
            QuizSession.finished_at.is_(None),  # type: ignore[union-attr]
        )
        .values(**values)
    )
    await session.commit()
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        return None
    if "finished_at" in values:
        return await session_over(session=session, session_id=session_id)
    question = library.items[quiz_session.item_ids[following]]
    assert isinstance(question, QuizQuestion)
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


async def stop_session(
    *, session: AsyncSession, chat_id: int, now: datetime
) -> tuple[SessionOver, list[SessionPoll]] | None:
    """End the chat's running session now; returns its leaderboard and its open polls."""
    running = await running_session(session=session, chat_id=chat_id)
    if running is None or running.id is None:
        return None
    stopped = await session.execute(
        update(QuizSession)
        .where(QuizSession.id == running.id, QuizSession.finished_at.is_(None))  # type: ignore[arg-type,union-attr]
        .values(finished_at=now)
    )
    polls = await open_polls(session=session, session_id=running.id)
    await close_polls(session=session, poll_ids=[p.poll_id for p in polls])
    await session.commit()
    if stopped.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session_over(session=session, session_id=running.id), polls


async def open_polls(*, session: AsyncSession, session_id: int) -> list[SessionPoll]:
    result = await session.execute(
        select(SessionPoll).where(
            SessionPoll.session_id == session_id,  # type: ignore[arg-type]
            SessionPoll.closed.is_(False),  # type: ignore[attr-defined]
        )
    )
    return list(result.scalars().all())


async def close_polls(*, session: AsyncSession, poll_ids: list[str]) -> None:
    if poll_ids:
        await session.execute(
            update(SessionPoll)
            .where(SessionPoll.poll_id.in_(poll_ids))  # type: ignore[attr-defined]
            .values(closed=True)
        )


async def record_poll(
    *,
    session: AsyncSession,
    to_send: PollToSend,
    poll_id: str,
    message_id: int,
    now: datetime,
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
    )
    session.add(poll)
    await session.commit()
    return poll


async def poll_closed(*, session: AsyncSession, poll_id: str) -> SessionPoll | None:
    """Mark a session poll closed; returns it if this call closed it (None: unknown or done)."""
    closed = await session.execute(
        update(SessionPoll)
        .where(SessionPoll.poll_id == poll_id, SessionPoll.closed.is_(False))  # type: ignore[arg-type,attr-defined]
        .values(closed=True)
    )
    await session.commit()
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await session.get(SessionPoll, poll_id)


async def current_poll(*, session: AsyncSession, quiz_session: QuizSession) -> SessionPoll | None:
    result = await session.execute(
        select(SessionPoll).where(
            SessionPoll.session_id == quiz_session.id,  # type: ignore[arg-type]
            SessionPoll.position == quiz_session.position,  # type: ignore[arg-type]
        )
    )
    return result.scalars().first()


async def record_vote(
    *,
    session: AsyncSession,
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
    poll = await session.get(SessionPoll, poll_id)
    if (
        poll is None
        or poll.closed
        or not option_ids
        or now > poll.closes_at + timedelta(seconds=2)
    ):
        return None
    learner = await session.run_sync(
        store.ensure_learner, learner_id=user_id, first_name=first_name, now=now
    )
    correct = option_ids[0] == poll.correct_option
    elapsed = max(0, int((now - poll.opened_at).total_seconds() * 1000))
    inserted = await session.execute(
        insert_ignore(session, PollVote)
        .values(
            poll_id=poll_id,
            learner_id=user_id,
            session_id=poll.session_id,
            chat_id=poll.chat_id,
            first_name=first_name[:128],
            correct=correct,
            elapsed_ms=elapsed,
            answered_at=now,
        )
        .on_conflict_do_nothing(index_elements=["poll_id", "learner_id"])
    )
    if inserted.rowcount != 1:  # type: ignore[attr-defined]
        await session.commit()
        return None
    state = await session.get(ItemState, (user_id, poll.item_id))
    result = await session.run_sync(
        record_rating,
        library=library,
        learner=learner,
        item=poll.item_id,
        version=state.reps if state is not None else 0,
        rating=Rating.GOOD if correct else Rating.AGAIN,
        now=now,
        source="group",
    )
    if result.outcome is not Outcome.RECORDED:
        # The question left the decks or a review raced this one: the vote still counts.
        await session.commit()
    return correct


async def _standings(session: AsyncSession, *where: ColumnElement[bool]) -> tuple[Standing, ...]:
    vote = PollVote.__table__.c  # type: ignore[attr-defined]
    rows = await session.execute(
        select(
            vote.learner_id,
            func.max(vote.first_name),
            func.sum(cast(vote.correct, Integer)),
            func.count(),
            func.sum(vote.elapsed_ms),
        )
        .where(*where)
        .group_by(vote.learner_id)
    )
    standings = [
        Standing(
            learner_id=int(learner_id),
            name=str(name),
            score=int(score or 0),
            answered=int(answered),
            time_ms=int(time_ms or 0),
        )
        for learner_id, name, score, answered, time_ms in rows.all()
    ]
    standings.sort(key=lambda s: (-s.score, s.time_ms, s.name))
    return tuple(standings)


async def session_over(*, session: AsyncSession, session_id: int) -> SessionOver:
    quiz_session = await session.get(QuizSession, session_id)
    assert quiz_session is not None
    vote = PollVote.__table__.c  # type: ignore[attr-defined]
    return SessionOver(
        session_id=session_id,
        chat_id=quiz_session.chat_id,
        total=len(quiz_session.item_ids),
        standings=await _standings(session, vote.session_id == session_id),
    )


async def chat_standings(*, session: AsyncSession, chat_id: int) -> tuple[Standing, ...]:
    """The chat's standings over all its sessions."""
    vote = PollVote.__table__.c  # type: ignore[attr-defined]
    return await _standings(session, vote.chat_id == chat_id)


# --- settings, the daily quiz, and the chat's life cycle ----------------------------------


async def set_daily(
    *,
    session: AsyncSession,
    group: GroupChat,
    daily_time: str | None,
    questions: int,
    default_zone: str,
    now: datetime,
) -> GroupChat:
    """Schedule the chat's daily quiz at a local time (None: off); commits."""
    group.daily_time = daily_time
    group.daily_questions = questions
    group.next_daily_at = (
        None
        if daily_time is None
        else reminders.first_slot_after(
            daily_time, group.timezone or default_zone, now, not_on_or_before=group.last_daily_on
        )
    )
    session.add(group)
    await session.commit()
    return group


async def set_group_zone(
    *, session: AsyncSession, group: GroupChat, zone: str, default_zone: str, now: datetime
) -> GroupChat:
    group.timezone = zone
    if group.daily_time is not None:
        return await set_daily(
            session=session,
            group=group,
            daily_time=group.daily_time,
            questions=group.daily_questions,
            default_zone=default_zone,
            now=now,
        )
    session.add(group)
    await session.commit()
    return group


@dataclass(frozen=True)
class DailyQuiz:
    chat_id: int
    questions: int


async def claim_dailies(
    *, session: AsyncSession, default_zone: str, now: datetime, limit: int = 100
) -> list[DailyQuiz]:
    """Claim the daily quizzes whose time has come (same rules as reminders); commits."""
    groups: Table = GroupChat.__table__  # type: ignore[attr-defined]
    columns = {"slot_time": "daily_time", "next_at": "next_daily_at", "last_on": "last_daily_on"}
    query = reminders.slots_query(
        groups,
        **columns,
        conditions=[groups.c.active.is_(True), groups.c.daily_time.is_not(None)],
        extra=["daily_questions"],
        now=now,
        limit=limit,
        lock=reminders.locks_rows(session),
    )
    rows, _ = await reminders.claim_slots(
        session=session,
        query=query,
        table=groups,
        **columns,
        default_zone=default_zone,
        now=now,
    )
    await session.commit()
    return [DailyQuiz(chat_id=int(row[0]), questions=int(row[5])) for row in rows]


async def leave_chat(*, session: AsyncSession, chat_id: int, now: datetime) -> None:
    """The bot was removed: end the running session and stop the daily quiz; commits."""
    await session.execute(
        update(QuizSession)
        .where(QuizSession.chat_id == chat_id, QuizSession.finished_at.is_(None))  # type: ignore[arg-type,union-attr]
        .values(finished_at=now)
    )
    await session.execute(
        update(GroupChat)
        .where(GroupChat.id == chat_id)  # type: ignore[arg-type]
        .values(active=False, next_daily_at=None)
    )
    await session.commit()


async def migrate_chat(*, session: AsyncSession, old_id: int, new_id: int, now: datetime) -> None:
    """A group became a supergroup with a new id: carry its rows over; commits."""
    old = await session.get(GroupChat, old_id)
    if old is None or await session.get(GroupChat, new_id) is not None:
        return
    session.add(GroupChat(**{**old.model_dump(), "id": new_id, "active": True}))
    await session.flush()
    for model in (QuizSession, SessionPoll, PollVote):
        table: Table = model.__table__  # type: ignore[union-attr]
        await session.execute(
            update(table).where(table.c.chat_id == old_id).values(chat_id=new_id)
        )
    await session.delete(old)
    await session.commit()
