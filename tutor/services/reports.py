"""What a teacher sees of a class: a session's report and the class over a window, read from
the store; and who of a chat counts in them.

The figures are pure functions of the answers (``tutor.domain.classreport``); the use-cases
read the answers, aggregated in SQL where a class is large, and hand them over. Only the
chat's admins see any of it, in private (the handlers check); a member's ``/forget``
deletes their answers, so they drop out of every later report and export, and a member who
left the chat is out of ``/report`` and ``/export`` until they come back.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.classreport import (
    ABSENT_SESSIONS,
    ClassFigures,
    SessionFigures,
    class_figures,
    member_recall,
    session_figures,
)
from tutor.domain.library import Library
from tutor.domain.scheduling import check_utc
from tutor.services.homework_due import HomeworkReport, recent_reports
from tutor.services.libraries import group_quiz_library

NUMBER = re.compile(r"[0-9]{1,4}")
DEFAULT_DAYS, DAYS_RANGE = 30, (1, 365)


class UsageError(ValueError):
    """Arguments out of range; the message says what is allowed."""


def parse_days(args: Sequence[str]) -> int:
    """``/report [days]`` → the window in days, checked against DAYS_RANGE."""
    usage = (
        f"Usage: /report [days {DAYS_RANGE[0]}-{DAYS_RANGE[1]}], for example /report 7 "
        f"(default: the last {DEFAULT_DAYS} days)."
    )
    # ASCII digits only: str.isdigit also takes "²", which int() refuses.
    if len(args) > 1 or not all(NUMBER.fullmatch(arg) for arg in args):
        raise UsageError(usage)
    days = int(args[0]) if args else DEFAULT_DAYS
    if not DAYS_RANGE[0] <= days <= DAYS_RANGE[1]:
        raise UsageError(usage)
    return days


@dataclass(frozen=True)
class SessionReport:
    """A finished session's report and whom it goes to."""

    session_id: int
    chat_id: int
    chat_title: str
    recipient: int | None
    started_at: datetime
    zone: str
    figures: SessionFigures

    @property
    def local_start(self) -> datetime:
        return self.started_at.astimezone(ZoneInfo(self.zone))


def session_report(
    session: Session, *, library: Library, session_id: int, default_zone: str
) -> SessionReport | None:
    """The report of a session (None: unknown, or it asked nothing); commits."""
    quiz_session = store.classroom.get_session(session, session_id=session_id)
    polls = store.reports.session_polls(session, session_id=session_id)
    if quiz_session is None or not polls:
        session.commit()
        return None
    votes = store.reports.session_votes(
        session, chat_id=quiz_session.chat_id, session_id=session_id
    )
    group = store.classroom.get_group(session, chat_id=quiz_session.chat_id)
    session.commit()
    return SessionReport(
        session_id=session_id,
        chat_id=quiz_session.chat_id,
        chat_title=group.title if group is not None else "",
        recipient=quiz_session.started_by,
        started_at=quiz_session.started_at,
        zone=(group.timezone if group is not None else None) or default_zone,
        figures=session_figures(polls, votes, library=library),
    )


def claim_notice(session: Session, *, chat_id: int, admin_id: int, now: datetime) -> bool:
    """Whether the group is still to be told that the admin must start the bot in private
    (True once per chat and admin, across instances); commits."""
    claimed = store.classroom.claim_notice(session, chat_id=chat_id, admin_id=admin_id, now=now)
    session.commit()
    return claimed


@dataclass(frozen=True)
class ClassReport:
    """/report's figures for a chat over the last ``days`` days."""

    chat_id: int
    chat_title: str
    days: int
    figures: ClassFigures
    # The homework assigned or due in the window, with their reports.
    homework: tuple[HomeworkReport, ...] = ()


def class_report(
    session: Session,
    *,
    library: Library,
    chat_id: int,
    days: int,
    now: datetime,
    default_zone: str,
) -> ClassReport | None:
    """The class in the sessions started in the last ``days`` days and the homework made
    or due in them (None: nobody answered a quiz and no homework was given); commits."""
    check_utc(now)
    since = now - timedelta(days=days)
    middle = since + (now - since) / 2
    sessions = store.reports.sessions_since(session, chat_id=chat_id, since=since)
    later = [session_id for session_id, started in sessions if started >= middle]
    item_totals = (
        store.reports.member_item_totals(
            session,
            chat_id=chat_id,
            from_session=min(session_id for session_id, _ in sessions),
            later_from=min(later) if later else None,
        )
        if sessions
        else []
    )
    gone = store.reports.left_members(session, chat_id=chat_id)
    item_totals = [total for total in item_totals if total.learner_id not in gone]
    homework = tuple(
        recent_reports(session, chat_id=chat_id, since=since, default_zone=default_zone)
    )
    if not item_totals and not homework:
        session.commit()
        return None
    members = {total.learner_id for total in item_totals}
    recent = (
        store.reports.members_in_sessions(
            session,
            chat_id=chat_id,
            session_ids=[session_id for session_id, _ in sessions[:ABSENT_SESSIONS]],
        )
        if len(sessions) >= ABSENT_SESSIONS
        else None
    )
    names = store.reports.learner_names(session, learner_ids=members)
    studying = store.reports.private_learners(session, learner_ids=members)
    group = store.classroom.get_group(session, chat_id=chat_id)
    # The class's decks (own decks the admins chose included) name the questions' decks.
    library, decks = group_quiz_library(session, library=library, chat_id=chat_id)
    class_items = {item.id for deck in decks for item in library.deck_items(deck)}
    recall = member_recall(
        store.reports.recall_inputs(session, learner_ids=studying, now=now), item_ids=class_items
    )
    session.commit()
    return ClassReport(
        chat_id=chat_id,
        chat_title=group.title if group is not None else "",
        days=days,
        figures=class_figures(item_totals, names, recent, recall, library=library),
        homework=homework,
    )


def member_left(session: Session, *, chat_id: int, user_id: int, now: datetime) -> None:
    """A member left the chat (or was removed): out of its reports and exports; commits."""
    store.reports.mark_left(session, chat_id=chat_id, user_id=user_id, now=now)
    session.commit()


def members_back(session: Session, *, chat_id: int, user_ids: Collection[int]) -> None:
    """Members joined the chat (again): in its reports and exports; commits."""
    store.reports.mark_back(session, chat_id=chat_id, user_ids=user_ids)
    session.commit()
