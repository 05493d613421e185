"""Numeric quiz questions with fresh numbers: scheduler values and the linear scaling rule.

Each template is a pure function ``(rng, now) -> GeneratedQuestion``: it draws a setup, computes
the answer key from PyTorch's documented formulas, and builds three wrong options from the
slips learners really make (one step off, the decay applied once too often or too few,
eta_min forgotten, scaling the wrong way). Every option of a question is written in the same
number format, so the right one cannot be told by its form
(``tutor.domain.numericoptions``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tutor.domain.content import Level, QuizQuestion, QuizTemplate
from tutor.domain.numericoptions import numeric_question, retrying

BASE_RATES = (0.1, 0.05, 0.02, 0.01, 0.005, 0.003, 0.001)
GAMMAS = (0.1, 0.2, 0.5, 0.8, 0.9)
Setup = Mapping[str, float | int | tuple[int, ...]]


@dataclass(frozen=True)
class GeneratedQuestion:
    """One instance: the question shown and the numbers it was drawn with (for checks)."""

    question: QuizQuestion
    setup: Setup


Make = Callable[[random.Random, datetime], GeneratedQuestion]


@dataclass(frozen=True)
class Template:
    """A generated kind: one item in a learner's schedule, a new instance at every showing.

    ``decks`` names the decks it is studied with, in order of preference: it joins the
    first one the library has, and none when the library has none of them.
    """

    id: str
    level: Level
    decks: tuple[str, ...]
    make: Make


# Where each generated question's rule is stated: PyTorch's schedulers, or the paper of
# the linear scaling rule (PyTorch's pages do not state it).
OPTIM_DOCS = "https://docs.pytorch.org/docs/stable/optim.html"
GOYAL = (
    "Goyal et al., Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour, "
    "arXiv:1706.02677, 2017, section 2.1"
)


def _num(value: float) -> str:
    return f"{value:g}"


# --- StepLR -------------------------------------------------------------------------------


def step_lr(lr: float, *, step_size: int, gamma: float, steps: int) -> float:
    """StepLR's rate after ``steps`` calls of step(): lr · gamma^⌊steps / step_size⌋."""
    return lr * gamma ** (steps // step_size)


@retrying
def make_step_lr(rng: random.Random, now: datetime) -> GeneratedQuestion:
    """StepLR after n calls of step(), n on or next to a decay step."""
    lr, gamma = rng.choice(BASE_RATES), rng.choice(GAMMAS)
    step_size = rng.choice((3, 5, 10, 20, 30))
    steps = step_size * rng.randint(1, 4) + rng.choice((-1, 0, 0, 1))
    decays = steps // step_size
    right = step_lr(lr, step_size=step_size, gamma=gamma, steps=steps)
    stem = (
        f"optimizer = SGD(params, lr={_num(lr)}); scheduler = StepLR(optimizer, "
        f"step_size={step_size}, gamma={_num(gamma)}). After {steps} calls of "
        "scheduler.step(), what is the learning rate?"
    )
    slips = [
        (lr * gamma ** (decays + 1), "The decay is applied once too often."),
        *([(lr * gamma ** (decays - 1), "The decay is applied once too few.")] if decays else []),
        (
            step_lr(lr, step_size=step_size, gamma=gamma, steps=steps + 1),
            "That counts one step too many: the rate drops when the count of step() calls "
            "reaches a multiple of step_size.",
        ),
        (
            step_lr(lr, step_size=step_size, gamma=gamma, steps=steps - 1),
            "That counts one step too few: the rate drops when the count of step() calls "
            "reaches a multiple of step_size.",
        ),
        (lr * gamma, "gamma multiplies once per step_size calls, not once in all."),
        (lr * gamma**steps, "gamma applies every step_size calls, not at every call."),
    ]
    explanation = (
        f"lr · gamma^⌊n/step_size⌋ = {_num(lr)} · {_num(gamma)}^⌊{steps}/{step_size}⌋ "
        f"= {_num(lr)} · {_num(gamma)}^{decays}."
    )
    question = numeric_question(
        rng=rng,
        item_id="gen-steplr",
        level=Level.INTERMEDIATE,
        stem=stem,
        right=right,
        slips=slips,
        explanation=explanation,
        source=OPTIM_DOCS,
    )
    setup = {"lr": lr, "step_size": step_size, "gamma": gamma, "steps": steps}
    return GeneratedQuestion(question, setup)


# --- MultiStepLR ---------------------------------------------------------------------------


def multistep_lr(lr: float, *, milestones: Sequence[int], gamma: float, steps: int) -> float:
    """MultiStepLR's rate: lr · gamma^(milestones reached by ``steps``)."""
    return lr * gamma ** sum(1 for m in milestones if m <= steps)


@retrying
def make_multistep_lr(rng: random.Random, now: datetime) -> GeneratedQuestion:
    """MultiStepLR after n calls, n often on a milestone."""
    lr, gamma = rng.choice(BASE_RATES), rng.choice(GAMMAS)
    milestones = tuple(sorted(rng.sample(range(5, 100, 5), rng.choice((2, 3)))))
    steps = rng.choice(milestones) + rng.choice((-1, 0, 0, 1, 7))
    reached = sum(1 for m in milestones if m <= steps)
    right = multistep_lr(lr, milestones=milestones, gamma=gamma, steps=steps)
    stem = (
        f"optimizer = SGD(params, lr={_num(lr)}); scheduler = MultiStepLR(optimizer, "
        f"milestones={list(milestones)}, gamma={_num(gamma)}). After {steps} calls of "
        "scheduler.step(), what is the learning rate?"
    )
    before = sum(1 for m in milestones if m < steps)
    slips = [
        (lr * gamma ** (reached + 1), "The decay is applied once too often."),
        *(
            [(lr * gamma ** (reached - 1), "The decay is applied once too few.")]
            if reached
            else []
        ),
        (
            lr * gamma**before,
            "A milestone counts as soon as the number of step() calls reaches it.",
        ),
        (
            multistep_lr(lr, milestones=milestones, gamma=gamma, steps=steps + 1),
            "That counts one step too many.",
        ),
        (lr * gamma, "Each milestone reached multiplies the rate by gamma again."),
        (lr * gamma ** len(milestones), "Only the milestones reached so far have applied."),
    ]
    explanation = (
        f"{reached} of the milestones are ≤ {steps}, so the rate is "
        f"{_num(lr)} · {_num(gamma)}^{reached}."
    )
    question = numeric_question(
        rng=rng,
        item_id="gen-multisteplr",
        level=Level.INTERMEDIATE,
        stem=stem,
        right=right,
        slips=slips,
        explanation=explanation,
        source=OPTIM_DOCS,
    )
    setup: Setup = {"lr": lr, "milestones": milestones, "gamma": gamma, "steps": steps}
    return GeneratedQuestion(question, setup)


# --- ExponentialLR -------------------------------------------------------------------------


@retrying
def make_exponential_lr(rng: random.Random, now: datetime) -> GeneratedQuestion:
    """ExponentialLR after n calls: lr · gamma^n."""
    lr = rng.choice(BASE_RATES)
    gamma = rng.choice((0.5, 0.8, 0.9, 0.95, 0.99))
    steps = rng.randint(2, 12) if gamma < 0.95 else rng.randint(5, 60)
    right = lr * gamma**steps
    stem = (
        f"optimizer = SGD(params, lr={_num(lr)}); scheduler = ExponentialLR(optimizer, "
        f"gamma={_num(gamma)}). After {steps} calls of scheduler.step(), what is the "
        "learning rate?"
    )
    slips = [
        (lr * gamma ** (steps + 1), "The decay is applied once too often."),
        (lr * gamma ** (steps - 1), "The decay is applied once too few."),
        (
            lr * max(1 - steps * (1 - gamma), 0.0),
            "ExponentialLR multiplies by gamma at each call; it does not subtract a fixed amount.",
        ),
        (lr * gamma, "gamma multiplies the rate at every call, not once."),
    ]
    explanation = f"lr · gamma^n = {_num(lr)} · {_num(gamma)}^{steps}."
    question = numeric_question(
        rng=rng,
        item_id="gen-exponentiallr",
        level=Level.BEGINNER,
        stem=stem,
        right=right,
        slips=slips,
        explanation=explanation,
        source=OPTIM_DOCS,
    )
    return GeneratedQuestion(question, {"lr": lr, "gamma": gamma, "steps": steps})


# --- CosineAnnealingLR ---------------------------------------------------------------------


def cosine_lr(lr: float, *, t_max: int, eta_min: float, steps: int) -> float:
    """CosineAnnealingLR's closed form for 0 ≤ steps ≤ T_max."""
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * steps / t_max)) / 2


@retrying
def make_cosine(rng: random.Random, now: datetime) -> GeneratedQuestion:
    """CosineAnnealingLR at step t of T_max, with an eta_min."""
    lr = rng.choice(BASE_RATES)
    t_max = rng.choice((10, 20, 50, 100))
    steps = rng.randint(1, t_max - 1)
    eta_min = lr * rng.choice((0.01, 0.05, 0.1, 0.2))
    right = cosine_lr(lr, t_max=t_max, eta_min=eta_min, steps=steps)
    stem = (
        f"optimizer = SGD(params, lr={_num(lr)}); scheduler = CosineAnnealingLR(optimizer, "
        f"T_max={t_max}, eta_min={_num(eta_min)}). After {steps} calls of scheduler.step(), "
        "what is the learning rate?"
    )
    cos = math.cos(math.pi * steps / t_max)
    slips = [
        (lr * (1 + cos) / 2, "eta_min is forgotten: the cosine runs from lr down to eta_min."),
        (
            eta_min + (lr - eta_min) * (1 - cos) / 2,
            "The cosine is turned upside down: the rate starts at lr and falls.",
        ),
        (
            cosine_lr(lr, t_max=t_max, eta_min=eta_min, steps=steps + 1),
            "That counts one step too many.",
        ),
        (
            cosine_lr(lr, t_max=t_max, eta_min=eta_min, steps=steps - 1),
            "That counts one step too few.",
        ),
        (
            eta_min + (lr - eta_min) * (1 - steps / t_max),
            "The rate follows half a cosine, not a straight line.",
        ),
    ]
    explanation = (
        f"eta_min + (lr − eta_min)·(1 + cos(π·{steps}/{t_max}))/2 with lr={_num(lr)}, "
        f"eta_min={_num(eta_min)}."
    )
    question = numeric_question(
        rng=rng,
        item_id="gen-cosine",
        level=Level.INTERMEDIATE,
        stem=stem,
        right=right,
        slips=slips,
        explanation=explanation,
        source=OPTIM_DOCS,
    )
    setup = {"lr": lr, "t_max": t_max, "eta_min": eta_min, "steps": steps}
    return GeneratedQuestion(question, setup)


# --- OneCycleLR ----------------------------------------------------------------------------

PCT_START, DIV_FACTOR, FINAL_DIV_FACTOR = 0.3, 25.0, 1e4


def _anneal_cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start: float, end: float, pct: float) -> float:
    return start + (end - start) * pct


def one_cycle_lr(
    max_lr: float,
    *,
    total_steps: int,
    steps: int,
    peak_at: float | None = None,
    initial: float | None = None,
    final: float | None = None,
    anneal: Callable[[float, float, float], float] = _anneal_cos,
) -> float:
    """OneCycleLR's rate (two phases, cosine) with its default pct_start, div_factor and
    final_div_factor; the keyword overrides describe slips."""
    start = max_lr / DIV_FACTOR if initial is None else initial
    low = max_lr / DIV_FACTOR / FINAL_DIV_FACTOR if final is None else final
    peak = PCT_START * total_steps - 1 if peak_at is None else peak_at
    if steps <= peak:
        return anneal(start, max_lr, steps / peak)
    return anneal(max_lr, low, (steps - peak) / (total_steps - 1 - peak))


@retrying
def make_one_cycle(rng: random.Random, now: datetime) -> GeneratedQuestion:
    """OneCycleLR at a step of its warm-up or of its annealing."""
    max_lr = rng.choice((0.1, 0.05, 0.01, 0.003, 0.001))
    total = rng.choice((100, 200, 500, 1000))
    peak = PCT_START * total - 1
    steps = rng.choice((0, rng.randint(1, int(peak)), rng.randint(int(peak) + 2, total - 2)))
    right = one_cycle_lr(max_lr, total_steps=total, steps=steps)
    stem = (
        f"scheduler = OneCycleLR(optimizer, max_lr={_num(max_lr)}, total_steps={total}), "
        "other arguments at their defaults. After "
        f"{steps} calls of scheduler.step(), what is the learning rate?"
    )
    slips = [
        (
            one_cycle_lr(max_lr, total_steps=total, steps=steps, initial=max_lr / 10),
            "div_factor defaults to 25: the cycle starts at max_lr / 25.",
        ),
        (
            one_cycle_lr(max_lr, total_steps=total, steps=steps, initial=max_lr),
            "The cycle starts at max_lr / div_factor (25 by default), not at max_lr.",
        ),
        (
            one_cycle_lr(max_lr, total_steps=total, steps=steps, peak_at=PCT_START * total),
            "The peak is at step pct_start · total_steps − 1, counting from step 0.",
        ),
        (
            one_cycle_lr(max_lr, total_steps=total, steps=steps, anneal=_anneal_linear),
            "The default anneal_strategy is 'cos', not a straight line.",
        ),
        (
            one_cycle_lr(max_lr, total_steps=total, steps=steps, final=max_lr / FINAL_DIV_FACTOR),
            "final_div_factor divides the initial rate (max_lr / 25), not max_lr.",
        ),
        (
            one_cycle_lr(max_lr, total_steps=total, steps=steps + 1),
            "That counts one step too many.",
        ),
    ]
    explanation = (
        f"It rises from max_lr/25 to max_lr by step {_num(peak)} (pct_start 0.3), then falls "
        "to max_lr/25/1e4 at the last step, along half cosines."
    )
    question = numeric_question(
        rng=rng,
        item_id="gen-onecycle",
        level=Level.ADVANCED,
        stem=stem,
        right=right,
        slips=slips,
        explanation=explanation,
        source=OPTIM_DOCS,
    )
    return GeneratedQuestion(question, {"max_lr": max_lr, "total_steps": total, "steps": steps})


# --- The linear scaling rule ---------------------------------------------------------------


@retrying
def make_linear_scaling(rng: random.Random, now: datetime) -> GeneratedQuestion:
    """Goyal et al.'s linear scaling rule for a new batch size."""
    lr = rng.choice(BASE_RATES)
    batch = rng.choice((32, 64, 128, 256))
    new_batch = batch * rng.choice((2, 4, 8, 16)) if rng.random() < 0.7 else batch // 4
    right = lr * new_batch / batch
    stem = (
        f"SGD trains well with batch size {batch} at lr={_num(lr)}. By the linear scaling "
        f"rule, what learning rate should you use with batch size {new_batch}?"
    )
    slips = [
        (
            lr * batch / new_batch,
            "That scales the wrong way: the rate follows the batch, up for a larger one, down "
            "for a smaller one.",
        ),
        (
            lr * math.sqrt(new_batch / batch),
            "That is the square-root rule; the linear rule scales the rate like the batch.",
        ),
        (lr, "The rule scales the rate with the batch size, so it changes when the batch does."),
        (lr * (new_batch / batch) ** 2, "The rate scales like the batch size, not its square."),
    ]
    explanation = (
        f"Multiply the rate by the batch ratio: {_num(lr)} · {new_batch}/{batch} "
        "(Goyal et al. 2017)."
    )
    question = numeric_question(
        rng=rng,
        item_id="gen-linear-scaling",
        level=Level.INTERMEDIATE,
        stem=stem,
        right=right,
        slips=slips,
        explanation=explanation,
        source=GOYAL,
    )
    return GeneratedQuestion(question, {"lr": lr, "batch": batch, "new_batch": new_batch})


SCHEDULER_DECKS = ("lr-schedulers", "lr-basics")
OPTIMIZER_DECKS = ("lr-optimizers", "lr-basics")
TEMPLATES: tuple[Template, ...] = (
    Template("gen-steplr", Level.INTERMEDIATE, SCHEDULER_DECKS, make_step_lr),
    Template("gen-multisteplr", Level.INTERMEDIATE, SCHEDULER_DECKS, make_multistep_lr),
    Template("gen-exponentiallr", Level.BEGINNER, SCHEDULER_DECKS, make_exponential_lr),
    Template("gen-cosine", Level.INTERMEDIATE, SCHEDULER_DECKS, make_cosine),
    Template("gen-onecycle", Level.ADVANCED, SCHEDULER_DECKS, make_one_cycle),
    Template("gen-linear-scaling", Level.INTERMEDIATE, OPTIMIZER_DECKS, make_linear_scaling),
)


def _which_run() -> QuizTemplate:
    from tutor.services.whichrun import TEMPLATE

    return TEMPLATE


def _question_of(make: Make) -> Callable[[random.Random, datetime], QuizQuestion]:
    return lambda rng, now: make(rng, now).question


# What the library registers: one quiz item per kind, and "which run is this?" (its
# instances are trained in the demo pool: tutor/services/whichrun.py).
QUIZ_TEMPLATES: tuple[QuizTemplate, ...] = (
    *(QuizTemplate(t.id, t.level, t.decks, _question_of(t.make)) for t in TEMPLATES),
    _which_run(),
)
