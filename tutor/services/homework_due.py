"""Homework, followed: each member's one nudge the day before the due date and the admin's
report at it, claimed once in the store (two instances never send one twice), and the
homework's part of /report and /export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import QuizQuestion
from tutor.domain.homework import (
    HomeworkFigures,
    HomeworkItem,
    homework_figures,
    label,
    restore,
)
from tutor.domain.scheduling import check_utc
from tutor.services.homework import chat_zone

# --- nudges and reports -----------------------------------------------------------------------

NUDGE_BATCH = 200


@dataclass(frozen=True)
class Nudge:
    """A member to remind of a homework they have not finished."""

    learner_id: int
    first_name: str
    homework_id: int
    title: str
    chat_title: str
    due_at: datetime
    zone: str
    total: int
    answered: int


def claim_nudges(session: Session, *, now: datetime, default_zone: str) -> list[Nudge]:
    """Claim the nudges whose time has come (each once, whatever instance asks); those to
    members who finished, left, or whose homework is past due are claimed and dropped.
    Commits."""
    check_utc(now)
    due = store.homework.nudges_due(session, now=now, limit=NUDGE_BATCH)
    claimed = [
        (homework_id, learner_id)
        for homework_id, learner_id in due
        if store.homework.claim_nudge(
            session, homework_id=homework_id, learner_id=learner_id, now=now
        )
    ]
    # What the nudges share is read once per homework (a class's nudges come together).
    homework_of: dict[int, store.Homework | None] = {}
    left_of: dict[int, set[int]] = {}
    titles: dict[int, str] = {}
    settings = store.homework.reminder_settings(
        session, learner_ids={learner for _, learner in claimed}
    )
    nudges: list[Nudge] = []
    for homework_id, learner_id in claimed:
        if homework_id not in homework_of:
            homework_of[homework_id] = store.homework.get_homework(
                session, homework_id=homework_id
            )
        homework = homework_of[homework_id]
        if homework is None or homework.due_at <= now:
            continue
        if homework.chat_id not in left_of:
            left_of[homework.chat_id] = store.reports.left_members(
                session, chat_id=homework.chat_id
            )
            titles.update(store.homework.chat_titles(session, chat_ids=[homework.chat_id]))
        member = store.homework.get_member(session, homework_id=homework_id, learner_id=learner_id)
        if member is None or member.finished_at is not None:
            continue
        if learner_id in left_of[homework.chat_id]:
            continue
        done = store.homework.answered_positions(
            session, homework_id=homework_id, learner_id=learner_id
        )
        nudges.append(
            Nudge(
                learner_id=learner_id,
                first_name=member.first_name,
                homework_id=homework_id,
                title=homework.title,
                chat_title=titles.get(homework.chat_id, ""),
                due_at=homework.due_at,
                zone=settings.get(learner_id, (None, "", False))[0] or default_zone,
                total=len(homework.items),
                answered=len(done),
            )
        )
    session.commit()
    return nudges


def claim_reports(session: Session, *, now: datetime) -> list[int]:
    """Claim the reports of assignments that fell due (each once); their ids. Commits."""
    check_utc(now)
    claimed = [
        homework_id
        for homework_id in store.homework.reports_due(session, now=now)
        if store.homework.claim_report(session, homework_id=homework_id, now=now)
    ]
    session.commit()
    return claimed


@dataclass(frozen=True)
class HomeworkReport:
    """A homework's report and whom it goes to."""

    homework_id: int
    chat_id: int
    chat_title: str
    recipient: int | None
    title: str
    due_at: datetime
    zone: str
    figures: HomeworkFigures


def homework_report(
    session: Session, *, homework_id: int, default_zone: str
) -> HomeworkReport | None:
    """What the admin who assigned the homework reads (None: it is gone)."""
    homework = store.homework.get_homework(session, homework_id=homework_id)
    if homework is None:
        return None
    group = store.classroom.get_group(session, chat_id=homework.chat_id)
    members = store.homework.homework_members(
        session, homework_id=homework_id, chat_id=homework.chat_id
    )
    answers = store.homework.homework_answers(session, homework_id=homework_id)
    return HomeworkReport(
        homework_id=homework_id,
        chat_id=homework.chat_id,
        chat_title=group.title if group is not None else "",
        recipient=homework.assigned_by,
        title=homework.title,
        due_at=homework.due_at,
        zone=chat_zone(session, chat_id=homework.chat_id, default_zone=default_zone),
        figures=homework_figures(restore(homework.items), members, answers),
    )


@dataclass(frozen=True)
class ExportedAnswer:
    """A homework answer as the class's export writes it."""

    answered_at: datetime
    item_id: str
    question: str
    learner_id: int
    name: str
    option: str
    correct: bool
    late: bool


def exported_answers(session: Session, *, chat_id: int) -> list[ExportedAnswer]:
    """Every homework answer in the chat by members still there, in order."""
    found: list[ExportedAnswer] = []
    # Each homework's members and items, read once (a class's answers come by hundreds).
    kept: dict[int, tuple[dict[int, str], list[HomeworkItem]]] = {}
    for answer, homework in store.homework.chat_answers(session, chat_id=chat_id):
        assert homework.id is not None
        if homework.id not in kept:
            kept[homework.id] = (
                store.homework.homework_members(session, homework_id=homework.id, chat_id=chat_id),
                restore(homework.items),
            )
        names, items = kept[homework.id]
        if answer.learner_id not in names:
            continue
        item = items[answer.position] if 0 <= answer.position < len(items) else None
        option = ""
        if isinstance(item, QuizQuestion) and answer.chosen_option is not None:
            option = item.options[answer.chosen_option].text
        found.append(
            ExportedAnswer(
                answered_at=answer.answered_at,
                item_id=answer.item_id,
                question=label(item) if item is not None else "",
                learner_id=answer.learner_id,
                name=names[answer.learner_id],
                option=option,
                correct=answer.correct,
                late=answer.late,
            )
        )
    return found


def recent_reports(
    session: Session, *, chat_id: int, since: datetime, default_zone: str
) -> list[HomeworkReport]:
    """The reports of the chat's assignments made or due since ``since`` (for /report)."""
    found = []
    for homework in store.homework.chat_homework_since(session, chat_id=chat_id, since=since):
        assert homework.id is not None
        report = homework_report(session, homework_id=homework.id, default_zone=default_zone)
        if report is not None:
            found.append(report)
    return found
