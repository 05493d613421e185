"""The store's engine: connecting to SQLite or PostgreSQL, and running units of work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool
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


# libpq's sslmode values (what managed PostgreSQL services put in their URLs), as asyncpg
# takes them when no certificate file is named.
_SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class ConfigurationError(ValueError):
    """A database URL the store cannot use, with a message for the operator."""


def asyncpg_ssl(query: dict[str, str]) -> str | bool | ssl.SSLContext | None:
    """The ``ssl`` argument for asyncpg from libpq's ``sslmode`` and ``sslrootcert``.

    asyncpg accepts neither as a keyword, so they are taken out of the URL and mapped:
    ``verify-ca`` and ``verify-full`` check the server against ``sslrootcert`` (or the
    system's certificates), and ``require`` with ``sslrootcert`` verifies the CA as libpq
    does. None when the URL says nothing about TLS.
    """
    mode = query.get("sslmode")
    root = query.get("sslrootcert")
    if mode is None and root is None:
        return None
    mode = mode or "verify-full"
    if mode not in _SSL_MODES:
        raise ConfigurationError(f"sslmode={mode} is not one of {', '.join(_SSL_MODES)}")
    if mode == "disable":
        return False
    if mode == "require" and root:
        mode = "verify-ca"
    if mode not in ("verify-ca", "verify-full"):
        return mode
    if root and not Path(root).expanduser().is_file():
        raise ConfigurationError(f"sslrootcert={root}: no such file")
    context = ssl.create_default_context(cafile=str(Path(root).expanduser()) if root else None)
    context.check_hostname = mode == "verify-full"
    return context


def engine_options(url: str) -> tuple[URL, dict[str, Any]]:
    """The async URL for ``url`` and the engine's ``connect_args`` that go with it."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() != "postgresql":
        return parsed, {}
    query = {key: str(value) for key, value in parsed.query.items()}
    ssl_argument = asyncpg_ssl(query)
    parsed = parsed.difference_update_query(["sslmode", "sslrootcert"])
    return parsed, ({} if ssl_argument is None else {"ssl": ssl_argument})


# How long a writer waits for SQLite's write lock before giving up.
SQLITE_LOCK_WAIT_SECONDS = 30
# How often the WAL is checkpointed into the database file, off the event loop.
CHECKPOINT_SECONDS = 2.0
# How much of one pass of the event loop units run inline may take (SQLite): past it, the
# next units wait for the next pass, so timers and other updates get their turn.
INLINE_BUDGET_SECONDS = 0.005

log = logging.getLogger(__name__)


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
    # The inline connection runs on the event loop's thread: it must never wait for a lock,
    # nor for the disk. In WAL mode with synchronous=NORMAL a commit only appends to the
    # WAL in the OS's cache; the fsyncs come with checkpoints, which this connection never
    # runs (they run in a thread: Database._checkpoint).
    _sqlite_pragmas(dbapi_connection, record, busy_timeout_ms=0)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


# How many times ``Database.run`` does a unit's slow preparation off the event loop before it
# lets the unit do it itself (a deck replaced at every try would otherwise never settle).
PREPARE_ROUNDS = 3
_MAY_PREPARE = "may_prepare"


class Prepare(Exception):
    """Raised by a unit of work that needs slow work done before it can go on (reading
    and validating thousands of items into a cache): ``Database.run`` awaits ``work``
    (which does its heavy part in a thread, not on the event loop), then runs the unit
    again from the start. Raised only where ``may_prepare(session)`` says so, and before
    the unit writes anything it would not write again the same way.
    """

    def __init__(self, work: Callable[[Database], Awaitable[None]]) -> None:
        super().__init__("unit needs preparing")
        self.work = work


def may_prepare(session: Session) -> bool:
    """Whether a unit running in ``session`` may raise ``Prepare``: only under
    ``Database.run`` (a unit called on a plain session does its work itself), and only
    for the first PREPARE_ROUNDS tries."""
    return bool(session.info.get(_MAY_PREPARE))


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


class _LongUnits:
    """A thread with an event loop and an engine of its own, where long units run
    (``Database.run_long``): their Python work (SQLAlchemy's rows and statements, a
    report's figures) then holds the interpreter in the switch interval's slices (5 ms)
    instead of the bot's event loop for the whole unit, so every other chat keeps being
    answered.

    Started at the first long unit; its engine is made in its own loop (asyncpg and
    aiosqlite connections belong to the loop that opened them).
    """

    def __init__(self, url: str, options: dict[str, Any], dialect: str) -> None:
        self._url, self._options, self._dialect = url, options, dialect
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._engine: AsyncEngine | None = None

    async def run(
        self,
        work: Callable[Concatenate[Session, P], T],
        prepare: bool,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=self._loop.run_forever, name="store-long-units", daemon=True
            )
            self._thread.start()
        running = asyncio.run_coroutine_threadsafe(
            self._run(work, prepare, *args, **kwargs), self._loop
        )
        return await asyncio.wrap_future(running)

    async def _run(
        self,
        work: Callable[Concatenate[Session, P], T],
        prepare: bool,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        if self._sessions is None:
            self._engine = create_async_engine(self._url, **self._options)
            if self._dialect == "sqlite":
                event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
            self._sessions = async_sessionmaker(
                self._engine, class_=AsyncSession, expire_on_commit=False
            )
        async with self._sessions() as session:
            session.info[_MAY_PREPARE] = prepare
            return await session.run_sync(work, *args, **kwargs)

    async def close(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if self._engine is not None:
            await asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(self._engine.dispose(), loop)
            )
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join)
        loop.close()
        self._loop = self._thread = None


class _PassBudget:
    """Time spent by inline units in the event loop's current pass.

    Thirty learners opening /review at once start thirty units in one pass of the loop, each
    a millisecond or more of work on its thread: a 52 ms stall for everyone in the review
    bench. A unit that finds the pass's budget spent waits for the next pass (woken as the
    loop goes round, with the other units that waited); the budget starts afresh each pass.
    Under the budget a unit never yields, so a quiet bot pays nothing.
    """

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._spent = 0.0
        self._resetting = False
        self._next_pass: asyncio.Event | None = None

    async def turn(self) -> None:
        """Return when this pass may still run a unit (at once while the budget lasts)."""
        while self._spent >= self._seconds:
            if self._next_pass is None:
                self._next_pass = asyncio.Event()
            await self._next_pass.wait()
        if not self._resetting:
            # Runs at the start of the next pass.
            asyncio.get_running_loop().call_soon(self._reset)
            self._resetting = True

    def spend(self, seconds: float) -> None:
        self._spent += seconds

    def _reset(self) -> None:
        self._spent = 0.0
        self._resetting = False
        if self._next_pass is not None:
            self._next_pass.set()
            self._next_pass = None


class Database:
    """The store's engines; one per process, opened at start-up.

    Every use-case is one synchronous unit of work over a plain ``Session`` that commits
    what it writes, handed to ``run()``: the one way to the database.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        parsed, connect_args = engine_options(url)
        self.url = parsed.render_as_string(hide_password=False)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo, "connect_args": connect_args}
        self._inline_engine: Engine | None = None
        self._inline: sessionmaker[Session] | None = None
        self._budget = _PassBudget(INLINE_BUDGET_SECONDS)
        self._checkpoints: asyncio.Task[None] | None = None
        database = parsed.database
        in_memory = self.dialect == "sqlite" and (not database or database == ":memory:")
        if in_memory:
            # One connection (SQLAlchemy's StaticPool) holds the whole in-memory database.
            pass
        elif self.dialect == "sqlite":
            # SQLite has one writer at a time: a few connections are all it can use, and
            # fewer writers racing for the lock keeps the wait short and fair.
            kwargs.update(pool_size=4, max_overflow=0)
            if database and not database.startswith("file:"):
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
                self._written = False
                self._checkpointer = create_engine(
                    parsed.set(drivername="sqlite+pysqlite"), poolclass=NullPool
                )
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        # Long units in a thread of their own, with a few connections of their own; not for
        # an in-memory database, which lives in its one connection.
        self._long_units = None
        if not in_memory:
            reader = {**kwargs, "pool_size": 2, "max_overflow": 2}
            self._long_units = _LongUnits(self.url, reader, self.dialect)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

    async def create_tables(self) -> None:
        """Create any missing table (idempotent)."""
        async with self.engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)

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
        must touch nothing but the database. Units take turns: past 5 ms of them in one
        pass of the event loop, the next waits for the next pass (``_PassBudget``).
        Elsewhere (PostgreSQL) it runs through ``AsyncSession.run_sync``.

        A unit that raises ``Prepare`` (a learner's library not yet read) gets its slow
        work done off the event loop and is run again.
        """
        for rounds in range(PREPARE_ROUNDS + 1):
            try:
                return await self._run_once(work, rounds < PREPARE_ROUNDS, *args, **kwargs)
            except Prepare as needed:
                await needed.work(self)
        raise AssertionError("unreachable: the last round may not prepare")

    async def _run_once(
        self,
        work: Callable[Concatenate[Session, P], T],
        prepare: bool,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        if self._inline is None:
            async with self._sessions() as session:
                session.info[_MAY_PREPARE] = prepare
                return await session.run_sync(work, *args, **kwargs)
        if self._checkpoints is None:
            self._checkpoints = asyncio.create_task(self._checkpoint_forever())
        self._written = True
        deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
        pause = 0.001
        while True:
            await self._budget.turn()
            started = time.perf_counter()
            with self._inline() as session:
                session.info[_MAY_PREPARE] = prepare
                try:
                    return work(session, *args, **kwargs)
                except OperationalError as error:
                    # Once part of the unit is committed, running it again could do it twice.
                    retry = _is_lock_wait(error) and not session.info.get("committed")
                    if not retry or time.monotonic() > deadline:
                        raise
                finally:
                    self._budget.spend(time.perf_counter() - started)
            await asyncio.sleep(pause)
            pause = min(2 * pause, 0.05)

    async def run_long(
        self, work: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``run`` for a long unit: a class's report over hundreds of thousands of answers,
        a page of an export, a learner's whole review log, a deck of thousands of items
        stored, an Anki history carried over.

        It runs in a thread of its own, with its own event loop and connections
        (``_LongUnits``): the bot's event loop waits for none of it. It commits as ``run``
        does, so what it writes is stored before the caller goes on; on SQLite a unit run
        inline meanwhile waits for its write lock (``run`` retries), never the event loop.
        During a report over 300,000 answers the loop's longest stall is now 15 to 25 ms
        (``python -m bench report``); it was 0.45 s with the unit on the loop. A unit that
        raises ``Prepare`` is prepared (on the bot's loop, as in ``run``) and run again.
        """
        for rounds in range(PREPARE_ROUNDS + 1):
            prepare = rounds < PREPARE_ROUNDS
            try:
                if self._long_units is not None:
                    return await self._long_units.run(work, prepare, *args, **kwargs)
                async with self._sessions() as session:
                    session.info[_MAY_PREPARE] = prepare
                    return await session.run_sync(work, *args, **kwargs)
            except Prepare as needed:
                await needed.work(self)
        raise AssertionError("unreachable: the last round may not prepare")

    async def ping(self) -> None:
        """Ask the database for nothing (``SELECT 1``): raises if it does not answer."""
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")

    def _checkpoint(self) -> None:
        """Copy the WAL into the database file (PASSIVE: never blocks readers or writers)."""
        with self._checkpointer.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    async def _checkpoint_forever(self) -> None:
        """Checkpoint in a thread every ``CHECKPOINT_SECONDS`` after units have run."""
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            if not self._written:
                continue
            self._written = False
            try:
                await asyncio.to_thread(self._checkpoint)
            except OperationalError as error:  # the database is busy or gone: next time
                log.warning("store: WAL checkpoint skipped: %s", error.orig)

    async def close(self) -> None:
        if self._long_units is not None:
            await self._long_units.close()
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
            await asyncio.to_thread(self._checkpoint)
            self._checkpointer.dispose()
        await self.engine.dispose()
        if self._inline_engine is not None:
            self._inline_engine.dispose()
