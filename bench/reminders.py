"""Reminder figures: one tick's selection over 100,000 learners and 2,000,000 item states
(SQLite and PostgreSQL), and 10,000 reminders delivered through a stand-in enforcing 30
messages a second.

    python -m bench reminders
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.deck import BENCH_DECK_ID, bench_deck
from bot.app import ALLOWED_UPDATES, build_application
from playground.botapi import BotApiStandin, RateLimits
from tutor import store
from tutor.config import Settings
from tutor.domain.content import Deck
from tutor.domain.library import library_of
from tutor.services import reminders
from tutor.store import Database, schema

LEARNERS = 100_000
ITEMS_PER_LEARNER = 20
DELIVERIES = 10_000
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN = "777:bench-reminders"

# The items of the selection's learners: the first cards of the bench deck.
SELECTION_LIBRARY = library_of([bench_deck(ITEMS_PER_LEARNER)])

# Learners' reminders are spread over the day from T0, item due times over +-30 days.
_SQLITE_FILL = [
    f"""
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {LEARNERS})
    INSERT INTO learner (id, first_name, timezone, new_per_day, reminder_time, reminders_on,
                         desired_retention, active, created_at, next_reminder_at)
    SELECT i, 'L' || i, 'UTC', 10, '09:00', 1, 0.9, 1, '2026-01-01 00:00:00.000000',
           strftime('%Y-%m-%d %H:%M:%S', '2026-03-02', printf('%+d seconds', (i * 7919) % 86400))
           || '.000000'
    FROM n
    """,
    f"""
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n
                            WHERE i < {LEARNERS * ITEMS_PER_LEARNER - 1})
    INSERT INTO itemstate (learner_id, item_id, state, due, reps, lapses)
    SELECT 1 + i / {ITEMS_PER_LEARNER},
           '{BENCH_DECK_ID}-c' || printf('%04d', i % {ITEMS_PER_LEARNER}), 2,
           strftime('%Y-%m-%d %H:%M:%S', '2026-03-02',
                    printf('%+d seconds', (i * 104729) % 5184000 - 2592000)) || '.000000',
           3, 0
    FROM n
    """,
]
_PG_FILL = [
    f"""
    INSERT INTO learner (id, first_name, timezone, new_per_day, reminder_time, reminders_on,
                         desired_retention, active, created_at, next_reminder_at)
    SELECT i, 'L' || i, 'UTC', 10, '09:00', true, 0.9, true, '2026-01-01 00:00:00+00',
           timestamptz '2026-03-02 00:00:00+00' + ((i * 7919) % 86400) * interval '1 second'
    FROM generate_series(1, {LEARNERS}) AS i
    """,
    f"""
    INSERT INTO itemstate (learner_id, item_id, state, due, reps, lapses)
    SELECT 1 + i / {ITEMS_PER_LEARNER},
           '{BENCH_DECK_ID}-c' || lpad((i % {ITEMS_PER_LEARNER})::text, 4, '0'), 2,
           timestamptz '2026-03-02 00:00:00+00'
             + ((i::bigint * 104729) % 5184000 - 2592000) * interval '1 second',
           3, 0
    FROM generate_series(0, {LEARNERS * ITEMS_PER_LEARNER - 1}) AS i
    """,
    "ANALYZE",
]


async def _fill(database: Database) -> float:
    started = time.perf_counter()
    await schema.upgrade(database)
    statements = _PG_FILL if database.dialect == "postgresql" else _SQLITE_FILL
    async with database.engine.begin() as connection:
        for statement in statements[:2]:
            await connection.execute(text(statement))
    if len(statements) > 2:
        async with database.engine.connect() as connection:
            await connection.execute(text(statements[2]))
            await connection.commit()
    return time.perf_counter() - started


async def _time_selection(database: Database, now: datetime, runs: int = 15) -> tuple[float, int]:
    """Median milliseconds of one tick's selection at ``now`` (rolled back, so repeatable)."""
    lock = database.dialect == "postgresql"
    times, due = [], 0
    for _ in range(runs):
        async with AsyncSession(database.engine, expire_on_commit=False) as session:
            started = time.perf_counter()
            rows = (
                await session.execute(
                    store.reminders.reminder_slots(now, reminders.CLAIM_BATCH, lock=lock)
                )
            ).all()
            counts, _ = await session.run_sync(
                reminders.waiting_counts,
                library=SELECTION_LIBRARY,
                decks_of={row[0]: row[6] for row in rows},
                zones={row[0]: row[1] or "UTC" for row in rows},
                caps={row[0]: row[7] for row in rows},
                now=now,
            )
            times.append((time.perf_counter() - started) * 1000)
            due = len(rows)
            await session.rollback()
    assert len(counts) <= due
    return statistics.median(times), due


async def _selection_figures(url: str, label: str) -> None:
    database = Database(url)
    try:
        seconds = await _fill(database)
        print(f"  {label}: {LEARNERS:,} learners, {LEARNERS * ITEMS_PER_LEARNER:,} item states "
              f"(filled in {seconds:.0f} s)")  # fmt: skip
        for name, now in (
            ("steady state, a 20 s tick", T0 + timedelta(hours=9, seconds=20)),
            ("backlog after an hour down", T0 + timedelta(hours=10)),
        ):
            # The steady state is the slots of the last 20 s; the backlog a full batch.
            start = now - timedelta(seconds=20) if "steady" in name else T0
            async with AsyncSession(database.engine, expire_on_commit=False) as session:
                await session.execute(
                    text(
                        "UPDATE learner SET next_reminder_at = :far "
                        "WHERE next_reminder_at < :start"
                    ),
                    {"far": T0 + timedelta(days=1), "start": start.replace(tzinfo=None)
                     if database.dialect == "sqlite" else start},
                )  # fmt: skip
                await session.commit()
            median, due = await _time_selection(database, now)
            print(f"    {name:28s} {due:4d} due: selection median {median:6.1f} ms")
    finally:
        await database.close()


@contextlib.asynccontextmanager
async def scratch_pg() -> AsyncIterator[str | None]:
    """A fresh database on the benchmarks' PostgreSQL server for one run, dropped after it
    (None, said, if no server answers)."""
    url = await _create_pg()
    try:
        yield url
    finally:
        if url is not None:
            await _drop_pg(url)


async def _create_pg() -> str | None:
    """A fresh database on the benchmarks' PostgreSQL server (None, said, if none answers)."""
    import asyncpg

    name = f"lr_tutor_bench_{uuid.uuid4().hex[:8]}"
    try:
        connection = await asyncpg.connect(
            PG_SERVER.replace("postgresql://", "postgres://"), timeout=3
        )
    except (OSError, TimeoutError) as exc:
        print(f"  PostgreSQL: not reachable at {PG_SERVER} ({exc}); skipped")
        return None
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return f"{PG_SERVER.rsplit('/', 1)[0]}/{name}"


async def _drop_pg(url: str) -> None:
    """Drop a database ``_create_pg`` made."""
    import asyncpg

    connection = await asyncpg.connect(PG_SERVER.replace("postgresql://", "postgres://"))
    await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    await connection.close()


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _delivery_figures(directory: Path) -> None:
    """10,000 learners due at once; the real bot's tick sends through a strict stand-in."""
    url = f"sqlite:///{directory / 'delivery.db'}"
    database = Database(url)
    await schema.upgrade(database)
    slot = T0 + timedelta(hours=9)
    async with database.engine.begin() as connection:
        await connection.execute(text(f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {DELIVERIES})
            INSERT INTO learner (id, first_name, timezone, new_per_day, reminder_time,
                                 reminders_on, desired_retention, active, created_at,
                                 next_reminder_at)
            SELECT 100000 + i, 'L' || i, 'UTC', 10, '09:00', 1, 0.9, 1,
                   '2026-01-01 00:00:00.000000', '2026-03-02 09:00:00.000000' FROM n
        """))  # fmt: skip
        await connection.execute(text(f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {DELIVERIES})
            INSERT INTO itemstate (learner_id, item_id, state, due, reps, lapses)
            SELECT 100000 + i, 'bench-c0', 2, '2026-03-01 09:00:00.000000', 3, 0 FROM n
        """))  # fmt: skip
    await database.close()

    deck = Deck.model_validate({
        "id": "bench", "title": "Bench", "description": "Benchmark deck.",
        "cards": [{"id": "bench-c0", "level": "beginner", "front": "F", "back": "B",
                   "source": "S"}],
    })  # fmt: skip
    async with BotApiStandin(token=TOKEN, rate_limits=RateLimits()) as server:
        for i in range(1, DELIVERIES + 1):
            server.user(100000 + i, f"L{i}")
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, telegram_bot_token=TOKEN, telegram_api_url=server.base_url,
            database_url=url,
        )  # fmt: skip
        application = build_application(
            settings, library=library_of([deck]), clock=_Clock(slot + timedelta(seconds=5)),
            reminder_interval=1.0,
        )  # fmt: skip
        await application.initialize()
        assert application.post_init is not None and application.updater is not None
        await application.post_init(application)
        await application.updater.start_polling(timeout=1, allowed_updates=ALLOWED_UPDATES)
        started = time.perf_counter()
        await application.start()
        try:
            while True:
                delivered = sum(1 for r in server.requests("sendMessage") if r.error is None)
                if delivered >= DELIVERIES or time.perf_counter() - started > 600:
                    break
                await asyncio.sleep(0.5)
            elapsed = time.perf_counter() - started
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
        refused = server.rate_limited_count
    print(f"  {delivered:,} of {DELIVERIES:,} reminders delivered in {elapsed:.0f} s "
          f"({delivered / elapsed:.1f} a second), {refused} answered 429 "
          "(target: all, zero 429s, within 360 s)")  # fmt: skip


async def run(*, delivery: bool = True) -> None:
    print("Reminders")
    with tempfile.TemporaryDirectory() as directory:
        await _selection_figures(f"sqlite:///{directory}/select.db", "SQLite")
        async with scratch_pg() as pg:
            if pg is not None:
                await _selection_figures(pg, "PostgreSQL")
        if delivery:
            await _delivery_figures(Path(directory))


def main() -> int:
    asyncio.run(run())
    return 0


if __name__ == "__main__":
    main()
