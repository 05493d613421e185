"""The worker processes: heavy imports (matplotlib, torch) and CPU work live there, not in the bot.

The bot process stays small and its event loop free; it hands work over as a function,
or, where the function's module is heavy, as a typed `tutor.runtime.tasks.Task` that names
it, so the bot never imports that module itself. Every worker process ends with the bot,
even when it is killed with ``kill -9`` (a supervisor that restarts the bot would
otherwise collect orphans): `WorkerPool` starts them through `tutor.runtime.processes`.

Deck files and charts run in two `WorkerPool`s (`start_workers`), so a chart never waits
behind a file. A file is the one input a stranger controls in full, and a parser's worst case
can be minutes of CPU or gigabytes from a few hundred bytes, so every job has a deadline and
every worker a memory limit: a job past its deadline has its process stopped and replaced
(pebble's per-task ``timeout``), a job over the memory limit fails with ``MemoryError``
(``RLIMIT_AS``, set in the worker's initializer), and a pool whose worker died while idle
(which breaks a pebble pool) is replaced at once, its job run again once on the new one.
Callers await each job with a bound and get a `WorkerError` they can put in one line.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Hashable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from tutor.runtime import processes

log = logging.getLogger(__name__)

MIB = 1024 * 1024
# A deck file's parse (or a deck's export). Real files take well under 3 s (`python -m bench
# imports`: a 5,000-row CSV or 5,000-note .apkg in 0.1-0.4 s); 20 s leaves room for a busy
# machine, and bounds what one hostile file costs.
FILE_DEADLINE_SECONDS = 20.0
# A chart for /stats or a report: about 0.2 s; 30 s only catches a worker that is stuck.
CHART_DEADLINE_SECONDS = 30.0
# A learner's memory model fitted to their reviews: 1.5 s for 5,000 (`python -m bench
# memory`), after torch's import on the first.
FIT_DEADLINE_SECONDS = 60.0
# Address space per worker (RLIMIT_AS, virtual memory, which is more than the resident set).
# Measured peaks (VmPeak) after the heaviest real jobs, with the bot's own imports that a
# spawned worker repeats: a file worker 99 MB (both 5,000-note .apkg formats; a 2 MB CSV
# less), a chart worker 281 MB (numpy and matplotlib loaded). An .apkg unpacks to at most
# 64 MB, read whole: 512 MB holds that several times over.
FILE_MEMORY_BYTES = 512 * MIB
CHART_MEMORY_BYTES = 1024 * MIB
# A fit's worker imports torch: VmPeak 724 MB after 5,000 reviews.
FIT_MEMORY_BYTES = 2048 * MIB
# Two file workers: one hostile file running to its deadline leaves the other for everyone
# else. Charts are short; one worker of their own keeps them off the files' queue.
FILE_WORKERS = 2
CHART_WORKERS = 1
# Fits run one at a time, in the background: a worker of their own, never in a file's or a
# chart's way.
FIT_WORKERS = 1
# Jobs that may wait for a busy worker; past that, a caller is answered at once (a file
# "send it again", a chart left out) instead of holding an update for minutes.
FILE_QUEUE = 8
CHART_QUEUE = 16
FIT_QUEUE = 64
# What a wait may take beyond the deadlines of the jobs ahead: stopping a worker (pebble
# sends SIGTERM, then SIGKILL after 3 s) and starting a fresh one (spawn and warm imports).
STOP_SECONDS = 5.0
START_SECONDS = 20.0
# How often a wait looks whether its pool broke under it (pebble checks its workers every
# 0.1 s).
POOL_CHECK_SECONDS = 0.5
# Imported when a worker starts, so the first request does not pay for them.
FILE_MODULES = ("tutor.imports",)
CHART_MODULES = ("tutor.domain.charts",)
# None: torch is imported by the first fit, not at start-up (it takes seconds).
FIT_MODULES: tuple[str, ...] = ()
R = TypeVar("R")


class WorkerError(Exception):
    """A job did not produce its result; the subclass says why."""


class WorkerBusy(WorkerError):
    """The same owner already has a job waiting or running in this pool."""


class WorkersFull(WorkerError):
    """Every worker is busy and the queue is full: refused at once rather than waiting."""


class WorkTimedOut(WorkerError):
    """The job ran past its deadline; its process was stopped and replaced."""


class WorkerOutOfMemory(WorkerError):
    """The job reached the worker's memory limit."""


class WorkerDied(WorkerError):
    """The worker's process ended under the job (killed, crashed); a new one took its place."""


#: Told ``(pool name, event)``: ``deadline``, ``memory``, ``died``, ``busy``, ``full``, or
#: ``replaced`` (a whole pool, after a worker died while idle).
OnEvent = Callable[[str, str], None]


def _stop_pool(pool: ProcessPool) -> None:
    pool.stop()  # type: ignore[no-untyped-call]
    pool.join()


class WorkerPool:
    """Worker processes with a deadline per job, a memory limit and a bounded queue.

    A supervisor over pebble's ``ProcessPool``: pebble runs each job with a ``timeout``,
    stops the process of a job past it and starts another; this class adds what the bot
    needs around it. Each worker caps its own memory (``processes.limit_memory``) and imports
    ``modules`` once. At most ``workers`` jobs run and ``max_waiting`` wait; one ``owner``
    (a learner) has at most one job in the pool. A pool that breaks (pebble gives up when
    a worker dies with no job running) is replaced on the spot.

    Use it from one thread, the event loop's: the kernel kills the workers when the thread
    that started them ends (see `processes.die_with_parent`).
    """

    def __init__(
        self,
        name: str,
        *,
        modules: tuple[str, ...],
        max_bytes: int,
        workers: int = 1,
        max_waiting: int = 8,
        start_method: processes.StartMethod = "spawn",
        on_event: OnEvent | None = None,
    ) -> None:
        """Configures the pool; `start` starts its processes.

        Args:
            name: What logs and metrics call it (``files``, ``charts``).
            modules: Imported by each worker when it starts.
            max_bytes: Each worker's address-space limit.
            workers: Processes, i.e. jobs running at once.
            max_waiting: Jobs that may wait for a worker; more are refused (`WorkersFull`).
            start_method: ``spawn`` or ``forkserver``; never ``fork`` (see `processes.new_pool`).
            on_event: Told of every refusal and replacement, for metrics.
        """
        if workers < 1 or max_waiting < 0:
            raise ValueError("workers must be at least 1 and max_waiting at least 0")
        self.name = name
        self.on_event = on_event
        self._modules = modules
        self._max_bytes = max_bytes
        self._workers = workers
        self._max_waiting = max_waiting
        self._start_method = start_method
        self._pool: ProcessPool | None = None
        self._in_pool = 0
        self._owners: set[Hashable] = set()

    def start(self) -> None:
        """Starts the worker processes (they warm up in the background)."""
        if self._pool is None:
            self._pool = self._new_pool()

    def close(self) -> None:
        """Stops the workers, a running job's too (blocks until they have exited)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _stop_pool(pool)

    def _new_pool(self) -> ProcessPool:
        spawned = self._start_method == "spawn"
        pool = ProcessPool(
            max_workers=self._workers,
            initializer=processes.start_worker,
            initargs=(
                os.getpid() if spawned else None,
                processes.prepare_worker,
                (self._max_bytes, self._modules),
            ),
            context=multiprocessing.get_context(self._start_method),
        )
        pool.schedule(processes.do_nothing)  # starts the processes now, not on the first job
        return pool

    def _usable(self) -> ProcessPool:
        pool = self._pool
        if pool is None:
            raise RuntimeError(f"the {self.name} worker pool is not running")
        if not pool.active:
            self._replace(pool)
            assert self._pool is not None
            pool = self._pool
        return pool

    def _replace(self, broken: ProcessPool) -> None:
        if self._pool is not broken:
            return  # another job replaced it already
        log.error("%s workers: the pool broke (a worker died); starting a new one", self.name)
        self._event("replaced")
        self._pool = self._new_pool()
        # Stopping joins threads and processes (seconds): not on the event loop.
        threading.Thread(target=_stop_pool, args=(broken,), name="stop-pool", daemon=True).start()

    def _event(self, event: str) -> None:
        if self.on_event is not None:
            self.on_event(self.name, event)

    def is_busy(self, owner: Hashable) -> bool:
        """Whether ``owner`` has a job waiting or running here."""
        return owner in self._owners

    async def run(
        self,
        target: Callable[..., R],
        *args: Any,
        deadline: float,
        owner: Hashable | None = None,
        **kwargs: Any,
    ) -> R:
        """Runs ``target(*args, **kwargs)`` in a worker (a function of a module the bot
        may import, or a `Task`) and returns its result.

        The wait is bounded too: by the deadlines of the jobs ahead (the queue is bounded)
        plus a worker's stop and start. Cancelling the wait stops the job's process.

        Raises:
            WorkerBusy: ``owner`` has a job here already.
            WorkersFull: The queue is full.
            WorkTimedOut: The job ran past ``deadline`` seconds and was stopped.
            WorkerOutOfMemory: The job reached the memory limit.
            WorkerDied: The worker's process ended under the job.
            Exception: Whatever ``target`` raised (re-raised here).
        """
        if owner is not None and owner in self._owners:
            self._event("busy")
            raise WorkerBusy(f"{owner} has a job in the {self.name} pool already")
        if self._in_pool >= self._workers + self._max_waiting:
            self._event("full")
            raise WorkersFull(f"the {self.name} pool's queue is full")
        if owner is not None:
            self._owners.add(owner)
        ahead = self._in_pool
        self._in_pool += 1
        try:
            bound = (deadline + STOP_SECONDS) * (ahead // self._workers + 1) + START_SECONDS
            result: R = await self._run(target, args, kwargs, deadline=deadline, bound=bound)
            return result
        finally:
            self._in_pool -= 1
            self._owners.discard(owner)

    async def _run(
        self,
        function: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        deadline: float,
        bound: float,
    ) -> Any:
        for attempt in (1, 2):
            pool = self._usable()
            try:
                future = _schedule(pool, function, args, kwargs, deadline)
                return await _result(pool, future, bound)
            except ProcessExpired as exc:
                log.error(
                    "%s worker %s ended under a job (code %s)", self.name, exc.pid, exc.exitcode
                )
                self._event("died")
                raise WorkerDied(f"the {self.name} worker ended under the job") from exc
            except (BrokenProcessPool, _PoolStopped) as exc:
                # A worker died while idle and pebble gave the pool up before this job ran:
                # a new pool, and the job once more.
                self._replace(pool)
                if attempt == 2:
                    self._event("died")
                    raise WorkerDied(f"the {self.name} pool broke twice") from exc
            except TimeoutError as exc:
                # Pebble's deadline (the process is stopped already), or the wait's bound.
                log.warning("%s job %s stopped after its deadline", self.name, _name_of(function))
                self._event("deadline")
                raise WorkTimedOut(f"the {self.name} job ran past {deadline:g} s") from exc
            except MemoryError as exc:
                log.warning("%s job %s reached the memory limit", self.name, _name_of(function))
                self._event("memory")
                raise WorkerOutOfMemory(f"the {self.name} job ran out of memory") from exc
        raise AssertionError("unreachable")


class _PoolStopped(Exception):
    """Pebble gave the pool up (a worker died while idle) with this job not yet run."""


def _schedule(
    pool: ProcessPool,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    deadline: float,
) -> ProcessFuture[Any]:
    try:
        return pool.schedule(function, args=args, kwargs=kwargs, timeout=deadline)
    except RuntimeError as exc:  # pebble gave the pool up since `_usable` looked
        raise _PoolStopped("the pool stopped before the job was scheduled") from exc


async def _result(pool: ProcessPool, future: ProcessFuture[Any], bound: float) -> Any:
    """The job's result, waiting at most ``bound`` seconds.

    A pool that pebble gives up aborts the jobs it holds, but one scheduled in the moment
    it broke is never run nor aborted: the wait looks at the pool every
    ``POOL_CHECK_SECONDS`` rather than wait for the bound. Whatever ends the wait early
    (the bound, the caller's cancellation) cancels the job, which stops its process.
    """
    waiting = asyncio.wrap_future(future)
    loop = asyncio.get_running_loop()
    until = loop.time() + bound
    try:
        while True:
            left = until - loop.time()
            if left <= 0:
                raise TimeoutError(f"no result in {bound:g} s")
            done, _ = await asyncio.wait({waiting}, timeout=min(POOL_CHECK_SECONDS, left))
            if done:
                return waiting.result()
            if not pool.active:
                raise _PoolStopped("the pool stopped with the job in it")
    finally:
        if not future.done():
            future.cancel()  # type: ignore[no-untyped-call]


def _name_of(function: Callable[..., Any]) -> str:
    return getattr(function, "__qualname__", repr(function))


@dataclass
class Workers:
    """The bot's three pools: deck files (parse, export), charts, and memory-model fits, so
    none waits on another."""

    files: WorkerPool
    charts: WorkerPool
    fits: WorkerPool

    def _pools(self) -> tuple[WorkerPool, ...]:
        return (self.files, self.charts, self.fits)

    def start(self) -> None:
        """Starts the pools' processes."""
        for pool in self._pools():
            pool.start()

    def close(self) -> None:
        """Stops the pools' processes (blocks until they have exited)."""
        for pool in self._pools():
            pool.close()

    def watch(self, on_event: OnEvent | None) -> None:
        """Tell ``on_event`` of the pools' refusals and replacements."""
        for pool in self._pools():
            pool.on_event = on_event


def start_workers() -> Workers:
    """The bot's pools, started now (each worker pre-warmed with its imports)."""
    workers = Workers(
        files=WorkerPool(
            "files",
            modules=FILE_MODULES,
            max_bytes=FILE_MEMORY_BYTES,
            workers=FILE_WORKERS,
            max_waiting=FILE_QUEUE,
        ),
        charts=WorkerPool(
            "charts",
            modules=CHART_MODULES,
            max_bytes=CHART_MEMORY_BYTES,
            workers=CHART_WORKERS,
            max_waiting=CHART_QUEUE,
        ),
        fits=WorkerPool(
            "fits",
            modules=FIT_MODULES,
            max_bytes=FIT_MEMORY_BYTES,
            workers=FIT_WORKERS,
            max_waiting=FIT_QUEUE,
        ),
    )
    workers.start()
    return workers
