"""The store: SQLModel tables, the async engine, and the queries the use-cases need."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Select,
    String,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from tutor.scheduling import Memory

P = ParamSpec("P")
T = TypeVar("T")


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


def _learner_fk() -> Any:
    return Column(BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), nullable=False)


class Learner(SQLModel, table=True):
    """A Telegram user who studies with the bot, with their settings."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=128)
    timezone: str | None = Field(default=None, max_length=64)
    new_per_day: int = 10
    reminder_time: str = Field(default="09:00", max_length=5)
    reminders_on: bool = True
    desired_retention: float = 0.9
    # None means every deck is on; otherwise the ids of the decks switched on.
    decks: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # The daily reminder's schedule, kept here so a restart loses nothing: the UTC instant
    # of the next reminder (None when off), and the local date of the last one claimed.
    next_reminder_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True, index=True)
    )
    last_reminded_on: date | None = None


class ItemState(SQLModel, table=True):
    """One learner's FSRS memory state of one item (card, quiz question or explain prompt)."""

    __table_args__ = (Index("ix_itemstate_learner_due", "learner_id", "due"),)

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    item_id: str = Field(sa_column=Column(String(32), primary_key=True))
    state: int
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_review: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Number of reviews so far; doubles as the version a button was drawn at.
    reps: int = 0
    lapses: int = 0


class ReviewLog(SQLModel, table=True):
    """Every rating ever given, kept so FSRS parameters can be fitted later."""

    __table_args__ = (Index("ix_reviewlog_learner_time", "learner_id", "reviewed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(sa_column=_learner_fk())
    item_id: str = Field(max_length=32)
    rating: int
    reviewed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    duration_ms: int | None = None
    # What the review came from: "review", "quiz", "explain" or "group".
    source: str = Field(default="review", max_length=16)
    was_new: bool = False


class QuizRound(SQLModel, table=True):
    """A private quiz round: its questions in order, how far it got and the score so far."""

    __table_args__ = (Index("ix_quizround_learner", "learner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    learner_id: int = Field(sa_column=_learner_fk())
    item_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    answered: int = 0
    correct: int = 0
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PendingExplain(SQLModel, table=True):
    """An explain prompt waiting for the learner's answer (their next text message)."""

    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    item_id: str = Field(max_length=32)
    version: int = 0
    asked_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class GroupChat(SQLModel, table=True):
    """A group or supergroup the bot is in: its settings and its daily quiz."""

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    title: str = Field(default="", max_length=255)
    timezone: str | None = Field(default=None, max_length=64)
    # Who may start and stop sessions: admins only, unless opened to everyone.
    open_to_all: bool = False
    daily_time: str | None = Field(default=None, max_length=5)
    daily_questions: int = 5
    next_daily_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True, index=True)
    )
    last_daily_on: date | None = None
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class QuizSession(SQLModel, table=True):
    """A group quiz session: its questions, the one open now, and whether it is over."""

    __table_args__ = (
        # One running session per chat, enforced by the database for every instance.
        Index(
            "ux_quizsession_running",
            "chat_id",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    item_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    seconds: int
    # The question open now; -1 before the first is sent.
    position: int = -1
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class SessionPoll(SQLModel, table=True):
    """A quiz poll the bot sent for a session, so answers find their question."""

    poll_id: str = Field(primary_key=True, max_length=64)
    session_id: int = Field(
        sa_column=Column(ForeignKey("quizsession.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    position: int
    item_id: str = Field(max_length=32)
    correct_option: int
    message_id: int | None = None
    opened_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closes_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closed: bool = False


class PollVote(SQLModel, table=True):
    """A member's answer to a session poll (the first one counts)."""

    __table_args__ = (Index("ix_pollvote_chat", "chat_id"),)

    poll_id: str = Field(primary_key=True, max_length=64)
    learner_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
        )
    )
    session_id: int = Field(
        sa_column=Column(ForeignKey("quizsession.id", ondelete="CASCADE"), nullable=False)
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_name: str = Field(default="", max_length=128)
    correct: bool
    elapsed_ms: int
    answered_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


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


def _insert_ignore(session: Session | AsyncSession, table: Any) -> Any:
    """An INSERT that skips rows whose key exists, in the session's dialect."""
    name = session.get_bind().dialect.name
    insert = postgresql.insert if name == "postgresql" else sqlite.insert
    return insert(table)


def get_learner(session: Session, *, learner_id: int) -> Learner | None:
    return session.get(Learner, learner_id)


def ensure_learner(
    session: Session, *, learner_id: int, first_name: str, now: datetime
) -> Learner:
    """Return the learner, creating them on first contact (safe against concurrent inserts)."""
    learner = session.get(Learner, learner_id)
    if learner is None:
        statement = (
            _insert_ignore(session, Learner)
            .values(id=learner_id, first_name=first_name[:128], created_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        session.execute(statement)
        learner = session.get(Learner, learner_id)
        assert learner is not None
    elif learner.first_name != first_name[:128] or not learner.active:
        learner.first_name = first_name[:128]
        # Writing to the bot again means they unblocked it.
        learner.active = True
        session.add(learner)
    return learner


def load_memories(
    session: Session, *, learner_id: int, item_ids: Collection[str]
) -> dict[str, Memory]:
    """The learner's memories of the given items, by item id (missing = never seen).

    Reads plain columns of all the learner's states (the primary key's prefix) and keeps
    the wanted ones: cheaper than an IN list of every card and than ORM objects.
    """
    memories, _ = load_memories_and_new_count(
        session=session, learner_id=learner_id, item_ids=item_ids
    )
    return memories


# The review hot path's statements, built once: building a statement and its cache key on
# every call costs more than SQLite takes to run it.
_STATE = ItemState.__table__.c  # type: ignore[attr-defined]
_LOG = ReviewLog.__table__.c  # type: ignore[attr-defined]
_MEMORY_COLUMNS = (
    _STATE.item_id,
    _STATE.state,
    _STATE.step,
    _STATE.stability,
    _STATE.difficulty,
    _STATE.due,
    _STATE.last_review,
    _STATE.reps,
    _STATE.lapses,
)
_NEW_SINCE = (
    select(func.count())
    .where(
        _LOG.learner_id == bindparam("learner_id"),
        _LOG.reviewed_at >= bindparam("since"),
        _LOG.was_new.is_(True),
        _LOG.source == bindparam("source"),
    )
    .scalar_subquery()
)
_MEMORIES = select(*_MEMORY_COLUMNS).where(_STATE.learner_id == bindparam("learner_id"))
_MEMORIES_AND_NEW = select(*_MEMORY_COLUMNS, _NEW_SINCE).where(
    _STATE.learner_id == bindparam("learner_id")
)


def load_memories_and_new_count(
    session: Session,
    *,
    learner_id: int,
    item_ids: Collection[str],
    new_since: datetime | None = None,
    source: str = "review",
) -> tuple[dict[str, Memory], int]:
    """``load_memories``, and in the same round trip how many items the learner saw for
    the first time (from ``source``) since ``new_since``.

    A learner without any state has reviewed nothing, so no row means a count of 0.
    """
    if not item_ids:
        return {}, 0
    statement: Select[Any] = _MEMORIES if new_since is None else _MEMORIES_AND_NEW
    parameters = {"learner_id": learner_id, "since": new_since, "source": source}
    rows = session.execute(statement, parameters).all()
    new_count = int(rows[0][9]) if rows and new_since is not None else 0
    memories = {
        row[0]: Memory(
            state=row[1],
            step=row[2],
            stability=row[3],
            difficulty=row[4],
            due=row[5],
            last_review=row[6],
            reps=row[7],
            lapses=row[8],
        )
        for row in rows
        if row[0] in item_ids
    }
    return memories, new_count


def reviews_since(
    session: Session, *, learner_id: int, since: datetime, source: str | None = None
) -> int:
    """How many reviews the learner made since ``since`` (optionally from one source)."""
    statement = (
        select(func.count())
        .select_from(ReviewLog)
        .where(
            ReviewLog.learner_id == learner_id,  # type: ignore[arg-type]
            ReviewLog.reviewed_at >= since,  # type: ignore[arg-type]
        )
    )
    if source is not None:
        statement = statement.where(ReviewLog.source == source)  # type: ignore[arg-type]
    result = session.execute(statement)
    return int(result.scalar_one())


_INSERT_LOG = insert(ReviewLog.__table__)  # type: ignore[attr-defined]
# By dialect: the first review's INSERT, which skips a row another review has just made.
_INSERT_FIRST = {
    name: dialect.insert(ItemState.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=["learner_id", "item_id"]
    )
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
# The later reviews' compare-and-set: the SET clause comes from the parameters' names.
_UPDATE_NEXT = update(ItemState.__table__).where(  # type: ignore[attr-defined]
    _STATE.learner_id == bindparam("key_learner_id"),
    _STATE.item_id == bindparam("key_item_id"),
    _STATE.reps == bindparam("key_reps"),
)


def save_review(
    session: Session,
    *,
    learner_id: int,
    item_id: str,
    after: Memory,
    expected_reps: int,
    rating: int,
    reviewed_at: datetime,
    duration_ms: int | None,
    source: str,
) -> bool:
    """Store a review, the item's memory ``after`` it and its log line, if the item is
    still at ``expected_reps`` (0: never reviewed); False if another review got there
    first. Nothing is committed.

    The compare-and-set on ``reps`` makes a double tap, or two instances racing on one
    button, record exactly one rating.
    """
    memory = {
        "state": after.state,
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": after.due,
        "last_review": after.last_review,
        "reps": after.reps,
        "lapses": after.lapses,
    }
    if expected_reps == 0:
        statement = _INSERT_FIRST[session.get_bind().dialect.name]
        key = {"learner_id": learner_id, "item_id": item_id}
        result = session.execute(statement, {**key, **memory})
    else:
        guard = {"key_learner_id": learner_id, "key_item_id": item_id, "key_reps": expected_reps}
        result = session.execute(_UPDATE_NEXT, {**memory, **guard})
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    log = {
        "learner_id": learner_id,
        "item_id": item_id,
        "rating": rating,
        "reviewed_at": reviewed_at,
        "duration_ms": duration_ms,
        "source": source,
        "was_new": expected_reps == 0,
    }
    session.execute(_INSERT_LOG, log)
    return True
