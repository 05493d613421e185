"""A group's daily quiz: its local time, the chat's time zone it follows, and claiming the
quizzes whose time has come."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.services import reminders
from tutor.store import GroupChat


def _schedule_daily(group: GroupChat, *, default_zone: str, now: datetime) -> None:
    group.next_daily_at = (
        None
        if group.daily_time is None
        else reminders.first_slot_after(
            group.daily_time,
            group.timezone or default_zone,
            now,
            not_on_or_before=group.last_daily_on,
        )
    )


def set_daily(
    session: Session,
    *,
    chat_id: int,
    title: str,
    daily_time: str | None,
    questions: int | None,
    default_zone: str,
    now: datetime,
    set_by: int | None = None,
) -> GroupChat:
    """Schedule the chat's daily quiz at a local time (None: off; ``questions`` None: as
    before); ``set_by`` (the admin) gets its sessions' reports. Commits."""
    group = store.classroom.ensure_group(session, chat_id=chat_id, title=title, now=now)
    group.daily_time = daily_time
    group.daily_set_by = set_by if daily_time is not None else None
    if questions is not None:
        group.daily_questions = questions
    _schedule_daily(group, default_zone=default_zone, now=now)
    store.classroom.save_group(session, group=group)
    session.commit()
    return group


def set_group_zone(
    session: Session, *, chat_id: int, title: str, zone: str, default_zone: str, now: datetime
) -> GroupChat:
    """Set the chat's time zone (its daily quiz moves with it); commits."""
    group = store.classroom.ensure_group(session, chat_id=chat_id, title=title, now=now)
    group.timezone = zone
    if group.daily_time is not None:
        _schedule_daily(group, default_zone=default_zone, now=now)
    store.classroom.save_group(session, group=group)
    session.commit()
    return group


@dataclass(frozen=True)
class DailyQuiz:
    chat_id: int
    questions: int
    set_by: int | None = None


def claim_dailies(
    session: Session, *, default_zone: str, now: datetime, limit: int = 100
) -> list[DailyQuiz]:
    """Claim the daily quizzes whose time has come (same rules as reminders); commits.

    Each slot is moved on with a compare-and-set before its quiz starts, so two instances
    never start the same one.
    """
    rows, _handled = reminders.claim_slots(
        session,
        query=store.reminders.daily_quiz_slots(
            now, limit, lock=store.reminders.locks_rows(session)
        ),
        table=store.reminders.GROUP,
        slot_time="daily_time",
        next_at="next_daily_at",
        last_on="last_daily_on",
        default_zone=default_zone,
        now=now,
    )
    session.commit()
    return [
        DailyQuiz(
            chat_id=int(row[0]),
            questions=int(row[5]),
            set_by=None if row[6] is None else int(row[6]),
        )
        for row in rows
    ]
