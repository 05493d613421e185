"""The demos teach what they claim: the lessons hold in the numbers, and the pictures are sound."""

from __future__ import annotations

import itertools
import math
import struct
import subprocess
import sys
from dataclasses import replace

import pytest
import torch

from tutor.demo.batched import Adam, gradients, stack
from tutor.demo.captions import build_caption
from tutor.demo.plots import render
from tutor.demo.reference import reference_train
from tutor.demo.request import (
    DEFAULT_LR_RATES,
    MAX_RATES,
    DemoName,
    DemoRequest,
    DemoUsageError,
    parse_demo_args,
)
from tutor.demo.results import Curve, TrainingResult, find_divergence, make_curve
from tutor.demo.specs import DemoSpecs, LrSpec, ScheduleSpec, WarmupSpec
from tutor.demo.tasks import wave_setup
from tutor.demo.training import configure_torch, resolve_device, train

CPU = torch.device("cpu")
# A shorter schedule run for the tests that train it more than once.
_SMALL = DemoSpecs(
    schedule=ScheduleSpec(steps=120, step_size=40, warmup_steps=10, plateau_patience=10),
    warmup=WarmupSpec(steps=120, warmup_steps=20),
)


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> None:
    configure_torch()


@pytest.fixture(scope="module")
def lr_result() -> TrainingResult:
    return train(DemoRequest(DemoName.LR), CPU)


@pytest.fixture(scope="module")
def schedule_result() -> TrainingResult:
    return train(DemoRequest(DemoName.SCHEDULE), CPU)


@pytest.fixture(scope="module")
def warmup_result() -> TrainingResult:
    return train(DemoRequest(DemoName.WARMUP), CPU)


@pytest.fixture(scope="module")
def differential_result() -> TrainingResult:
    return train(DemoRequest(DemoName.DIFFERENTIAL), CPU)


def _by_label(result: TrainingResult) -> dict[str, Curve]:
    return {curve.label: curve for curve in result.curves}


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


# Arguments.


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["lr"], DemoRequest(DemoName.LR)),
        (["LR"], DemoRequest(DemoName.LR)),
        (["schedule"], DemoRequest(DemoName.SCHEDULE)),
        (["differential"], DemoRequest(DemoName.DIFFERENTIAL)),
        (["warmup"], DemoRequest(DemoName.WARMUP)),
        (["lr", "0.1", "0.001", "1.5"], DemoRequest(DemoName.LR, (0.001, 0.1, 1.5))),
        (["lr", "1e-3", "0.001", "10"], DemoRequest(DemoName.LR, (0.001, 10.0))),
        (["lr", *map(str, DEFAULT_LR_RATES)], DemoRequest(DemoName.LR)),
        (["lr", "1", "2", "3", "4", "5", "6"], DemoRequest(DemoName.LR, (1, 2, 3, 4, 5, 6))),
    ],
)
def test_parse_demo_args_accepts(args: list[str], expected: DemoRequest) -> None:
    assert parse_demo_args(args) == expected


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ([], "Which demo"),
        (["banana"], "no demo called"),
        (["lr", "banana"], "not a number"),
        (["lr", "nan"], "above 0 and at most 10"),
        (["lr", "inf"], "above 0 and at most 10"),
        (["lr", "-0.1"], "above 0 and at most 10"),
        (["lr", "0"], "above 0 and at most 10"),
        (["lr", "10.5"], "above 0 and at most 10"),
        (["lr", *["0.1"] * (MAX_RATES + 1)], "at most 6"),
        (["schedule", "0.1"], "Only the lr demo"),
        (["warmup", "0.1"], "Only the lr demo"),
    ],
)
def test_parse_demo_args_refuses_with_usage(args: list[str], problem: str) -> None:
    with pytest.raises(DemoUsageError) as caught:
        parse_demo_args(args)
    assert problem in caught.value.problem
    assert str(caught.value).endswith("e.g. /demo lr 0.001 0.1 1.5")
    assert len(str(caught.value)) < 400


def test_a_request_with_rates_for_another_demo_is_refused() -> None:
    with pytest.raises(DemoUsageError):
        DemoRequest(DemoName.DIFFERENTIAL, (0.1,))


# The lessons, measured.


def test_lr_too_low_crawls_good_converges_too_high_diverges(lr_result: TrainingResult) -> None:
    curves = _by_label(lr_result)
    low, good, high, huge = (curves[f"lr={rate:g}"] for rate in DEFAULT_LR_RATES)
    assert lr_result.best is good
    assert good.final_loss < good.initial_loss / 30
    assert low.diverged_at is None and low.final_loss > 5 * good.final_loss
    assert good.spikes == 0
    assert high.spikes >= 3  # oscillates: the loss keeps jumping back up
    assert huge.diverged_at is not None and huge.diverged_at < 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lr_lesson_holds_on_other_seeds(seed: int) -> None:
    curves = _by_label(train(DemoRequest(DemoName.LR, seed=seed), CPU))
    low, good, huge = curves["lr=0.01"], curves["lr=0.05"], curves["lr=0.5"]
    assert low.final_loss > 3 * good.final_loss
    assert huge.diverged_at is not None or huge.final_loss > 3 * good.final_loss


def test_schedule_draws_four_runs_with_the_right_rates(schedule_result: TrainingResult) -> None:
    spec = ScheduleSpec()
    assert [c.label for c in schedule_result.curves] == [
        "constant",
        "StepLR",
        "ReduceLROnPlateau",
        "cosine + warm-up",
    ]
    constant, step, plateau, cosine = (c.lr or () for c in schedule_result.curves)
    assert all(len(lr) == spec.steps for lr in (constant, step, plateau, cosine))
    assert constant == pytest.approx([spec.peak_lr] * spec.steps)
    # StepLR: the peak until its step, then multiplied by gamma at each step_size.
    assert step[spec.step_size - 1] == pytest.approx(spec.peak_lr)
    assert step[spec.step_size] == pytest.approx(spec.peak_lr * spec.step_gamma)
    assert step[2 * spec.step_size] == pytest.approx(spec.peak_lr * spec.step_gamma**2)
    # Warm-up rises linearly from peak/warmup to the peak, then cosine falls to about 0.
    warmup = spec.warmup_steps
    assert cosine[0] == pytest.approx(spec.peak_lr / warmup)
    rises = [b - a for a, b in itertools.pairwise(cosine[: warmup + 1])]
    assert rises == pytest.approx([rises[0]] * warmup, rel=1e-4)
    assert cosine[warmup] == pytest.approx(spec.peak_lr)
    assert all(b <= a for a, b in itertools.pairwise(cosine[warmup:]))
    assert cosine[-1] < spec.peak_lr / 1000
    # ReduceLROnPlateau: only ever cut, by its factor, at least once in this run.
    cuts = [b / a for a, b in itertools.pairwise(plateau) if b != a]
    assert cuts and cuts == pytest.approx([spec.plateau_factor] * len(cuts))


def test_decaying_schedules_settle_below_the_constant_rate(
    schedule_result: TrainingResult,
) -> None:
    constant, *decaying = schedule_result.curves
    assert all(curve.diverged_at is None for curve in schedule_result.curves)
    assert all(curve.final_loss < constant.final_loss / 2 for curve in decaying)


def test_adams_first_step_moves_every_weight_by_the_full_rate() -> None:
    # The warm-up lesson's premise: with bias correction, step one is lr times the gradient's
    # sign, for every weight whatever its gradient's size.
    setup = wave_setup(WarmupSpec().task, 0, CPU, steps=1, batch_size=32)
    assert setup.batches is not None
    layers = [stack(init, 2) for init in setup.layers]
    before = [layer.weight.clone() for layer in layers]
    grads = gradients(layers, setup.data.x[setup.batches[0]], setup.data.y[setup.batches[0]])
    Adam(layers).step(layers, grads, torch.tensor([0.15, 0.01]).view(-1, 1, 1))
    for layer, start, grad in zip(layers, before, grads, strict=True):
        moved = (start - layer.weight).abs()
        assert moved[0] == pytest.approx(torch.full_like(moved[0], 0.15), rel=1e-3)
        assert moved[1] == pytest.approx(torch.full_like(moved[1], 0.01), rel=1e-3)
        assert torch.equal(torch.sign(start - layer.weight), torch.sign(grad.weight))


def test_warm_up_spares_adam_the_early_jump_and_a_decay_ends_lowest(
    warmup_result: TrainingResult,
) -> None:
    spec = WarmupSpec()
    cold, warm, cosine = warmup_result.curves
    assert [c.label for c in warmup_result.curves] == ["no warm-up", "warm-up", "warm-up + cosine"]
    assert all(c.diverged_at is None and len(c.loss) == spec.steps for c in (cold, warm, cosine))
    early = spec.warmup_steps
    assert max(cold.loss[:early]) > 2 * cold.initial_loss
    for curve in (warm, cosine):
        assert max(curve.loss[:early]) <= curve.initial_loss
    assert warmup_result.best is cosine
    assert cosine.final_loss < min(cold.final_loss, warm.final_loss) / 2
    # The rates: the peak throughout; a linear rise to it; the same rise, then cosine to 0.
    assert cold.lr == pytest.approx([spec.peak_lr] * spec.steps)
    assert warm.lr is not None and cosine.lr is not None
    assert warm.lr[0] == pytest.approx(spec.peak_lr / early)
    assert warm.lr[early:] == pytest.approx([spec.peak_lr] * (spec.steps - early))
    assert cosine.lr[: early + 1] == pytest.approx(warm.lr[: early + 1])
    assert all(b <= a for a, b in itertools.pairwise(cosine.lr[early:]))
    assert cosine.lr[-1] < spec.peak_lr / 1000


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_warm_up_lesson_holds_on_other_seeds(seed: int) -> None:
    cold, warm, cosine = train(DemoRequest(DemoName.WARMUP, seed=seed), CPU).curves
    early = WarmupSpec().warmup_steps
    assert max(cold.loss[:early]) > 2 * cold.initial_loss
    assert max(warm.loss[:early]) <= warm.initial_loss
    assert cosine.final_loss < cold.final_loss / 2


def test_parameter_groups_learn_task_b_and_keep_task_a(
    differential_result: TrainingResult,
) -> None:
    one_rate, frozen, groups = differential_result.curves
    assert [c.label for c in differential_result.curves] == [
        "one rate for all",
        "frozen body",
        "parameter groups",
    ]
    assert groups.final_loss < groups.initial_loss / 20  # task B learnt
    assert groups.final_kept_loss is not None and one_rate.final_kept_loss is not None
    assert groups.final_kept_loss < one_rate.final_kept_loss / 2  # task A kept far better
    # Frozen: task A exactly as pretrained, but task B learnt much less than with groups.
    assert frozen.kept_loss is not None
    assert frozen.final_kept_loss == pytest.approx(frozen.kept_loss[0], rel=1e-5)
    assert frozen.final_loss > 5 * groups.final_loss


# Determinism and agreement with the plain training.


@pytest.mark.parametrize("demo", list(DemoName))
def test_same_seed_same_numbers(demo: DemoName) -> None:
    first = train(DemoRequest(demo, seed=7), CPU, _SMALL)
    again = train(DemoRequest(demo, seed=7), CPU, _SMALL)
    other = train(DemoRequest(demo, seed=8), CPU, _SMALL)
    assert first.curves == again.curves
    assert first.curves != other.curves


def test_fast_lr_training_draws_the_reference_curves(lr_result: TrainingResult) -> None:
    reference = _by_label(reference_train(DemoRequest(DemoName.LR), CPU))
    fast = _by_label(lr_result)
    # Smooth runs agree to float32 rounding; the spiking and diverging ones are chaotic, so
    # they are compared on what they show: the same divergence step, spikes in both.
    for label in ("lr=0.01", "lr=0.05"):
        assert fast[label].loss == pytest.approx(reference[label].loss, rel=1e-4)
    assert fast["lr=0.5"].diverged_at == reference["lr=0.5"].diverged_at
    assert fast["lr=0.5"].loss == pytest.approx(reference["lr=0.5"].loss, rel=1e-4)
    assert fast["lr=0.2"].spikes > 0 and reference["lr=0.2"].spikes > 0


def test_fast_schedules_match_torch_schedulers() -> None:
    request = DemoRequest(DemoName.SCHEDULE)
    fast = train(request, CPU, _SMALL)
    reference = reference_train(request, CPU, _SMALL)
    for mine, theirs in zip(fast.curves, reference.curves, strict=True):
        assert mine.lr == pytest.approx(theirs.lr, rel=1e-6)
        assert mine.loss == pytest.approx(theirs.loss, rel=1e-2)


def test_fast_adam_matches_torch_adam_and_its_schedulers() -> None:
    request = DemoRequest(DemoName.WARMUP, seed=3)
    fast = train(request, CPU, _SMALL)
    reference = reference_train(request, CPU, _SMALL)
    for mine, theirs in zip(fast.curves, reference.curves, strict=True):
        assert mine.lr == pytest.approx(theirs.lr, rel=1e-6)
        assert mine.loss == pytest.approx(theirs.loss, rel=1e-2)


def test_fast_fine_tuning_draws_the_reference_curves(
    differential_result: TrainingResult,
) -> None:
    reference = reference_train(DemoRequest(DemoName.DIFFERENTIAL), CPU)
    for mine, theirs in zip(differential_result.curves, reference.curves, strict=True):
        assert mine.loss == pytest.approx(theirs.loss, rel=1e-3)
        assert mine.kept_loss == pytest.approx(theirs.kept_loss, rel=1e-3)


# Divergence.


def test_make_curve_cuts_at_divergence_and_drops_non_finite_values() -> None:
    assert find_divergence([1.0, 0.5, 0.4]) is None
    exploded = make_curve("x", [1.0, 3.0, 11.0, math.inf, math.nan])
    assert exploded.diverged_at == 2 and exploded.loss == (1.0, 3.0, 11.0)
    nan = make_curve("y", [1.0, 2.0, math.nan, 5.0], lr=[0.1, 0.1, 0.1, 0.1])
    assert nan.diverged_at == 2 and nan.loss == (1.0, 2.0) and nan.lr == (0.1, 0.1)


def test_a_run_broken_from_the_start_still_draws_and_captions() -> None:
    broken = make_curve("lr=1", [math.nan, math.nan])
    result = TrainingResult(DemoRequest(DemoName.LR, (1.0,)), (broken,), LrSpec(), "cpu")
    assert broken.loss == () and broken.diverged_at == 0
    assert _png_size(render(result)) == (1200, 1200)
    assert "lr=1 diverged at step 0" in build_caption(result)


def test_a_huge_rate_diverges_cleanly_and_still_draws() -> None:
    result = train(DemoRequest(DemoName.LR, (0.05, 10.0)), CPU)
    good, huge = result.curves
    assert good.diverged_at is None and len(good.loss) == result.steps
    assert huge.diverged_at is not None and huge.diverged_at <= 3
    assert len(huge.loss) <= huge.diverged_at + 1
    assert all(math.isfinite(value) for value in huge.loss)
    assert _png_size(render(result)) == (1200, 1200)
    assert f"lr=10 diverged at step {huge.diverged_at}" in build_caption(result)


def test_all_rates_diverging_still_draws() -> None:
    result = train(DemoRequest(DemoName.LR, (2.0, 5.0, 10.0)), CPU)
    assert all(curve.diverged_at is not None for curve in result.curves)
    assert result.best is None
    assert _png_size(render(result)) == (1200, 1200)


# Pictures and captions.


@pytest.mark.parametrize(
    "name", ["lr_result", "schedule_result", "differential_result", "warmup_result"]
)
def test_png_is_1200_by_1200(name: str, request: pytest.FixtureRequest) -> None:
    result: TrainingResult = request.getfixturevalue(name)
    png = render(result)
    assert _png_size(png) == (1200, 1200)
    assert 20_000 < len(png) < 1_000_000


def test_lr_caption_states_the_measurements(lr_result: TrainingResult) -> None:
    caption = build_caption(lr_result)
    curves = _by_label(lr_result)
    assert len(caption) <= 1024
    assert f"lr=0.5 diverged at step {curves['lr=0.5'].diverged_at}" in caption
    assert "lr=0.05 reached 0.021 (best)" in caption
    assert f"spiked {curves['lr=0.2'].spikes} times" in caption


def test_each_caption_starts_with_the_lesson_its_numbers_show(
    lr_result: TrainingResult,
    schedule_result: TrainingResult,
    differential_result: TrainingResult,
) -> None:
    lesson = build_caption(lr_result).split("\n\n")[0]
    assert lesson == (
        "Too small a rate crawls and too large a rate spikes or blows up: lr=0.05 did best, "
        "below where training turned unstable."
    )
    assert build_caption(schedule_result).startswith(
        "Lowering the rate as training goes on let the loss settle lower than a constant rate:"
    )
    assert build_caption(differential_result).startswith(
        "A small rate for the pretrained body and a large one for the new head learnt task B"
    )


def test_the_warm_up_caption_reads_its_lesson_off_the_run(warmup_result: TrainingResult) -> None:
    cold = warmup_result.curves[0]
    jump = max(cold.loss[:50]) / cold.initial_loss
    caption = build_caption(warmup_result)
    assert caption.startswith(
        "Adam's first steps move every weight by about the full rate at once: without warm-up "
        f"the loss jumped to {jump:.1f}× its start by step {cold.loss.index(max(cold.loss[:50]))}."
        " Warmed up to the same rate, it never rose above its start; warm-up + cosine ended "
        "lowest, at 0.006."
    )
    assert "Mini-batch Adam at lr=0.15, 400 steps. Final loss: no warm-up" in caption
    # A run that shows no jolt gets no claim of one; a cold start that blew up says so.
    calm = [replace(c, loss=(1.0, 0.9, 0.8)) for c in warmup_result.curves]
    assert build_caption(replace(warmup_result, curves=tuple(calm))).startswith(
        "Here Adam started at the full rate without harm"
    )
    blown = make_curve("no warm-up", [1.0, 30.0], detail="lr=0.15 from step 0")
    result = replace(warmup_result, curves=(blown, *warmup_result.curves[1:]))
    assert "without warm-up the loss blew up at step 1." in build_caption(result)


def test_a_lone_run_is_never_best_and_its_lesson_is_its_own() -> None:
    result = train(DemoRequest(DemoName.LR, (0.005,)), CPU)
    assert result.best is None
    caption = build_caption(result)
    assert caption.startswith("At lr=0.005 the loss is still high after 300 steps")
    assert "(best)" not in caption
    everything_blew_up = train(DemoRequest(DemoName.LR, (2.0, 5.0)), CPU)
    assert build_caption(everything_blew_up).startswith("Every rate here was too large")


def test_schedule_and_differential_captions_state_the_measurements(
    schedule_result: TrainingResult, differential_result: TrainingResult
) -> None:
    schedule = build_caption(schedule_result)
    assert len(schedule) <= 1024
    assert all(curve.label in schedule for curve in schedule_result.curves)
    assert "(best)" in schedule
    differential = build_caption(differential_result)
    assert len(differential) <= 1024
    assert "Task B loss:" in differential and "Task A loss kept:" in differential
    assert "frozen body 0.0093 (lowest)" in differential


def test_six_long_rates_still_fit_a_caption() -> None:
    rates = (0.000123456789, 0.00123456789, 0.0123456789, 0.123456789, 1.23456789, 9.87654321)
    result = train(DemoRequest(DemoName.LR, rates), CPU, DemoSpecs())
    assert len(build_caption(result)) <= 1024


# Device and process boundaries.


def test_device_setting() -> None:
    assert resolve_device("cpu") == CPU
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    with pytest.raises(ValueError, match="DEMO_DEVICE"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            resolve_device("cuda")


def test_the_runner_module_does_not_import_torch_or_matplotlib() -> None:
    code = (
        "import sys, tutor.demo.runner, tutor.demo.request; "
        "loaded = {'torch', 'matplotlib', 'numpy'} & set(sys.modules); "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
