"""The demo runner: a separate warm process, a fair queue, one demo per learner, and a cache."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tutor.demo.request import DemoName, DemoRequest
from tutor.demo.runner import DemoBusy, DemoFailed, DemoQueueFull, DemoRunner, OnQueued

pytestmark = pytest.mark.asyncio(loop_scope="module")

# One uncached request per use: each test asks for its own seeds.
_seeds = iter(range(100, 1000))


def _fresh(demo: DemoName = DemoName.LR) -> DemoRequest:
    return DemoRequest(demo, seed=next(_seeds))


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def runner() -> AsyncIterator[DemoRunner]:
    demo_runner = DemoRunner("cpu", workers=1, max_queue=2, cache_size=8)
    await demo_runner.start()
    yield demo_runner
    await demo_runner.close()


async def test_demos_run_in_a_warm_worker_process(runner: DemoRunner) -> None:
    started_workers = set(runner.worker_pids)
    result = await runner.run(_fresh(DemoName.DIFFERENTIAL), requester_id=1)
    assert result.worker_pid != os.getpid()
    # Warm: one of the processes started (and pre-warmed) with the runner, not a new one.
    assert result.worker_pid in started_workers
    assert result.png.startswith(b"\x89PNG") and "Task B loss" in result.caption
    assert not result.cached


async def test_identical_requests_come_from_the_cache(runner: DemoRunner) -> None:
    request = _fresh()
    first = await runner.run(request, requester_id=1)
    again = await runner.run(request, requester_id=2)
    assert not first.cached and again.cached
    assert again.png == first.png and again.caption == first.caption
    assert runner.cached(request) is not None


async def test_the_sent_file_id_is_remembered_for_cache_hits(runner: DemoRunner) -> None:
    request = _fresh()
    assert (await runner.run(request, requester_id=1)).sent_file_id is None
    runner.remember_sent_file_id(request, "AgACAgIAAxkBAAIB")
    assert (await runner.run(request, requester_id=1)).sent_file_id == "AgACAgIAAxkBAAIB"


async def test_a_requester_has_one_demo_in_flight(runner: DemoRunner) -> None:
    running = asyncio.create_task(runner.run(_fresh(), requester_id=7))
    await asyncio.sleep(0)
    assert runner.is_busy(7) and runner.position(7) == 0
    with pytest.raises(DemoBusy):
        await runner.run(_fresh(), requester_id=7)
    other = await runner.run(_fresh(), requester_id=8)  # someone else is served meanwhile
    assert not other.cached
    await running
    assert not runner.is_busy(7) and runner.position(7) is None


async def test_extra_requests_queue_and_learn_their_place(runner: DemoRunner) -> None:
    places: dict[int, list[int]] = {}

    def told(requester: int) -> OnQueued:
        async def on_queued(place: int) -> None:
            places.setdefault(requester, []).append(place)

        return on_queued

    tasks = [
        asyncio.create_task(runner.run(_fresh(), requester_id=r, on_queued=told(r)))
        for r in (11, 12, 13)
    ]
    await asyncio.sleep(0)
    assert [runner.position(r) for r in (11, 12, 13)] == [0, 1, 2]
    assert places == {12: [1], 13: [2]}
    with pytest.raises(DemoQueueFull):
        await runner.run(_fresh(), requester_id=14)
    results = await asyncio.gather(*tasks)
    assert [r.cached for r in results] == [False, False, False]
    assert runner.position(12) is None


async def test_identical_requests_in_flight_share_one_run(runner: DemoRunner) -> None:
    request = _fresh()
    first, second = await asyncio.gather(
        runner.run(request, requester_id=21), runner.run(request, requester_id=22)
    )
    assert (first.cached, second.cached) == (False, True)
    assert first.png == second.png


async def test_the_event_loop_keeps_answering_during_a_demo(runner: DemoRunner) -> None:
    demo = asyncio.create_task(runner.run(_fresh(DemoName.SCHEDULE), requester_id=31))
    gaps = []
    last = time.perf_counter()
    while not demo.done():
        await asyncio.sleep(0.005)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    await demo
    # The loop ran other work while the demo trained; a loop blocked by the training would
    # wake once, after it. How late it ran is a figure of `python -m bench demo`.
    assert len(gaps) > 5


async def test_a_worker_that_cannot_start_is_reported() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    broken = DemoRunner("cuda")
    with pytest.raises(DemoFailed, match="CUDA"):
        await broken.start()


async def test_a_demo_asked_while_the_workers_warm_up_waits_for_them() -> None:
    """The bot serves before the trainer is warm: a demo asked then waits, and gets its plot
    from a worker that started with the runner."""
    fresh = DemoRunner("cpu", workers=1, cache_size=2)
    fresh.start_in_background()
    try:
        assert fresh.warming_up and fresh.worker_pids == ()
        result = await fresh.run(_fresh(), requester_id=1)
        assert not fresh.warming_up and result.worker_pid in fresh.worker_pids
    finally:
        await fresh.close()


async def test_a_worker_that_cannot_start_fails_the_demos_asked_of_it() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    broken = DemoRunner("cuda")
    broken.start_in_background()
    with pytest.raises(DemoFailed, match="CUDA"):
        await broken.run(_fresh(), requester_id=1)
    await broken.close()
