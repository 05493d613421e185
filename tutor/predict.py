"""/predict: a setup drawn from the demo engine, the learner's guess, and the run as the key.

Only setups whose run has a clear outcome are asked: each question's seed is first trained at
every rate of ``GRID`` in one batched run (kept by the demo runner's cache), and rates whose
curves lie near a boundary between two outcomes are left out.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.demo.outcomes import LossOutcome, RunSummary
from tutor.demo.request import DemoName, DemoRequest

# The rates a question may ask about, from crawling to diverging on the demo's task.
GRID: tuple[float, ...] = (0.002, 0.005, 0.05, 0.07, 0.2, 1.0)
SEEDS = 8
CHOICES: tuple[LossOutcome, ...] = tuple(LossOutcome)


@dataclass(frozen=True)
class Setup:
    """One question: the data and weights' seed and the rate (an index into GRID)."""

    seed: int
    rate_index: int

    @property
    def rate(self) -> float:
        return GRID[self.rate_index]

    @property
    def request(self) -> DemoRequest:
        """The run that answers the question: the lr demo at this one rate."""
        return DemoRequest(DemoName.LR, rates=(self.rate,), seed=self.seed)


def table_request(seed: int) -> DemoRequest:
    """The batched run that sorts out which rates of ``seed`` have a clear outcome."""
    return DemoRequest(DemoName.LR, rates=GRID, seed=seed)


def clear_setups(seed: int, runs: Sequence[RunSummary]) -> list[Setup]:
    """The setups of ``seed`` whose run had a clear outcome (``runs`` in GRID's order)."""
    return [Setup(seed, i) for i, run in enumerate(runs) if run.outcome is not None]


def draw_seed(rng: random.Random) -> int:
    return rng.randrange(SEEDS)


@dataclass(frozen=True)
class Verdict:
    """The learner's guess against what the run did."""

    chosen: LossOutcome
    run: RunSummary

    @property
    def correct(self) -> bool:
        return self.run.outcome is self.chosen
