"""``python -m bench busyclass``: a private /review sent while a class of 400 answers a poll.

Starts ``python -m bot`` against the stand-in Bot API (the shipped decks; SQLite, then a
scratch PostgreSQL database), opens a one-question quiz in a group of 400 members, has
every member answer it, and at once sends a learner's /review in private: the figure is
how long that review waits for its reply behind the class's answers (median of three
runs each). Issue 29's target: within 0.5 s on both databases. The e2e test
``test_a_class_answering_does_not_delay_a_private_review`` checks the outcome (the review
is answered and every answer stored) and, on PostgreSQL, the order (the review answered
before half the answers are stored); the time is this bench's, never a test's bound.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.botprocess import ROOT, bot_environment, run_bot
from bench.loopwatch import read_stalls, stall_line, watched_bot_args
from bench.reminders import scratch_pg
from playground.botapi import BotApiStandin

TOKEN = "5004:bench-busy-class-token"
MEMBERS = 400
RUNS = 3
TIMEOUT = 120.0
GROUP_ID = -1_001_000_000_400
TARGET_SECONDS = 0.5


async def _once(url: str, workdir: Path, number: int) -> tuple[float, float]:
    """How long the review waited, and the bot's worst event-loop stall meanwhile."""
    stalls = workdir / f"stalls-{number}.txt"
    async with BotApiStandin(token=None, rate_limits=False) as server:
        standin = server.add_bot(TOKEN, username="bench_class_bot")
        env = bot_environment(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.base_url,
            DATABASE_URL=url,
            CONTENT_DIR=str(ROOT / "content"),
            LOG_LEVEL="WARNING",
        )
        async with run_bot(
            f"busyclass-{number}",
            watched_bot_args(stalls),
            standin_bot=standin,
            env=env,
            workdir=workdir,
            profile=None,
        ):
            teacher = standin.user(1, "Teacher")
            crowd = [standin.user(20_000 + n, f"Pupil {n}") for n in range(MEMBERS)]
            group = standin.group(GROUP_ID - number, "Busy class", members=crowd, admins=[teacher])
            learner = standin.user(3_000, "Lena")
            await learner.send("/start")
            await learner.wait_for_message(timeout=TIMEOUT)
            await teacher.send("/quiz 1 60", chat=group)
            poll = await teacher.wait_for_message(
                lambda m: m.poll is not None, chat=group, timeout=TIMEOUT
            )
            watched_from = time.monotonic()
            for pupil in crowd:
                await pupil.answer_poll(poll, [0])
            started = time.perf_counter()
            await learner.send("/review")
            await learner.wait_for_message(timeout=TIMEOUT)
            waited = time.perf_counter() - started
            # Every answer stored (the poll's voters counted), then the stalls of all that.
            await standin.settle(quiet=1.0)
            watched_to = time.monotonic()
    found = read_stalls(stalls, watched_from, watched_to)
    return waited, found[0][0] if found else 0.0


async def _measure(label: str, url: str, workdir: Path) -> None:
    runs = [await _once(url, workdir, number) for number in range(RUNS)]
    waits = [waited for waited, _ in runs]
    print(
        f"  {label}: the review answered after {statistics.median(waits):.2f} s "
        f"(median of {RUNS}; runs {', '.join(f'{w:.2f}' for w in waits)}; target "
        f"{TARGET_SECONDS} s); {stall_line(max(stall for _, stall in runs))}"
    )


async def run() -> None:
    print(f"A private /review sent while a class of {MEMBERS} answers a quiz poll")
    with tempfile.TemporaryDirectory(prefix="lr-tutor-busyclass-") as tmp:
        await _measure("SQLite", f"sqlite:///{tmp}/busy.db", Path(tmp))
        async with scratch_pg() as url:
            if url is not None:
                await _measure("PostgreSQL", url, Path(tmp))


def main() -> int:
    asyncio.run(run())
    return 0
