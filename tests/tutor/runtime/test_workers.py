"""Worker pools with real processes: a job past its deadline is stopped and the next one runs,
a job over the memory limit is refused, a killed worker is replaced, and the queue is bounded."""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tutor.runtime import tasks
from tutor.runtime.tasks import Task
from tutor.runtime.workers import (
    MIB,
    WorkerBusy,
    WorkerDied,
    WorkerOutOfMemory,
    WorkerPool,
    WorkersFull,
    WorkTimedOut,
)

MEMORY_LIMIT = 256 * MIB
# Long enough for a fresh worker on a loaded machine; the hung jobs below never finish.
DEADLINE = 3.0


def hang(started: str | None = None) -> None:
    """A job that never ends, deep in C code (the regex engine does not look at signals):
    the issue's Markdown heading pattern, backtracking cubically over a long line. It first
    creates the file ``started``, if given."""
    if started is not None:
        Path(started).touch()
    re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", "## a" + " " * 200_000 + "b")


def allocate(size: int) -> int:
    """A job that asks for ``size`` bytes at once."""
    return len(bytearray(size))


def add(a: int, b: int) -> int:
    return a + b


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (not gone, not a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_for_file(path: Path) -> None:
    while not path.exists():
        time.sleep(0.01)


def wait_gone(pid: int) -> None:
    while alive(pid):
        time.sleep(0.05)


events: list[tuple[str, str]] = []


@pytest.fixture
async def pool() -> AsyncIterator[WorkerPool]:
    """One worker with a small memory limit, a queue of one."""
    events.clear()
    workers = WorkerPool(
        "test",
        modules=(),
        max_bytes=MEMORY_LIMIT,
        workers=1,
        max_waiting=1,
        on_event=lambda name, event: events.append((name, event)),
    )
    workers.start()
    yield workers
    await asyncio.to_thread(workers.close)


async def test_a_job_past_its_deadline_is_stopped_and_the_next_job_runs(pool: WorkerPool) -> None:
    first = await pool.run(os.getpid, deadline=DEADLINE)
    with pytest.raises(WorkTimedOut):
        await pool.run(hang, deadline=DEADLINE)
    assert not alive(first)
    assert await pool.run(add, 2, 3, deadline=DEADLINE) == 5
    assert await pool.run(os.getpid, deadline=DEADLINE) != first
    assert events == [("test", "deadline")]


async def test_a_job_over_the_memory_limit_is_refused_and_the_worker_goes_on(
    pool: WorkerPool,
) -> None:
    first = await pool.run(os.getpid, deadline=DEADLINE)
    assert await pool.run(allocate, 10 * MIB, deadline=DEADLINE) == 10 * MIB
    with pytest.raises(WorkerOutOfMemory):
        await pool.run(allocate, 2 * MEMORY_LIMIT, deadline=DEADLINE)
    assert (
        await pool.run(Task("tests.tutor.runtime.test_workers", "add"), 1, 1, deadline=DEADLINE)
        == 2
    )
    assert await pool.run(os.getpid, deadline=DEADLINE) == first
    assert events == [("test", "memory")]


async def test_a_worker_killed_while_idle_is_replaced_and_the_next_job_runs(
    pool: WorkerPool,
) -> None:
    first = await pool.run(os.getpid, deadline=DEADLINE)
    os.kill(first, signal.SIGKILL)
    assert await pool.run(add, 1, 2, deadline=DEADLINE) == 3
    assert await pool.run(os.getpid, deadline=DEADLINE) != first
    # Killed again, after pebble has seen the death and given the pool up.
    second = await pool.run(os.getpid, deadline=DEADLINE)
    os.kill(second, signal.SIGKILL)
    await asyncio.to_thread(wait_gone, second)
    await asyncio.sleep(0.5)  # pebble looks at its workers every 0.1 s
    assert await pool.run(add, 2, 2, deadline=DEADLINE) == 4


async def test_a_worker_killed_under_a_job_fails_that_job_and_the_next_runs(
    pool: WorkerPool, tmp_path: Path
) -> None:
    first = await pool.run(os.getpid, deadline=DEADLINE)
    started = tmp_path / "started"
    job = asyncio.create_task(pool.run(hang, str(started), deadline=60.0))
    await asyncio.to_thread(wait_for_file, started)
    os.kill(first, signal.SIGKILL)
    with pytest.raises(WorkerDied):
        await job
    assert await pool.run(add, 3, 3, deadline=DEADLINE) == 6
    assert ("test", "died") in events


async def test_one_owner_has_one_job_and_a_full_queue_answers_at_once(pool: WorkerPool) -> None:
    running = asyncio.create_task(pool.run(hang, deadline=DEADLINE, owner=1))
    await asyncio.sleep(0)
    assert pool.is_busy(1)
    with pytest.raises(WorkerBusy):
        await pool.run(add, 1, 1, deadline=DEADLINE, owner=1)
    waiting = asyncio.create_task(pool.run(add, 4, 4, deadline=DEADLINE, owner=2))
    await asyncio.sleep(0)
    # One running and one waiting fill a pool of one worker and a queue of one.
    with pytest.raises(WorkersFull):
        await pool.run(add, 5, 5, deadline=DEADLINE, owner=3)
    with pytest.raises(WorkTimedOut):
        await running
    assert await waiting == 8
    assert not pool.is_busy(1)
    assert [event for _, event in events] == ["busy", "full", "deadline"]


def test_every_task_names_a_function_and_runs_as_it() -> None:
    """The tasks the bot hands over by name name real functions; a task runs as its
    function does (here, in this process)."""
    named = [value for value in vars(tasks).values() if isinstance(value, Task)]
    assert len(named) >= 5
    for task in named:
        assert callable(getattr(importlib.import_module(task.module), task.function)), task
    chart = tasks.RENDER_SESSION_CHART([0.5, None, 1.0], title="a class")
    assert chart.startswith(b"\x89PNG")


def test_the_bot_process_never_imports_torch_or_matplotlib() -> None:
    """Handing work to the workers must not load their heavy modules in the bot."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, bot.app, bot.jobs; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    ).stdout
    assert "'bot.handlers.stats'" in loaded  # the handlers that use tasks were imported
    assert "'torch'" not in loaded and "'matplotlib'" not in loaded
