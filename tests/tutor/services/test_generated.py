"""Generated questions: every answer key recomputed with real PyTorch, 200 instances a kind."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime

import pytest
import torch
from torch.optim import lr_scheduler

from tutor.domain.content import fits_poll
from tutor.services.generated import TEMPLATES, GeneratedQuestion, Setup, Template

INSTANCES = 200
NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
# Three significant digits: the shown key is within half a unit of the third digit.
ROUNDING = 0.006
FIXED = re.compile(r"^[0-9]+\.([0-9]+)$")
SCIENTIFIC = re.compile(r"^[0-9]\.[0-9]{2}e[-+][0-9]{2}$")


def _num(setup: Setup, key: str) -> float:
    value = setup[key]
    assert isinstance(value, int | float)
    return float(value)


def _ints(setup: Setup, key: str) -> tuple[int, ...]:
    value = setup[key]
    assert isinstance(value, tuple)
    return value


def _optimizer(lr: float) -> torch.optim.SGD:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


def _stepped(scheduler: lr_scheduler.LRScheduler, steps: int) -> float:
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
    return float(scheduler.get_last_lr()[0])


def _linear_scaling_rate(setup: Setup) -> float:
    """The rate for the new batch that moves SGD as far in one epoch as the old batch and
    rate do, on a loss whose gradient does not change (where the rule is exact)."""
    lr, batch, new_batch = (
        _num(setup, "lr"),
        int(_num(setup, "batch")),
        int(_num(setup, "new_batch")),
    )
    samples = torch.rand(max(batch, new_batch), generator=torch.Generator().manual_seed(0))

    def moved(batch_size: int, rate: float) -> float:
        weight = torch.nn.Parameter(torch.zeros(1))
        optimizer = torch.optim.SGD([weight], lr=rate)
        for chunk in torch.split(samples, batch_size):
            optimizer.zero_grad()
            (weight * chunk).mean().backward()
            optimizer.step()
        return -float(weight.item())

    return lr * moved(batch, 1.0) / moved(new_batch, 1.0)


def torch_rate(item_id: str, setup: Setup) -> float:
    """The answer key as PyTorch computes it."""
    steps = int(_num(setup, "steps")) if "steps" in setup else 0
    if item_id == "gen-linear-scaling":
        return _linear_scaling_rate(setup)
    if item_id == "gen-onecycle":
        optimizer = _optimizer(_num(setup, "max_lr"))
        scheduler: lr_scheduler.LRScheduler = lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=_num(setup, "max_lr"),
            total_steps=int(_num(setup, "total_steps")),
        )
        return _stepped(scheduler, steps)
    optimizer = _optimizer(_num(setup, "lr"))
    if item_id == "gen-steplr":
        scheduler = lr_scheduler.StepLR(
            optimizer,
            step_size=int(_num(setup, "step_size")),
            gamma=_num(setup, "gamma"),
        )
    elif item_id == "gen-multisteplr":
        scheduler = lr_scheduler.MultiStepLR(
            optimizer,
            milestones=list(_ints(setup, "milestones")),
            gamma=_num(setup, "gamma"),
        )
    elif item_id == "gen-exponentiallr":
        scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=_num(setup, "gamma"))
    elif item_id == "gen-cosine":
        scheduler = lr_scheduler.CosineAnnealingLR(
            optimizer,
            T_max=int(_num(setup, "t_max")),
            eta_min=_num(setup, "eta_min"),
        )
    else:
        raise AssertionError(f"no reference for {item_id}")
    return _stepped(scheduler, steps)


def _instances(template: Template) -> list[GeneratedQuestion]:
    rng = random.Random(f"test-{template.id}")
    return [template.make(rng, NOW) for _ in range(INSTANCES)]


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.id for t in TEMPLATES])
def test_the_marked_option_is_the_rate_pytorch_computes(template: Template) -> None:
    for generated in _instances(template):
        question = generated.question
        expected = torch_rate(template.id, generated.setup)
        values = [float(option.text) for option in question.options]
        right = values[question.correct_index]
        where = (
            f"{question.question} options={[o.text for o in question.options]} torch={expected}"
        )
        assert abs(right - expected) <= ROUNDING * expected, where
        for k, value in enumerate(values):
            if k != question.correct_index:
                assert abs(value - expected) > ROUNDING * expected, where


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.id for t in TEMPLATES])
def test_the_question_shows_its_numbers_and_four_options_alike_in_form(
    template: Template,
) -> None:
    for generated in _instances(template):
        question = generated.question
        assert question.id == template.id
        # Group quizzes poll them: the schema admits longer own questions, these must fit.
        assert fits_poll(question), question
        for value in generated.setup.values():
            shown = f"{value:g}" if isinstance(value, int | float) else str(list(value))
            assert shown in question.question, (shown, question.question)
        texts = [option.text for option in question.options]
        assert len(texts) == 4 and len(set(texts)) == 4, texts
        assert sum(option.correct for option in question.options) == 1
        fixed = [FIXED.match(text) for text in texts]
        if all(fixed):
            # Every option with the same number of decimals.
            assert len({m.group(1).__len__() for m in fixed if m}) == 1, texts
        else:
            assert all(SCIENTIFIC.match(text) for text in texts), texts
        for option in question.options:
            assert option.correct or option.why_wrong, texts


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.id for t in TEMPLATES])
def test_the_same_seed_draws_the_same_question_and_others_differ(template: Template) -> None:
    first = template.make(random.Random(7), NOW).question
    assert template.make(random.Random(7), NOW).question == first
    others = {template.make(random.Random(seed), NOW).question.question for seed in range(20)}
    assert len(others) > 5
