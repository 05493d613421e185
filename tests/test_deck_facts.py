"""The numbers the lr-today deck states, run again in the installed torch.

Each test names the items that state its numbers; a torch release that changes one fails
here before a learner is taught the old figure.
"""

from __future__ import annotations

import math

import pytest
import torch


@pytest.fixture(autouse=True)
def _float64() -> object:
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def _zero_gradient_steps(
    optimizer: torch.optim.Optimizer, weight: torch.Tensor, steps: int
) -> None:
    for _ in range(steps):
        weight.grad = torch.zeros_like(weight)
        optimizer.step()


def test_adamw_shrinks_each_weight_by_lr_times_weight_decay() -> None:
    """a-wd-adamw-step, a-q-wd-adamw-step, a-explain-adamw-decay, a-wd-timescale."""
    weight = torch.nn.Parameter(torch.tensor([1.0]))
    optimizer = torch.optim.AdamW([weight], lr=0.1, weight_decay=0.01)
    assert torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))]).defaults["weight_decay"] == 0.01
    _zero_gradient_steps(optimizer, weight, 1)
    assert weight.item() == pytest.approx(0.999)
    for group in optimizer.param_groups:  # a schedule halving the rate halves the decay
        group["lr"] = 0.05
    _zero_gradient_steps(optimizer, weight, 1)
    assert weight.item() == pytest.approx(0.999 * 0.9995)
    # 1/(lr·wd) steps shrink a weight by about 1/e.
    weight = torch.nn.Parameter(torch.tensor([1.0]))
    _zero_gradient_steps(torch.optim.AdamW([weight], lr=1e-3, weight_decay=0.1), weight, 10_000)
    assert weight.item() == pytest.approx(math.exp(-1), abs=1e-4)


@pytest.mark.parametrize(("lr", "distance"), [(0.19, 7.06e-10), (0.2, 1.0), (0.21, 1.9e8)])
def test_gradient_descent_on_a_quadratic_is_stable_below_two_over_l(
    lr: float, distance: float
) -> None:
    """a-eos-quadratic, a-q-eos-quadratic: L = 10, so the limit is 0.2."""
    x = torch.nn.Parameter(torch.tensor([1.0]))
    optimizer = torch.optim.SGD([x], lr=lr)
    for _ in range(200):
        optimizer.zero_grad()
        (0.5 * 10.0 * x**2).sum().backward()
        optimizer.step()
    assert abs(x.item()) == pytest.approx(distance, rel=0.01)


@pytest.mark.parametrize(("lr", "converges"), [(0.039, True), (0.041, False)])
def test_the_largest_curvature_sets_the_limit(lr: float, converges: bool) -> None:
    """a-q-eos-quadratic, a-eos-quadratic: curvatures 1 and 50, so the limit is 2/50."""
    x = torch.nn.Parameter(torch.tensor([1.0, 1.0]))
    optimizer = torch.optim.SGD([x], lr=lr)
    for _ in range(300):
        optimizer.zero_grad()
        (0.5 * (torch.tensor([1.0, 50.0]) * x**2).sum()).backward()
        optimizer.step()
    assert (x.abs().max().item() < 1e-4) is converges


def _lora_update(scale: float, lr_a: float, lr_b: float) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(64, 8, generator=generator)
    targets = torch.randn(64, 8, generator=generator)
    a = torch.nn.Parameter(torch.randn(2, 8, generator=generator) * 0.1)
    b = torch.nn.Parameter(torch.zeros(8, 2))
    optimizer = torch.optim.Adam(
        [{"params": [a], "lr": lr_a}, {"params": [b], "lr": lr_b}], eps=1e-16
    )
    for _ in range(30):
        optimizer.zero_grad()
        ((inputs @ (scale * b @ a).T - targets) ** 2).mean().backward()
        optimizer.step()
    return (scale * b @ a).detach()


def test_loras_alpha_acts_as_b_s_rate_under_adam() -> None:
    """a-ft-lora-alpha-lr, a-ft-lora-init: alpha×4 is B's rate×4, not both rates×4."""
    scaled = _lora_update(4.0, 1e-2, 1e-2)
    assert torch.allclose(scaled, _lora_update(1.0, 1e-2, 4e-2), atol=1e-12)
    assert not torch.allclose(scaled, _lora_update(1.0, 4e-2, 4e-2), atol=1e-3)


@pytest.mark.parametrize("gradient_scale", [1e-3, 1.0, 1e3])
def test_lambs_trust_ratio_makes_each_step_lr_times_the_weight_norm(
    gradient_scale: float,
) -> None:
    """a-lamb-trust-ratio, a-q-lamb-trust: step = lr·(‖w‖/‖u‖)·u."""
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(100, 100, generator=generator)
    update = torch.randn(100, 100, generator=generator) * gradient_scale
    step = 0.01 * (weight.norm() / update.norm()) * update
    assert (step.norm() / weight.norm()).item() == pytest.approx(0.01)


@pytest.mark.parametrize(("beta2", "multiple"), [(0.999, 3.19), (0.95, 0.451)])
def test_a_lower_beta2_tames_adams_step_after_a_gradient_jump(
    beta2: float, multiple: float
) -> None:
    """a-spike-beta2: 20,000 steps of gradient 1e-3, then one of 1.0."""
    weight = torch.nn.Parameter(torch.tensor([0.0]))
    optimizer = torch.optim.Adam([weight], lr=1e-3, betas=(0.9, beta2))
    for _ in range(20_000):
        weight.grad = torch.tensor([1e-3])
        optimizer.step()
    before = weight.item()
    weight.grad = torch.tensor([1.0])
    optimizer.step()
    assert abs(weight.item() - before) / 1e-3 == pytest.approx(multiple, rel=0.01)


def test_the_transformers_schedule_peaks_at_its_warm_up_end() -> None:
    """a-inv-sqrt: d_model 512, 4,000 warm-up steps; a-decay-to-zero: OneCycleLR's end."""

    def rate(step: int) -> float:
        return 512**-0.5 * min(step**-0.5, step * 4000**-1.5)

    assert rate(4000) == pytest.approx(6.99e-4, abs=5e-7)  # as the card rounds it
    assert rate(16000) == pytest.approx(3.49e-4, abs=5e-7)
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=1.0)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=1.0, total_steps=100, div_factor=100, final_div_factor=0.1
    )
    for _ in range(99):
        optimizer.step()
        scheduler.step()
    assert scheduler.get_last_lr()[0] == pytest.approx(0.1)


@pytest.mark.parametrize(("period", "ratio"), [(1, 1 / 1.9), (2, 0.55), (3, 0.87), (4, 1.09)])
def test_momentum_shrinks_steps_only_where_the_gradient_flips_every_step_or_so(
    period: int, ratio: float
) -> None:
    """o-momentum-lr, o-explain-momentum: μ = 0.9, a gradient of ±1 flipping sign every
    ``period`` steps; the mean step against plain SGD's (1): lr/(1 + μ) for a flip each
    step, still smaller up to every third step, larger from every fourth."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=1.0, momentum=0.9)
    steps = []
    for step in range(400):
        before = weight.item()
        weight.grad = torch.tensor([1.0 if (step // period) % 2 == 0 else -1.0])
        optimizer.step()
        steps.append(abs(weight.item() - before))
    assert sum(steps[200:]) / 200 == pytest.approx(ratio, rel=0.02)
