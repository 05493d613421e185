"""The learning-rate schedules of the ``schedule`` and ``warmup`` demos, computed without an
optimizer.

StepLR, warm-up and cosine depend only on the step, so their rates are planned up front;
ReduceLROnPlateau reacts to the loss, so it is kept as tensors on the training device and
stepped there, without a host round-trip per step. Each matches its ``torch.optim``
namesake exactly (the reference training uses those, and the tests compare).
"""

from __future__ import annotations

import enum
import math

import torch

from tutor.demo.specs import ScheduleSpec, WarmupSpec

Tensor = torch.Tensor


class Schedule(enum.StrEnum):
    """The compared schedules, in the order they are shown."""

    CONSTANT = "constant"
    STEP = "step"
    PLATEAU = "plateau"
    COSINE = "cosine"


class Warmup(enum.StrEnum):
    """The ``warmup`` demo's settings, in the order they are shown: the same peak rate reached
    at once, after a linear warm-up, and after a warm-up followed by a cosine decay to 0."""

    NONE = "none"
    CONSTANT = "constant"
    COSINE = "cosine"


# ReduceLROnPlateau's defaults that the demo keeps.
PLATEAU_THRESHOLD = 1e-4
PLATEAU_EPS = 1e-8


def planned_lr(schedule: Schedule, spec: ScheduleSpec, step: int) -> float:
    """The rate a step-driven schedule uses at ``step`` (0-based).

    Args:
        schedule: Any schedule but PLATEAU, whose rate depends on the losses.
        spec: The demo's hyperparameters.
        step: The training step.

    Returns:
        The learning rate, as ``torch.optim.lr_scheduler`` would set it: StepLR(step_size,
        gamma); LinearLR(start_factor=1/warmup, total_iters=warmup) followed by
        CosineAnnealingLR(T_max=steps - warmup) for COSINE.
    """
    peak = spec.peak_lr
    if schedule is Schedule.CONSTANT:
        return peak
    if schedule is Schedule.STEP:
        return peak * spec.step_gamma ** (step // spec.step_size)
    if schedule is Schedule.COSINE:
        return _warm_cosine(peak, spec.warmup_steps, spec.steps, step)
    raise ValueError(f"{schedule} is not planned ahead: it reacts to the loss")


def warmup_lr(setting: Warmup, spec: WarmupSpec, step: int) -> float:
    """The rate a ``warmup`` demo setting uses at ``step`` (0-based).

    Returns:
        As ``torch.optim.lr_scheduler`` sets it: the peak throughout for NONE;
        LinearLR(start_factor=1/warmup, total_iters=warmup) for CONSTANT, followed by
        CosineAnnealingLR(T_max=steps - warmup) for COSINE.
    """
    peak, warmup = spec.peak_lr, spec.warmup_steps
    if setting is Warmup.NONE:
        return peak
    if setting is Warmup.CONSTANT:
        return _warmed(peak, warmup, step)
    return _warm_cosine(peak, warmup, spec.steps, step)


def _warmed(peak: float, warmup: int, step: int) -> float:
    # LinearLR(start_factor=1/warmup, total_iters=warmup): peak/warmup at step 0, the peak
    # from step `warmup` on.
    start = 1.0 / warmup
    return peak * (start + (1.0 - start) * min(step, warmup) / warmup)


def _warm_cosine(peak: float, warmup: int, steps: int, step: int) -> float:
    if step < warmup:
        return _warmed(peak, warmup, step)
    return peak * (1.0 + math.cos(math.pi * (step - warmup) / (steps - warmup))) / 2.0


class DevicePlateau:
    """ReduceLROnPlateau(mode="min", threshold_mode="rel", cooldown=0, min_lr=0) for a batch.

    One independent scheduler per setting, all stepped with a single vector of losses. The state
    is float64, as torch's Python floats are, so that no comparison near the threshold comes
    out differently from the original.
    """

    def __init__(self, lr: Tensor, *, factor: float, patience: int) -> None:
        """Starts every setting at ``lr`` (shape (S,)), with no best loss yet."""
        self.lr = lr.to(torch.float64)
        self.best = torch.full_like(lr, math.inf)
        self.bad_steps = torch.zeros_like(lr)
        self.factor = factor
        self.patience = patience

    def step(self, loss: Tensor) -> None:
        """Records each setting's loss (S,) and cuts the rate where it stopped improving."""
        loss = loss.to(torch.float64)
        better = loss < self.best * (1.0 - PLATEAU_THRESHOLD)
        self.best = torch.where(better, loss, self.best)
        self.bad_steps = torch.where(better, 0.0, self.bad_steps + 1.0)
        reduce = self.bad_steps > self.patience
        cut = self.lr * self.factor
        self.lr = torch.where(reduce & (self.lr - cut > PLATEAU_EPS), cut, self.lr)
        self.bad_steps = torch.where(reduce, 0.0, self.bad_steps)

    def select(self, rows: Tensor) -> None:
        """Keeps only the given settings (the others diverged and were dropped)."""
        self.lr = self.lr.index_select(0, rows)
        self.best = self.best.index_select(0, rows)
        self.bad_steps = self.bad_steps.index_select(0, rows)
