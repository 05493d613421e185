"""The store's queries on group chats: their settings, quiz sessions, polls, votes, and the
class's memory of each question."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, cast, delete, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from tutor.domain.scheduling import Memory
from tutor.store.columns import memory_columns, memory_of, memory_values
from tutor.store.dialects import insert_ignore
from tutor.store.models import (
    ClassMemory,
    GroupChat,
    ItemState,
    PollVote,
    QuizSession,
    ReportNotice,
    SessionPoll,
    stored_name,
)
from tutor.store.typed import rowcount, table_of

_GROUP: Table = table_of(GroupChat)
_SESSION: Table = table_of(QuizSession)
_POLL: Table = table_of(SessionPoll)
_VOTE: Table = table_of(PollVote)
_STATE: Table = table_of(ItemState)
_CLASS_MEMORY: Table = table_of(ClassMemory)
_NOTICE: Table = table_of(ReportNotice)
# The group's settings that follow it to a new id (everything but the key and created_at).
_SETTINGS = (
    "fsrs_parameters",
    "title",
    "timezone",
    "open_to_all",
    "daily_time",
    "daily_questions",
    "next_daily_at",
    "last_daily_on",
    "daily_set_by",
)


# --- groups ------------------------------------------------------------------------------


def get_group(session: Session, *, chat_id: int) -> GroupChat | None:
    """The chat's row, if the bot has seen the chat."""
    return session.get(GroupChat, chat_id)


def ensure_group(session: Session, *, chat_id: int, title: str, now: datetime) -> GroupChat:
    """The chat's row, created on first sight (safe against concurrent inserts), its title
    refreshed and marked active."""
    group = session.get(GroupChat, chat_id)
    if group is None:
        statement = (
            insert_ignore(session, GroupChat)
            .values(id=chat_id, title=title[:255], created_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        session.execute(statement)
        group = session.get(GroupChat, chat_id)
        assert group is not None
    elif group.title != title[:255] or not group.active:
        group.title, group.active = title[:255], True
        session.add(group)
    return group


def save_group(session: Session, *, group: GroupChat) -> None:
    """Write the group's changed settings."""
    session.add(group)


def deactivate_group(session: Session, *, chat_id: int) -> None:
    """Mark the chat left (no daily quiz)."""
    session.execute(
        update(_GROUP).where(_GROUP.c.id == chat_id).values(active=False, next_daily_at=None)
    )


def lock_group(session: Session, *, chat_id: int) -> GroupChat | None:
    """The chat's row, read fresh and locked for this transaction (on PostgreSQL)."""
    statement = (
        select(GroupChat)
        .where(col(GroupChat.id) == chat_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(statement).scalars().first()


def copy_group_settings(session: Session, *, source: GroupChat, chat_id: int) -> None:
    """Give the chat ``chat_id`` the settings of ``source``, creating its row if missing."""
    settings = {name: getattr(source, name) for name in _SETTINGS}
    session.execute(
        insert_ignore(session, GroupChat)
        .values(id=chat_id, created_at=source.created_at, **settings)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    session.execute(update(_GROUP).where(_GROUP.c.id == chat_id).values(active=True, **settings))


def delete_group(session: Session, *, chat_id: int) -> None:
    """Remove the chat's row."""
    session.execute(_GROUP.delete().where(_GROUP.c.id == chat_id))


# --- sessions ------------------------------------------------------------------------------


def insert_session(
    session: Session,
    *,
    chat_id: int,
    item_ids: list[str],
    seconds: int,
    started_by: int | None,
    now: datetime,
) -> QuizSession | None:
    """Open a session in the chat; None when one is running there already."""
    inserted = session.execute(
        insert_ignore(session, QuizSession)
        .values(
            chat_id=chat_id,
            item_ids=item_ids,
            seconds=seconds,
            started_by=started_by,
            started_at=now,
        )
        .on_conflict_do_nothing()
    )
    if rowcount(inserted) != 1:
        return None
    return running_session(session, chat_id=chat_id)


def get_session(session: Session, *, session_id: int) -> QuizSession | None:
    """A session by its id."""
    return session.get(QuizSession, session_id)


def running_session(session: Session, *, chat_id: int) -> QuizSession | None:
    """The chat's unfinished session, if any."""
    result = session.execute(
        select(QuizSession)
        .where(
            col(QuizSession.chat_id) == chat_id,
            col(QuizSession.finished_at).is_(None),
        )
        .execution_options(populate_existing=True)
    )
    return result.scalars().first()


def all_running(session: Session) -> list[QuizSession]:
    """Every unfinished session."""
    result = session.execute(select(QuizSession).where(col(QuizSession.finished_at).is_(None)))
    return list(result.scalars().all())


def move_session(
    session: Session,
    *,
    session_id: int,
    from_position: int,
    to_position: int,
    finished_at: datetime | None,
) -> bool:
    """Move an unfinished session from ``from_position`` on (finishing it if
    ``finished_at``); whether this call did."""
    values: dict[str, Any] = {"position": to_position}
    if finished_at is not None:
        values["finished_at"] = finished_at
    moved = session.execute(
        update(_SESSION)
        .where(
            _SESSION.c.id == session_id,
            _SESSION.c.position == from_position,
            _SESSION.c.finished_at.is_(None),
        )
        .values(**values)
    )
    return rowcount(moved) == 1


def finish_session(session: Session, *, session_id: int, now: datetime) -> bool:
    """End an unfinished session; whether this call did."""
    stopped = session.execute(
        update(_SESSION)
        .where(_SESSION.c.id == session_id, _SESSION.c.finished_at.is_(None))
        .values(finished_at=now)
    )
    return rowcount(stopped) == 1


def finish_chat_sessions(session: Session, *, chat_id: int, now: datetime) -> None:
    """End every unfinished session of the chat."""
    session.execute(
        update(_SESSION)
        .where(_SESSION.c.chat_id == chat_id, _SESSION.c.finished_at.is_(None))
        .values(finished_at=now)
    )


def move_chat_rows(session: Session, *, old_id: int, new_id: int) -> None:
    """Carry the chat's sessions, polls, votes, class memory and notices over to its new id
    (where the new id has a row of its own already, that one stays)."""
    for table in (_SESSION, _POLL, _VOTE):
        session.execute(update(table).where(table.c.chat_id == old_id).values(chat_id=new_id))
    for table, key in ((_CLASS_MEMORY, "item_id"), (_NOTICE, "learner_id")):
        taken = select(table.c[key]).where(table.c.chat_id == new_id)
        session.execute(delete(table).where(table.c.chat_id == old_id, table.c[key].in_(taken)))
        session.execute(update(table).where(table.c.chat_id == old_id).values(chat_id=new_id))


# --- polls and votes -----------------------------------------------------------------------


def add_poll(session: Session, *, poll: SessionPoll) -> None:
    """Store a poll the bot sent."""
    session.add(poll)


def get_poll(session: Session, *, poll_id: str) -> SessionPoll | None:
    """A session poll by its Telegram id."""
    return session.get(SessionPoll, poll_id)


def open_polls(session: Session, *, session_id: int) -> list[SessionPoll]:
    """The session's polls not closed yet."""
    result = session.execute(
        select(SessionPoll).where(
            col(SessionPoll.session_id) == session_id,
            col(SessionPoll.closed).is_(False),
        )
    )
    return list(result.scalars().all())


def close_polls(session: Session, *, poll_ids: Collection[str]) -> int:
    """Mark polls closed; how many this call closed."""
    if not poll_ids:
        return 0
    closed = session.execute(
        update(_POLL).where(_POLL.c.poll_id.in_(poll_ids), _POLL.c.closed.is_(False))
        .values(closed=True)
    )  # fmt: skip
    return rowcount(closed)


def poll_at(session: Session, *, session_id: int, position: int) -> SessionPoll | None:
    """The poll sent for the session's question at ``position``."""
    result = session.execute(
        select(SessionPoll).where(
            col(SessionPoll.session_id) == session_id,
            col(SessionPoll.position) == position,
        )
    )
    return result.scalars().first()


def insert_vote(
    session: Session,
    *,
    poll: SessionPoll,
    learner_id: int,
    first_name: str,
    correct: bool,
    chosen_option: int | None,
    elapsed_ms: int,
    now: datetime,
) -> bool:
    """Store a member's answer to a poll (``chosen_option`` in the item's own order);
    False when they answered it already."""
    inserted = session.execute(
        insert_ignore(session, PollVote)
        .values(
            poll_id=poll.poll_id,
            learner_id=learner_id,
            session_id=poll.session_id,
            chat_id=poll.chat_id,
            first_name=stored_name(first_name),
            correct=correct,
            chosen_option=chosen_option,
            item_id=poll.item_id,
            elapsed_ms=elapsed_ms,
            answered_at=now,
        )
        .on_conflict_do_nothing(index_elements=["poll_id", "learner_id"])
    )
    return rowcount(inserted) == 1


def poll_tally(session: Session, *, poll_id: str) -> tuple[int, int]:
    """How many members answered the poll, and how many of them right."""
    vote = _VOTE.c
    answered, right = session.execute(
        select(func.count(), func.sum(cast(vote.correct, Integer))).where(vote.poll_id == poll_id)
    ).one()
    return int(answered), int(right or 0)


@dataclass(frozen=True)
class Standing:
    """One member's votes summed: right answers, answers and time taken."""

    learner_id: int
    name: str
    score: int
    answered: int
    time_ms: int


def vote_totals(
    session: Session, *, session_id: int | None = None, chat_id: int | None = None
) -> list[Standing]:
    """Each member's totals over one session's votes, or over all of a chat's."""
    vote = _VOTE.c
    statement = select(
        vote.learner_id,
        func.max(vote.first_name),
        func.sum(cast(vote.correct, Integer)),
        func.count(),
        func.sum(vote.elapsed_ms),
    ).group_by(vote.learner_id)
    if session_id is not None:
        statement = statement.where(vote.session_id == session_id)
    if chat_id is not None:
        statement = statement.where(vote.chat_id == chat_id)
    return [
        Standing(
            learner_id=int(learner_id),
            name=str(name),
            score=int(score or 0),
            answered=int(answered),
            time_ms=int(time_ms or 0),
        )
        for learner_id, name, score, answered, time_ms in session.execute(statement).all()
    ]


# --- the class's memory, and notices -------------------------------------------------------

_CLASS_MEMORY_COLUMNS = memory_columns(_CLASS_MEMORY)


def class_memories(session: Session, *, chat_id: int) -> dict[str, Memory]:
    """The class's memory of every question it was quizzed on, by item id."""
    rows = session.execute(
        select(_CLASS_MEMORY.c.item_id, *_CLASS_MEMORY_COLUMNS).where(
            _CLASS_MEMORY.c.chat_id == chat_id
        )
    ).all()
    return {row.item_id: memory_of(row) for row in rows}


def class_memory(session: Session, *, chat_id: int, item_id: str) -> Memory | None:
    """The class's memory of one question, None if it never met it."""
    row = session.execute(
        select(*_CLASS_MEMORY_COLUMNS).where(
            _CLASS_MEMORY.c.chat_id == chat_id, _CLASS_MEMORY.c.item_id == item_id
        )
    ).first()
    return None if row is None else memory_of(row)


def save_class_memory(session: Session, *, chat_id: int, item_id: str, memory: Memory) -> None:
    """Write the class's memory of one question (created or replaced)."""
    values = memory_values(memory)
    session.execute(
        insert_ignore(session, ClassMemory)
        .values(chat_id=chat_id, item_id=item_id, **values)
        .on_conflict_do_update(index_elements=["chat_id", "item_id"], set_=values)
    )


def claim_notice(session: Session, *, chat_id: int, admin_id: int, now: datetime) -> bool:
    """Record that the chat was told about the admin; False if it was told already."""
    inserted = session.execute(
        insert_ignore(session, ReportNotice)
        .values(chat_id=chat_id, learner_id=admin_id, told_at=now)
        .on_conflict_do_nothing(index_elements=["chat_id", "learner_id"])
    )
    return rowcount(inserted) == 1
