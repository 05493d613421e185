"""What a demo measured: each setting's curves, where it diverged, and which did best."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.demo.request import DemoRequest
from tutor.demo.specs import DemoSpec, DifferentialSpec

# A loss this many times its starting value is past saving: the run has diverged.
DIVERGENCE_FACTOR = 10.0
# A loss that jumps above this many times the best so far is a spike: the rate is too high
# for the valley the run is in, even if the run recovers.
SPIKE_FACTOR = 2.0


def is_divergent(loss: float, initial: float, factor: float = DIVERGENCE_FACTOR) -> bool:
    """Whether a loss means the run diverged: not finite, or above ``factor`` times the start.

    Args:
        loss: The loss at some step.
        initial: The loss at step 0.
        factor: How many times the starting loss counts as exploding.
    """
    return not math.isfinite(loss) or not math.isfinite(initial) or loss > factor * initial


def find_divergence(losses: Sequence[float], factor: float = DIVERGENCE_FACTOR) -> int | None:
    """The first step whose loss diverged (see `is_divergent`), or None if none did."""
    if not losses:
        return None
    initial = losses[0]
    return next(
        (step for step, loss in enumerate(losses) if is_divergent(loss, initial, factor)), None
    )


@dataclass(frozen=True)
class Curve:
    """One setting of a demo, as trained: what a line on the plot and a clause of the caption say.

    Attributes:
        label: The setting's name, e.g. ``lr=0.1`` or ``frozen body``.
        detail: How the setting was configured, for the legend, e.g. ``body lr=0.01``.
        loss: Training loss before each step, from step 0 up to the end or the divergence
            step; only finite values (a non-finite loss at the divergence step is left out).
        diverged_at: The step where the loss exploded, or None.
        lr: The learning rate used at each step (for schedules), as long as ``loss``.
        kept_loss: Loss on the old task at each step (for fine-tuning), as long as ``loss``.
    """

    label: str
    loss: tuple[float, ...]
    detail: str | None = None
    diverged_at: int | None = None
    lr: tuple[float, ...] | None = None
    kept_loss: tuple[float, ...] | None = None

    @property
    def initial_loss(self) -> float:
        """The loss before any training (inf in the freak case of a non-finite start)."""
        return self.loss[0] if self.loss else math.inf

    @property
    def final_loss(self) -> float:
        """The last finite loss measured: after the last step, or where the run diverged."""
        return self.loss[-1] if self.loss else math.inf

    @property
    def spikes(self) -> int:
        """How many times the loss jumped above `SPIKE_FACTOR` times its best so far."""
        best, above, spikes = math.inf, False, 0
        for loss in self.loss:
            jumped = loss > SPIKE_FACTOR * best
            spikes += jumped and not above
            above, best = jumped, min(best, loss)
        return spikes

    @property
    def final_kept_loss(self) -> float | None:
        """The old task's loss at the end, for fine-tuning demos."""
        return self.kept_loss[-1] if self.kept_loss else None


def make_curve(
    label: str,
    losses: Sequence[float],
    *,
    detail: str | None = None,
    lr: Sequence[float] | None = None,
    kept_loss: Sequence[float] | None = None,
    factor: float = DIVERGENCE_FACTOR,
) -> Curve:
    """Builds a curve from every step's loss, cut where it diverged.

    Args:
        label: The setting's name.
        detail: How it was configured, if the legend should say.
        losses: The loss before each step, as recorded (may hold NaN or inf after divergence).
        lr: The learning rate at each step, if the demo shows it.
        kept_loss: The old task's loss at each step, if the demo shows it.
        factor: See `is_divergent`.

    Returns:
        The curve, with only finite values, ending at the divergence step if there is one.
    """
    diverged_at = find_divergence(losses, factor)
    end = len(losses) if diverged_at is None else diverged_at + 1
    if end > 0 and not math.isfinite(losses[end - 1]):
        end -= 1
    return Curve(
        label=label,
        loss=tuple(losses[:end]),
        detail=detail,
        diverged_at=diverged_at,
        lr=None if lr is None else tuple(lr[:end]),
        kept_loss=None if kept_loss is None else tuple(kept_loss[:end]),
    )


@dataclass(frozen=True)
class TrainingResult:
    """Everything one demo run measured, ready for a plot and a caption.

    Attributes:
        request: What was asked for.
        curves: One curve per setting, in the order they are shown.
        spec: The hyperparameters it ran with.
        device: The torch device it ran on, e.g. ``cpu`` or ``cuda:0``.
    """

    request: DemoRequest
    curves: tuple[Curve, ...]
    spec: DemoSpec
    device: str

    @property
    def steps(self) -> int:
        """How many training steps each setting was given (fine-tuning steps for fine-tuning)."""
        spec = self.spec
        return spec.finetune_steps if isinstance(spec, DifferentialSpec) else spec.steps

    @property
    def best(self) -> Curve | None:
        """The setting with the lowest final loss among those that did not diverge; None
        for a lone run (nothing to be best against)."""
        if len(self.curves) < 2:
            return None
        survivors = [curve for curve in self.curves if curve.diverged_at is None]
        return min(survivors, key=lambda curve: curve.final_loss, default=None)
