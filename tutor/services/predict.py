"""/predict: a setup drawn from the demo engine, the learner's guess, and the run as the key.

Only setups whose run has a clear outcome are asked: each question's seed is first trained at
every rate of ``GRID`` in one batched run (kept by the demo runner's cache), and rates whose
curves lie near a boundary between two outcomes are left out.

/predict is one item in the learner's schedule (``ITEM``): each press on a question is a review
of it (right: Good, wrong: Again), recorded before the run is trained for the plot, with a
compare-and-set on the item's review count, so a second press on the same question records
nothing and trains nothing.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.demo.outcomes import LossOutcome, RunSummary
from tutor.demo.request import DemoName, DemoRequest
from tutor.domain.content import Level, PredictItem
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating
from tutor.services.study import Outcome, record_rating, start_learner

# The rates a question may ask about, from crawling to diverging on the demo's task. Each
# lies clear of the edge of stability: 0.07 did not (on one seed a last-bit difference in the
# matmul kernels, as between one run alone and in a batch, or one CPU and another, turned its
# clean convergence into a spike), so 0.06 has its place, fast on the same seeds.
GRID: tuple[float, ...] = (0.002, 0.005, 0.05, 0.06, 0.2, 1.0)
SEEDS = 8
CHOICES: tuple[LossOutcome, ...] = tuple(LossOutcome)
# Reading a loss curve is what the diagnosis deck teaches; the basics deck otherwise.
ITEM = PredictItem("gen-predict", Level.INTERMEDIATE, ("lr-diagnosis", "lr-basics"))
# The reference run drawn beside the answer: one that converges fast, where one does.
REFERENCE = LossOutcome.FAST
# The review log's source for a /predict answer.
SOURCE = "predict"


@dataclass(frozen=True)
class Setup:
    """One question: the data and weights' seed and the rate (an index into GRID)."""

    seed: int
    rate_index: int

    @property
    def rate(self) -> float:
        return GRID[self.rate_index]


@dataclass(frozen=True)
class Answer:
    """The run that answers a question: the asked rate, beside a reference rate of the same
    seed (see ``answer_of``), when the seed has one."""

    setup: Setup
    reference: RunSummary | None
    reference_rate: float | None

    @property
    def request(self) -> DemoRequest:
        rates = {self.setup.rate} | ({self.reference_rate} if self.reference_rate else set())
        return DemoRequest(
            DemoName.LR, rates=tuple(sorted(rates)), seed=self.setup.seed, outcomes=True
        )

    def asked(self, runs: Sequence[RunSummary]) -> RunSummary:
        """The asked rate's run among ``runs`` (in the request's order of rates)."""
        rates = self.request.rates or ()
        return runs[rates.index(self.setup.rate)]


def answer_of(setup: Setup, table: Sequence[RunSummary]) -> Answer:
    """What answers ``setup``: its run, with a reference from ``table`` (its seed's batched
    run, in GRID's order): the first other rate that converged fast, else (a seed where
    none did) the other rate that ended lowest without diverging."""
    others = [(i, run) for i, run in enumerate(table) if i != setup.rate_index]
    fast = [(i, run) for i, run in others if run.outcome is REFERENCE]
    stable = [(i, run) for i, run in others if run.diverged_at is None]
    chosen = fast[:1] or sorted(stable, key=lambda pair: pair[1].final_loss)[:1]
    if not chosen:
        return Answer(setup, None, None)
    index, run = chosen[0]
    return Answer(setup, run, GRID[index])


def table_request(seed: int) -> DemoRequest:
    """The batched run that sorts out which rates of ``seed`` have a clear outcome."""
    return DemoRequest(DemoName.LR, rates=GRID, seed=seed)


def clear_setups(seed: int, runs: Sequence[RunSummary]) -> list[Setup]:
    """The setups of ``seed`` whose run had a clear outcome (``runs`` in GRID's order)."""
    return [Setup(seed, i) for i, run in enumerate(runs) if run.outcome is not None]


def draw_seed(rng: random.Random) -> int:
    return rng.randrange(SEEDS)


@dataclass(frozen=True)
class Verdict:
    """The learner's guess against what the run did."""

    chosen: LossOutcome
    run: RunSummary

    @property
    def correct(self) -> bool:
        return self.run.outcome is self.chosen


def key_of(setup: Setup, table: Sequence[RunSummary]) -> RunSummary:
    """The run that is the answer key: ``setup``'s rate in its seed's batched run (the run
    that showed its outcome is clear), in GRID's order."""
    return table[setup.rate_index]


def shown_run(key: RunSummary, run: RunSummary) -> RunSummary:
    """What the verdict shows: the plotted run, unless its outcome differs from the key's
    (the key was recorded), then the key."""
    return run if run.outcome is key.outcome else key


def ask(session: Session, *, learner_id: int, first_name: str, now: datetime) -> int:
    """/predict: the learner (created on first contact) and the item's review count, which
    the question's buttons carry so that only one press on it is recorded."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    memory = store.reviews.load_memory(session, learner_id=learner.id, item_id=ITEM.id)
    return memory.reps if memory is not None else 0


def record_prediction(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    version: int,
    correct: bool,
    now: datetime,
) -> Outcome:
    """A press on a question asked at review count ``version``: a review of ``ITEM`` (right:
    Good, wrong: Again), committed. ALREADY_RATED when the item was reviewed since the
    question was asked (a double tap, an old question); UNKNOWN_ITEM when the library has no
    deck for /predict (nothing is recorded then)."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    result = record_rating(
        session,
        library=library,
        learner=learner,
        item=ITEM.id,
        version=version,
        rating=Rating.GOOD if correct else Rating.AGAIN,
        now=now,
        source=SOURCE,
    )
    return result.outcome
