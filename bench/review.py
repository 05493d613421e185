"""Review throughput and latency: our bot beside a bare PTB echo bot, on one Bot API stand-in.

Both bots run as subprocesses (``python -m bot`` on SQLite, ``python -m bench.echo_bot``)
that long-poll a stand-in Bot API server living in this process, one bot after the other
so they never share the CPU. Simulated learners press buttons over real HTTP:

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
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import telegram
from sqlalchemy.ext.asyncio import AsyncSession

from bench.deck import BENCH_CARDS, write_bench_content
from bench.echo_bot import ECHO_LABEL
from bot.handlers.review import RATING_LABELS, SHOW_ANSWER
from playground.botapi import BotApiStandin, ChatMessage, StandinBot, UserHandle
from tutor import schema
from tutor.scheduling import Rating
from tutor.store import Database, Learner

ROOT = Path(__file__).resolve().parents[1]
TUTOR_TOKEN = "5001:bench-tutor-token"
ECHO_TOKEN = "5002:bench-echo-token"

CLOSED_LOOP_LEARNERS = (10, 50)
WARM_UP = 2.0
WINDOW = 10.0
OPEN_LOOP_LEARNERS = 30
OPEN_LOOP_PERIOD = 2.0
OPEN_LOOP_DURATION = 30.0
# A bench learner must never run out of new cards within a run.
NEW_PER_DAY = 10_000
PRESS_TIMEOUT = 20.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
# How the learners rate: mostly Good, as people do.
RATING_WEIGHTS = {Rating.AGAIN: 10, Rating.HARD: 15, Rating.GOOD: 60, Rating.EASY: 15}
THROUGHPUT_TARGET = 0.6
P99_TARGET_MS = 100.0


# --- measuring -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """One press: when it was made, answered (answerCallbackQuery) and redrawn (the edit)."""

    pressed_at: float
    answered_at: float
    drawn_at: float
    as_expected: bool

    @property
    def latency(self) -> float:
        return self.answered_at - self.pressed_at

    @property
    def draw_latency(self) -> float:
        return self.drawn_at - self.pressed_at


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


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


# --- the learners ----------------------------------------------------------------------------
class Driver(Protocol):
    """How a learner gets a first message from a bot and makes one press on it."""

    name: str
    bot: StandinBot

    async def first_message(self, user: UserHandle) -> ChatMessage: ...

    async def step(
        self, user: UserHandle, message: ChatMessage, rng: random.Random
    ) -> tuple[Sample, ChatMessage | None]: ...


async def press_and_wait(
    user: UserHandle, message: ChatMessage, label: str, expected_answer: str | None
) -> tuple[Sample, ChatMessage | None]:
    """Press ``label``, wait for the answer and the edit, and time them.

    An answer other than ``expected_answer`` (an error notice) comes without an edit: the
    message returned is then None, and the learner has to start again.
    """
    press = await user.press(message, label)

    async def redrawn() -> tuple[ChatMessage, float]:
        edited = await user.wait_for_edit(message, timeout=PRESS_TIMEOUT)
        return edited, time.perf_counter()

    redraw = asyncio.ensure_future(redrawn())
    try:
        answer = await press.answered(timeout=PRESS_TIMEOUT)
        if expected_answer is None:
            as_expected = answer.text is None
        else:
            as_expected = (answer.text or "").startswith(expected_answer)
        if not as_expected:
            return Sample(press.created_at, answer.at, answer.at, False), None
        edited, drawn_at = await redraw
    finally:
        redraw.cancel()
    return Sample(press.created_at, answer.at, drawn_at, True), edited


class TutorDriver:
    """A learner of our bot: /review, then Show answer and a rating, card after card."""

    name = "ours"

    def __init__(self, bot: StandinBot) -> None:
        self.bot = bot

    async def first_message(self, user: UserHandle) -> ChatMessage:
        await user.send("/review")
        card = await user.wait_for_message(timeout=PRESS_TIMEOUT)
        if card.button_labels != [SHOW_ANSWER]:
            raise RuntimeError(f"/review for learner {user.id} did not show a card: {card!r}")
        return card

    async def step(
        self, user: UserHandle, message: ChatMessage, rng: random.Random
    ) -> tuple[Sample, ChatMessage | None]:
        labels = message.button_labels
        if labels == [SHOW_ANSWER]:
            return await press_and_wait(user, message, SHOW_ANSWER, None)
        (rating,) = rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))
        name = RATING_LABELS[rating]
        label = next((label for label in labels if label.startswith(name)), None)
        if label is None:
            raise RuntimeError(f"learner {user.id} has nothing to press: {message!r}")
        return await press_and_wait(user, message, label, f"{name}:")


class EchoDriver:
    """A user of the echo bot: any message, then its one button, again and again."""

    name = "echo"

    def __init__(self, bot: StandinBot) -> None:
        self.bot = bot

    async def first_message(self, user: UserHandle) -> ChatMessage:
        await user.send("/start")
        return await user.wait_for_message(timeout=PRESS_TIMEOUT)

    async def step(
        self, user: UserHandle, message: ChatMessage, rng: random.Random
    ) -> tuple[Sample, ChatMessage | None]:
        return await press_and_wait(user, message, ECHO_LABEL, None)


def learners_of(bot: StandinBot, first_id: int, count: int) -> list[UserHandle]:
    ids = range(first_id, first_id + count)
    return [bot.user(user_id, f"Learner {user_id}") for user_id in ids]


async def press_once(
    driver: Driver,
    user: UserHandle,
    message: ChatMessage,
    rng: random.Random,
    samples: list[Sample],
) -> ChatMessage:
    """One press; after an error notice the learner starts over as a person would."""
    sample, edited = await driver.step(user, message, rng)
    samples.append(sample)
    return edited if edited is not None else await driver.first_message(user)


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
        start = time.perf_counter()
        await _until_done_or(tasks, WINDOW)
        end = time.perf_counter()
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


# --- the bots --------------------------------------------------------------------------------
def bot_environment(**values: str) -> dict[str, str]:
    """This environment without any bot setting of the caller's, plus ``values``."""
    prefixes = ("TELEGRAM_", "DATABASE_", "CONTENT_", "LOG_", "WEBHOOK_", "DEMO_", "DEFAULT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(values)
    return env


@dataclass
class BotProcess:
    """A bot running as a subprocess, with its log file."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    def problems(self) -> list[str]:
        """Log lines at ERROR or worse, each with the exception its traceback ends in."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        found: list[str] = []
        in_traceback = False
        for line in text.splitlines():
            if " ERROR " in line or " CRITICAL " in line:
                found.append(line)
            elif line.startswith("Traceback"):
                in_traceback = True
            elif in_traceback and line and not line[0].isspace():
                found.append(f"  {line}")  # the exception that ends the traceback
                in_traceback = False
        return found


@asynccontextmanager
async def run_bot(
    name: str,
    module_args: list[str],
    *,
    standin_bot: StandinBot,
    env: dict[str, str],
    workdir: Path,
    profile: Path | None,
) -> AsyncIterator[BotProcess]:
    """Start a bot subprocess, wait until it polls, and stop it with SIGTERM afterwards."""
    log_path = workdir / f"{name}.log"
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += module_args
    # The workdir holds no .env, so only the variables given here configure the bot.
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=workdir, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
    running = BotProcess(name, process, log_path)
    try:
        # PTB deletes any webhook right before its first getUpdates.
        ready = asyncio.ensure_future(
            standin_bot.wait_for_request("deleteWebhook", timeout=START_TIMEOUT, since=0)
        )
        exited = asyncio.ensure_future(process.wait())
        await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            ready.cancel()
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"{name} exited with {process.returncode} at start-up:\n{tail}")
        exited.cancel()
        ready.result()
        yield running
    except BaseException:
        # The temp dir goes with the run: show what the bot said before it does.
        tail = "\n".join(running.log_path.read_text(errors="replace").splitlines()[-40:])
        print(f"--- the last lines of {name}'s log ---\n{tail}\n---", file=sys.stderr)
        raise
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()


async def create_learners(database_url: str, user_ids: Sequence[int]) -> None:
    """Make the bench learners before the bot starts, with a daily cap they never reach."""
    database = Database(database_url)
    try:
        await schema.upgrade(database)
        now = datetime.now(UTC)
        async with AsyncSession(database.engine, expire_on_commit=False) as session:
            session.add_all(
                Learner(
                    id=user_id,
                    first_name=f"Learner {user_id}",
                    new_per_day=NEW_PER_DAY,
                    created_at=now,
                )
                for user_id in user_ids
            )
            await session.commit()
    finally:
        await database.close()


# --- the run ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BotRun:
    """Everything measured for one bot."""

    closed: list[LoopResult]
    open: LoopResult
    problems: list[str]
    exit_code: int | None


# Learner ids: a fresh block per loop, so every loop starts from learners with no history.
FIRST_IDS = {10: 100_001, 50: 200_001, "open": 300_001}


async def measure(
    driver: Driver,
    module_args: list[str],
    *,
    env: dict[str, str],
    workdir: Path,
    profile: Path | None,
) -> BotRun:
    """Run one bot and drive every loop against it."""
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
        for count in CLOSED_LOOP_LEARNERS:
            users = learners_of(driver.bot, FIRST_IDS[count], count)
            closed.append(await closed_loop(driver, users, meter, seed=count))
            await driver.bot.settle(quiet=0.3)
            driver.bot.clear_requests()
        users = learners_of(driver.bot, FIRST_IDS["open"], OPEN_LOOP_LEARNERS)
        opened = await open_loop(driver, users, meter, seed=OPEN_LOOP_LEARNERS)
        await driver.bot.settle(quiet=0.3)
    return BotRun(closed, opened, running.problems(), running.process.returncode)


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
                ["-m", "bot"],
                env=bot_environment(
                    TELEGRAM_BOT_TOKEN=TUTOR_TOKEN,
                    DATABASE_URL=database_url,
                    CONTENT_DIR=str(content_dir),
                    **common,
                ),
                workdir=workdir,
                profile=profile_dir / "tutor.prof" if profile_dir else None,
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
