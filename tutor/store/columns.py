"""Columns that several tables share: UTC timestamps, and FSRS's memory mapped once.

A memory (``tutor.domain.scheduling.Memory``) is stored in the columns of its fields, by
the same names: ``MemoryColumns`` declares them for every table that holds one (a
learner's ItemState, a class's ClassMemory, a changeable review's MemoryBefore), and
``memory_of`` / ``memory_values`` / ``memory_columns`` read and write them by name
(``memories_after`` by the positions it makes itself from the same fields), so a field
added to or moved in Memory cannot silently land in another column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Dialect, Row, Select, Table, select
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from tutor.domain.scheduling import Memory

MEMORY_FIELDS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(Memory))


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always UTC-aware in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass UTC-aware times")
        value = value.astimezone(UTC)
        # SQLite has no time zone type: keep naive UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class MemoryColumns(SQLModel):
    """A memory's columns, one per field of Memory and named after it."""

    state: int
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_review: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Number of reviews so far; doubles as the version a button was drawn at.
    reps: int = 0
    lapses: int = 0


def memory_columns(table: Table) -> tuple[Column[Any], ...]:
    """The table's memory columns in the order of Memory's fields."""
    return tuple(table.c[name] for name in MEMORY_FIELDS)


def memory_of(row: Any) -> Memory:
    """The memory in a row or a table object, read by column name."""
    return Memory(**{name: getattr(row, name) for name in MEMORY_FIELDS})


def memories_after(
    table: Table, *leading: Any
) -> tuple[Select[Any], Callable[[Row[Any]], Memory]]:
    """A select of ``leading`` columns then the table's memory columns, and the reader of
    its rows' memories, made together from MEMORY_FIELDS so they cannot disagree. For the
    review's hot path, where reading a Row's columns by name costs several times a slice
    (a learner's every state is read on each draw)."""
    start, end = len(leading), len(leading) + len(MEMORY_FIELDS)

    def read(row: Row[Any]) -> Memory:
        return Memory(*row[start:end])

    return select(*leading, *memory_columns(table)), read


def memory_values(memory: Memory) -> dict[str, Any]:
    """A memory as column values, by column name, for an insert or an update."""
    return {name: getattr(memory, name) for name in MEMORY_FIELDS}
