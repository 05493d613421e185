"""Heavy users beside ordinary ones: two accounts with the biggest libraries allowed take
turns at /review (one a second at most) while ordinary learners press review buttons.

    python -m bench heavy

Each heavy account holds 50 own decks of 5,000 cards (the issue's case), or as many as
the quota on items per learner allows (``tutor.services.quotas.MAX_LIBRARY_ITEMS``; the line
"heavy accounts" says which). Their decks are written through the store as an import
writes them (``owndecks.assign_ids``, then the deck and its rows), which is faster than
parsing files. The bot runs as ``python -m bot`` under a watcher that ticks every 10 ms on
every event loop and notes how late each tick came (the loop's stalls), against the
stand-in Bot API, on SQLite and on PostgreSQL. Printed: the ordinary learners' press
latency (p50, p99, max), the loop's worst stall, each heavy /review's time, and the bot's
memory (RSS now and at its peak). Figures only; the issue's target is others' presses
under 100 ms p99.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bench import learners
from bench.botprocess import bot_environment, run_bot
from bench.deck import write_bench_content
from bench.learners import (
    Sample,
    TutorDriver,
    create_learners,
    learners_of,
    percentile,
    press_once,
)
from bench.loopwatch import read_stalls, watched_bot_args
from bench.reminders import scratch_pg
from playground.botapi import BotApiStandin, StandinTimeout, UserHandle
from tutor.domain.content import Card
from tutor.imports import ParsedDeck
from tutor.services import owndecks
from tutor.store import Database
from tutor.store import owndecks as queries

TOKEN = "5003:bench-heavy-token"
CARDS_PER_DECK = 5_000
WANTED_DECKS = 50
HEAVY_IDS = (900_001, 900_002)
ORDINARY_FIRST_ID = 910_001
ORDINARY_LEARNERS = 20
PRESS_PERIOD = 1.0
# The heavy accounts send /review in turn, one a second at most between them (a person's
# pace, twice as often as each ordinary learner presses): what their libraries cost, not
# how much traffic two accounts can send, which the rate limits are for.
HEAVY_PERIOD = 1.0
DURATION = 40.0
HEAVY_TIMEOUT = 60.0
P99_TARGET_MS = 100.0


def heavy_decks() -> int:
    """How many 5,000-card decks a heavy account gets: 50, or what the quota allows."""
    try:
        from tutor.services.quotas import MAX_LIBRARY_ITEMS
    except ImportError:  # a version without quotas (the "before" run)
        return WANTED_DECKS
    return min(WANTED_DECKS, MAX_LIBRARY_ITEMS // CARDS_PER_DECK)


def _deck(number: int) -> ParsedDeck:
    cards = tuple(
        Card(
            id=f"c{k}",
            level="beginner",
            front=f"Deck {number}, card {k}: what does a learning rate of 1e-{k % 6} do?",
            back=f"It scales each step; at 1e-{k % 6} the loss moves by about that much.",
            source="heavy.csv",
        )
        for k in range(CARDS_PER_DECK)
    )
    return ParsedDeck(
        name=f"Heavy {number}", format="csv", cards=cards, quiz=(), explain=(), skipped=(),
        media_skipped=0,
    )  # fmt: skip


async def create_heavy_accounts(url: str, decks: int) -> None:
    """Give each heavy account ``decks`` decks of CARDS_PER_DECK cards, as imports write them."""
    database = Database(url)
    now = datetime.now(UTC)
    template = _deck(0)
    try:
        for owner in HEAVY_IDS:
            for k in range(decks):

                def write(session: Session, owner: int = owner, k: int = k) -> None:
                    number = queries.insert_deck(
                        session,
                        learner_id=owner,
                        name=f"heavy {k}",
                        title=f"Heavy {k}",
                        share_code=f"h{owner % 1000:03d}{k:08d}",
                        revision=random.getrandbits(62),
                        now=now,
                    )
                    rows, _ = owndecks.assign_ids(number, template, [])
                    queries.write_items(session, deck_id=number, rows=rows)
                    session.commit()

                await database.run_long(write)
    finally:
        await database.close()


# --- the run -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HeavyRun:
    """What one run measured."""

    label: str
    samples: list[Sample]
    # The worst stalls: (seconds late, seconds into the run).
    worst_stalls: list[tuple[float, float]]
    heavy_turns: list[float]
    rss_mb: float
    peak_mb: float
    errors: list[str]


def _memory(pid: int) -> tuple[float, float]:
    """The process's resident memory now and at its peak, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    rss, peak = (float(fields.get(name, "nan kB").split()[0]) for name in ("VmRSS", "VmHWM"))
    return rss / 1024, peak / 1024


async def _measure(label: str, url: str, workdir: Path) -> HeavyRun:
    content = write_bench_content(workdir / "content")
    ordinary = list(range(ORDINARY_FIRST_ID, ORDINARY_FIRST_ID + ORDINARY_LEARNERS))
    await create_learners(url, [*HEAVY_IDS, *ordinary])
    await create_heavy_accounts(url, heavy_decks())
    stalls = workdir / "stalls.txt"
    stalls.write_text("")
    async with BotApiStandin(token=None, rate_limits=False) as server:
        standin = server.add_bot(TOKEN, username="bench_heavy_bot")
        env = bot_environment(
            TELEGRAM_BOT_TOKEN=TOKEN,
            DATABASE_URL=url,
            CONTENT_DIR=str(content),
            TELEGRAM_API_URL=server.base_url,
            LOG_LEVEL="WARNING",
        )
        args = watched_bot_args(stalls)
        async with run_bot(
            "heavy", args, standin_bot=standin, env=env, workdir=workdir, profile=None
        ) as running:
            driver = TutorDriver(standin)
            users = learners_of(standin, ORDINARY_FIRST_ID, ORDINARY_LEARNERS)
            messages = await asyncio.gather(*(driver.first_message(u) for u in users))
            heavies = [standin.user(i, f"Heavy {i}") for i in HEAVY_IDS]
            samples: list[Sample] = []
            turns: list[float] = []
            begin = time.perf_counter() + 0.5
            end = begin + DURATION
            window_start = time.monotonic() + 0.5

            async def press(n: int, user: UserHandle, message: object) -> None:
                rng = random.Random(n)
                tick = begin + PRESS_PERIOD * n / len(users)
                while tick < end:
                    await asyncio.sleep(max(0.0, tick - time.perf_counter()))
                    pressed = time.perf_counter()
                    try:
                        message = await press_once(driver, user, message, rng, samples)  # type: ignore[arg-type]
                    except StandinTimeout:
                        # Never answered (the bot froze past Telegram's answer window):
                        # counted as an error, with the time waited; then start over.
                        waited = time.perf_counter()
                        samples.append(Sample(pressed, waited, waited, False))
                        try:
                            message = await driver.first_message(user)
                        except StandinTimeout:
                            return
                    tick = max(tick + PRESS_PERIOD, time.perf_counter())

            async def take_turns() -> None:
                await asyncio.sleep(max(0.0, begin - time.perf_counter()))
                turn = 0
                while time.perf_counter() < end:
                    heavy = heavies[turn % len(heavies)]
                    started = time.perf_counter()
                    await heavy.send("/review")
                    # Past the timeout (still building) its reply is waited for next turn.
                    with contextlib.suppress(StandinTimeout):
                        await heavy.wait_for_message(timeout=HEAVY_TIMEOUT)
                    turns.append(time.perf_counter() - started)
                    turn += 1
                    await asyncio.sleep(max(0.0, started + HEAVY_PERIOD - time.perf_counter()))

            pressing = [
                asyncio.create_task(press(n, u, m))
                for n, (u, m) in enumerate(zip(users, messages, strict=True))
            ]
            await asyncio.gather(take_turns(), *pressing)
            window_end = time.monotonic()
            rss, peak = _memory(running.process.pid)
            await standin.settle(quiet=0.3)
        errors = running.problems()
    worst = read_stalls(stalls, window_start, window_end + 0.5)[:3]
    return HeavyRun(label, samples, worst, turns, rss, peak, errors)


def _report(run: HeavyRun) -> list[str]:
    latencies = [s.latency for s in run.samples]
    p50, p99 = (1000 * percentile(latencies, q) for q in (50, 99))
    worst = 1000 * max(latencies, default=math.nan)
    errors = sum(not s.as_expected for s in run.samples)
    turns = ", ".join(f"{t:.2f}" for t in run.heavy_turns[:12])
    stalls = ", ".join(f"{1000 * late:.0f} ms at {at:.1f} s" for late, at in run.worst_stalls)
    lines = [
        f"{run.label}: {len(run.samples)} presses by {ORDINARY_LEARNERS} ordinary learners: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms "
        f"(target p99 <= {P99_TARGET_MS:g} ms); errors (unanswered) {errors}",
        f"  event loop's worst stalls (10 ms ticker): {stalls or 'none over 2 ms'}; "
        f"bot RSS {run.rss_mb:.0f} MB (peak {run.peak_mb:.0f} MB)",
        f"  heavy /review turns: {len(run.heavy_turns)}, seconds each: {turns}"
        f"{' ...' if len(run.heavy_turns) > 12 else ''}",
    ]
    if run.errors:
        lines.append(f"  warning: the bot logged {len(run.errors)} error line(s), the first:")
        lines.extend(f"    {line}" for line in run.errors[:4])
    return lines


async def _main() -> None:
    # Before the quotas the bot froze for longer than the review bench ever waits.
    learners.PRESS_TIMEOUT = HEAVY_TIMEOUT
    decks = heavy_decks()
    print(
        f"Heavy users: accounts {', '.join(map(str, HEAVY_IDS))} with {decks} decks of "
        f"{CARDS_PER_DECK:,} cards each ({decks * CARDS_PER_DECK:,} items"
        f"{', the quota' if decks < WANTED_DECKS else ''}) take turns at /review "
        f"(one every {HEAVY_PERIOD:g} s at most) for "
        f"{DURATION:g} s while {ORDINARY_LEARNERS} learners press a review button every "
        f"{PRESS_PERIOD:g} s each; python -m bot, LOG_LEVEL=WARNING; "
        f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="lr-tutor-heavy-") as tmp:
        workdir = Path(tmp)
        run = await _measure("SQLite", f"sqlite:///{workdir / 'heavy.db'}", workdir)
        print("\n".join(_report(run)), flush=True)
    async with scratch_pg() as url:
        if url is not None:
            with tempfile.TemporaryDirectory(prefix="lr-tutor-heavy-") as tmp:
                run = await _measure("PostgreSQL", url, Path(tmp))
            print("\n".join(_report(run)), flush=True)


def main() -> int:
    """Print the figures; 0 always (a benchmark, not a test)."""
    asyncio.run(_main())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
