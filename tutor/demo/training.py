"""The demos' trainings, fast: every setting of a demo trains at once on one device.

The settings' networks are stacked (see `tutor.demo.batched`) and stepped together; every few
steps the losses come back to the host in one transfer, and settings that diverged are dropped
so the rest run lighter. `tutor.demo.reference` trains the same things the plain way.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from tutor.demo import texts
from tutor.demo.batched import Adam, Layer, gradients, mse, repeat, sgd_step, stack
from tutor.demo.request import DemoName, DemoRequest
from tutor.demo.results import Curve, TrainingResult, is_divergent, make_curve
from tutor.demo.schedules import DevicePlateau, Schedule, Warmup, planned_lr, warmup_lr
from tutor.demo.specs import DemoSpecs, DifferentialSpec, LrSpec, ScheduleSpec, WarmupSpec
from tutor.demo.tasks import fine_tune_setup, wave_setup

Tensor = torch.Tensor

# Steps between host checks for divergence: rare enough not to stall a GPU, often enough that
# a rate that blows up at once stops costing compute soon after.
CHECK_EVERY = 25
DEVICE_SETTINGS = ("auto", "cpu", "cuda")


def resolve_device(setting: str) -> torch.device:
    """The device a ``DEMO_DEVICE`` setting names.

    Args:
        setting: ``auto`` (CUDA when available, else CPU), ``cpu`` or ``cuda``.

    Raises:
        ValueError: An unknown setting, or ``cuda`` on a machine without it.
    """
    if setting not in DEVICE_SETTINGS:
        raise ValueError(
            f"DEMO_DEVICE must be one of {', '.join(DEVICE_SETTINGS)}, not {setting!r}"
        )
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if setting == "cuda" and not torch.cuda.is_available():
        raise ValueError("DEMO_DEVICE is cuda, but torch sees no CUDA device")
    return torch.device(setting)


def configure_torch() -> None:
    """Process-wide torch settings for the demos' many tiny kernels.

    One intra-op thread: at these sizes a second thread costs more in hand-off than it saves,
    and the bot process keeps the other core.
    """
    torch.set_num_threads(1)


class _Tracker:
    """What the fast loop has measured per setting, and which settings still train.

    Rows of the stacked tensors are the settings still alive; ``alive[row]`` is the setting's
    index in the demo. Chunks of steps arrive as (steps, rows) tensors, one per series.
    """

    def __init__(self, settings: int, series: Sequence[str]) -> None:
        self.alive = list(range(settings))
        self.series = {name: [list[float]() for _ in range(settings)] for name in series}

    def add(self, device: torch.device, **chunks: Sequence[Tensor]) -> Tensor | None:
        """Records a chunk of steps; returns the rows to keep if some setting diverged."""
        seen = len(self.series["loss"][self.alive[0]])
        for name, steps in chunks.items():
            # One device-to-host copy per series and chunk: the only sync in the loop.
            values = torch.stack(list(steps)).cpu().T.tolist()
            for setting, history in zip(self.alive, values, strict=True):
                self.series[name][setting].extend(history)
        losses = self.series["loss"]
        keep = [
            row
            for row, setting in enumerate(self.alive)
            if not any(is_divergent(v, losses[setting][0]) for v in losses[setting][seen:])
        ]
        if len(keep) == len(self.alive):
            return None
        self.alive = [self.alive[row] for row in keep]
        return torch.tensor(keep, dtype=torch.long, device=device)


def _select(layers: Sequence[Layer], rows: Tensor) -> list[Layer]:
    return [
        Layer(layer.weight.index_select(0, rows), layer.bias.index_select(0, rows))
        for layer in layers
    ]


def _rates(values: Sequence[float], device: torch.device) -> Tensor:
    # (S, 1, 1), to scale each setting's (S, batch, width) gradient.
    return torch.tensor(values, dtype=torch.float32, device=device).view(-1, 1, 1)


def _chunks(steps: int) -> list[range]:
    return [
        range(start, min(start + CHECK_EVERY, steps)) for start in range(0, steps, CHECK_EVERY)
    ]


def train_lr(request: DemoRequest, device: torch.device, spec: LrSpec) -> TrainingResult:
    """Full-batch SGD on the wave task at each of the request's learning rates.

    Args:
        request: An ``lr`` request; its rates (or the defaults) are the settings.
        device: Where to train.
        spec: Sizes and steps.

    Returns:
        One curve per rate, in the request's order, cut where it diverged.
    """
    rates = request.learning_rates
    setup = wave_setup(spec.task, request.seed, device, steps=spec.steps, batch_size=None)
    layers = [stack(init, len(rates)) for init in setup.layers]
    rate = _rates(rates, device)
    tracker = _Tracker(len(rates), ["loss"])
    x, y = setup.data.x, setup.data.y
    for chunk in _chunks(spec.steps):
        losses = []
        for _ in chunk:
            loss = sgd_step(layers, x, y, [rate] * len(layers))
            assert loss is not None
            losses.append(loss)
        rows = tracker.add(device, loss=losses)
        if rows is not None:
            if not tracker.alive:
                break
            layers, rate = _select(layers, rows), rate.index_select(0, rows)
    curves = tuple(
        make_curve(label, history)
        for label, history in zip(
            request.labels or texts.lr_labels(rates), tracker.series["loss"], strict=True
        )
    )
    return TrainingResult(request, curves, spec, str(device))


def _scheduled_curves(settings: Sequence[tuple[str, str]], tracker: _Tracker) -> tuple[Curve, ...]:
    """One curve per setting (name, configuration), with its loss and rate at each step."""
    return tuple(
        make_curve(label, loss, detail=detail, lr=lr)
        for (label, detail), loss, lr in zip(
            settings, tracker.series["loss"], tracker.series["lr"], strict=True
        )
    )


def train_schedule(
    request: DemoRequest, device: torch.device, spec: ScheduleSpec
) -> TrainingResult:
    """Mini-batch SGD on the wave task under each `Schedule`, from the same peak rate.

    Args:
        request: A ``schedule`` request (its seed is used).
        device: Where to train.
        spec: Sizes, steps and the schedules' parameters.

    Returns:
        One curve per schedule, with the full-data loss and the rate at each step.
    """
    schedules = list(Schedule)
    setup = wave_setup(
        spec.task, request.seed, device, steps=spec.steps, batch_size=spec.batch_size
    )
    assert setup.batches is not None
    batch_x, batch_y = setup.data.x[setup.batches], setup.data.y[setup.batches]
    layers = [stack(init, len(schedules)) for init in setup.layers]
    # Every schedule's rate at every step, (steps, S); the plateau column is decided live.
    planned = [
        [spec.peak_lr if s is Schedule.PLATEAU else planned_lr(s, spec, step) for s in schedules]
        for step in range(spec.steps)
    ]
    table = torch.tensor(planned, dtype=torch.float32, device=device)
    reacts = torch.tensor([s is Schedule.PLATEAU for s in schedules], device=device)
    plateau = DevicePlateau(table[0], factor=spec.plateau_factor, patience=spec.plateau_patience)
    tracker = _Tracker(len(schedules), ["loss", "lr"])
    x, y = setup.data.x, setup.data.y
    for chunk in _chunks(spec.steps):
        losses, rates = [], []
        for step in chunk:
            rate = torch.where(reacts, plateau.lr.to(table.dtype), table[step])
            loss = mse(layers, x, y)
            sgd_step(
                layers,
                batch_x[step],
                batch_y[step],
                [rate.view(-1, 1, 1)] * len(layers),
                loss=False,
            )
            plateau.step(loss)
            losses.append(loss)
            rates.append(rate)
        rows = tracker.add(device, loss=losses, lr=rates)
        if rows is not None:
            if not tracker.alive:
                break
            layers = _select(layers, rows)
            table, reacts = table.index_select(1, rows), reacts.index_select(0, rows)
            plateau.select(rows)
    curves = _scheduled_curves(texts.schedule_settings(spec), tracker)
    return TrainingResult(request, curves, spec, str(device))


def train_warmup(request: DemoRequest, device: torch.device, spec: WarmupSpec) -> TrainingResult:
    """Mini-batch Adam on the wave task at one peak rate, reached at once or after a warm-up.

    Args:
        request: A ``warmup`` request (its seed is used).
        device: Where to train.
        spec: Sizes, steps, the peak rate and the warm-up's length.

    Returns:
        One curve per `Warmup` setting, with the full-data loss and the rate at each step.
    """
    settings = list(Warmup)
    setup = wave_setup(
        spec.task, request.seed, device, steps=spec.steps, batch_size=spec.batch_size
    )
    assert setup.batches is not None
    batch_x, batch_y = setup.data.x[setup.batches], setup.data.y[setup.batches]
    layers = [stack(init, len(settings)) for init in setup.layers]
    optimizer = Adam(layers)
    planned = [[warmup_lr(s, spec, step) for s in settings] for step in range(spec.steps)]
    table = torch.tensor(planned, dtype=torch.float32, device=device)
    tracker = _Tracker(len(settings), ["loss", "lr"])
    x, y = setup.data.x, setup.data.y
    for chunk in _chunks(spec.steps):
        losses, rates = [], []
        for step in chunk:
            losses.append(mse(layers, x, y))
            rates.append(table[step])
            grads = gradients(layers, batch_x[step], batch_y[step])
            optimizer.step(layers, grads, table[step].view(-1, 1, 1))
        rows = tracker.add(device, loss=losses, lr=rates)
        if rows is not None:
            if not tracker.alive:
                break
            layers, table = _select(layers, rows), table.index_select(1, rows)
            optimizer.select(rows)
    curves = _scheduled_curves(texts.warmup_settings(spec), tracker)
    return TrainingResult(request, curves, spec, str(device))


def train_differential(
    request: DemoRequest, device: torch.device, spec: DifferentialSpec
) -> TrainingResult:
    """Pretrains on task A, then fine-tunes on task B three ways at once.

    The three ways differ only in their rates: one large rate for body and head; rate 0 for
    the body (frozen); and a small body rate with a large head rate (parameter groups).

    Args:
        request: A ``differential`` request (its seed is used).
        device: Where to train.
        spec: Sizes, steps and rates.

    Returns:
        One curve per way: task B's loss, and task A's (through the untouched old head) as
        ``kept_loss``.
    """
    setup = fine_tune_setup(spec, request.seed, device)
    task_a, task_b = setup.task_a, setup.task_b

    network = [stack(init, 1) for init in (*setup.body, setup.head_a)]
    pretrain_rate = _rates([spec.pretrain_lr], device)
    pre_x, pre_y = task_a.x[setup.pretrain_batches], task_a.y[setup.pretrain_batches]
    for step in range(spec.pretrain_steps):
        sgd_step(network, pre_x[step], pre_y[step], [pretrain_rate] * len(network), loss=False)

    ways = 3
    body = [repeat(layer, ways) for layer in network[:-1]]
    head_a = repeat(network[-1], ways)
    head_b = stack(setup.head_b, ways)
    body_rate = _rates([spec.large_lr, 0.0, spec.small_lr], device)
    head_rate = _rates([spec.large_lr] * ways, device)
    tune_x, tune_y = task_b.x[setup.finetune_batches], task_b.y[setup.finetune_batches]
    tracker = _Tracker(ways, ["loss", "kept"])
    for chunk in _chunks(spec.finetune_steps):
        new_losses, old_losses = [], []
        for step in chunk:
            new_losses.append(mse([*body, head_b], task_b.x, task_b.y))
            old_losses.append(mse([*body, head_a], task_a.x, task_a.y))
            rates = [body_rate] * len(body) + [head_rate]
            sgd_step([*body, head_b], tune_x[step], tune_y[step], rates, loss=False)
        rows = tracker.add(device, loss=new_losses, kept=old_losses)
        if rows is not None:
            if not tracker.alive:
                break
            body, (head_a, head_b) = _select(body, rows), _select([head_a, head_b], rows)
            body_rate, head_rate = body_rate.index_select(0, rows), head_rate.index_select(0, rows)
    curves = tuple(
        make_curve(label, loss, detail=detail, kept_loss=kept)
        for (label, detail), loss, kept in zip(
            texts.differential_settings(spec),
            tracker.series["loss"],
            tracker.series["kept"],
            strict=True,
        )
    )
    return TrainingResult(request, curves, spec, str(device))


def train(
    request: DemoRequest, device: torch.device, specs: DemoSpecs | None = None
) -> TrainingResult:
    """Runs the requested demo's training.

    Args:
        request: Which demo, with which rates and seed.
        device: Where to train (see `resolve_device`).
        specs: Hyperparameters; the defaults unless a test or the warm-up shrinks them.
    """
    specs = specs or DemoSpecs()
    with torch.no_grad():
        if request.demo is DemoName.LR:
            return train_lr(request, device, specs.lr)
        if request.demo is DemoName.SCHEDULE:
            return train_schedule(request, device, specs.schedule)
        if request.demo is DemoName.WARMUP:
            return train_warmup(request, device, specs.warmup)
        return train_differential(request, device, specs.differential)
