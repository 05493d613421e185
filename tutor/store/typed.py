"""Typed access to what SQLModel and SQLAlchemy leave untyped: a model's Table, how many
rows a statement changed, and the key an insert made (one place instead of an ignore each)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The Table of a ``table=True`` model (SQLModel sets ``__table__`` at class creation)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE, DELETE or INSERT changed (a statement's result is a cursor's)."""
    return int(cast(CursorResult[Any], result).rowcount)


def inserted_key(result: Result[Any]) -> int:
    """The integer primary key an INSERT made."""
    key = cast(CursorResult[Any], result).inserted_primary_key
    assert key is not None, "not the result of an INSERT"
    return int(key[0])
