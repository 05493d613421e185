"""Runs demos off the event loop: a pre-warmed worker process pool, a fair queue and a cache.

The bot process never imports torch or matplotlib (only this module, `tutor.demo.request`
and `tutor.demo.worker`'s light top level); the training and drawing happen in worker
processes started with the bot, reached through ``loop.run_in_executor``, so the event loop
keeps answering other chats while a demo runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

from tutor.demo import texts, worker
from tutor.demo.outcomes import RunSummary
from tutor.demo.request import DemoRequest
from tutor.runtime.processes import StartMethod, new_pool

log = logging.getLogger(__name__)

OnQueued = Callable[[int], Awaitable[None]]


class DemoError(Exception):
    """A demo could not be run; ``str(error)`` is fit to show the learner."""


class DemoBusy(DemoError):
    """The requester already has a demo queued or running."""


class DemoQueueFull(DemoError):
    """Too many demos are waiting already."""


class DemoFailed(DemoError):
    """The worker could not produce the demo (or could not start)."""


@dataclass(frozen=True)
class DemoResult:
    """A demo's picture and caption, as the bot sends them.

    Attributes:
        png: The picture, a 1200×1200 PNG.
        caption: What the run measured (at most 1024 characters).
        cached: True if this request did not train anything: it was answered from the cache
            or shared a run already under way for the same request.
        sent_file_id: The chat platform's id for this picture once sent (see
            `DemoRunner.remember_sent_file_id`), to send it again without uploading.
        worker_pid: The process that trained it.
        train_seconds: Training time in the worker.
        render_seconds: Drawing and captioning time in the worker.
        runs: Each curve's outcome and numbers, in the order of the curves.
    """

    png: bytes
    caption: str
    cached: bool
    sent_file_id: str | None = None
    worker_pid: int = 0
    train_seconds: float = 0.0
    render_seconds: float = 0.0
    runs: tuple[RunSummary, ...] = ()


@dataclass(eq=False)
class _Job:
    """One request's run: waits for a slot, then for the worker."""

    request: DemoRequest
    slot: asyncio.Future[None]
    task: asyncio.Task[DemoResult] | None = None


class DemoRunner:
    """Owns the worker pool and decides what runs when.

    At most ``workers`` demos run at once; up to ``max_queue`` more wait in order. A
    requester has at most one demo queued or running. Identical requests share one run, and
    later ones are answered from an LRU cache without training again.
    """

    def __init__(
        self,
        device: str = "auto",
        *,
        workers: int = 1,
        max_queue: int = 16,
        cache_size: int = 64,
        start_method: StartMethod = "spawn",
    ) -> None:
        """Configures the runner; `start` starts the workers.

        Args:
            device: The ``DEMO_DEVICE`` setting: ``auto``, ``cpu`` or ``cuda``.
            workers: Worker processes, i.e. demos running at once.
            max_queue: Demos that may wait for a worker; more are refused.
            cache_size: Finished demos kept for identical requests.
            start_method: How workers start. Never ``fork``: forking a process with running
                threads (the bot's) is unsafe, and torch must load in the worker only.
        """
        if workers < 1 or max_queue < 0 or cache_size < 1:
            raise ValueError("workers and cache_size must be at least 1, max_queue at least 0")
        self._device = device
        self._workers = workers
        self._max_queue = max_queue
        self._cache_size = cache_size
        self._start_method = start_method
        self._pool: ProcessPoolExecutor | None = None
        self._warm_up: asyncio.Task[None] | None = None
        self._worker_pids: tuple[int, ...] = ()
        self._running = 0
        self._waiting: deque[_Job] = deque()
        self._jobs: dict[DemoRequest, _Job] = {}
        self._requesters: dict[int, DemoRequest] = {}
        self._cache: OrderedDict[DemoRequest, DemoResult] = OrderedDict()

    def _new_pool(self) -> ProcessPoolExecutor:
        return new_pool(
            self._workers,
            initializer=worker.start_worker,
            initargs=(self._device,),
            start_method=self._start_method,
        )

    def start_in_background(self) -> None:
        """Starts the worker processes and lets them warm up (torch's import, a first
        probe) in the background: the bot serves meanwhile, and a demo asked before they
        are ready waits for them (``warming_up`` says so)."""
        if self._pool is not None:
            return
        self._pool = self._new_pool()
        self._warm_up = asyncio.create_task(self._probe(self._pool), name="demo-warm-up")
        # A failure is raised to whoever waits for the workers; none may be left unread.
        self._warm_up.add_done_callback(lambda task: task.cancelled() or task.exception())

    async def start(self) -> None:
        """Starts the worker processes and waits until each has warmed up.

        Raises:
            DemoFailed: A worker could not start, e.g. ``cuda`` was asked for but is absent.
        """
        self.start_in_background()
        await self.ready()

    async def ready(self) -> None:
        """Waits until the workers have warmed up.

        Raises:
            DemoFailed: A worker could not start (and will not: the pool is closed).
            RuntimeError: the runner was not started.
        """
        if self._warm_up is None:
            raise RuntimeError("DemoRunner.start() was not called")
        await asyncio.shield(self._warm_up)

    @property
    def warming_up(self) -> bool:
        """Whether the workers are still starting: a demo asked now waits a few seconds."""
        return self._warm_up is not None and not self._warm_up.done()

    async def _probe(self, pool: ProcessPoolExecutor) -> None:
        loop = asyncio.get_running_loop()
        # As many probes as workers, all at once, so that every process gets spawned now.
        probes = [loop.run_in_executor(pool, worker.describe) for _ in range(self._workers)]
        try:
            infos = await asyncio.gather(*probes)
        except Exception as exc:
            log.error("the demo worker could not start: %s", exc)
            if self._pool is pool:
                self._pool = None
                await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
            raise DemoFailed(f"the demo worker could not start: {exc}") from exc
        self._worker_pids = tuple(sorted({info.pid for info in infos}))
        log.info("demo workers ready: pids %s on %s", self._worker_pids, infos[0].device)

    async def close(self) -> None:
        """Cancels waiting demos and stops the workers (after a running demo finishes)."""
        if self._warm_up is not None and not self._warm_up.done():
            self._warm_up.cancel()
        for job in list(self._jobs.values()):
            if job.task is not None:
                job.task.cancel()
        pool, self._pool = self._pool, None
        if pool is not None:
            # shutdown(wait=True) blocks until the workers exit: not on the event loop.
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    @property
    def worker_pids(self) -> tuple[int, ...]:
        """Process ids of the workers that answered at start."""
        return self._worker_pids

    def cached(self, request: DemoRequest) -> DemoResult | None:
        """The finished result for an identical request, if one is in the cache."""
        result = self._cache.get(request)
        if result is None:
            return None
        self._cache.move_to_end(request)
        return replace(result, cached=True)

    def remember_sent_file_id(self, request: DemoRequest, sent_file_id: str) -> None:
        """Records the chat platform's id of the sent picture, for cache hits to reuse."""
        result = self._cache.get(request)
        if result is not None:
            self._cache[request] = replace(result, sent_file_id=sent_file_id)

    def position(self, requester_id: int) -> int | None:
        """Where the requester's demo stands: 0 running, 1 next in line, ..., None if none."""
        request = self._requesters.get(requester_id)
        job = self._jobs.get(request) if request is not None else None
        return None if job is None else self._position_of(job)

    def is_busy(self, requester_id: int) -> bool:
        """Whether the requester has a demo queued or running."""
        return requester_id in self._requesters

    def _position_of(self, job: _Job) -> int:
        try:
            return self._waiting.index(job) + 1
        except ValueError:
            return 0

    async def run(
        self, request: DemoRequest, *, requester_id: int, on_queued: OnQueued | None = None
    ) -> DemoResult:
        """Produces the demo, from the cache if possible, without blocking the event loop.

        Args:
            request: The demo to run.
            requester_id: Who asks (e.g. the chat); one demo in flight each.
            on_queued: Awaited with the place in the queue (1 = next) if the demo has to
                wait for a worker.

        Returns:
            The picture and caption.

        Raises:
            DemoBusy: The requester already has a demo queued or running.
            DemoQueueFull: Every worker is busy and the queue is full.
            DemoFailed: The worker failed; the next request gets a fresh worker if needed.
            RuntimeError: `start` was not called.
        """
        hit = self.cached(request)
        if hit is not None:
            return hit
        if requester_id in self._requesters:
            raise DemoBusy(texts.BUSY)
        if self._warm_up is None:
            raise RuntimeError("DemoRunner.start() was not called")
        job = self._jobs.get(request)
        shared = job is not None
        if job is None:
            if self._running >= self._workers and len(self._waiting) >= self._max_queue:
                raise DemoQueueFull(texts.QUEUE_FULL)
            job = self._submit(request)
        assert job.task is not None
        self._requesters[requester_id] = request
        try:
            place = self._position_of(job)
            if place and on_queued is not None:
                await on_queued(place)
            result = await asyncio.shield(job.task)
        finally:
            del self._requesters[requester_id]
        return replace(result, cached=True) if shared else result

    def _submit(self, request: DemoRequest) -> _Job:
        job = _Job(request, asyncio.get_running_loop().create_future())
        if self._running < self._workers:
            self._running += 1
            job.slot.set_result(None)
        else:
            self._waiting.append(job)
        job.task = asyncio.create_task(self._execute(job))
        # Nobody may be left awaiting a failed job (all callers cancelled): retrieve its
        # exception here so asyncio does not log it as never retrieved.
        job.task.add_done_callback(lambda task: task.cancelled() or task.exception())
        self._jobs[request] = job
        return job

    async def _execute(self, job: _Job) -> DemoResult:
        try:
            await job.slot
            output = await self._produce(job.request)
            result = DemoResult(
                png=output.png,
                caption=output.caption,
                cached=False,
                worker_pid=output.pid,
                train_seconds=output.train_seconds,
                render_seconds=output.render_seconds,
                runs=output.runs,
            )
            self._store(job.request, result)
            return result
        finally:
            del self._jobs[job.request]
            if job.slot.done() and not job.slot.cancelled():
                self._release()
            elif job in self._waiting:  # cancelled while waiting (`_release` may have skipped it)
                self._waiting.remove(job)

    async def _produce(self, request: DemoRequest) -> worker.WorkerOutput:
        await self.ready()
        pool = self._pool
        if pool is None:
            raise DemoFailed(texts.FAILED)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool, worker.produce, request)
        except BrokenProcessPool as exc:
            # The worker died (killed, out of memory): replace the pool for the next request.
            log.error("demo worker died while running %s; restarting the pool", request)
            if self._pool is pool:
                self._pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise DemoFailed(texts.FAILED) from exc
        except Exception as exc:
            log.exception("demo %s failed in the worker", request)
            raise DemoFailed(texts.FAILED) from exc

    def _release(self) -> None:
        # Hand the slot straight to the next waiting job, so no newcomer can jump the queue.
        while self._waiting:
            job = self._waiting.popleft()
            if not job.slot.done():
                job.slot.set_result(None)
                return
        self._running -= 1

    def _store(self, request: DemoRequest, result: DemoResult) -> None:
        self._cache[request] = result
        self._cache.move_to_end(request)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
