""" "Which run is this?": the key is what an independent run of each rate shows."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import torch

from tests.conftest import tiny_deck
from tutor.catalog import load_library
from tutor.demo import plots, training
from tutor.demo.outcomes import classify, summarise
from tutor.demo.request import DemoName, DemoRequest
from tutor.demo.runner import DemoResult
from tutor.domain.content import ItemKind
from tutor.domain.library import library_of
from tutor.services import classroom, quiz
from tutor.services.generated import QUIZ_TEMPLATES
from tutor.services.whichrun import TEMPLATE, NotMade, RunTemplate
from tutor.store import Database

CPU = torch.device("cpu")
CONTENT = Path(__file__).resolve().parents[3] / "content"


class InProcess:
    """The demo runner's part the template uses, training here; it records every request."""

    def __init__(self) -> None:
        self.requests: list[DemoRequest] = []

    async def run(self, request: DemoRequest, *, requester_id: int) -> DemoResult:
        self.requests.append(request)
        result = training.train(request, CPU)
        runs = tuple(summarise(curve, result.steps) for curve in result.curves)
        return DemoResult(png=plots.render(result), caption="", cached=False, runs=runs)


def alone(rate: float, seed: int) -> str:
    """What ``rate`` does on its own (not batched with others), read off its curve."""
    curve = training.train(DemoRequest(DemoName.LR, rates=(rate,), seed=seed), CPU).curves[0]
    outcome = classify(curve)
    assert outcome is not None, f"lr={rate} on seed {seed} is borderline"
    return outcome.value


@pytest.mark.parametrize("seed", [f"which-{n}" for n in range(6)])
async def test_the_key_names_the_curve_the_rate_made(seed: str) -> None:
    template = RunTemplate(TEMPLATE.id, TEMPLATE.level, TEMPLATE.decks, TEMPLATE.make)
    runner = InProcess()
    instance = await template.make_instance(seed, runner, requester_id=1)
    question = instance.question
    plotted = runner.requests[-1]
    assert plotted.labels is not None and plotted.rates is not None
    assert len(plotted.labels) == len(plotted.rates) in (3, 4)
    # The plot's legend names the curves only.
    assert list(plotted.labels) == list("ABCD"[: len(plotted.rates)])
    letter_of = dict(zip(plotted.rates, plotted.labels, strict=True))
    outcomes = {rate: alone(rate, plotted.seed) for rate in plotted.rates}
    assert len(set(outcomes.values())) == len(outcomes), "two curves do the same"
    assert {"converges slowly", "converges fast"} <= set(outcomes.values())
    assert f"data seed {plotted.seed})" in question.question
    right = question.options[question.correct_index].text
    if m := re.search(r"Which curve is lr = ([0-9.e-]+)\?", question.question):
        assert right == f"Curve {letter_of[float(m[1])]}"
        assert sorted(o.text for o in question.options) == [f"Curve {x}" for x in plotted.labels]
    else:
        m = re.search(r"Which rate made curve ([ABCD])\?", question.question)
        assert m, question.question
        rate = next(r for r, letter in letter_of.items() if letter == m[1])
        assert right == f"lr = {rate:g}"
        assert sorted(o.text for o in question.options) == sorted(
            f"lr = {r:g}" for r in plotted.rates
        )
    for option in question.options:
        if not option.correct:
            assert option.why_wrong and any(o in option.why_wrong for o in outcomes.values())
    # Deterministic: the same seed draws the same instance, and the second time is free.
    again = await RunTemplate(
        TEMPLATE.id, TEMPLATE.level, TEMPLATE.decks, TEMPLATE.make
    ).make_instance(seed, InProcess(), requester_id=1)
    assert again.question == question
    asked = len(runner.requests)
    assert await template.make_instance(seed, runner, requester_id=1) is instance
    assert len(runner.requests) == asked


def test_the_template_joins_lr_basics_and_is_not_drawn_before_its_run() -> None:
    assert TEMPLATE in QUIZ_TEMPLATES
    library = library_of([tiny_deck("lr-basics")], templates=QUIZ_TEMPLATES)
    assert library.deck_of["gen-which-run"] == "lr-basics"
    with pytest.raises(NotMade):
        TEMPLATE.draw("never-made", datetime(2025, 1, 1, tzinfo=UTC))


async def test_a_round_asks_for_the_run_first_and_grades_the_instance(
    database: Database,
) -> None:
    template = RunTemplate(TEMPLATE.id, TEMPLATE.level, TEMPLATE.decks, TEMPLATE.make)
    library = library_of([tiny_deck("lr-basics")], templates=[template])
    now = datetime(2025, 1, 1, 9, tzinfo=UTC)
    rng = random.Random(0)
    common = {"library": library, "learner_id": 7, "first_name": "Ann", "now": now, "rng": rng}
    without = await database.run(quiz.start_round, with_runs=False, **common)
    assert without is None
    first = await database.run(quiz.start_round, **common)
    assert isinstance(first, quiz.RunToMake)
    early = await database.run(
        quiz.answer_question, round_id=first.round_id, index=0, chosen=0, **common
    )
    assert early.outcome is quiz.AnswerOutcome.NEEDS_RUN and early.run == first
    instance = await template.make_instance(first.seed, InProcess(), requester_id=7)
    shown = quiz.show_made(first, instance)
    assert shown.photo == instance.png and shown.question == instance.question
    wrong = next(i for i, o in enumerate(instance.question.options) if not o.correct)
    result = await database.run(
        quiz.answer_question, round_id=first.round_id, index=0, chosen=wrong, **common
    )
    assert result.outcome is quiz.AnswerOutcome.RECORDED and not result.correct
    assert result.question == instance.question and result.finished


async def test_group_quizzes_leave_it_out(database: Database) -> None:
    """A group poll cannot carry the plot: sessions draw every other quiz item."""
    base = load_library(CONTENT)
    deck = base.decks["lr-basics"]
    library = library_of([deck], templates=QUIZ_TEMPLATES)
    assert "gen-which-run" in library.ids_of_kind(ItemKind.QUIZ)
    started = await database.run(
        classroom.start_session,
        library=library,
        chat_id=-100,
        questions=100,
        seconds=30,
        now=datetime(2025, 1, 1, tzinfo=UTC),
        rng=random.Random(0),
    )
    assert started is not None
    assert "gen-which-run" not in started.item_ids
    assert set(started.item_ids) == set(library.ids_of_kind(ItemKind.QUIZ)) - {"gen-which-run"}
