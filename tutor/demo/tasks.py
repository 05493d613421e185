"""The demos' data, starting weights and mini-batch order, made on the chosen device from a seed.

The fast and the reference trainings both start from these, in the same order of random
draws, so the two see exactly the same numbers.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from tutor.demo.specs import DifferentialSpec, WaveTask

Tensor = torch.Tensor


@dataclass(frozen=True)
class Dataset:
    """Inputs ``x`` of shape (samples, features) and targets ``y`` of shape (samples, 1)."""

    x: Tensor
    y: Tensor


@dataclass(frozen=True)
class LinearInit:
    """Starting values of one linear layer: ``weight`` (inputs, outputs), ``bias`` (outputs,)."""

    weight: Tensor
    bias: Tensor


@dataclass(frozen=True)
class WaveSetup:
    """Everything random in the ``lr`` and ``schedule`` demos."""

    data: Dataset
    layers: tuple[LinearInit, ...]
    batches: Tensor | None


@dataclass(frozen=True)
class FineTuneSetup:
    """Everything random in the ``differential`` demo."""

    task_a: Dataset
    task_b: Dataset
    body: tuple[LinearInit, ...]
    head_a: LinearInit
    head_b: LinearInit
    pretrain_batches: Tensor
    finetune_batches: Tensor


def make_generator(seed: int, device: torch.device) -> torch.Generator:
    """A generator on ``device`` so random tensors are drawn there, never copied over."""
    return torch.Generator(device=device).manual_seed(seed)


def _uniform(shape: Sequence[int], low: float, high: float, gen: torch.Generator) -> Tensor:
    return torch.rand(tuple(shape), generator=gen, device=gen.device) * (high - low) + low


def init_linear(inputs: int, outputs: int, gen: torch.Generator) -> LinearInit:
    """A layer drawn like ``nn.Linear``'s default: weights and biases U(-1/√inputs, 1/√inputs)."""
    bound = 1.0 / math.sqrt(inputs)
    return LinearInit(
        weight=_uniform((inputs, outputs), -bound, bound, gen),
        bias=_uniform((outputs,), -bound, bound, gen),
    )


def init_mlp(sizes: Sequence[int], gen: torch.Generator) -> tuple[LinearInit, ...]:
    """Layers mapping ``sizes[0]`` features through the hidden widths to ``sizes[-1]``."""
    return tuple(init_linear(a, b, gen) for a, b in itertools.pairwise(sizes))


def batch_order(samples: int, batch_size: int, steps: int, gen: torch.Generator) -> Tensor:
    """Indices of each step's mini-batch, shape (steps, batch_size): shuffled epochs, in turn."""
    epochs = math.ceil(steps * batch_size / samples)
    keys = torch.rand((epochs, samples), generator=gen, device=gen.device)
    order = torch.argsort(keys, dim=1).reshape(-1)
    return order[: steps * batch_size].reshape(steps, batch_size)


def wave_setup(
    task: WaveTask, seed: int, device: torch.device, *, steps: int, batch_size: int | None
) -> WaveSetup:
    """The wave data, a fresh MLP and (for mini-batch training) the batch order.

    Args:
        task: Data and network sizes.
        seed: Seed of every random draw.
        device: Where the tensors live.
        steps: Training steps, for the batch order.
        batch_size: Mini-batch size, or None for full-batch training.
    """
    gen = make_generator(seed, device)
    x = _uniform((task.samples, 1), -2.0, 2.0, gen)
    noise = torch.randn((task.samples, 1), generator=gen, device=device) * task.noise
    y = torch.sin(2.0 * x) + 0.5 * x + noise
    layers = init_mlp((1, *task.hidden, 1), gen)
    batches = None if batch_size is None else batch_order(task.samples, batch_size, steps, gen)
    return WaveSetup(Dataset(x, y), layers, batches)


def _task(samples: int, second: int, gen: torch.Generator) -> Dataset:
    x = _uniform((samples, 2), -2.0, 2.0, gen)
    wave = torch.sin(2.0 * x[:, :1])
    return Dataset(x, wave + 0.5 * x[:, 1:] ** second)


def fine_tune_setup(spec: DifferentialSpec, seed: int, device: torch.device) -> FineTuneSetup:
    """Tasks A and B, the body with both heads, and both phases' batch orders."""
    gen = make_generator(seed, device)
    task_a = _task(spec.samples_a, 1, gen)
    task_b = _task(spec.samples_b, 2, gen)
    body = init_mlp((2, *spec.hidden), gen)
    head_a = init_linear(spec.hidden[-1], 1, gen)
    head_b = init_linear(spec.hidden[-1], 1, gen)
    return FineTuneSetup(
        task_a=task_a,
        task_b=task_b,
        body=body,
        head_a=head_a,
        head_b=head_b,
        pretrain_batches=batch_order(spec.samples_a, spec.batch_size, spec.pretrain_steps, gen),
        finetune_batches=batch_order(spec.samples_b, spec.batch_size, spec.finetune_steps, gen),
    )
