"""What a run's loss did, read off its curve: converged fast or slowly, oscillated, diverged.

Runs near a boundary between two outcomes get none: a question is only asked about a run whose
outcome is clear.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from tutor.demo.results import Curve

# The demo's task has label noise 0.1, so no fit goes below a loss of about 0.01.
FAST_BELOW = 0.025  # ends within 2.5 times the noise floor: converged fast
SLOW_ABOVE = 0.1  # ends above 10 times the floor after every step: converging slowly
OSCILLATING_SPIKES = 4  # jumps above twice its best so far, this many times or more


class LossOutcome(enum.StrEnum):
    """What the loss did over the run."""

    FAST = "converges fast"
    SLOW = "converges slowly"
    OSCILLATE = "oscillates"
    DIVERGE = "diverges"


@dataclass(frozen=True)
class RunSummary:
    """One curve's outcome and the numbers that show it."""

    label: str
    outcome: LossOutcome | None
    initial_loss: float
    final_loss: float
    steps: int
    diverged_at: int | None
    spikes: int


def classify(curve: Curve) -> LossOutcome | None:
    """The curve's outcome, or None when it lies near a boundary between two."""
    if curve.diverged_at is not None:
        return LossOutcome.DIVERGE
    if curve.spikes >= OSCILLATING_SPIKES:
        return LossOutcome.OSCILLATE
    if curve.spikes:
        return None  # a spike or two: between converging and oscillating
    if curve.final_loss <= FAST_BELOW:
        return LossOutcome.FAST
    if curve.final_loss >= SLOW_ABOVE and curve.final_loss < curve.initial_loss:
        return LossOutcome.SLOW
    return None


def summarise(curve: Curve, steps: int) -> RunSummary:
    """The curve's outcome with its numbers."""
    return RunSummary(
        label=curve.label,
        outcome=classify(curve),
        initial_loss=curve.initial_loss,
        final_loss=curve.final_loss,
        steps=steps,
        diverged_at=curve.diverged_at,
        spikes=curve.spikes,
    )
