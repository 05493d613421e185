"""Demo speed: the plain reference training against the fast one, and the rendering, per demo;
then how the event loop fares while the demo runner's worker trains.

Run with ``python -m bench`` (or ``python bench/demo.py``). Prints figures; never fails on time.
The test ``test_the_event_loop_keeps_answering_during_a_demo`` checks that the loop runs
while a demo trains; how late it runs (the longest pause) is this bench's figure.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import torch

from tutor.demo.captions import build_caption
from tutor.demo.plots import render
from tutor.demo.reference import reference_train
from tutor.demo.request import DemoName, DemoRequest
from tutor.demo.results import TrainingResult
from tutor.demo.runner import DemoRunner
from tutor.demo.training import configure_torch, resolve_device, train

REPEATS = 7
BUDGET_SECONDS = 1.0
# The loop's heartbeat while the runner trains: a task that sleeps this long, again and again.
TICK_SECONDS = 0.005
T = TypeVar("T")


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    value = work()
    return value, time.perf_counter() - started


def _draw(result: TrainingResult) -> tuple[bytes, str]:
    return render(result), build_caption(result)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    """Times each demo: reference and fast training side by side, then rendering."""
    configure_torch()
    device = resolve_device(os.environ.get("DEMO_DEVICE", "auto"))
    print(
        f"demo bench: torch {torch.__version__} on {device}, {torch.get_num_threads()} thread(s), "
        f"{os.cpu_count()} CPU(s), {platform.python_version()}; median of {REPEATS} warm runs"
    )
    print(
        f"{'demo':<13}{'reference':>12}{'fast':>12}{'speed-up':>10}"
        f"{'render':>12}{'total':>12}  (total = fast training + render + caption)"
    )
    for demo in DemoName:
        request = DemoRequest(demo)
        # One untimed round of each, so that first-call costs are not in the figures.
        render(train(request, device))
        reference_train(request, device)
        reference, fast, rendering, total = [], [], [], []
        for _ in range(REPEATS):
            _, reference_seconds = _timed(partial(reference_train, request, device))
            result, fast_seconds = _timed(partial(train, request, device))
            _, render_seconds = _timed(partial(_draw, result))
            reference.append(reference_seconds)
            fast.append(fast_seconds)
            rendering.append(render_seconds)
            total.append(fast_seconds + render_seconds)
        ref_median, fast_median = statistics.median(reference), statistics.median(fast)
        total_median = statistics.median(total)
        verdict = "within" if total_median <= BUDGET_SECONDS else "OVER"
        print(
            f"{demo.value:<13}{_ms(ref_median):>12}{_ms(fast_median):>12}"
            f"{ref_median / fast_median:>9.1f}×{_ms(statistics.median(rendering)):>12}"
            f"{_ms(total_median):>12}  {verdict} the {BUDGET_SECONDS:g} s budget"
        )
    asyncio.run(_loop_while_demos_train(os.environ.get("DEMO_DEVICE", "auto")))


async def _loop_while_demos_train(device: str) -> None:
    """The event loop's longest pause (one tick plus its lateness) while the runner's worker
    process trains a demo, once per demo on a fresh request (no cache)."""
    runner = DemoRunner(device, workers=1, max_queue=2, cache_size=8)
    await runner.start()
    try:
        longest: dict[DemoName, list[float]] = {demo: [] for demo in DemoName}
        for seed in range(REPEATS):
            for demo in DemoName:
                request = DemoRequest(demo, seed=10_000 + seed)
                running = asyncio.create_task(runner.run(request, requester_id=seed))
                pauses: list[float] = []
                last = time.perf_counter()
                while not running.done():
                    await asyncio.sleep(TICK_SECONDS)
                    now = time.perf_counter()
                    pauses.append(now - last)
                    last = now
                await running
                longest[demo].append(max(pauses))
    finally:
        await runner.close()
    print(
        f"event loop while the runner's worker trains: the longest pause of a "
        f"{TICK_SECONDS * 1000:g} ms tick (median of {REPEATS} fresh demos each; a test once "
        "bounded it at 200 ms)"
    )
    for demo, pauses in longest.items():
        print(f"{demo.value:<13}{_ms(statistics.median(pauses)):>12}  (worst {_ms(max(pauses))})")


if __name__ == "__main__":
    main()
