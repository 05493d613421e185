"""The worker pools under hostile files: what a parse past its deadline costs, and whether
anyone else notices.

Run with ``python -m bench workers``. Prints figures; never fails on time.

* Pool: a job that hangs in C code (the regex engine, as a backtracking pattern would) runs
  to its deadline and is stopped; printed are how far past the deadline the refusal came,
  and the time from the refusal to the next real import (a 5,000-row CSV) read in the
  same pool, i.e. a worker stopped, a fresh one started and warm.
* Bot: the real bot (in this process, SQLite) on the Bot API stand-in, with a short file
  deadline; hostile learners keep sending a file that runs past it while a canary learner
  sends /help every 0.2 s: the canary's latency (p50, p99, max), then the next import's.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.imports import make_csv
from tutor.imports import parse_file
from tutor.runtime import workers

if TYPE_CHECKING:
    from playground.botapi import UserHandle

RUNS = 5
HANG_DEADLINE = 2.0
BOT_DEADLINE = 2.0
HOSTILE_USERS = 4
CANARY_PERIOD = 0.2
CANARY_SECONDS = 20.0
# The 3 KB Markdown file whose heading pattern backtracks cubically (56 s once).
HEADING_BOMB = b"## a" + b" " * 3000 + b"b\n"


def hang() -> None:
    """A job that does not end by itself, deep in C code."""
    re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", "## a" + " " * 200_000 + "b")


async def _pool_figures() -> None:
    pool = workers.WorkerPool(
        "bench",
        modules=workers.FILE_MODULES,
        max_bytes=workers.FILE_MEMORY_BYTES,
        workers=workers.FILE_WORKERS,
    )
    pool.start()
    csv_data = make_csv()
    await pool.run(parse_file, "warm.csv", csv_data, deadline=60)
    overshoot, recovery = [], []
    try:
        for _ in range(RUNS):
            started = time.perf_counter()
            try:
                await pool.run(hang, deadline=HANG_DEADLINE)
            except workers.WorkTimedOut:
                refused = time.perf_counter()
            else:
                raise AssertionError("the hanging job finished")
            overshoot.append(refused - started - HANG_DEADLINE)
            await pool.run(parse_file, "deck.csv", csv_data, deadline=60)
            recovery.append(time.perf_counter() - refused)
    finally:
        await asyncio.to_thread(pool.close)
    print(
        f"  a job hung in C code, deadline {HANG_DEADLINE:g} s: refused "
        f"{statistics.median(overshoot) * 1000:.0f} ms past it (median of {RUNS}, max "
        f"{max(overshoot) * 1000:.0f} ms); refusal to the next 5,000-row CSV read: "
        f"{statistics.median(recovery) * 1000:.0f} ms (max {max(recovery) * 1000:.0f} ms)"
    )


async def _hostile(user: UserHandle, files: list[tuple[str, bytes]], stop: asyncio.Event) -> int:
    sent = 0
    for name, data in itertools.cycle(files):
        if stop.is_set():
            return sent
        message = await user.send_document(data, name)
        after = message.message_id
        await user.wait_for_message(lambda m, after=after: m.message_id > after, timeout=60)
        sent += 1
    return sent


async def _bot_figures() -> None:
    # Imported here: a worker that runs `hang` imports this module, and should not pay for
    # the bot, the stand-in and the tests (seconds, counted against the job's deadline).
    from bench.learners import percentile
    from playground.botapi import BotApiStandin
    from tests.e2e.conftest import TOKEN, make_settings, run_application
    from tests.e2e.test_workers import rich_package

    hostile_files = [("rich.apkg", rich_package()), ("bomb.md", HEADING_BOMB)]
    with tempfile.TemporaryDirectory() as directory:
        async with BotApiStandin(token=TOKEN, username="lr_tutor_bot") as server:
            settings = make_settings(server, f"sqlite:///{Path(directory) / 'bench.db'}")
            async with run_application(settings, file_deadline=BOT_DEADLINE):
                canary = server.user(1, "Canary")
                await canary.send("/start")
                await canary.wait_for_message(timeout=30)
                stop = asyncio.Event()
                attackers = [
                    asyncio.create_task(
                        _hostile(server.user(100 + n, f"H{n}"), hostile_files, stop)
                    )
                    for n in range(HOSTILE_USERS)
                ]
                latencies = []
                until = time.monotonic() + CANARY_SECONDS
                while time.monotonic() < until:
                    started = time.perf_counter()
                    sent = await canary.send("/help")
                    await canary.wait_for_message(
                        lambda m, after=sent.message_id: m.message_id > after, timeout=30
                    )
                    latencies.append(time.perf_counter() - started)
                    await asyncio.sleep(CANARY_PERIOD)
                stop.set()
                hostile = sum(await asyncio.gather(*attackers))
                started = time.perf_counter()
                sent = await canary.send_document(make_csv(), "deck.csv")
                reply = await canary.wait_for_message(
                    lambda m: m.message_id > sent.message_id, timeout=60
                )
                next_import = time.perf_counter() - started
                assert (reply.text or "").startswith("Deck Bench"), reply.text
    print(
        f"  the bot, file deadline {BOT_DEADLINE:g} s, {HOSTILE_USERS} learners sending files "
        f"that run past it ({hostile} files in {CANARY_SECONDS:.0f} s): a canary's /help "
        f"p50 {percentile(latencies, 50) * 1000:.0f} ms, p99 "
        f"{percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
        f"({len(latencies)} sent); then a 5,000-row CSV imported in {next_import:.2f} s"
    )


async def _main() -> None:
    print(
        f"Worker pools (files: {workers.FILE_WORKERS} workers, "
        f"{workers.FILE_MEMORY_BYTES // workers.MIB} MiB each; deadline "
        f"{workers.FILE_DEADLINE_SECONDS:g} s in the bot, shorter here); {os.cpu_count()} CPUs"
    )
    await _pool_figures()
    await _bot_figures()


def main() -> int:
    """Print the figures; 0 always (a benchmark, not a test)."""
    # Every stopped parse logs a warning: expected here, and hundreds of them.
    logging.getLogger("tutor.runtime.workers").setLevel(logging.ERROR)
    asyncio.run(_main())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
