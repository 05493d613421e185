"""The store's queries for teachers: a session's answers, a class's totals over a window
(aggregated in SQL), and a chat's answers page by page for the export."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, Table, case, cast, func, select, tuple_
from sqlalchemy.orm import Session

from tutor.store.models import ItemState, PollVote, QuizSession, ReviewLog, SessionPoll

_SESSION: Table = QuizSession.__table__  # type: ignore[attr-defined]
_POLL: Table = SessionPoll.__table__  # type: ignore[attr-defined]
_VOTE: Table = PollVote.__table__  # type: ignore[attr-defined]
_STATE: Table = ItemState.__table__  # type: ignore[attr-defined]
_LOG: Table = ReviewLog.__table__  # type: ignore[attr-defined]
# Where the review log says a review came from a group poll (every other source is private).
GROUP_SOURCE = "group"


@dataclass(frozen=True)
class PollAsked:
    """One question a session asked: its position, item, and what the poll showed."""

    poll_id: str
    position: int
    item_id: str
    question: str | None
    options: list[str] | None
    option_order: list[int] | None
    correct_option: int


@dataclass(frozen=True)
class SessionVote:
    """One member's answer in a session (``chosen`` in the item's own option order)."""

    poll_id: str
    learner_id: int
    name: str
    correct: bool
    chosen: int | None
    elapsed_ms: int


def session_polls(session: Session, *, session_id: int) -> list[PollAsked]:
    """The polls a session sent, in the order asked."""
    poll = _POLL.c
    rows = session.execute(
        select(
            poll.poll_id,
            poll.position,
            poll.item_id,
            poll.question,
            poll.options,
            poll.option_order,
            poll.correct_option,
        )
        .where(poll.session_id == session_id)
        .order_by(poll.position)
    ).all()
    return [PollAsked(*row) for row in rows]


def session_votes(session: Session, *, session_id: int) -> list[SessionVote]:
    """Every answer of the session."""
    vote = _VOTE.c
    rows = session.execute(
        select(
            vote.poll_id,
            vote.learner_id,
            vote.first_name,
            vote.correct,
            vote.chosen_option,
            vote.elapsed_ms,
        ).where(vote.session_id == session_id)
    ).all()
    return [
        SessionVote(str(p), int(learner), str(name), bool(right), chosen, int(ms))
        for p, learner, name, right, chosen, ms in rows
    ]


def last_session_id(session: Session, *, chat_id: int) -> int | None:
    """The chat's latest session, if it ever had one."""
    found = session.execute(
        select(func.max(_SESSION.c.id)).where(_SESSION.c.chat_id == chat_id)
    ).scalar()
    return None if found is None else int(found)


# --- a class over a window -----------------------------------------------------------------


@dataclass(frozen=True)
class MemberItemTotal:
    """One member's answers to one question in the window."""

    learner_id: int
    item_id: str
    answered: int
    right: int


@dataclass(frozen=True)
class MemberTotal:
    """One member's answers in the window, in its later half, and their latest answer."""

    learner_id: int
    name: str
    answered: int
    right: int
    later_answered: int
    later_right: int
    last_answer: datetime


def member_item_totals(
    session: Session, *, chat_id: int, since: datetime
) -> list[MemberItemTotal]:
    """Answers and right answers per (member, question) in the chat since ``since``."""
    vote = _VOTE.c
    rows = session.execute(
        select(
            vote.learner_id,
            _POLL.c.item_id,
            func.count(),
            func.sum(cast(vote.correct, Integer)),
        )
        .select_from(_VOTE.join(_POLL, _POLL.c.poll_id == vote.poll_id))
        .where(vote.chat_id == chat_id, vote.answered_at >= since)
        .group_by(vote.learner_id, _POLL.c.item_id)
    ).all()
    return [
        MemberItemTotal(int(learner), str(item), int(answered), int(right or 0))
        for learner, item, answered, right in rows
    ]


def member_totals(
    session: Session, *, chat_id: int, since: datetime, middle: datetime
) -> list[MemberTotal]:
    """Each member's totals since ``since`` and since ``middle``, with their last answer."""
    vote = _VOTE.c
    later = vote.answered_at >= middle
    right = cast(vote.correct, Integer)
    rows = session.execute(
        select(
            vote.learner_id,
            func.max(vote.first_name),
            func.count(),
            func.sum(right),
            func.sum(case((later, 1), else_=0)),
            func.sum(case((later, right), else_=0)),
            func.max(vote.answered_at),
        )
        .where(vote.chat_id == chat_id, vote.answered_at >= since)
        .group_by(vote.learner_id)
    ).all()
    return [
        MemberTotal(
            learner_id=int(learner),
            name=str(name),
            answered=int(answered),
            right=int(right_count or 0),
            later_answered=int(later_answered or 0),
            later_right=int(later_right or 0),
            last_answer=last,
        )
        for learner, name, answered, right_count, later_answered, later_right, last in rows
    ]


def session_starts(session: Session, *, chat_id: int, since: datetime) -> list[datetime]:
    """When the chat's sessions since ``since`` started, latest first."""
    rows = session.execute(
        select(_SESSION.c.started_at)
        .where(_SESSION.c.chat_id == chat_id, _SESSION.c.started_at >= since)
        .order_by(_SESSION.c.started_at.desc())
    ).all()
    return [row[0] for row in rows]


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
    session: Session, *, learner_ids: Collection[int]
) -> list[tuple[int, str, float, datetime]]:
    """(learner, item, stability, last review) of the learners' reviewed item states."""
    if not learner_ids:
        return []
    state = _STATE.c
    rows = session.execute(
        select(state.learner_id, state.item_id, state.stability, state.last_review).where(
            state.learner_id.in_(list(learner_ids)),
            state.stability.is_not(None),
            state.last_review.is_not(None),
        )
    ).all()
    return [(int(a), str(b), float(c), d) for a, b, c, d in rows]


# --- the export, page by page ----------------------------------------------------------------


@dataclass(frozen=True)
class ExportedVote:
    """One answer as the export writes it."""

    session_id: int
    answered_at: datetime
    poll_id: str
    learner_id: int
    name: str
    chosen: int | None
    correct: bool
    elapsed_ms: int

    @property
    def cursor(self) -> tuple[datetime, str, int]:
        """Where the next page starts after this answer."""
        return self.answered_at, self.poll_id, self.learner_id


def chat_polls(session: Session, *, chat_id: int) -> dict[str, PollAsked]:
    """Every poll the chat was sent, by poll id."""
    poll = _POLL.c
    rows = session.execute(
        select(
            poll.poll_id,
            poll.position,
            poll.item_id,
            poll.question,
            poll.options,
            poll.option_order,
            poll.correct_option,
        ).where(poll.chat_id == chat_id)
    ).all()
    return {str(row[0]): PollAsked(*row) for row in rows}


def has_votes(session: Session, *, chat_id: int) -> bool:
    """Whether anyone ever answered a poll in the chat."""
    return (
        session.execute(select(_VOTE.c.poll_id).where(_VOTE.c.chat_id == chat_id).limit(1)).first()
        is not None
    )


def vote_page(
    session: Session, *, chat_id: int, after: tuple[datetime, str, int] | None, limit: int
) -> list[ExportedVote]:
    """Up to ``limit`` of the chat's answers in time order, after the answer ``after``."""
    vote = _VOTE.c
    statement = select(
        vote.session_id,
        vote.answered_at,
        vote.poll_id,
        vote.learner_id,
        vote.first_name,
        vote.chosen_option,
        vote.correct,
        vote.elapsed_ms,
    ).where(vote.chat_id == chat_id)
    if after is not None:
        statement = statement.where(
            tuple_(vote.answered_at, vote.poll_id, vote.learner_id) > tuple_(*after)
        )
    statement = statement.order_by(vote.answered_at, vote.poll_id, vote.learner_id).limit(limit)
    return [ExportedVote(*row) for row in session.execute(statement).all()]
