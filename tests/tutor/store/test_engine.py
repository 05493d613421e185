"""The store's engine: URLs as operators write them, and SQLite's disk work kept off the loop."""

from __future__ import annotations

import asyncio
import ssl
import time
from datetime import UTC, datetime
from pathlib import Path

import certifi
import pytest
from sqlalchemy.orm import Session

from tutor.store import Database, learners
from tutor.store.engine import (
    CHECKPOINT_SECONDS,
    INLINE_BUDGET_SECONDS,
    ConfigurationError,
    asyncpg_ssl,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def add_learners(session: Session, *, first: int, count: int) -> None:
    for learner_id in range(first, first + count):
        learners.ensure_learner(session, learner_id=learner_id, first_name="x" * 100, now=NOW)
    session.commit()


async def test_an_in_memory_database_works_as_written() -> None:
    database = Database("sqlite:///:memory:")
    await database.create_tables()
    await database.run(add_learners, first=1, count=3)
    found = await database.run(learners.get_learner, learner_id=2)
    await database.close()
    assert found is not None and found.id == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, None),
        ({"sslmode": "disable"}, False),
        ({"sslmode": "prefer"}, "prefer"),
        ({"sslmode": "require"}, "require"),
    ],
)
def test_libpq_sslmode_maps_to_asyncpg(query: dict[str, str], expected: object) -> None:
    assert asyncpg_ssl(query) == expected


def test_verifying_modes_check_the_server_against_the_root_certificate(tmp_path: Path) -> None:
    full = asyncpg_ssl({"sslmode": "verify-full"})
    assert isinstance(full, ssl.SSLContext) and full.check_hostname
    assert full.verify_mode is ssl.CERT_REQUIRED
    # libpq: "require" with a root certificate verifies the CA (not the host name).
    ca = asyncpg_ssl({"sslmode": "require", "sslrootcert": certifi.where()})
    assert isinstance(ca, ssl.SSLContext) and not ca.check_hostname
    assert ca.verify_mode is ssl.CERT_REQUIRED
    with pytest.raises(ConfigurationError, match="no such file"):
        asyncpg_ssl({"sslmode": "verify-ca", "sslrootcert": str(tmp_path / "missing.crt")})
    with pytest.raises(ConfigurationError, match="sslmode=sometimes"):
        asyncpg_ssl({"sslmode": "sometimes"})


async def test_a_postgresql_url_with_sslmode_connects(postgres_url: str) -> None:
    # asyncpg has no sslmode keyword: passed through, the first connection would fail.
    database = Database(f"{postgres_url}?sslmode=disable")
    await database.create_tables()
    await database.run(add_learners, first=1, count=1)
    found = await database.run(learners.get_learner, learner_id=1)
    await database.close()
    assert found is not None
    assert "sslmode" not in database.url


async def test_sqlite_checkpoints_run_off_the_loop_thread(tmp_path: Path) -> None:
    path = tmp_path / "tutor.db"
    database = Database(f"sqlite:///{path}")
    await database.create_tables()
    await database.run(add_learners, first=1, count=1)
    size_before = path.stat().st_size

    def autocheckpoint(session: Session) -> int:
        return int(session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())

    # The connection units run on never checkpoints (that is where the fsyncs are) ...
    assert await database.run(autocheckpoint) == 0
    await database.run(add_learners, first=2, count=2000)
    assert path.stat().st_size == size_before
    # ... the background checkpoint copies the WAL into the database file.
    await asyncio.sleep(CHECKPOINT_SECONDS * 2 + 0.5)
    assert path.stat().st_size > size_before
    await database.close()


async def test_a_burst_of_inline_units_lets_the_loop_turn_between_them(tmp_path: Path) -> None:
    # Each unit outlasts one pass's budget: the units after the first wait for the next
    # pass, and the work queued behind them (a timer, another learner's update) runs first.
    database = Database(f"sqlite:///{tmp_path / 'burst.db'}")
    await database.create_tables()
    order: list[str] = []

    def unit(session: Session, name: str) -> None:
        time.sleep(INLINE_BUDGET_SECONDS * 1.2)
        order.append(name)

    async def other() -> None:
        order.append("other")

    try:
        await asyncio.gather(
            *(database.run(unit, name) for name in ("first", "second", "third")), other()
        )
    finally:
        await database.close()
    assert order == ["first", "other", "second", "third"]
