"""Shared fixtures: a fresh database on SQLite and on PostgreSQL, and the shipped content."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from tutor.catalog import load_library
from tutor.domain.content import Deck
from tutor.domain.library import Library, library_of
from tutor.store import Database

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    url = PG_SERVER.replace("postgresql://", "postgres://", 1)
    connection = await asyncpg.connect(url, timeout=3)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own on the local PostgreSQL server, dropped after the run."""
    name = f"lr_tutor_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError) as exc:
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}")
    base = PG_SERVER.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tutor.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An opened Database with fresh tables."""
    db = Database(database_url)
    async with db.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.drop_all)
    await db.create_tables()
    yield db
    await db.close()


@pytest.fixture(scope="session")
def library() -> Library:
    """The decks that ship in content/."""
    return load_library(ROOT / "content")


def tiny_deck(deck_id: str = "tiny", cards: int = 6) -> Deck:
    """A small deck for tests that must not depend on the shipped content's wording."""
    return Deck.model_validate(
        {
            "id": deck_id,
            "title": f"Deck {deck_id}",
            "description": "A deck made up for tests.",
            "cards": [
                {
                    "id": f"{deck_id}-c{n}",
                    "level": "beginner",
                    "front": f"Question {n} of {deck_id}?",
                    "back": f"Answer {n} of {deck_id}.",
                    "source": "Made up for tests",
                }
                for n in range(cards)
            ],
        }
    )


@pytest.fixture
def tiny_library() -> Library:
    """Two made-up decks of six cards each."""
    return library_of([tiny_deck("alpha"), tiny_deck("beta")])
