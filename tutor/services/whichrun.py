""" "Which run is this?": unlabelled curves from a fresh run, and which rate made which.

An instance is drawn from a seed: a data seed of the demo's task, then one rate for each of
three (sometimes four) outcomes that the seed's own batched run at every rate of
``predict.GRID`` shows clearly (one slow, one fast, one that oscillates or diverges; rates
near a boundary are never drawn). Those rates are trained once more, together, as curves
named A, B, C (D); the plot's legend shows the names only. The question asks which curve a
rate made, or which rate made a curve; the answer key is read off that run.

Training runs in the demo worker pool (``make_instance`` awaits the runner), so the template
keeps what it made by seed: a quiz round's database unit finds the instance there, and the
same instance costs nothing the second time.
"""

from __future__ import annotations

import enum
import random
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from tutor.demo.outcomes import LossOutcome, RunSummary
from tutor.demo.request import DemoName, DemoRequest
from tutor.demo.runner import DemoResult
from tutor.domain.content import Level, Option, QuizQuestion, QuizTemplate
from tutor.services import predict

ITEM_ID = "gen-which-run"
DECKS = ("lr-basics",)
LETTERS = "ABCD"
CACHE_SIZE = 256
SOURCE = "https://docs.pytorch.org/docs/stable/generated/torch.optim.SGD.html"
UNSTABLE = (LossOutcome.OSCILLATE, LossOutcome.DIVERGE)

STEM_CURVE = (
    "{count} runs of the same network on the same data (plain SGD, full batch, data seed "
    "{seed}) at lr {rates}, drawn as curves {letters}. Which curve is lr = {rate:g}?"
)
STEM_RATE = (
    "{count} runs of the same network on the same data (plain SGD, full batch, data seed "
    "{seed}) at lr {rates}, drawn as curves {letters}. Which rate made curve {letter}?"
)
CURVE_OPTION = "Curve {letter}"
RATE_OPTION = "lr = {rate:g}"
EXPLAINED = "{letter}: lr={rate:g} {outcome}"
WHY_CURVE = "Curve {letter} {outcome}: that is lr = {rate:g}."
WHY_RATE = "lr = {rate:g} made curve {letter}, which {outcome}."


class Form(enum.Enum):
    """What the question asks: the curve of a rate, or the rate of a curve."""

    CURVE_OF_RATE = "curve"
    RATE_OF_CURVE = "rate"


class NotMade(Exception):
    """The instance of this seed has not been trained yet: ``make_instance`` first."""

    def __init__(self, seed: str) -> None:
        super().__init__(seed)
        self.seed = seed


class WhichRunError(Exception):
    """No instance could be made (no seed with three clear outcomes, or the fresh run
    disagreed with the table)."""


@dataclass(frozen=True)
class Draw:
    """What the seed chose: the data seed, the rates of curves A, B, C (D) and the ask."""

    data_seed: int
    rates: tuple[float, ...]
    outcomes: tuple[LossOutcome, ...]
    asked: int
    form: Form

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(LETTERS[: len(self.rates)])

    @property
    def request(self) -> DemoRequest:
        """The run drawn as the question's plot: the rates in curve order, names only."""
        return DemoRequest(DemoName.LR, rates=self.rates, seed=self.data_seed, labels=self.letters)


@dataclass(frozen=True)
class Instance:
    """One shown question: its text and options, the plot, and what it was drawn from."""

    question: QuizQuestion
    png: bytes
    draw: Draw


def seed_order(rng: random.Random) -> list[int]:
    """The data seeds to try, in this instance's order."""
    seeds = list(range(predict.SEEDS))
    rng.shuffle(seeds)
    return seeds


def pick(rng: random.Random, data_seed: int, table: Sequence[RunSummary]) -> Draw | None:
    """Rates of ``data_seed`` with clearly different outcomes (``table`` in GRID's order):
    one slow, one fast, one or two unstable; None when the seed lacks one of them."""
    by_outcome: dict[LossOutcome, list[float]] = {}
    for rate, run in zip(predict.GRID, table, strict=True):
        if run.outcome is not None:
            by_outcome.setdefault(run.outcome, []).append(rate)
    unstable = [o for o in UNSTABLE if o in by_outcome]
    if LossOutcome.SLOW not in by_outcome or LossOutcome.FAST not in by_outcome or not unstable:
        return None
    wanted = [LossOutcome.SLOW, LossOutcome.FAST]
    wanted += unstable if len(unstable) == 2 and rng.random() < 0.5 else [rng.choice(unstable)]
    rng.shuffle(wanted)
    rates = tuple(rng.choice(by_outcome[o]) for o in wanted)
    form = rng.choice(list(Form))
    return Draw(data_seed, rates, tuple(wanted), asked=rng.randrange(len(rates)), form=form)


def question_of(draw: Draw, runs: Sequence[RunSummary]) -> QuizQuestion:
    """The question on ``draw``'s plot, its key read off ``runs`` (the plot's curves).

    Raises:
        WhichRunError: the run's curves are not named as drawn, or an outcome is not the
            clear one the table showed.
    """
    if tuple(run.label for run in runs) != draw.letters:
        raise WhichRunError(f"the run's curves are {[r.label for r in runs]}")
    outcomes = tuple(run.outcome for run in runs)
    if outcomes != draw.outcomes:
        raise WhichRunError(f"the run's outcomes {outcomes} differ from the table's")
    curves = list(zip(draw.letters, draw.rates, draw.outcomes, strict=True))
    by_rate = sorted(curves, key=lambda c: c[1])
    asked_letter, asked_rate, _ = curves[draw.asked]
    common = {
        "count": {3: "Three", 4: "Four"}[len(curves)],
        "seed": draw.data_seed,
        "rates": ", ".join(f"{rate:g}" for _, rate, _ in by_rate),
        "letters": ", ".join(draw.letters),
    }
    if draw.form is Form.CURVE_OF_RATE:
        stem = STEM_CURVE.format(rate=asked_rate, **common)
        options = [
            Option(
                text=CURVE_OPTION.format(letter=letter),
                correct=letter == asked_letter,
                why_wrong=None
                if letter == asked_letter
                else WHY_CURVE.format(letter=letter, outcome=outcome.value, rate=rate),
            )
            for letter, rate, outcome in curves
        ]
    else:
        stem = STEM_RATE.format(letter=asked_letter, **common)
        options = [
            Option(
                text=RATE_OPTION.format(rate=rate),
                correct=letter == asked_letter,
                why_wrong=None
                if letter == asked_letter
                else WHY_RATE.format(letter=letter, outcome=outcome.value, rate=rate),
            )
            for letter, rate, outcome in by_rate
        ]
    explanation = "; ".join(
        EXPLAINED.format(letter=letter, rate=rate, outcome=outcome.value)
        for letter, rate, outcome in curves
    )
    return QuizQuestion(
        id=ITEM_ID,
        level=Level.BEGINNER,
        question=stem,
        options=options,
        explanation=explanation + ".",
        source=SOURCE,
    )


class Runs(Protocol):
    """What trains the runs: the demo runner (its pool and its cache)."""

    async def run(self, request: DemoRequest, *, requester_id: int) -> DemoResult: ...


def _unmade(rng: random.Random, now: datetime) -> QuizQuestion:
    raise NotMade("")


@dataclass(frozen=True)
class RunTemplate(QuizTemplate):
    """A quiz item whose instances need a training run: ``draw`` answers from what
    ``make_instance`` made for the seed, and raises ``NotMade`` before that."""

    made: OrderedDict[str, Instance] = field(
        default_factory=OrderedDict, repr=False, compare=False, hash=False
    )

    def draw(self, seed: str, now: datetime) -> QuizQuestion:
        return self.instance(seed).question

    def instance(self, seed: str) -> Instance:
        """The instance made for ``seed``.

        Raises:
            NotMade: it was not made yet (or fell out of the cache).
        """
        found = self.made.get(seed)
        if found is None:
            raise NotMade(seed)
        self.made.move_to_end(seed)
        return found

    def is_made(self, seed: str) -> bool:
        return seed in self.made

    def remember(self, seed: str, instance: Instance) -> None:
        self.made[seed] = instance
        self.made.move_to_end(seed)
        while len(self.made) > CACHE_SIZE:
            self.made.popitem(last=False)

    async def make_instance(self, seed: str, runs: Runs, *, requester_id: int) -> Instance:
        """Train (or find) the instance of ``seed`` in the worker pool, and keep it.

        Raises:
            WhichRunError: no data seed gives three clear outcomes, or the run disagreed.
            DemoError: the runner could not train (busy, queue full, failed).
        """
        if seed in self.made:
            return self.instance(seed)
        rng = random.Random(seed)
        for data_seed in seed_order(rng):
            table = await runs.run(predict.table_request(data_seed), requester_id=requester_id)
            draw = pick(rng, data_seed, table.runs)
            if draw is not None:
                break
        else:
            raise WhichRunError("no data seed has three clear outcomes")
        result = await runs.run(draw.request, requester_id=requester_id)
        instance = Instance(question_of(draw, result.runs), result.png, draw)
        self.remember(seed, instance)
        return instance


TEMPLATE = RunTemplate(ITEM_ID, Level.BEGINNER, DECKS, _unmade)
