"""The store's queries on learners and their settings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Column, bindparam, delete, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from tutor.store.dialects import insert_ignore
from tutor.store.models import GroupChat, GroupDeck, Homework, Learner, QuizSession, stored_name
from tutor.store.typed import rowcount, table_of


def get_learner(session: Session, *, learner_id: int) -> Learner | None:
    """The learner by id (a primary-key read), None if unknown."""
    return session.get(Learner, learner_id)


class LearnerSettings(Protocol):
    """What studying reads of a learner: ``Learner`` has it, and so has ``LearnerSnapshot``."""

    @property
    def id(self) -> int: ...
    @property
    def timezone(self) -> str | None: ...
    @property
    def new_per_day(self) -> int: ...
    @property
    def desired_retention(self) -> float: ...
    @property
    def decks(self) -> list[str] | None: ...
    @property
    def fsrs_parameters(self) -> list[float] | None: ...


@dataclass(frozen=True, slots=True)
class LearnerSnapshot:
    """A learner's name, state and study settings as one press reads them: a plain value,
    not an ORM object (see ``learner_snapshot``)."""

    id: int
    first_name: str
    active: bool
    timezone: str | None
    new_per_day: int
    desired_retention: float
    decks: list[str] | None
    fsrs_parameters: list[float] | None


_LEARNER = table_of(Learner).c
_SNAPSHOT = select(*(_LEARNER[field.name] for field in fields(LearnerSnapshot))).where(
    _LEARNER.id == bindparam("learner_id")
)


def learner_snapshot(session: Session, *, learner_id: int) -> LearnerSnapshot | None:
    """The learner's ``LearnerSnapshot``, None if unknown.

    Every review press reads the learner; one select of plain columns costs a fraction of
    ``get_learner``'s ORM object (its identity map entry, its instance, every column)."""
    row = session.execute(_SNAPSHOT, {"learner_id": learner_id}).first()
    return None if row is None else LearnerSnapshot(*row)


def is_current(known: Learner | LearnerSnapshot, first_name: str) -> bool:
    """Whether the learner's row holds their name as Telegram sends it now, and them
    active: else ``ensure_learner`` writes it."""
    return known.first_name == stored_name(first_name) and known.active


def ensure_learner(
    session: Session, *, learner_id: int, first_name: str, now: datetime
) -> Learner:
    """Return the learner, creating them on first contact (safe against concurrent inserts)."""
    learner = session.get(Learner, learner_id)
    if learner is None:
        statement = (
            insert_ignore(session, Learner)
            .values(id=learner_id, first_name=stored_name(first_name), created_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        session.execute(statement)
        learner = session.get(Learner, learner_id)
        assert learner is not None
    elif not is_current(learner, first_name):
        learner.first_name = stored_name(first_name)
        # Writing to the bot again means they unblocked it.
        learner.active = True
        session.add(learner)
    return learner


def save_learner(session: Session, *, learner: Learner) -> None:
    """Stage the learner's changed settings for the next commit."""
    session.add(learner)


def _learner_columns() -> list[Column[Any]]:
    """The column naming the learner in every table about learners, the learner's own last.

    Found from the schema, so a table added later is forgotten too without a change here.
    """
    columns = [
        table.c.learner_id
        for table in reversed(SQLModel.metadata.sorted_tables)
        if "learner_id" in table.c
    ]
    return [*columns, table_of(Learner).c.id]


def count_learner_rows(session: Session, *, learner_id: int) -> dict[str, int]:
    """How many rows each table holds about the learner, by table name."""
    counts: dict[str, int] = {}
    for column in _learner_columns():
        result = session.execute(
            select(func.count()).select_from(column.table).where(column == learner_id)
        )
        counts[str(column.table.name)] = int(result.scalar_one())
    return counts


def _user_references() -> list[Column[Any]]:
    """Columns of other rows that name a user without being about them: the admin who set
    a group's daily quiz, who started a session (each gets the reports), who switched a
    built-in deck on for a group (their own decks go with them), who assigned a homework."""
    return [
        table_of(GroupChat).c.daily_set_by,
        table_of(QuizSession).c.started_by,
        table_of(GroupDeck).c.offered_by,
        table_of(Homework).c.assigned_by,
    ]


def delete_learner_rows(session: Session, *, learner_id: int) -> dict[str, int]:
    """Delete every row about the learner (children first) and clear the user's id where
    other rows name them; how many rows went, by table name."""
    deleted: dict[str, int] = {}
    for column in _learner_columns():
        result = session.execute(delete(column.table).where(column == learner_id))
        deleted[str(column.table.name)] = rowcount(result)
    for column in _user_references():
        session.execute(update(column.table).where(column == learner_id).values({column: None}))
    return deleted
