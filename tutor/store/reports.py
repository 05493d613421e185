"""The store's queries for teachers: a session's answers, a class's totals over a window
(aggregated in SQL), and a chat's answers page by page for the export."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    case,
    cast,
    delete,
    false,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from tutor.domain.classreport import MemberItemTotal, PollAsked, SessionVote
from tutor.store.dialects import insert_ignore, plain_rows, utc_text, whole_days_since
from tutor.store.models import (
    ItemState,
    Learner,
    LeftMember,
    PollVote,
    QuizSession,
    ReviewLog,
    SessionPoll,
)
from tutor.store.typed import table_of

_SESSION: Table = table_of(QuizSession)
_POLL: Table = table_of(SessionPoll)
_VOTE: Table = table_of(PollVote)
_STATE: Table = table_of(ItemState)
_LOG: Table = table_of(ReviewLog)
_LEARNER: Table = table_of(Learner)
_LEFT: Table = table_of(LeftMember)
# Where the review log says a review came from a group poll (every other source is private).
GROUP_SOURCE = "group"


def _asked_columns() -> tuple[ColumnElement[Any], ...]:
    """A poll's columns in PollAsked's field order."""
    poll = _POLL.c
    return (
        poll.poll_id,
        poll.position,
        poll.item_id,
        poll.question,
        poll.options,
        poll.option_order,
        poll.correct_option,
    )


def session_polls(session: Session, *, session_id: int) -> list[PollAsked]:
    """The polls a session sent, in the order asked."""
    poll = _POLL.c
    rows = session.execute(
        select(*_asked_columns()).where(poll.session_id == session_id).order_by(poll.position)
    ).all()
    return [PollAsked(*row) for row in rows]


def session_votes(session: Session, *, chat_id: int, session_id: int) -> list[SessionVote]:
    """Every answer of the chat's session."""
    vote = _VOTE.c
    rows = session.execute(
        select(
            vote.poll_id,
            vote.learner_id,
            vote.first_name,
            vote.correct,
            vote.chosen_option,
            vote.elapsed_ms,
        ).where(vote.chat_id == chat_id, vote.session_id == session_id)
    ).all()
    return [
        SessionVote(str(p), int(learner), str(name), bool(right), chosen, int(ms))
        for p, learner, name, right, chosen, ms in rows
    ]


# --- a class over a window -----------------------------------------------------------------


def sessions_since(
    session: Session, *, chat_id: int, since: datetime
) -> list[tuple[int, datetime]]:
    """The chat's sessions started since ``since``: (id, started_at), latest first."""
    rows = session.execute(
        select(_SESSION.c.id, _SESSION.c.started_at)
        .where(_SESSION.c.chat_id == chat_id, _SESSION.c.started_at >= since)
        .order_by(_SESSION.c.started_at.desc(), _SESSION.c.id.desc())
    ).all()
    return [(int(row[0]), row[1]) for row in rows]


def member_item_totals(
    session: Session, *, chat_id: int, from_session: int, later_from: int | None
) -> list[MemberItemTotal]:
    """Answers and right answers per (member, question) in the chat's sessions from
    ``from_session`` on, and in those from ``later_from`` on (None: none of them).

    Session ids grow with time, so "from a session on" is "since it started". The query
    reads ``ix_pollvote_chat_member`` alone, already in the order it groups by.
    """
    vote = _VOTE.c
    right = cast(vote.correct, Integer)
    later = vote.session_id >= later_from if later_from is not None else false()
    rows = session.execute(
        select(
            vote.learner_id,
            vote.item_id,
            func.count(),
            func.sum(right),
            func.sum(case((later, 1), else_=0)),
            func.sum(case((later, right), else_=0)),
        )
        .where(vote.chat_id == chat_id, vote.session_id >= from_session)
        .group_by(vote.learner_id, vote.item_id)
    ).all()
    return [MemberItemTotal._make(row) for row in rows]


def members_in_sessions(
    session: Session, *, chat_id: int, session_ids: Collection[int]
) -> set[int]:
    """Who answered at least once in the chat's sessions ``session_ids``."""
    if not session_ids:
        return set()
    vote = _VOTE.c
    rows = session.execute(
        select(vote.learner_id)
        .where(vote.chat_id == chat_id, vote.session_id.in_(list(session_ids)))
        .distinct()
    ).all()
    return {int(row[0]) for row in rows}


def learner_names(session: Session, *, learner_ids: Collection[int]) -> dict[int, str]:
    """The learners' first names, by id."""
    if not learner_ids:
        return {}
    rows = session.execute(
        select(_LEARNER.c.id, _LEARNER.c.first_name).where(_LEARNER.c.id.in_(list(learner_ids)))
    ).all()
    return {int(row[0]): str(row[1]) for row in rows}


def private_learners(session: Session, *, learner_ids: Collection[int]) -> set[int]:
    """Which of the learners ever reviewed anything in private (not only in group polls)."""
    if not learner_ids:
        return set()
    log = _LOG.c
    rows = session.execute(
        select(log.learner_id)
        .where(log.learner_id.in_(list(learner_ids)), log.source != GROUP_SOURCE)
        .distinct()
    ).all()
    return {int(row[0]) for row in rows}


def recall_inputs(
    session: Session, *, learner_ids: Collection[int], now: datetime
) -> list[tuple[int, str, float, int]]:
    """(learner, item, stability, whole days since the last review) of the learners'
    reviewed item states."""
    if not learner_ids:
        return []
    state = _STATE.c
    rows = session.execute(
        select(
            state.learner_id,
            state.item_id,
            state.stability,
            whole_days_since(session, state.last_review, now),
        ).where(
            state.learner_id.in_(list(learner_ids)),
            state.stability.is_not(None),
            state.last_review.is_not(None),
        )
    ).all()
    return [(int(a), str(b), float(c), int(d)) for a, b, c, d in rows]


# --- who left ---------------------------------------------------------------------------------


def mark_left(session: Session, *, chat_id: int, user_id: int, now: datetime) -> None:
    """The user left the chat (or was removed); kept as first seen."""
    session.execute(
        insert_ignore(session, LeftMember)
        .values(chat_id=chat_id, learner_id=user_id, left_at=now)
        .on_conflict_do_nothing(index_elements=["chat_id", "learner_id"])
    )


def mark_back(session: Session, *, chat_id: int, user_ids: Collection[int]) -> None:
    """The users are in the chat (again)."""
    if user_ids:
        session.execute(
            delete(_LEFT).where(_LEFT.c.chat_id == chat_id, _LEFT.c.learner_id.in_(list(user_ids)))
        )


def left_members(session: Session, *, chat_id: int) -> set[int]:
    """Who left the chat and did not come back."""
    statement = select(_LEFT.c.learner_id).where(_LEFT.c.chat_id == chat_id)
    return {int(user) for user in session.execute(statement).scalars().all()}


def move_left_members(session: Session, *, old_id: int, new_id: int) -> None:
    """A group got a new id (it became a supergroup): who left it, left the new one."""
    there = select(_LEFT.c.learner_id).where(_LEFT.c.chat_id == new_id)
    session.execute(delete(_LEFT).where(_LEFT.c.chat_id == old_id, _LEFT.c.learner_id.in_(there)))
    session.execute(update(_LEFT).where(_LEFT.c.chat_id == old_id).values(chat_id=new_id))


# --- the export, page by page ----------------------------------------------------------------


def chat_polls(session: Session, *, chat_id: int) -> dict[str, PollAsked]:
    """Every poll the chat was sent, by poll id."""
    poll = _POLL.c
    rows = session.execute(select(*_asked_columns()).where(poll.chat_id == chat_id)).all()
    return {str(row[0]): PollAsked(*row) for row in rows}


def answers_per_session(session: Session, *, chat_id: int) -> list[tuple[int, int]]:
    """(session id, answers) for each of the chat's sessions that has answers, in order."""
    vote = _VOTE.c
    rows = session.execute(
        select(vote.session_id, func.count())
        .where(vote.chat_id == chat_id)
        .group_by(vote.session_id)
        .order_by(vote.session_id)
    ).all()
    return [(int(row[0]), int(row[1])) for row in rows]


# One exported answer: session id, when (UTC, "YYYY-MM-DD HH:MM:SS"), poll id, member id,
# option chosen (item order), whether right, milliseconds taken.
ExportedVote = tuple[int, str, str, int, int | None, bool, int]


def chat_members(session: Session, *, chat_id: int) -> dict[int, str]:
    """Everyone who answered in the chat, with their first name now."""
    vote = _VOTE.c
    members = select(vote.learner_id).where(vote.chat_id == chat_id).distinct().subquery()
    rows = session.execute(
        select(_LEARNER.c.id, _LEARNER.c.first_name).where(
            _LEARNER.c.id.in_(select(members.c.learner_id))
        )
    ).all()
    return {int(row[0]): str(row[1]) for row in rows}


def vote_page(
    session: Session, *, chat_id: int, first_session: int, last_session: int
) -> list[ExportedVote]:
    """The chat's answers in sessions ``first_session`` to ``last_session``, in the order
    given, each session's in the order they came."""
    vote = _VOTE.c
    statement = (
        select(
            vote.session_id,
            utc_text(session, vote.answered_at),
            vote.poll_id,
            vote.learner_id,
            vote.chosen_option,
            vote.correct,
            vote.elapsed_ms,
        )
        .where(vote.chat_id == chat_id, vote.session_id.between(first_session, last_session))
        .order_by(vote.session_id, vote.answered_at, vote.learner_id)
    )
    # Rows unpack as ExportedVote does: no copy of a few hundred thousand of them.
    return plain_rows(session, statement)  # type: ignore[return-value]
