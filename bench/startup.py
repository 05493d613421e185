"""``python -m bench startup``: how soon a freshly started bot serves its learners, and how
soon it stops.

Starts ``python -m bot`` as a process against the stand-in Bot API server (a fresh SQLite
database each time, the shipped decks), and measures from the process's start:

- to its first poll (PTB's deleteWebhook, sent right before its first getUpdates);
- to its reply to a /start sent at that moment;
- to a /demo reply sent at that moment too (the demo worker warms up meanwhile).

Then, from the signal to the process's exit: SIGTERM to the long-polling bot above, SIGTERM
to a bot serving a webhook, and Ctrl-C (SIGINT) to the playground (no token). The tests
check that each stops cleanly (``tests/e2e/test_process.py``, ``test_webhook.py``,
``tests/playground/test_mode.py``); how long it takes is this bench's figure.

Issue 24's target: the first poll within 3 s on the development machine.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.botprocess import ROOT, bot_environment, run_bot
from playground.botapi import BotApiStandin
from tests.playground.conftest import run_playground

TOKEN = "5003:bench-startup-token"
RUNS = 3
TIMEOUT = 60.0
WEBHOOK_SECRET = "bench-startup-secret"


async def _stop(process: asyncio.subprocess.Process, sent: signal.Signals) -> float:
    """Send ``sent``; the seconds until the process exits."""
    stopping = time.perf_counter()
    process.send_signal(sent)
    await asyncio.wait_for(process.wait(), TIMEOUT)
    return time.perf_counter() - stopping


async def _once(workdir: Path, number: int) -> tuple[float, float, float, float]:
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
        ) as running:
            polled = time.perf_counter() - started
            learner = server.user(900 + number, "Newcomer")
            await learner.send("/start")
            await learner.wait_for_message(timeout=TIMEOUT)
            answered = time.perf_counter() - started
            await learner.send("/demo lr 0.05")
            await learner.wait_for_message(lambda m: m.photo is not None, timeout=TIMEOUT)
            demo = time.perf_counter() - started
            stopped = await _stop(running.process, signal.SIGTERM)
    return polled, answered, demo, stopped


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _webhook_stop(workdir: Path, number: int) -> float:
    """A bot serving a webhook, once it has answered a /start: SIGTERM to its exit."""
    async with BotApiStandin(token=None, rate_limits=False) as server:
        bot = server.add_bot(TOKEN, username="bench_startup_bot")
        port = _free_port()
        env = bot_environment(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.base_url,
            DATABASE_URL=f"sqlite:///{workdir / f'webhook-{number}.db'}",
            CONTENT_DIR=str(ROOT / "content"),
            LOG_LEVEL="WARNING",
            WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
            WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
        with (workdir / f"webhook-{number}.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=workdir, env=env, stdout=log, stderr=log
            )
        try:
            await bot.wait_for_request("setWebhook", timeout=TIMEOUT, since=0)
            learner = server.user(950 + number, "Newcomer")
            await learner.send("/start")
            await learner.wait_for_message(timeout=TIMEOUT)
            return await _stop(process, signal.SIGTERM)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def _measure() -> tuple[list[tuple[float, float, float, float]], list[float]]:
    with tempfile.TemporaryDirectory(prefix="lr-tutor-startup-") as tmp:
        runs = [await _once(Path(tmp), number) for number in range(RUNS)]
        webhook = [await _webhook_stop(Path(tmp), number) for number in range(RUNS)]
    return runs, webhook


def _playground_stops() -> list[float]:
    """The playground (no token), once it has greeted its class: Ctrl-C to its exit."""
    stops: list[float] = []
    for _ in range(RUNS):
        with (
            tempfile.TemporaryDirectory(prefix="lr-tutor-playground-") as tmp,
            run_playground(Path(tmp)) as playground,
        ):
            stops.append(playground.stop())
    return stops


def main() -> int:
    runs, webhook = asyncio.run(_measure())
    playground = _playground_stops()
    polled, answered, demo, stopped = (
        statistics.median(column) for column in zip(*runs, strict=True)
    )
    print(f"start-up, from process start (median of {RUNS} runs; target: first poll in 3 s)")
    print(f"  first poll                 {polled:5.2f} s")
    print(f"  reply to /start sent then  {answered:5.2f} s")
    print(f"  a /demo plot asked then    {demo:5.2f} s  (the demo worker warms up meanwhile)")
    print(f"stop, from the signal to the process's exit (median of {RUNS} runs)")
    print(f"  long polling, SIGTERM      {stopped:5.2f} s")
    print(
        f"  webhook, SIGTERM           {statistics.median(webhook):5.2f} s  "
        "(a test once bounded it at 5 s)"
    )
    print(
        f"  playground, Ctrl-C         {statistics.median(playground):5.2f} s  "
        "(a test once bounded it at 5 s)"
    )
    return 0
