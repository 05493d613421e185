"""Teacher report figures: /report's figures, a session's report and /export's CSV for a
class of 300 members with 100 sessions of 10 questions (300,000 answers), on SQLite and
PostgreSQL.

    python -m bench report
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert

from bench.loopwatch import LoopWatch, stall_line
from bench.reminders import scratch_pg
from bot.handlers.reports import EXPORT_PLAIN_LIMIT
from tutor.catalog import load_library
from tutor.domain import charts
from tutor.domain.content import ItemKind, QuizQuestion
from tutor.domain.library import Library
from tutor.services import report_export, reports
from tutor.services.libraries import settle_heap
from tutor.store import (
    Database,
    GroupChat,
    ItemState,
    Learner,
    PollVote,
    QuizSession,
    ReviewLog,
    SessionPoll,
    schema,
)

ROOT = Path(__file__).resolve().parents[1]
MEMBERS, SESSIONS, QUESTIONS = 300, 100, 10
CHAT = -1001500000000
END = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
# Every session within the last 30 days: /report's default window holds every answer.
FIRST = END - timedelta(days=30)
SESSION_GAP = timedelta(days=30) / SESSIONS
SECONDS = 30
# Half the class also studies in private: their cards' memories count in the recall.
PRIVATE_MEMBERS, PRIVATE_CARDS = MEMBERS // 2, 150
ROWS_PER_INSERT = 10_000

T = TypeVar("T")


def _class_rows(library: Library) -> dict[Any, list[dict[str, Any]]]:
    """The made-up class's rows, by table (deterministic)."""
    rng = random.Random(15)
    questions = [q for q in library.items_of_kind(ItemKind.QUIZ) if isinstance(q, QuizQuestion)]
    cards = library.ids_of_kind(ItemKind.CARD)
    ability = [rng.uniform(0.35, 0.95) for _ in range(MEMBERS)]
    ease = [rng.uniform(-0.2, 0.2) for _ in questions]
    tables: dict[Any, list[dict[str, Any]]] = {
        table: [] for table in (Learner, QuizSession, SessionPoll, PollVote, ItemState, ReviewLog)
    }
    for m in range(MEMBERS):
        tables[Learner].append(
            {"id": m + 1, "first_name": f"Student {m + 1:03d}", "created_at": FIRST}
        )
    for s in range(SESSIONS):
        started = FIRST + s * SESSION_GAP
        tables[QuizSession].append(
            {
                "id": s + 1, "chat_id": CHAT, "seconds": SECONDS, "started_at": started,
                "finished_at": started + timedelta(seconds=SECONDS * QUESTIONS),
                "position": QUESTIONS - 1, "started_by": 1,
                "item_ids": [questions[(s * QUESTIONS + p) % len(questions)].id
                             for p in range(QUESTIONS)],
            }
        )  # fmt: skip
        for p in range(QUESTIONS):
            index = (s * QUESTIONS + p) % len(questions)
            question = questions[index]
            order = list(range(len(question.options)))
            rng.shuffle(order)
            opened = started + timedelta(seconds=SECONDS * p)
            poll_id = f"bench-{s}-{p}"
            tables[SessionPoll].append(
                {
                    "poll_id": poll_id, "session_id": s + 1, "chat_id": CHAT, "position": p,
                    "item_id": question.id, "correct_option": order.index(question.correct_index),
                    "message_id": s * QUESTIONS + p, "opened_at": opened,
                    "closes_at": opened + timedelta(seconds=SECONDS), "closed": True,
                    "question": question.question,
                    "options": [o.text for o in question.options], "option_order": order,
                }
            )  # fmt: skip
            wrong = [i for i in range(len(question.options)) if i != question.correct_index]
            for m in range(MEMBERS):
                right = rng.random() < ability[m] + ease[index]
                elapsed = rng.randint(2_000, SECONDS * 1000 - 1)
                tables[PollVote].append(
                    {
                        "poll_id": poll_id, "learner_id": m + 1, "session_id": s + 1,
                        "chat_id": CHAT, "first_name": f"Student {m + 1:03d}",
                        "correct": right, "item_id": question.id,
                        "chosen_option": question.correct_index if right else rng.choice(wrong),
                        "elapsed_ms": elapsed,
                        "answered_at": opened + timedelta(milliseconds=elapsed),
                    }
                )  # fmt: skip
    # Every member's memory of the questions (group answers are reviews too), and for half
    # the class a review in private and the memories of the cards they studied.
    for m in range(MEMBERS):
        studied = [q.id for q in questions]
        if m < PRIVATE_MEMBERS:
            studied += list(cards[:PRIVATE_CARDS])
            tables[ReviewLog].append(
                {"learner_id": m + 1, "item_id": cards[0], "rating": 3, "reviewed_at": END,
                 "source": "review", "was_new": True}
            )  # fmt: skip
        for item_id in studied:
            last = END - timedelta(days=rng.uniform(0, 30))
            tables[ItemState].append(
                {
                    "learner_id": m + 1, "item_id": item_id, "state": 2, "step": None,
                    "stability": rng.uniform(0.5, 40.0), "difficulty": rng.uniform(1, 10),
                    "due": last + timedelta(days=3), "last_review": last, "reps": 3,
                    "lapses": 0,
                }
            )  # fmt: skip
    return tables


async def _fill(database: Database, rows: dict[Any, list[dict[str, Any]]]) -> float:
    started = time.perf_counter()
    await schema.upgrade(database)
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(GroupChat.__table__),  # type: ignore[attr-defined]
            [{"id": CHAT, "title": "Bench class", "daily_questions": 5, "created_at": FIRST,
              "open_to_all": False, "active": True}],
        )  # fmt: skip
        for table, values in rows.items():
            for at in range(0, len(values), ROWS_PER_INSERT):
                await connection.execute(
                    insert(table.__table__),  # type: ignore[attr-defined]
                    values[at : at + ROWS_PER_INSERT],
                )
    if database.dialect == "postgresql":
        # What autovacuum does to a table in steady use: statistics, and the visibility
        # map that lets a query read an index alone.
        async with database.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - started


async def _timed(work: Callable[[], Awaitable[T]], runs: int) -> tuple[list[float], float, T]:
    """Each run's seconds, the event loop's longest stall over all runs, the last result."""
    times, result = [], None
    async with LoopWatch() as watch:
        for _ in range(runs):
            started = time.perf_counter()
            result = await work()
            times.append(time.perf_counter() - started)
    assert result is not None
    return times, watch.worst, result


async def export_csv(database: Database, library: Library) -> report_export.CsvExport:
    """What /export does before the file: the plan, then every page into the CSV."""
    plan = await database.run_long(
        report_export.plan_export, chat_id=CHAT, default_zone="Europe/Berlin"
    )
    assert plan is not None
    return await report_export.write_export(database, library, plan)


async def _figures(url: str, label: str, library: Library) -> Any:
    database = Database(url)
    try:
        rows = _class_rows(library)
        filled = await _fill(database, rows)
        # The rows go before anything is measured, and what lives on is settled as the bot
        # settles its start-up heap (``settle_heap``): 300,000 dicts kept alive here made
        # every full garbage collection a 140 ms pause (measured), counted as the event
        # loop's stall though the bot never holds them.
        del rows
        settle_heap()
        print(f"  {label} (filled in {filled:.0f} s)")

        async def report() -> reports.ClassReport | None:
            return await database.run_long(
                reports.class_report,
                library=library,
                chat_id=CHAT,
                days=30,
                now=END,
                default_zone="UTC",
            )

        times, stall, class_report = await _timed(report, runs=7)
        assert class_report is not None
        figures = class_report.figures
        assert figures.answers == MEMBERS * SESSIONS * QUESTIONS, figures.answers
        print(
            f"    /report figures (30 days, {figures.answers:,} answers): "
            f"median {statistics.median(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms, "
            f"worst {max(times) * 1000:.0f} ms (target: 1 s); " + stall_line(stall)
        )

        async def session() -> reports.SessionReport | None:
            return await database.run_long(
                reports.session_report, library=library, session_id=SESSIONS, default_zone="UTC"
            )

        times, stall, _ = await _timed(session, runs=7)
        print(
            f"    a session's report ({MEMBERS} members x {QUESTIONS} questions): "
            f"median {statistics.median(times) * 1000:.1f} ms; " + stall_line(stall)
        )

        async def export() -> tuple[report_export.CsvExport, bytes]:
            written = await export_csv(database, library)
            return written, await asyncio.to_thread(written.getvalue)

        times, stall, (written, data) = await _timed(export, runs=5)
        assert written.rows == MEMBERS * SESSIONS * QUESTIONS
        print(
            f"    /export CSV ({written.rows:,} rows, {len(data) / 1e6:.1f} MB): "
            f"median {statistics.median(times):.2f} s, best {min(times):.2f} s, "
            f"worst {max(times):.2f} s (target: 3 s); " + stall_line(stall)
        )
        if len(data) > EXPORT_PLAIN_LIMIT:
            started = time.perf_counter()
            archive = report_export.zipped(data, "answers.csv")
            print(f"      over {EXPORT_PLAIN_LIMIT / 2**20:.0f} MiB, so sent zipped: "
                  f"{len(archive) / 1e6:.1f} MB, zipped in {time.perf_counter() - started:.2f} s "
                  "(in a thread)")  # fmt: skip
        return figures
    finally:
        await database.close()


async def run() -> None:
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} cores when it began)")
    print(
        f"Teacher reports: a class of {MEMBERS} members, {SESSIONS} sessions of {QUESTIONS} "
        f"questions ({MEMBERS * SESSIONS * QUESTIONS:,} answers)"
    )
    library = load_library(ROOT / "content")
    with tempfile.TemporaryDirectory() as directory:
        figures = await _figures(f"sqlite:///{directory}/report.db", "SQLite", library)
    async with scratch_pg() as pg:
        if pg is not None:
            await _figures(pg, "PostgreSQL", library)
    heatmap = figures.heatmap
    started = time.perf_counter()
    charts.render_class_heatmap(heatmap.members, heatmap.decks, heatmap.shares, title="Bench")
    print(f"  heatmap chart ({len(heatmap.members)} members x {len(heatmap.decks)} decks), "
          f"drawn in the worker: {(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip


def main() -> int:
    asyncio.run(run())
    return 0


if __name__ == "__main__":
    main()
