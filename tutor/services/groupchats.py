"""A group chat's row and life: created on first sight, its settings read, who may start
sessions, and its end (the bot removed) or its move to a supergroup's new id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.store import GroupChat


def ensure_group(session: Session, *, chat_id: int, title: str, now: datetime) -> GroupChat:
    """The group's row, created on first sight (title refreshed); commits."""
    group = store.classroom.ensure_group(session, chat_id=chat_id, title=title, now=now)
    session.commit()
    return group


@dataclass(frozen=True)
class GroupSettings:
    """A group chat's settings, as its commands read them."""

    open_to_all: bool  # everyone may start and stop sessions, not only admins
    timezone: str | None  # None: the operator's default
    daily_questions: int


def group_settings(session: Session, *, chat_id: int, title: str, now: datetime) -> GroupSettings:
    """The group's settings (the group is created on first sight, its title refreshed);
    commits."""
    group = ensure_group(session, chat_id=chat_id, title=title, now=now)
    return GroupSettings(
        open_to_all=group.open_to_all,
        timezone=group.timezone,
        daily_questions=group.daily_questions,
    )


def set_access(
    session: Session, *, chat_id: int, title: str, open_to_all: bool, now: datetime
) -> GroupChat:
    """Let everyone (or only admins) start and stop sessions; commits."""
    group = store.classroom.ensure_group(session, chat_id=chat_id, title=title, now=now)
    group.open_to_all = open_to_all
    store.classroom.save_group(session, group=group)
    session.commit()
    return group


def leave_chat(session: Session, *, chat_id: int, now: datetime) -> None:
    """The bot was removed: end the running session and stop the daily quiz; commits."""
    store.classroom.finish_chat_sessions(session, chat_id=chat_id, now=now)
    store.classroom.deactivate_group(session, chat_id=chat_id)
    session.commit()


def migrate_chat(session: Session, *, old_id: int, new_id: int, now: datetime) -> None:
    """A group became a supergroup with a new id: carry its settings, sessions, polls and
    votes over, whether or not the new id has a row already; commits.

    Telegram sends two service messages (one in each chat) that may be handled at once or
    on two instances: the first locks the old row and moves everything, the second then
    finds nothing left to move.
    """
    old = store.classroom.lock_group(session, chat_id=old_id)
    if old is not None:
        store.classroom.copy_group_settings(session, source=old, chat_id=new_id)
        store.classroom.delete_group(session, chat_id=old_id)
    if store.classroom.running_session(session, chat_id=new_id) is not None:
        # Only one session runs per chat: the new chat's goes on, the old one's ends.
        store.classroom.finish_chat_sessions(session, chat_id=old_id, now=now)
    store.classroom.move_chat_rows(session, old_id=old_id, new_id=new_id)
    store.shareddecks.move_group_decks(session, old_id=old_id, new_id=new_id)
    store.reports.move_left_members(session, old_id=old_id, new_id=new_id)
    store.homework.move_chat_homework(session, old_id=old_id, new_id=new_id)
    session.commit()
