"""Statements whose form differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


def insert_ignore(session: Session | AsyncSession, table: Any) -> Any:
    """An INSERT that can skip rows whose key exists (``on_conflict_do_nothing``), in the
    session's dialect."""
    name = session.get_bind().dialect.name
    insert = postgresql.insert if name == "postgresql" else sqlite.insert
    return insert(table)
