"""``python -m bench startup``: how soon a freshly started bot serves its learners.

Starts ``python -m bot`` as a process against the stand-in Bot API server (a fresh SQLite
database each time, the shipped decks), and measures from the process's start:

- to its first poll (PTB's deleteWebhook, sent right before its first getUpdates);
- to its reply to a /start sent at that moment;
- to a /demo reply sent at that moment too (the demo worker warms up meanwhile).

Issue 24's target: the first poll within 3 s on the development machine.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bench.review import ROOT, bot_environment, run_bot
from playground.botapi import BotApiStandin

TOKEN = "5003:bench-startup-token"
RUNS = 3
TIMEOUT = 60.0


async def _once(workdir: Path, number: int) -> tuple[float, float, float]:
    async with BotApiStandin(token=None, rate_limits=False) as server:
        bot = server.add_bot(TOKEN, username="bench_startup_bot")
        env = bot_environment(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.base_url,
            DATABASE_URL=f"sqlite:///{workdir / f'startup-{number}.db'}",
            CONTENT_DIR=str(ROOT / "content"),
            LOG_LEVEL="WARNING",
        )
        started = time.perf_counter()
        # run_bot returns once the bot sends deleteWebhook, right before its first poll.
        async with run_bot(
            f"startup-{number}",
            ["-m", "bot"],
            standin_bot=bot,
            env=env,
            workdir=workdir,
            profile=None,
        ):
            polled = time.perf_counter() - started
            learner = server.user(900 + number, "Newcomer")
            await learner.send("/start")
            await learner.wait_for_message(timeout=TIMEOUT)
            answered = time.perf_counter() - started
            await learner.send("/demo lr 0.05")
            await learner.wait_for_message(lambda m: m.photo is not None, timeout=TIMEOUT)
            demo = time.perf_counter() - started
    return polled, answered, demo


async def _measure() -> list[tuple[float, float, float]]:
    with tempfile.TemporaryDirectory(prefix="lr-tutor-startup-") as tmp:
        return [await _once(Path(tmp), number) for number in range(RUNS)]


def main() -> int:
    runs = asyncio.run(_measure())
    polled, answered, demo = (statistics.median(column) for column in zip(*runs, strict=True))
    print(f"start-up, from process start (median of {RUNS} runs; target: first poll in 3 s)")
    print(f"  first poll                 {polled:5.2f} s")
    print(f"  reply to /start sent then  {answered:5.2f} s")
    print(f"  a /demo plot asked then    {demo:5.2f} s  (the demo worker warms up meanwhile)")
    return 0
