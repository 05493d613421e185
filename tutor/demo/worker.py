"""What runs inside a demo worker process: a warm start, then train-and-draw per request.

The bot process imports this module too, only to name these functions to the process pool,
so torch and matplotlib are imported inside the functions: they load in the worker alone.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from tutor.demo.outcomes import RunSummary, summarise
from tutor.demo.request import DemoName, DemoRequest

# Set by `start_worker` in each worker process; the bot process never sets them.
_device: str | None = None
_startup_error: str | None = None


@dataclass(frozen=True)
class WorkerInfo:
    """Who answered: a worker's process id and the torch device it trains on."""

    pid: int
    device: str


@dataclass(frozen=True)
class WorkerOutput:
    """One finished demo, as sent back to the bot process.

    Attributes:
        png: The picture.
        caption: What the run measured.
        pid: The worker's process id.
        device: The device it trained on.
        train_seconds: Time spent training.
        render_seconds: Time spent drawing the PNG and writing the caption.
    """

    png: bytes
    caption: str
    pid: int
    device: str
    train_seconds: float
    render_seconds: float
    runs: tuple[RunSummary, ...] = ()


def _warm_up(device_setting: str) -> str:
    from tutor.demo import plots, training
    from tutor.demo.captions import build_caption
    from tutor.demo.specs import DemoSpecs, DifferentialSpec, LrSpec, ScheduleSpec, WarmupSpec

    training.configure_torch()
    device = training.resolve_device(device_setting)
    # Every code path once, small: the first real request then finds kernels initialised,
    # fonts cached and every module imported.
    tiny = DemoSpecs(
        lr=LrSpec(steps=30),
        schedule=ScheduleSpec(steps=30, step_size=10, plateau_patience=3, warmup_steps=5),
        differential=DifferentialSpec(pretrain_steps=10, finetune_steps=30),
        warmup=WarmupSpec(steps=30, warmup_steps=5),
    )
    for demo in DemoName:
        result = training.train(DemoRequest(demo), device, tiny)
        plots.render(result)
        build_caption(result)
    return str(device)


def start_worker(device_setting: str) -> None:
    """Pool initializer: imports torch and matplotlib, picks the device, runs tiny demos.

    A failure is kept rather than raised: a raising initializer only breaks the pool with no
    message, while `describe` can report it.

    Args:
        device_setting: ``auto``, ``cpu`` or ``cuda`` (the ``DEMO_DEVICE`` setting).
    """
    global _device, _startup_error
    try:
        _device = _warm_up(device_setting)
    except Exception as exc:  # reported by describe() with its message
        _startup_error = f"{type(exc).__name__}: {exc}"


def describe() -> WorkerInfo:
    """This worker's process id and device.

    Raises:
        RuntimeError: The worker failed to start (e.g. ``cuda`` asked for but absent).
    """
    if _startup_error is not None or _device is None:
        raise RuntimeError(_startup_error or "the demo worker was not started")
    return WorkerInfo(pid=os.getpid(), device=_device)


def produce(request: DemoRequest) -> WorkerOutput:
    """Trains the requested demo, draws it and writes its caption.

    Args:
        request: The demo to run.

    Returns:
        The PNG, the caption and how long each part took.
    """
    import torch

    from tutor.demo import plots, training
    from tutor.demo.captions import build_caption

    info = describe()
    started = time.perf_counter()
    result = training.train(request, torch.device(info.device))
    trained = time.perf_counter()
    png = plots.render(result)
    caption = build_caption(result)
    return WorkerOutput(
        png=png,
        caption=caption,
        pid=info.pid,
        device=info.device,
        train_seconds=trained - started,
        render_seconds=time.perf_counter() - trained,
        runs=tuple(summarise(curve, result.steps) for curve in result.curves),
    )
