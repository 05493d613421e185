"""A rating's unit of work beside a long history: ``python -m bench draw``.

Every rating press runs one unit (``study.rate_and_draw``): store the rating, then draw the
next card. A learner's history only grows, so the unit must not read all of it. Learners
with 0, 1,000 and 5,000 cards already reviewed rate cards one after the other, through
``Database.run`` as the bot does, on SQLite and on PostgreSQL, in two cases: nothing else
is due (the next card is a new one) and a tenth of their cards are due (the next is the
most overdue; with 1,000 cards the 100 due run out halfway, and new cards follow).
Printed: the unit's median and p99 time over the ratings.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bench.deck import write_bench_content
from bench.learners import create_learners, percentile
from bench.reminders import scratch_pg
from tutor.catalog import load_library
from tutor.domain.content import ItemKind
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating, schedule_review
from tutor.services import study
from tutor.store import Database, schema
from tutor.store.columns import memory_values
from tutor.store.models import ItemState
from tutor.store.typed import table_of

HISTORIES = (0, 1_000, 5_000)
RATINGS = 200
DECK_CARDS = 5_500
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _fill(session: Session, *, learner_id: int, card_ids: list[str], due_every: int) -> None:
    """``card_ids`` reviewed once two weeks ago; one in ``due_every`` of them due now."""
    reviewed = schedule_review(None, Rating.GOOD, NOW - timedelta(days=14))
    rows = []
    for n, item_id in enumerate(card_ids):
        due = NOW + timedelta(days=30)
        if due_every and n % due_every == 0:
            due = NOW - timedelta(hours=n % 48 + 1)
        memory = dataclasses.replace(reviewed, due=due)
        rows.append({"learner_id": learner_id, "item_id": item_id, **memory_values(memory)})
    if rows:
        session.execute(insert(table_of(ItemState)), rows)
    session.commit()


async def _ratings(database: Database, library: Library, learner_id: int) -> list[float]:
    """Rate the card shown, RATINGS times; each unit's seconds."""
    now = NOW
    shown = await database.run(
        study.draw_next,
        library=library,
        learner_id=learner_id,
        first_name="Bench",
        now=now,
        default_zone="UTC",
    )
    upcoming = shown.upcoming
    times = []
    for _ in range(RATINGS):
        assert isinstance(upcoming, study.CardToShow)
        now += timedelta(seconds=3)
        started = time.perf_counter()
        rated = await database.run(
            study.rate_and_draw,
            library=library,
            learner_id=learner_id,
            first_name="Bench",
            item_id=upcoming.card.id,
            version=upcoming.version,
            rating=Rating.GOOD,
            now=now,
            shown_at=now - timedelta(seconds=2),
            default_zone="UTC",
        )
        times.append(time.perf_counter() - started)
        upcoming = rated.upcoming
    return times


async def _measure(url: str, library: Library) -> list[str]:
    card_ids = list(library.ids_of_kind(ItemKind.CARD))
    cases = [(0, 0)] + [(size, due_every) for size in HISTORIES[1:] for due_every in (0, 10)]
    learner_ids = list(range(700_001, 700_001 + len(cases)))
    await create_learners(url, learner_ids)
    database = Database(url)
    lines = []
    try:
        await schema.prepare(database)
        for learner_id, (size, due_every) in zip(learner_ids, cases, strict=True):
            await database.run(
                _fill, learner_id=learner_id, card_ids=card_ids[:size], due_every=due_every
            )
            times = await _ratings(database, library, learner_id)
            case = (
                "a new learner"
                if not size
                else "a tenth due: the most overdue next"
                if due_every
                else "none due: a new card next"
            )
            lines.append(
                f"  {size:>5,} cards reviewed, {case:<35} median"
                f" {1000 * statistics.median(times):5.2f} ms,"
                f" p99 {1000 * percentile(times, 99):5.2f} ms"
            )
    finally:
        await database.close()
    return lines


async def run() -> list[str]:
    lines = [
        f"A rating's unit (store it, draw the next card), {RATINGS} ratings each,"
        " by the size of the learner's history"
    ]
    with tempfile.TemporaryDirectory(prefix="lr-tutor-draw-") as tmp:
        library = load_library(write_bench_content(Path(tmp) / "content", DECK_CARDS))
        lines.append("SQLite (on the event loop's thread, as the bot runs it):")
        lines += await _measure(f"sqlite:///{Path(tmp) / 'draw.db'}", library)
        async with scratch_pg() as url:
            if url is not None:
                lines.append("PostgreSQL:")
                lines += await _measure(url, library)
    return lines


def main() -> int:
    print("\n".join(asyncio.run(run())))
    return 0


if __name__ == "__main__":
    main()
