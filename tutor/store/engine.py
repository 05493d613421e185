"""The store's engine: connecting to SQLite or PostgreSQL, and running units of work."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel import SQLModel

P = ParamSpec("P")
T = TypeVar("T")


def async_url(url: str) -> str:
    """Map a plain SQLAlchemy URL to its async driver (aiosqlite or asyncpg)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    return url


# How long a writer waits for SQLite's write lock before giving up.
SQLITE_LOCK_WAIT_SECONDS = 30


def _sqlite_pragmas(
    dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int = 1000 * SQLITE_LOCK_WAIT_SECONDS
) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the one writer work at once; NORMAL is durable across crashes
    # of the process in WAL mode, and foreign keys make /forget's cascade real.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # A writer waits its turn rather than failing: under a burst, a commit may queue behind
    # a few others, and a lost rating is worse than a slow one.
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.close()


def _sqlite_pragmas_no_wait(dbapi_connection: Any, record: Any) -> None:
    # The inline connection runs on the event loop's thread: it must never wait for a lock.
    _sqlite_pragmas(dbapi_connection, record, busy_timeout_ms=0)


def _note_commit(session: Session) -> None:
    session.info["committed"] = True


def _is_lock_wait(error: OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (BUSY or LOCKED)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return (
        isinstance(error.orig, sqlite3.OperationalError)
        and code is not None
        and (code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED))
    )


class Database:
    """The store's engines and sessions; one per process, opened at start-up.

    Use-cases either open an ``AsyncSession`` (``session()``) or, on the hot paths, are
    written as one synchronous unit of work over a plain ``Session`` and handed to
    ``run()``.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        self._inline_engine: Engine | None = None
        self._inline: sessionmaker[Session] | None = None
        if self.dialect == "sqlite":
            # SQLite has one writer at a time: a few connections are all it can use, and
            # fewer writers racing for the lock keeps the wait short and fair.
            kwargs.update(pool_size=4, max_overflow=0)
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                # One plain connection for units of work run on the loop's thread (run()).
                inline = self._inline_engine = create_engine(
                    parsed.set(drivername="sqlite+pysqlite"),
                    echo=echo,
                    pool_size=1,
                    max_overflow=0,
                )
                event.listen(inline, "connect", _sqlite_pragmas_no_wait)
                self._inline = sessionmaker(inline, expire_on_commit=False)
                event.listen(self._inline, "after_commit", _note_commit)
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    async def create_tables(self) -> None:
        """Create any missing table (idempotent)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for one use-case; the use-case commits, anything left is rolled back."""
        async with self._sessions() as session:
            yield session

    async def run(
        self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``work(session, *args, **kwargs)``, one synchronous unit of work that commits
        what it writes, and return its result.

        On SQLite the unit runs right here, on the event loop's thread, through a connection
        that never waits for a lock: its statements take microseconds, where an async
        driver's thread round trips (several per statement) cost more than the work. Never
        yielding, such a unit never holds the lock across an await. If another connection
        holds the write lock (an ``AsyncSession`` mid-transaction, another process), the
        unit is rolled back and tried again after a pause that lets the holder go on; so it
        must touch nothing but the database. Elsewhere (PostgreSQL) it runs through
        ``AsyncSession.run_sync``.
        """
        if self._inline is None:
            async with self._sessions() as session:
                return await session.run_sync(work, *args, **kwargs)
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
        pause = 0.001
        while True:
            with self._inline() as session:
                try:
                    return work(session, *args, **kwargs)
                except OperationalError as error:
                    # Once part of the unit is committed, running it again could do it twice.
                    retry = _is_lock_wait(error) and not session.info.get("committed")
                    if not retry or time.monotonic() > deadline:
                        raise
            await asyncio.sleep(pause)
            pause = min(2 * pause, 0.05)

    async def close(self) -> None:
        await self.engine.dispose()
        if self._inline_engine is not None:
            self._inline_engine.dispose()
