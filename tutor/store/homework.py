"""The store's queries for homework: assignments, whom they are assigned to, their answers,
the class's members the bot has seen, and the claims on nudges and reports (each set once,
by whichever instance gets there first)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, select, union, update
from sqlalchemy.orm import Session

from tutor.domain.homework import HomeworkAnswerRow
from tutor.store.dialects import insert_ignore
from tutor.store.models import (
    ClassMember,
    GroupChat,
    Homework,
    HomeworkAnswer,
    HomeworkMember,
    Learner,
    LeftMember,
    PollVote,
    stored_name,
)
from tutor.store.typed import inserted_key, rowcount, table_of

_HOMEWORK: Table = table_of(Homework)
_MEMBER: Table = table_of(HomeworkMember)
_ANSWER: Table = table_of(HomeworkAnswer)
_CLASS: Table = table_of(ClassMember)
_LEFT: Table = table_of(LeftMember)
_VOTE: Table = table_of(PollVote)
_LEARNER: Table = table_of(Learner)
_GROUP: Table = table_of(GroupChat)


# --- the class ----------------------------------------------------------------------------------


def saw_members(
    session: Session, *, chat_id: int, members: Sequence[tuple[int, str]], now: datetime
) -> None:
    """Members (id, first name) the bot saw in the chat; kept as first seen."""
    if members:
        session.execute(
            insert_ignore(session, ClassMember)
            .values(
                [
                    {
                        "chat_id": chat_id,
                        "learner_id": user,
                        "first_name": stored_name(name),
                        "seen_at": now,
                    }
                    for user, name in members
                ]
            )
            .on_conflict_do_nothing(index_elements=["chat_id", "learner_id"])
        )


def class_roster(session: Session, *, chat_id: int) -> dict[int, str]:
    """Who is in the class as far as the bot knows (id → first name): those it saw join or
    open a homework link and those who answered its polls, less those who left."""
    seen = union(
        select(_CLASS.c.learner_id.label("user")).where(_CLASS.c.chat_id == chat_id),
        select(_VOTE.c.learner_id.label("user")).where(_VOTE.c.chat_id == chat_id),
    ).subquery()
    left = select(_LEFT.c.learner_id).where(_LEFT.c.chat_id == chat_id)
    users = [
        int(u)
        for u in session.execute(select(seen.c.user).where(seen.c.user.not_in(left))).scalars()
    ]
    names = dict(
        session.execute(
            select(_CLASS.c.learner_id, _CLASS.c.first_name).where(
                _CLASS.c.chat_id == chat_id, _CLASS.c.learner_id.in_(users)
            )
        ).all()
    )
    names.update(
        session.execute(
            select(_LEARNER.c.id, _LEARNER.c.first_name).where(_LEARNER.c.id.in_(users))
        ).all()
    )
    return {user: str(names.get(user, "")) for user in users}


def has_left(session: Session, *, chat_id: int, user_id: int) -> bool:
    statement = select(_LEFT.c.learner_id).where(
        _LEFT.c.chat_id == chat_id, _LEFT.c.learner_id == user_id
    )
    return session.execute(statement).first() is not None


# Reminder settings of learners: id → (time zone or None, reminder time, may be reminded).
Reachable = dict[int, tuple[str | None, str, bool]]


def reminder_settings(session: Session, *, learner_ids: Collection[int]) -> Reachable:
    """The reminder time and zone of each of these users who studies in private."""
    c = _LEARNER.c
    rows = session.execute(
        select(c.id, c.timezone, c.reminder_time, c.active, c.reminders_on).where(
            c.id.in_(list(learner_ids))
        )
    ).all()
    return {int(r[0]): (r[1], str(r[2]), bool(r[3]) and bool(r[4])) for r in rows}


# --- assignments --------------------------------------------------------------------------------


def add_homework(
    session: Session,
    *,
    chat_id: int,
    code: str,
    assigned_by: int | None,
    title: str,
    items: list[dict[str, Any]],
    created_at: datetime,
    due_at: datetime,
) -> int:
    """Store an assignment; its id."""
    result = session.execute(
        _HOMEWORK.insert().values(
            chat_id=chat_id,
            code=code,
            assigned_by=assigned_by,
            title=title[:120],
            items=items,
            created_at=created_at,
            due_at=due_at,
        )
    )
    return inserted_key(result)


def get_homework(session: Session, *, homework_id: int) -> Homework | None:
    return session.get(Homework, homework_id)


def homework_by_code(session: Session, *, code: str) -> Homework | None:
    return session.execute(select(Homework).where(_HOMEWORK.c.code == code)).scalars().first()


def open_homework(session: Session, *, chat_id: int, now: datetime) -> list[Homework]:
    """The chat's assignments not yet due."""
    h = _HOMEWORK.c
    statement = select(Homework).where(h.chat_id == chat_id, h.due_at > now)
    return list(session.execute(statement).scalars())


def chat_homework_since(session: Session, *, chat_id: int, since: datetime) -> list[Homework]:
    """The chat's assignments made or due since ``since``, due first."""
    h = _HOMEWORK.c
    statement = (
        select(Homework)
        .where(h.chat_id == chat_id, (h.due_at >= since) | (h.created_at >= since))
        .order_by(h.due_at, h.id)
    )
    return list(session.execute(statement).scalars())


def assign_members(
    session: Session, *, homework_id: int, members: Sequence[dict[str, Any]]
) -> None:
    """Members (learner_id, first_name, nudge_at) the homework is assigned to; a member
    already on it is kept as is."""
    if members:
        session.execute(
            insert_ignore(session, HomeworkMember)
            .values(
                [
                    {
                        "homework_id": homework_id,
                        **member,
                        "first_name": stored_name(member["first_name"]),
                    }
                    for member in members
                ]
            )
            .on_conflict_do_nothing(index_elements=["homework_id", "learner_id"])
        )


def get_member(session: Session, *, homework_id: int, learner_id: int) -> HomeworkMember | None:
    return session.get(HomeworkMember, (homework_id, learner_id))


def mark_started(session: Session, *, homework_id: int, learner_id: int, now: datetime) -> None:
    m = _MEMBER.c
    session.execute(
        update(_MEMBER)
        .where(m.homework_id == homework_id, m.learner_id == learner_id, m.started_at.is_(None))
        .values(started_at=now)
    )


def mark_finished(session: Session, *, homework_id: int, learner_id: int, now: datetime) -> None:
    m = _MEMBER.c
    session.execute(
        update(_MEMBER)
        .where(m.homework_id == homework_id, m.learner_id == learner_id, m.finished_at.is_(None))
        .values(finished_at=now)
    )


def learner_homework(
    session: Session, *, learner_id: int
) -> list[tuple[Homework, HomeworkMember]]:
    """Every assignment given to the learner, with their place on it, due first."""
    statement = (
        select(Homework, HomeworkMember)
        .join(HomeworkMember, _MEMBER.c.homework_id == _HOMEWORK.c.id)
        .where(_MEMBER.c.learner_id == learner_id)
        .order_by(_HOMEWORK.c.due_at, _HOMEWORK.c.id)
    )
    return [(row[0], row[1]) for row in session.execute(statement).all()]


def chat_titles(session: Session, *, chat_ids: Collection[int]) -> dict[int, str]:
    rows = session.execute(
        select(_GROUP.c.id, _GROUP.c.title).where(_GROUP.c.id.in_(list(chat_ids)))
    )
    return {int(r[0]): str(r[1]) for r in rows.all()}


# --- answers ------------------------------------------------------------------------------------


def save_answer(session: Session, *, values: dict[str, Any]) -> bool:
    """Store a member's answer to one item; False when they had answered it already."""
    result = session.execute(
        insert_ignore(session, HomeworkAnswer)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["homework_id", "learner_id", "position"])
    )
    return rowcount(result) == 1


def answered_positions(session: Session, *, homework_id: int, learner_id: int) -> set[int]:
    a = _ANSWER.c
    statement = select(a.position).where(a.homework_id == homework_id, a.learner_id == learner_id)
    return {int(p) for p in session.execute(statement).scalars()}


def answer_counts(
    session: Session, *, homework_ids: Collection[int], learner_id: int
) -> dict[int, int]:
    a = _ANSWER.c
    rows = session.execute(
        select(a.homework_id, func.count())
        .where(a.homework_id.in_(list(homework_ids)), a.learner_id == learner_id)
        .group_by(a.homework_id)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def homework_answers(
    session: Session, *, homework_id: int, learner_id: int | None = None
) -> list[HomeworkAnswerRow]:
    """The homework's answers (only one member's, where ``learner_id`` is given)."""
    a = _ANSWER.c
    statement = select(a.learner_id, a.position, a.correct, a.late).where(
        a.homework_id == homework_id
    )
    if learner_id is not None:
        statement = statement.where(a.learner_id == learner_id)
    rows = session.execute(statement).all()
    return [HomeworkAnswerRow(int(r[0]), int(r[1]), bool(r[2]), bool(r[3])) for r in rows]


def homework_members(session: Session, *, homework_id: int, chat_id: int) -> dict[int, str]:
    """Whom the homework is assigned to (id → first name), less those who left the chat."""
    m = _MEMBER.c
    left = select(_LEFT.c.learner_id).where(_LEFT.c.chat_id == chat_id)
    rows = session.execute(
        select(m.learner_id, m.first_name).where(
            m.homework_id == homework_id, m.learner_id.not_in(left)
        )
    ).all()
    return {int(r[0]): str(r[1]) for r in rows}


def chat_answers(session: Session, *, chat_id: int) -> list[tuple[HomeworkAnswer, Homework]]:
    """Every homework answer given in the chat's assignments, in order, with its homework."""
    statement = (
        select(HomeworkAnswer, Homework)
        .join(Homework, _HOMEWORK.c.id == _ANSWER.c.homework_id)
        .where(_HOMEWORK.c.chat_id == chat_id)
        .order_by(_ANSWER.c.homework_id, _ANSWER.c.answered_at)
    )
    return [(row[0], row[1]) for row in session.execute(statement).all()]


# --- nudges and reports: claimed once ----------------------------------------------------------


def nudges_due(session: Session, *, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(homework, member) pairs whose nudge time has come, unclaimed."""
    m = _MEMBER.c
    rows = session.execute(
        select(m.homework_id, m.learner_id)
        .where(m.nudged_at.is_(None), m.nudge_at <= now)
        # Claimed in key order: two instances lock the rows in the same order (no deadlock).
        .order_by(m.nudge_at, m.homework_id, m.learner_id)
        .limit(limit)
    ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


def claim_nudge(session: Session, *, homework_id: int, learner_id: int, now: datetime) -> bool:
    """Take the member's one nudge; False when another instance took it."""
    m = _MEMBER.c
    result = session.execute(
        update(_MEMBER)
        .where(m.homework_id == homework_id, m.learner_id == learner_id, m.nudged_at.is_(None))
        .values(nudged_at=now)
    )
    return rowcount(result) == 1


def reports_due(session: Session, *, now: datetime) -> list[int]:
    """Assignments past their due date whose report nobody sent."""
    h = _HOMEWORK.c
    statement = select(h.id).where(h.reported_at.is_(None), h.due_at <= now).order_by(h.due_at)
    return [int(i) for i in session.execute(statement).scalars()]


def claim_report(session: Session, *, homework_id: int, now: datetime) -> bool:
    """Take the assignment's report; False when another instance took it."""
    h = _HOMEWORK.c
    result = session.execute(
        update(_HOMEWORK)
        .where(h.id == homework_id, h.reported_at.is_(None))
        .values(reported_at=now)
    )
    return rowcount(result) == 1


def move_chat_homework(session: Session, *, old_id: int, new_id: int) -> None:
    """A group got a new id: its assignments and the members it saw go with it."""
    session.execute(update(_HOMEWORK).where(_HOMEWORK.c.chat_id == old_id).values(chat_id=new_id))
    there = select(_CLASS.c.learner_id).where(_CLASS.c.chat_id == new_id)
    session.execute(
        delete(_CLASS).where(_CLASS.c.chat_id == old_id, _CLASS.c.learner_id.in_(there))
    )
    session.execute(update(_CLASS).where(_CLASS.c.chat_id == old_id).values(chat_id=new_id))
