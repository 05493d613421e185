"""The demos' hyperparameters: sizes, steps and rates, tuned so each lesson shows on its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WaveTask:
    """A 1-D regression, y = sin(2x) + x/2 + noise on x in [-2, 2], fitted by a tanh MLP.

    Small enough to train in milliseconds, curved enough that the loss keeps falling for a
    few hundred steps, so a slow rate visibly lags behind a good one.

    Attributes:
        samples: Training points.
        noise: Standard deviation of the label noise (the loss cannot go below its square).
        hidden: Widths of the hidden layers.
    """

    samples: int = 128
    noise: float = 0.1
    hidden: tuple[int, ...] = (32, 32)


@dataclass(frozen=True)
class LrSpec:
    """The ``lr`` demo: plain full-batch SGD at several constant rates.

    Full batch, so the only thing that differs between the curves is the rate: no mini-batch
    noise blurs "too low" against "good".
    """

    task: WaveTask = WaveTask()
    steps: int = 300


@dataclass(frozen=True)
class ScheduleSpec:
    """The ``schedule`` demo: mini-batch SGD from one peak rate under four schedules.

    Mini-batches, because a schedule's job is to quiet the gradient noise that keeps a
    constant rate bouncing above the minimum.

    Attributes:
        peak_lr: The constant rate, and where every schedule starts (or peaks, after warm-up).
        step_size: StepLR multiplies the rate by ``step_gamma`` every this many steps.
        plateau_factor: ReduceLROnPlateau multiplies the rate by this...
        plateau_patience: ...after this many steps without a new best loss.
        warmup_steps: Cosine annealing starts with this many steps of linear warm-up.
    """

    task: WaveTask = WaveTask()
    steps: int = 400
    batch_size: int = 32
    peak_lr: float = 0.3
    step_size: int = 100
    step_gamma: float = 0.5
    plateau_factor: float = 0.5
    plateau_patience: int = 25
    warmup_steps: int = 40


@dataclass(frozen=True)
class WarmupSpec:
    """The ``warmup`` demo: mini-batch Adam at one peak rate, with and without warm-up.

    Adam's first steps move every weight by about the full rate at once (its moment estimates
    start from a handful of gradients); at a peak rate that suits later training, that first
    jolt throws the network off. A linear warm-up reaches the same peak without it.

    Attributes:
        peak_lr: The rate every setting reaches (Adam's default betas and eps).
        warmup_steps: Linear warm-up, from peak_lr/warmup_steps up to peak_lr.
    """

    task: WaveTask = WaveTask()
    steps: int = 400
    batch_size: int = 32
    peak_lr: float = 0.15
    warmup_steps: int = 50


@dataclass(frozen=True)
class DifferentialSpec:
    """The ``differential`` demo: pretrain on task A, fine-tune on task B with a new head.

    Task A is y = sin(2·x1) + x2/2 and task B is y = sin(2·x1) + x2²/2 on x in [-2, 2]²: they
    share the wave, so the pretrained body helps, but B needs a feature A never did, so a
    frozen body cannot learn B fully.

    Attributes:
        samples_a: Task A's points.
        samples_b: Task B's points (fewer: fine-tuning data is usually scarce).
        hidden: Widths of the body's hidden layers.
        pretrain_steps: Mini-batch SGD steps on task A.
        pretrain_lr: Rate of the pretraining.
        finetune_steps: Mini-batch SGD steps on task B, per setting.
        batch_size: Mini-batch size for both phases.
        large_lr: The head's rate in every setting, and the body's in "one rate for all".
        small_lr: The body's rate in "parameter groups".
    """

    samples_a: int = 256
    samples_b: int = 128
    hidden: tuple[int, ...] = (32, 32)
    pretrain_steps: int = 600
    pretrain_lr: float = 0.1
    finetune_steps: int = 300
    batch_size: int = 32
    large_lr: float = 0.1
    small_lr: float = 0.02


@dataclass(frozen=True)
class DemoSpecs:
    """One spec per demo; the defaults are what learners see, tests and warm-up shrink them."""

    lr: LrSpec = LrSpec()
    schedule: ScheduleSpec = ScheduleSpec()
    differential: DifferentialSpec = DifferentialSpec()
    warmup: WarmupSpec = WarmupSpec()


DemoSpec = LrSpec | ScheduleSpec | DifferentialSpec | WarmupSpec
