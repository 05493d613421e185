"""Statements whose form differs between SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Select, String, cast, extract, func, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.util import await_only

from tutor.store.columns import UTCDateTime


def insert_ignore(session: Session | AsyncSession, table: Any) -> Any:
    """An INSERT that can skip rows whose key exists (``on_conflict_do_nothing``), in the
    session's dialect."""
    name = session.get_bind().dialect.name
    insert = postgresql.insert if name == "postgresql" else sqlite.insert
    return insert(table)


def plain_rows(session: Session, statement: Select[Any]) -> Sequence[Sequence[Any]]:
    """The statement's rows as the driver gives them (tuples, asyncpg's records), for reads
    of hundreds of thousands of rows.

    SQLAlchemy's rows cost more than the query itself there: a 300,000-answer export read
    in 2.1 s through them on PostgreSQL, 0.9 s from asyncpg; 1.4 s and 0.85 s on SQLite
    (``python -m bench report``). The statement's columns must need no result processing
    (no TypeDecorator such as UTCDateTime): plain ints, strings, booleans. It runs in the
    unit's transaction, in ``Database.run`` or ``run_long``.
    """
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    sql = str(compiled)
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    driver = connection.connection.driver_connection
    rows: Sequence[Sequence[Any]]
    if connection.dialect.name == "postgresql":  # asyncpg
        rows = await_only(driver.fetch(sql, *params))  # type: ignore[union-attr]
    elif isinstance(driver, sqlite3.Connection):  # Database.run's inline connection
        rows = driver.execute(sql, params).fetchall()
    else:  # aiosqlite, in run_long
        rows = await_only(driver.execute_fetchall(sql, params))  # type: ignore[union-attr]
    return rows


def utc_text(session: Session, column: Any) -> Any:
    """A UTC timestamp column as text, ``YYYY-MM-DD HH:MM:SS``, made by the database: for
    reading many rows without turning each into a datetime."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI:SS")
    # SQLite keeps naive UTC text in ISO order (see UTCDateTime): its first 19 characters.
    return func.substr(cast(column, String), 1, 19)


def whole_days_since(session: Session, column: Any, now: datetime) -> Any:
    """Whole days from a UTC timestamp column to ``now`` (as ``timedelta.days`` counts
    them), computed by the database: no datetime made per row."""
    moment = literal(now, UTCDateTime)
    if session.get_bind().dialect.name == "postgresql":
        return func.floor(extract("epoch", moment - column) / 86400)
    # julianday() is a float: a hair over the day's length keeps 3.0 days from being 2.
    return cast(func.julianday(moment) - func.julianday(column) + 1e-9, Integer)
