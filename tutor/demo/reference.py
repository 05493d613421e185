"""The demos trained the plain way: one ``nn.Module`` and optimizer per setting, one at a time.

This is what `tutor.demo.training` must agree with and beat: the same data, starting weights,
mini-batches and steps, through ``torch.nn``, ``torch.optim`` and ``torch.optim.lr_scheduler``.
The bench times both; the tests check they draw the same curves.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence

import torch
from torch import nn
from torch.nn import functional

from tutor.demo import texts
from tutor.demo.request import DemoName, DemoRequest
from tutor.demo.results import Curve, TrainingResult, is_divergent, make_curve
from tutor.demo.schedules import PLATEAU_EPS, PLATEAU_THRESHOLD, Schedule, Warmup
from tutor.demo.specs import DemoSpecs, DifferentialSpec, LrSpec, ScheduleSpec, WarmupSpec
from tutor.demo.tasks import LinearInit, WaveSetup, fine_tune_setup, wave_setup


def _linear(init: LinearInit) -> nn.Linear:
    inputs, outputs = init.weight.shape
    layer = nn.Linear(inputs, outputs, device=init.weight.device)
    with torch.no_grad():
        layer.weight.copy_(init.weight.T)
        layer.bias.copy_(init.bias)
    return layer


def _mlp(layers: Sequence[LinearInit], *, tanh_after_last: bool = False) -> nn.Sequential:
    modules: list[nn.Module] = []
    for index, init in enumerate(layers):
        modules.append(_linear(init))
        if tanh_after_last or index < len(layers) - 1:
            modules.append(nn.Tanh())
    return nn.Sequential(*modules)


def _scheduler(
    schedule: Schedule, optimizer: torch.optim.Optimizer, spec: ScheduleSpec
) -> torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau | None:
    lr_scheduler = torch.optim.lr_scheduler
    if schedule is Schedule.STEP:
        return lr_scheduler.StepLR(optimizer, step_size=spec.step_size, gamma=spec.step_gamma)
    if schedule is Schedule.PLATEAU:
        return lr_scheduler.ReduceLROnPlateau(
            optimizer,
            factor=spec.plateau_factor,
            patience=spec.plateau_patience,
            threshold=PLATEAU_THRESHOLD,
            eps=PLATEAU_EPS,
        )
    if schedule is Schedule.COSINE:
        return _warm_cosine(optimizer, spec.warmup_steps, spec.steps)
    return None


def _warm_cosine(
    optimizer: torch.optim.Optimizer, warmup: int, steps: int
) -> torch.optim.lr_scheduler.LRScheduler:
    """A linear warm-up over ``warmup`` steps, then a cosine decay to 0 at ``steps``."""
    lr_scheduler = torch.optim.lr_scheduler
    return lr_scheduler.SequentialLR(
        optimizer,
        [
            lr_scheduler.LinearLR(optimizer, start_factor=1.0 / warmup, total_iters=warmup),
            lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps - warmup),
        ],
        milestones=[warmup],
    )


def _warmup_scheduler(
    setting: Warmup, optimizer: torch.optim.Optimizer, spec: WarmupSpec
) -> torch.optim.lr_scheduler.LRScheduler | None:
    warmup = spec.warmup_steps
    if setting is Warmup.CONSTANT:
        return torch.optim.lr_scheduler.LinearLR(
            optimizer, start_factor=1.0 / warmup, total_iters=warmup
        )
    if setting is Warmup.COSINE:
        return _warm_cosine(optimizer, warmup, spec.steps)
    return None


def reference_lr(request: DemoRequest, device: torch.device, spec: LrSpec) -> TrainingResult:
    """`tutor.demo.training.train_lr`, one rate after another."""
    rates = request.learning_rates
    setup = wave_setup(spec.task, request.seed, device, steps=spec.steps, batch_size=None)
    x, y = setup.data.x, setup.data.y
    curves = []
    for label, rate in zip(texts.lr_labels(rates), rates, strict=True):
        model = _mlp(setup.layers)
        optimizer = torch.optim.SGD(model.parameters(), lr=rate)
        losses: list[float] = []
        for _ in range(spec.steps):
            loss = functional.mse_loss(model(x), y)
            losses.append(loss.item())
            if is_divergent(losses[-1], losses[0]):
                break
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        curves.append(make_curve(label, losses))
    return TrainingResult(request, tuple(curves), spec, str(device))


Scheduler = torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau


def _scheduled_curve(
    setup: WaveSetup,
    steps: int,
    make: Callable[[nn.Module], tuple[torch.optim.Optimizer, Scheduler | None]],
    label: str,
    detail: str,
) -> Curve:
    """One setting trained the plain way on the wave's mini-batches: the whole-data loss
    and the rate before each step, the scheduler stepped after each (with the loss, for
    ReduceLROnPlateau)."""
    assert setup.batches is not None
    x, y = setup.data.x, setup.data.y
    model = _mlp(setup.layers)
    optimizer, scheduler = make(model)
    losses: list[float] = []
    rates: list[float] = []
    for step in range(steps):
        with torch.no_grad():
            losses.append(functional.mse_loss(model(x), y).item())
        rates.append(optimizer.param_groups[0]["lr"])
        if is_divergent(losses[-1], losses[0]):
            break
        batch = setup.batches[step]
        loss = functional.mse_loss(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(losses[-1])
        elif scheduler is not None:
            scheduler.step()
    return make_curve(label, losses, detail=detail, lr=rates)


def reference_schedule(
    request: DemoRequest, device: torch.device, spec: ScheduleSpec
) -> TrainingResult:
    """`tutor.demo.training.train_schedule`, one schedule after another."""
    setup = wave_setup(
        spec.task, request.seed, device, steps=spec.steps, batch_size=spec.batch_size
    )

    def sgd(
        schedule: Schedule,
    ) -> Callable[[nn.Module], tuple[torch.optim.Optimizer, Scheduler | None]]:
        def make(model: nn.Module) -> tuple[torch.optim.Optimizer, Scheduler | None]:
            optimizer = torch.optim.SGD(model.parameters(), lr=spec.peak_lr)
            return optimizer, _scheduler(schedule, optimizer, spec)

        return make

    curves = tuple(
        _scheduled_curve(setup, spec.steps, sgd(schedule), label, detail)
        for (label, detail), schedule in zip(texts.schedule_settings(spec), Schedule, strict=True)
    )
    return TrainingResult(request, curves, spec, str(device))


def reference_warmup(
    request: DemoRequest, device: torch.device, spec: WarmupSpec
) -> TrainingResult:
    """`tutor.demo.training.train_warmup`, one setting after another."""
    setup = wave_setup(
        spec.task, request.seed, device, steps=spec.steps, batch_size=spec.batch_size
    )

    def adam(
        setting: Warmup,
    ) -> Callable[[nn.Module], tuple[torch.optim.Optimizer, Scheduler | None]]:
        def make(model: nn.Module) -> tuple[torch.optim.Optimizer, Scheduler | None]:
            optimizer = torch.optim.Adam(model.parameters(), lr=spec.peak_lr)
            return optimizer, _warmup_scheduler(setting, optimizer, spec)

        return make

    curves = tuple(
        _scheduled_curve(setup, spec.steps, adam(setting), label, detail)
        for (label, detail), setting in zip(texts.warmup_settings(spec), Warmup, strict=True)
    )
    return TrainingResult(request, curves, spec, str(device))


def _parameters(*modules: nn.Module) -> Iterable[nn.Parameter]:
    for module in modules:
        yield from module.parameters()


def reference_differential(
    request: DemoRequest, device: torch.device, spec: DifferentialSpec
) -> TrainingResult:
    """`tutor.demo.training.train_differential`, one fine-tuning recipe after another."""
    setup = fine_tune_setup(spec, request.seed, device)
    task_a, task_b = setup.task_a, setup.task_b
    body = _mlp(setup.body, tanh_after_last=True)
    head_a = _linear(setup.head_a)
    optimizer = torch.optim.SGD(_parameters(body, head_a), lr=spec.pretrain_lr)
    for batch in setup.pretrain_batches:
        loss = functional.mse_loss(head_a(body(task_a.x[batch])), task_a.y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    curves: list[Curve] = []
    for index, (label, detail) in enumerate(texts.differential_settings(spec)):
        tuned = copy.deepcopy(body)
        head_b = _linear(setup.head_b)
        if index == 0:  # one rate for all
            optimizer = torch.optim.SGD(_parameters(tuned, head_b), lr=spec.large_lr)
        elif index == 1:  # frozen body
            tuned.requires_grad_(False)
            optimizer = torch.optim.SGD(head_b.parameters(), lr=spec.large_lr)
        else:  # parameter groups
            optimizer = torch.optim.SGD(
                [
                    {"params": tuned.parameters(), "lr": spec.small_lr},
                    {"params": head_b.parameters(), "lr": spec.large_lr},
                ]
            )
        new_losses: list[float] = []
        old_losses: list[float] = []
        for batch in setup.finetune_batches:
            with torch.no_grad():
                new_losses.append(functional.mse_loss(head_b(tuned(task_b.x)), task_b.y).item())
                old_losses.append(functional.mse_loss(head_a(tuned(task_a.x)), task_a.y).item())
            if is_divergent(new_losses[-1], new_losses[0]):
                break
            loss = functional.mse_loss(head_b(tuned(task_b.x[batch])), task_b.y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        curves.append(make_curve(label, new_losses, detail=detail, kept_loss=old_losses))
    return TrainingResult(request, tuple(curves), spec, str(device))


def reference_train(
    request: DemoRequest, device: torch.device, specs: DemoSpecs | None = None
) -> TrainingResult:
    """`tutor.demo.training.train`, the plain way."""
    specs = specs or DemoSpecs()
    if request.demo is DemoName.LR:
        return reference_lr(request, device, specs.lr)
    if request.demo is DemoName.SCHEDULE:
        return reference_schedule(request, device, specs.schedule)
    if request.demo is DemoName.WARMUP:
        return reference_warmup(request, device, specs.warmup)
    return reference_differential(request, device, specs.differential)
