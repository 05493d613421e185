"""Fresh questions: the time to make one generated question of each kind, and a /predict
answer (training the setup in the demo worker and drawing its plot) with the worker warm.

Run with ``python -m bench generated``. Prints figures; never fails on time.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from datetime import UTC, datetime

from tutor.demo.runner import DemoRunner
from tutor.services import predict
from tutor.services.generated import TEMPLATES

QUESTIONS = 200
TARGET_SECONDS = 1.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def time_templates(count: int = QUESTIONS) -> None:
    """Median and worst time to make one question of each generated kind."""
    rng, now = random.Random(0), datetime.now(UTC)
    print(f"{'generated kind':<22}{'median':>12}{'worst':>12}  ({count} questions each)")
    for template in TEMPLATES:
        times = []
        for _ in range(count):
            started = time.perf_counter()
            template.make(rng, now)
            times.append(time.perf_counter() - started)
        print(f"{template.id:<22}{_ms(statistics.median(times))}{_ms(max(times))}")


async def time_predict(seeds: int = predict.SEEDS) -> list[float]:
    """Seconds to answer one /predict press (train the setup, draw the plot), worker warm.

    Each seed's sorting run is made first, as /predict does when it asks; the answer's own
    run is a cache miss, as it is for a learner's first press.
    """
    runner = DemoRunner(os.environ.get("DEMO_DEVICE", "auto"))
    await runner.start()
    rng = random.Random(0)
    answers = []
    try:
        for seed in range(seeds):
            table = await runner.run(predict.table_request(seed), requester_id=1)
            setups = predict.clear_setups(seed, table.runs)
            if not setups:
                continue
            setup = rng.choice(setups)
            started = time.perf_counter()
            # The answer: the asked rate beside its reference run, as /predict draws it.
            result = await runner.run(predict.answer_of(setup, table.runs).request, requester_id=1)
            answers.append(time.perf_counter() - started)
            assert result.png and result.runs
    finally:
        await runner.close()
    return answers


def main(*, questions: int = QUESTIONS, seeds: int = predict.SEEDS) -> int:
    """Print both figures."""
    print("generated questions bench")
    time_templates(questions)
    answers = asyncio.run(time_predict(seeds))
    if answers:
        print(
            f"/predict answer with its plot, warm: median {_ms(statistics.median(answers))}, "
            f"worst {_ms(max(answers))} over {len(answers)} setups "
            f"(target {TARGET_SECONDS:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    main()
