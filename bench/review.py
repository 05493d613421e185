"""Review throughput and latency: our bot beside a bare PTB echo bot, on one Bot API stand-in.

Both bots run as subprocesses (``python -m bot`` on SQLite, ``python -m bench.echo_bot``)
that long-poll a stand-in Bot API server living in this process, one bot after the other
so they never share the CPU (``bench.botprocess``), each once the machine is quiet after its
start (``CpuMeter.settled``). Simulated learners (``bench.learners``) press buttons over
real HTTP:

* closed loop (10 and 50 learners): each learner presses again as soon as the last press
  was answered and the message redrawn (Show answer, then a rating, then Show answer on the
  next card, ...): presses answered per second over a fixed window, after a warm-up;
* open loop (30 learners, one press every 2 s each, staggered): press-to-answer latency.

The echo bot's learners press its one button in the same two loops. Figures are printed,
never judged pass/fail beyond naming the targets.
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import telegram

from bench.botprocess import bot_environment, run_bot
from bench.deck import BENCH_CARDS, write_bench_content
from bench.learners import (
    Driver,
    EchoDriver,
    Sample,
    TutorDriver,
    create_learners,
    learners_of,
    percentile,
    press_once,
)
from bench.loopwatch import read_stalls, stall_line, watched_bot_args
from playground.botapi import BotApiStandin, ChatMessage, UserHandle

TUTOR_TOKEN = "5001:bench-tutor-token"
ECHO_TOKEN = "5002:bench-echo-token"

CLOSED_LOOP_LEARNERS = (10, 50)
WARM_UP = 2.0
WINDOW = 10.0
OPEN_LOOP_LEARNERS = 30
OPEN_LOOP_PERIOD = 2.0
OPEN_LOOP_DURATION = 30.0
# A bot's first seconds are not its steady state: our bot's worker processes import their
# libraries (about 3.5 CPU-seconds), on the cores the bot and the learners share. Loops
# start once the rest of the machine uses under QUIET of a core (checked every QUIET_STEP),
# or after SETTLE_TIMEOUT.
QUIET = 0.10
QUIET_STEP = 0.5
SETTLE_TIMEOUT = 30.0
THROUGHPUT_TARGET = 0.8  # issue 29: reviews at 0.8 of the echo bot or better
P99_TARGET_MS = 100.0


# --- measuring -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CpuUse:
    """CPU seconds over a stretch of time: the bot, this process, and everything else."""

    bot: float
    bench: float
    other: float


class CpuMeter:
    """Reads CPU time of the bot process, of this one and of the machine (Linux /proc)."""

    def __init__(self, pid: int) -> None:
        self._stat = Path(f"/proc/{pid}/stat")
        self._ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._start = self._read()

    def _read(self) -> tuple[float, float, float]:
        try:
            # Fields after the ")" that ends the command name: utime and stime are 12th, 13th.
            fields = self._stat.read_text().rsplit(")", 1)[1].split()
            bot = (int(fields[11]) + int(fields[12])) / self._ticks
            # The machine's first line: user nice system idle iowait irq softirq steal ...
            ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
            machine = (sum(ticks[:8]) - ticks[3] - ticks[4]) / self._ticks
        except (OSError, IndexError, ValueError):
            bot = machine = math.nan
        return bot, time.process_time(), machine

    def restart(self) -> None:
        self._start = self._read()

    async def settled(self) -> float:
        """Wait until nothing but the bot and this process keeps the machine busy (see
        QUIET); the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < SETTLE_TIMEOUT:
            self.restart()
            await asyncio.sleep(QUIET_STEP)
            if not self.used().other > QUIET * QUIET_STEP:  # NaN (no /proc): go on
                break
        return time.monotonic() - started

    def used(self) -> CpuUse:
        """CPU seconds used since the last restart."""
        (bot, bench, machine), start = self._read(), self._start
        bot, bench, machine = bot - start[0], bench - start[1], machine - start[2]
        other = machine - bot - bench
        return CpuUse(bot=bot, bench=bench, other=other if math.isnan(other) else max(0, other))


@dataclass(frozen=True)
class LoopResult:
    """What one loop of one bot measured."""

    bot: str
    learners: int
    seconds: float
    samples: list[Sample]
    cpu: CpuUse
    unexpected: int
    late_ticks: int = 0
    # A closed loop's counted window in monotonic time (the clock a watched bot's stalls
    # are noted in).
    window: tuple[float, float] = (0.0, 0.0)

    @property
    def throughput(self) -> float:
        """Presses answered as expected (and redrawn) per second."""
        return sum(s.as_expected for s in self.samples) / self.seconds

    def latency_ms(self, q: float) -> float:
        return 1000 * percentile([s.latency for s in self.samples], q)

    def draw_ms(self, q: float) -> float:
        return 1000 * percentile([s.draw_latency for s in self.samples if s.as_expected], q)

    @property
    def max_ms(self) -> float:
        return 1000 * max((s.latency for s in self.samples), default=math.nan)


# --- the loops -------------------------------------------------------------------------------
async def _until_done_or(tasks: list[asyncio.Task[None]], seconds: float) -> None:
    """Sleep ``seconds``, but raise at once if a learner failed."""
    done, _ = await asyncio.wait(tasks, timeout=seconds, return_when=asyncio.FIRST_EXCEPTION)
    for task in done:
        task.result()


async def closed_loop(
    driver: Driver, users: list[UserHandle], meter: CpuMeter, *, seed: int
) -> LoopResult:
    """Every learner presses again as soon as the last press was answered and redrawn."""
    messages = await asyncio.gather(*(driver.first_message(user) for user in users))
    samples: list[Sample] = []
    stop = asyncio.Event()

    async def learner(user: UserHandle, message: ChatMessage, rng: random.Random) -> None:
        while not stop.is_set():
            message = await press_once(driver, user, message, rng, samples)

    tasks = [
        asyncio.create_task(learner(user, message, random.Random(seed + n)))
        for n, (user, message) in enumerate(zip(users, messages, strict=True))
    ]
    try:
        await _until_done_or(tasks, WARM_UP)
        meter.restart()
        start, window_start = time.perf_counter(), time.monotonic()
        await _until_done_or(tasks, WINDOW)
        end, window_end = time.perf_counter(), time.monotonic()
        cpu = meter.used()
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    counted = [s for s in samples if start <= s.answered_at < end]
    return LoopResult(
        bot=driver.name,
        learners=len(users),
        seconds=end - start,
        samples=counted,
        cpu=cpu,
        unexpected=sum(not s.as_expected for s in counted),
        window=(window_start, window_end),
    )


async def open_loop(
    driver: Driver, users: list[UserHandle], meter: CpuMeter, *, seed: int
) -> LoopResult:
    """Every learner presses once every period, starts staggered across the first period."""
    messages = await asyncio.gather(*(driver.first_message(user) for user in users))
    samples: list[Sample] = []
    late = 0
    begin = time.perf_counter() + 0.5
    end = begin + OPEN_LOOP_DURATION

    async def learner(
        offset: float, user: UserHandle, message: ChatMessage, rng: random.Random
    ) -> None:
        nonlocal late
        tick = begin + offset
        while tick < end:
            delay = tick - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                late += 1  # the previous press was not redrawn before this one was due
            message = await press_once(driver, user, message, rng, samples)
            tick += OPEN_LOOP_PERIOD

    tasks = [
        asyncio.create_task(
            learner(OPEN_LOOP_PERIOD * n / len(users), user, message, random.Random(seed + n))
        )
        for n, (user, message) in enumerate(zip(users, messages, strict=True))
    ]
    meter.restart()
    started = time.perf_counter()
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
    cpu = meter.used()
    return LoopResult(
        bot=driver.name,
        learners=len(users),
        seconds=time.perf_counter() - started,
        samples=samples,
        cpu=cpu,
        unexpected=sum(not s.as_expected for s in samples),
        late_ticks=late,
    )


# --- the run ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BotRun:
    """Everything measured for one bot."""

    closed: list[LoopResult]
    open: LoopResult
    problems: list[str]
    exit_code: int | None
    # The bot's event loop's worst stall (seconds; None: not watched) in the closed loops'
    # counted windows (flat out), in the open loop (a steady pace), and in its first
    # seconds: from its first poll, through the wait for a quiet machine, to the end of the
    # first closed loop's warm-up, when each statement is compiled and each lazy import
    # made for the first time.
    worst_stall: tuple[float, float, float] | None = None
    # Seconds from the bot's first poll until the machine was quiet (``CpuMeter.settled``).
    settled: float = 0.0


# Learner ids: a fresh block per loop, so every loop starts from learners with no history.
FIRST_IDS = {10: 100_001, 50: 200_001, "open": 300_001}


async def measure(
    driver: Driver,
    module_args: list[str],
    *,
    env: dict[str, str],
    workdir: Path,
    profile: Path | None,
    stalls: Path | None = None,
) -> BotRun:
    """Run one bot and drive every loop against it (``stalls``: where a bot started with
    ``bench.loopwatch`` writes its event loop's stalls)."""
    closed: list[LoopResult] = []
    async with run_bot(
        driver.name,
        module_args,
        standin_bot=driver.bot,
        env=env,
        workdir=workdir,
        profile=profile,
    ) as running:
        meter = CpuMeter(running.process.pid)
        watched_from = time.monotonic()
        settling = await meter.settled()
        for count in CLOSED_LOOP_LEARNERS:
            users = learners_of(driver.bot, FIRST_IDS[count], count)
            closed.append(await closed_loop(driver, users, meter, seed=count))
            await driver.bot.settle(quiet=0.3)
            driver.bot.clear_requests()
        users = learners_of(driver.bot, FIRST_IDS["open"], OPEN_LOOP_LEARNERS)
        open_from = time.monotonic()
        opened = await open_loop(driver, users, meter, seed=OPEN_LOOP_LEARNERS)
        watched_to = time.monotonic()
        await driver.bot.settle(quiet=0.3)
    worst = None
    if stalls is not None:

        def longest(start: float, end: float) -> float:
            found = read_stalls(stalls, start, end)
            return found[0][0] if found else 0.0

        worst = (
            max(longest(*loop.window) for loop in closed),
            longest(open_from, watched_to),
            longest(watched_from, closed[0].window[0]),
        )
    return BotRun(closed, opened, running.problems(), running.process.returncode, worst, settling)


async def run_review_benchmark(profile_dir: Path | None = None) -> tuple[BotRun, BotRun]:
    """Measure our bot, then the echo bot, against one stand-in."""
    with tempfile.TemporaryDirectory(prefix="lr-tutor-bench-") as tmp:
        workdir = Path(tmp)
        content_dir = write_bench_content(workdir / "content")
        database_url = f"sqlite:///{workdir / 'bench.db'}"
        await create_learners(
            database_url,
            [
                *range(FIRST_IDS[10], FIRST_IDS[10] + 10),
                *range(FIRST_IDS[50], FIRST_IDS[50] + 50),
                *range(FIRST_IDS["open"], FIRST_IDS["open"] + OPEN_LOOP_LEARNERS),
            ],
        )
        async with BotApiStandin(token=None, rate_limits=False) as server:
            tutor = server.add_bot(TUTOR_TOKEN, username="bench_tutor_bot")
            echo = server.add_bot(ECHO_TOKEN, username="bench_echo_bot")
            common = {"TELEGRAM_API_URL": server.base_url, "LOG_LEVEL": "WARNING"}
            ours = await measure(
                TutorDriver(tutor),
                watched_bot_args(workdir / "stalls.txt"),
                env=bot_environment(
                    TELEGRAM_BOT_TOKEN=TUTOR_TOKEN,
                    DATABASE_URL=database_url,
                    CONTENT_DIR=str(content_dir),
                    **common,
                ),
                workdir=workdir,
                profile=profile_dir / "tutor.prof" if profile_dir else None,
                stalls=workdir / "stalls.txt",
            )
            baseline = await measure(
                EchoDriver(echo),
                ["-m", "bench.echo_bot"],
                env=bot_environment(TELEGRAM_BOT_TOKEN=ECHO_TOKEN, **common),
                workdir=workdir,
                profile=profile_dir / "echo.prof" if profile_dir else None,
            )
    return ours, baseline


# --- the report ------------------------------------------------------------------------------
def machine_facts(load_before: tuple[float, float, float] | None) -> list[str]:
    """CPUs, Python, library versions, and how busy the machine was before the run."""
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = [
        f"machine: {os.cpu_count()} CPUs ({usable} usable){f', {cpu_model}' if cpu_model else ''}",
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}",
        f"python-telegram-bot {telegram.__version__}, SQLite {sqlite3.sqlite_version}",
    ]
    if load_before is not None:
        facts.append("load average before the run: " + " ".join(f"{v:.2f}" for v in load_before))
    return facts


def _cpu(seconds: float, window: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{100 * seconds / window:.0f}%"


def format_report(
    ours: BotRun, echo: BotRun, *, load_before: tuple[float, float, float] | None = None
) -> str:
    """The tables ``python -m bench review`` prints."""
    lines = [
        "Review benchmark: our bot vs a bare PTB echo bot, one Bot API stand-in, over HTTP",
        *machine_facts(load_before),
        f"ours: python -m bot, SQLite (WAL) in a temp dir, a generated deck of {BENCH_CARDS}"
        " cards, LOG_LEVEL=WARNING",
        "echo: python -m bench.echo_bot, the same update processor, pool and rate limiter",
        "CPU columns: % of one core used by the bot / by this process (stand-in and learners)"
        " / by anything else on the machine; errors: presses answered with an error notice",
        "",
        "Closed loop: each learner presses again once the last press is answered and redrawn"
        f" ({WINDOW:g} s window after {WARM_UP:g} s warm-up)",
        f"{'learners':>8}  {'bot':<5} {'presses/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'bot':>5} {'bench':>5} {'other':>5} {'errors':>6}  ours/echo",
    ]
    for mine, theirs in zip(ours.closed, echo.closed, strict=True):
        ratio = mine.throughput / theirs.throughput if theirs.throughput else math.nan
        for result, note in ((mine, f"{ratio:.2f}"), (theirs, "")):
            lines.append(
                f"{result.learners:>8}  {result.bot:<5} {result.throughput:>9.1f}"
                f" {result.latency_ms(50):>7.1f} {result.latency_ms(99):>7.1f}"
                f" {_cpu(result.cpu.bot, result.seconds):>5}"
                f" {_cpu(result.cpu.bench, result.seconds):>5}"
                f" {_cpu(result.cpu.other, result.seconds):>5} {result.unexpected:>6}  {note}"
            )
    lines += [
        f"target: ours/echo >= {THROUGHPUT_TARGET:g}",
        f"loops began once the rest of the machine was quiet: ours {ours.settled:.1f} s after"
        f" it polled (its worker processes start), echo {echo.settled:.1f} s",
        "",
        f"Open loop: {OPEN_LOOP_LEARNERS} learners, one press every {OPEN_LOOP_PERIOD:g} s each"
        f" for {OPEN_LOOP_DURATION:g} s; ms from press to answer (answerCallbackQuery) and to"
        " redraw (the edit)",
        f"{'bot':<5} {'presses':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
        f" {'redraw p50':>10} {'redraw p99':>10} {'bot':>5} {'bench':>5} {'other':>5}"
        f" {'errors':>6} {'late':>4}",
    ]
    for result in (ours.open, echo.open):
        lines.append(
            f"{result.bot:<5} {len(result.samples):>7} {result.latency_ms(50):>7.1f}"
            f" {result.latency_ms(99):>7.1f} {result.max_ms:>7.1f}"
            f" {result.draw_ms(50):>10.1f} {result.draw_ms(99):>10.1f}"
            f" {_cpu(result.cpu.bot, result.seconds):>5}"
            f" {_cpu(result.cpu.bench, result.seconds):>5}"
            f" {_cpu(result.cpu.other, result.seconds):>5}"
            f" {result.unexpected:>6} {result.late_ticks:>4}"
        )
    lines.append(f"target: p99 <= {P99_TARGET_MS:g} ms (ours)")
    if ours.worst_stall is not None:
        flat_out, steady, first = ours.worst_stall
        lines.append(f"ours, open loop: {stall_line(steady)}")
        lines.append(
            f"ours, closed loops (the bot flat out, every core busy): {stall_line(flat_out)}"
        )
        lines.append(
            f"ours, its first seconds (until the first loop's {WARM_UP:g} s warm-up ended:"
            f" first compiles and imports): {first * 1000:.0f} ms"
        )
    for run, name in ((ours, "ours"), (echo, "echo")):
        if run.problems:
            errors = sum(not line.startswith(" ") for line in run.problems)
            lines.append(f"warning: {name} logged {errors} error(s), the first:")
            lines.extend(f"  {line}" for line in run.problems[:6])
        if run.exit_code not in (0, None):
            lines.append(f"warning: {name} exited with {run.exit_code}")
    return "\n".join(lines)


def main(profile_dir: Path | None = None) -> int:
    """Run the review benchmark and print its tables; 0 unless the run itself failed."""
    if profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    ours, echo = asyncio.run(run_review_benchmark(profile_dir))
    print(format_report(ours, echo, load_before=load_before), flush=True)
    return 0
