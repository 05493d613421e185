"""Homework, assigned: an admin gives a class items to do in private by a due date (see
``homework_steps`` for doing them, ``homework_due`` for the nudges and the report).

Who the class is: a bot cannot list a group's members, so an assignment goes to every
member the bot knows there (who answered its polls, joined while it was there, or opened a
homework link), less those who left; a member who joins later, or opens the link, gets it
too.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import zip_longest

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import Card, ExplainPrompt, QuizQuestion
from tutor.domain.homework import (
    HomeworkItem,
    due_instant,
    nudge_instant,
    snapshot,
)
from tutor.domain.library import Library
from tutor.domain.scheduling import check_utc, retrievability
from tutor.services.libraries import group_quiz_library, library_with_items

# The source that picks the class's weakest questions, from its own memory of its polls.
WEAKEST = "weak"
# Every deck the class's quizzes draw from.
ALL_DECKS = "all"


class HomeworkError(ValueError):
    """An assignment that cannot be made; the message says why."""


# --- assigning ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What an admin may assign from: the class's decks (id, title) and whether the class
    has a memory of its polls to pick its weakest questions from."""

    decks: list[tuple[str, str]]
    has_weakest: bool


def choices(session: Session, *, library: Library, chat_id: int) -> Choices:
    """The decks a homework can come from in this chat."""
    found, decks = group_quiz_library(session, library=library, chat_id=chat_id)
    memories = store.classroom.class_memories(session, chat_id=chat_id)
    return Choices(
        decks=[(d, found.decks[d].title) for d in decks if _assignable(found, [d])],
        has_weakest=bool(memories),
    )


def _assignable(library: Library, decks: Sequence[str]) -> list[HomeworkItem]:
    """The decks' items a homework can hold, taken in turn by kind (a card, a question, a
    prompt, ...) in the decks' order; a card with a picture is left out (the picture may
    go with its deck)."""
    by_kind: dict[type, list[HomeworkItem]] = {Card: [], QuizQuestion: [], ExplainPrompt: []}
    for deck in decks:
        for item in library.decks[deck].items():
            if isinstance(item, Card) and (item.image or item.back_image):
                continue
            if isinstance(item, Card | QuizQuestion | ExplainPrompt):
                by_kind[type(item)].append(item)
    return [item for row in zip_longest(*by_kind.values()) for item in row if item is not None]


def _weakest(
    session: Session, library: Library, chat_id: int, now: datetime
) -> list[HomeworkItem]:
    """The class's questions, the one it is least likely to recall now first."""
    memories = store.classroom.class_memories(session, chat_id=chat_id)
    found = library_with_items(session, library=library, item_ids=memories)
    ranked = sorted(memories, key=lambda item: (retrievability(memories[item], now), item))
    return [q for q in (found.items.get(i) for i in ranked) if isinstance(q, QuizQuestion)]


@dataclass(frozen=True)
class Assigned:
    """A homework made: its id, Start link code, title, due date (UTC), the chat's zone,
    its number of items and how many members it went to."""

    homework_id: int
    code: str
    title: str
    due_at: datetime
    zone: str
    items: int
    members: int


def assign(
    session: Session,
    *,
    library: Library,
    chat_id: int,
    chat_title: str,
    admin_id: int | None,
    source: str,
    count: int,
    days: int,
    clock: str,
    default_zone: str,
    now: datetime,
) -> Assigned:
    """Assign ``count`` items from ``source`` (a deck id, ALL_DECKS or WEAKEST), due
    ``days`` after today at ``clock`` in the chat's time zone, to every member the bot
    knows in the chat; commits.

    Raises:
        HomeworkError: the source has no items, or the due date is not in the future.
    """
    check_utc(now)
    group = store.classroom.ensure_group(session, chat_id=chat_id, title=chat_title, now=now)
    zone = group.timezone or default_zone
    due_at = due_instant(now, zone, days=days, clock=clock)
    if due_at <= now:
        raise HomeworkError("The due date has to be in the future.")
    found, decks = group_quiz_library(session, library=library, chat_id=chat_id)
    if source == WEAKEST:
        items = _weakest(session, library, chat_id, now)[:count]
        title = f"the class's {len(items)} weakest questions"
    else:
        chosen = decks if source == ALL_DECKS else [d for d in decks if d == source]
        items = _assignable(found, chosen)[:count]
        named = (
            "the class's decks"
            if source == ALL_DECKS
            else (found.decks[chosen[0]].title if chosen else "")
        )
        title = f"{len(items)} items from {named}"
    if not items:
        raise HomeworkError("There is nothing to assign from that: pick another deck.")
    code = secrets.token_urlsafe(9)
    homework_id = store.homework.add_homework(
        session,
        chat_id=chat_id,
        code=code,
        assigned_by=admin_id,
        title=title,
        items=snapshot(items),
        created_at=now,
        due_at=due_at,
    )
    roster = store.homework.class_roster(session, chat_id=chat_id)
    assign_to(session, homework_id, due_at, now, roster, default_zone)
    session.commit()
    return Assigned(homework_id, code, title, due_at, zone, len(items), len(roster))


def assign_to(
    session: Session,
    homework_id: int,
    due_at: datetime,
    now: datetime,
    members: dict[int, str],
    default_zone: str,
) -> None:
    """Put members on a homework, each with their nudge time: none for who has no learner
    row or turned reminders off (as for the daily reminder, a nudge the bot turns out not
    to be allowed to send is dropped, never tried twice)."""
    settings = store.homework.reminder_settings(session, learner_ids=members)
    rows = []
    for member, name in members.items():
        zone, clock, reachable = settings.get(member, (None, "", False))
        nudge = None
        if reachable:
            nudge = nudge_instant(
                due_at=due_at, assigned_at=now, zone=zone or default_zone, reminder_time=clock
            )
        rows.append({"learner_id": member, "first_name": name, "nudge_at": nudge})
    store.homework.assign_members(session, homework_id=homework_id, members=rows)


def members_joined(
    session: Session,
    *,
    chat_id: int,
    members: Sequence[tuple[int, str]],
    default_zone: str,
    now: datetime,
) -> None:
    """Members (id, first name) joined the chat, or showed they are in it: they are in the
    class, and on each of its assignments not yet due; commits."""
    store.homework.saw_members(session, chat_id=chat_id, members=members, now=now)
    for homework in store.homework.open_homework(session, chat_id=chat_id, now=now):
        assert homework.id is not None
        assign_to(session, homework.id, homework.due_at, now, dict(members), default_zone)
    session.commit()


# --- small reads for the replies ----------------------------------------------------------------


def chat_zone(session: Session, *, chat_id: int, default_zone: str) -> str:
    """The chat's time zone, that due dates are given in."""
    group = store.classroom.get_group(session, chat_id=chat_id)
    return (group.timezone if group is not None else None) or default_zone


def chat_title(session: Session, *, chat_id: int) -> str:
    return store.homework.chat_titles(session, chat_ids=[chat_id]).get(chat_id, "")
