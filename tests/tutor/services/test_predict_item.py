"""/predict as one item in the learner's schedule: each answer is one review of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.tutor.services.test_practice import quiz_deck
from tutor.demo.outcomes import LossOutcome, RunSummary
from tutor.domain.content import ItemKind
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Rating
from tutor.services import predict, stats
from tutor.services.generated import QUIZ_TEMPLATES
from tutor.services.study import Outcome
from tutor.store import Database, ItemState, ReviewLog

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def predict_library() -> Library:
    return library_of([quiz_deck("lr-diagnosis", 2)], templates=(*QUIZ_TEMPLATES, predict.ITEM))


def _log(session: Session) -> list[tuple[str, int, str]]:
    rows = session.execute(select(ReviewLog).order_by(ReviewLog.id)).scalars()  # type: ignore[arg-type]
    return [(r.item_id, r.rating, r.source) for r in rows]


def _reps(session: Session) -> dict[str, int]:
    return {s.item_id: s.reps for s in session.execute(select(ItemState)).scalars()}


def test_the_shipped_library_studies_predict_with_the_diagnosis_deck(library: Library) -> None:
    assert library.deck_of[predict.ITEM.id] == "lr-diagnosis"
    assert library.ids_of_kind(ItemKind.PREDICT) == (predict.ITEM.id,)
    # It is never drawn as a card or a quiz question.
    assert predict.ITEM.id not in library.id_set_of_kind(ItemKind.QUIZ)
    assert predict.ITEM.id not in library.id_set_of_kind(ItemKind.CARD)


async def test_a_press_is_stored_once_and_a_second_press_on_the_question_changes_nothing(
    database: Database, predict_library: Library
) -> None:
    version = await database.run(predict.ask, learner_id=7, first_name="Ada", now=NOW)
    assert version == 0
    press = {
        "library": predict_library, "learner_id": 7, "first_name": "Ada", "version": version,
    }  # fmt: skip
    first = await database.run(predict.record_prediction, correct=True, now=NOW, **press)
    assert first is Outcome.RECORDED
    # The double tap (even with another answer) records nothing.
    later = NOW + timedelta(seconds=1)
    second = await database.run(predict.record_prediction, correct=False, now=later, **press)
    assert second is Outcome.ALREADY_RATED
    assert await database.run(_log) == [(predict.ITEM.id, int(Rating.GOOD), predict.SOURCE)]
    assert await database.run(_reps) == {predict.ITEM.id: 1}
    # A new question is asked at the new count; a wrong answer to it is an Again.
    version = await database.run(predict.ask, learner_id=7, first_name="Ada", now=later)
    assert version == 1
    press["version"] = version
    third = await database.run(predict.record_prediction, correct=False, now=later, **press)
    assert third is Outcome.RECORDED
    assert [rating for _, rating, _ in await database.run(_log)] == [
        int(Rating.GOOD),
        int(Rating.AGAIN),
    ]


async def test_the_predict_item_shows_in_stats_like_other_items(
    database: Database, predict_library: Library
) -> None:
    await database.run(
        predict.record_prediction, library=predict_library, learner_id=7, first_name="Ada",
        version=0, correct=True, now=NOW,
    )  # fmt: skip
    learner_stats = await database.run(
        stats.stats_of, library=predict_library, learner_id=7, first_name="Ada",
        now=NOW, default_zone="UTC",
    )  # fmt: skip
    numbers = learner_stats.stats
    (deck,) = numbers.decks
    # One card, two questions of its own, the templates that joined it and /predict.
    assert deck.total == 1 + 2 + len(predict_library.templates["lr-diagnosis"])
    assert deck.seen == 1
    assert numbers.reviews_today == 1


def _run(outcome: LossOutcome | None, final: float, diverged_at: int | None = None) -> RunSummary:
    return RunSummary("lr", outcome, 1.0, final, 300, diverged_at, 0)


def test_the_answer_is_drawn_against_a_fast_run_else_the_lowest_stable_one() -> None:
    slow, fast = _run(LossOutcome.SLOW, 0.2), _run(LossOutcome.FAST, 0.02)
    unclear, blown = _run(None, 0.04), _run(LossOutcome.DIVERGE, 50.0, diverged_at=3)
    asked = predict.Setup(seed=0, rate_index=1)  # lr 0.005
    table = [slow, slow, unclear, fast, blown, blown]
    answer = predict.answer_of(asked, table)
    assert (answer.reference, answer.reference_rate) == (fast, 0.06)
    # Drawn with the lines that define its outcomes (fast below 0.025, slowly above 0.1).
    assert answer.request.rates == (0.005, 0.06) and answer.request.outcomes
    assert answer.asked([slow, fast]) is slow
    # No other rate of the seed converged fast: the lowest that did not diverge.
    answer = predict.answer_of(asked, [slow, slow, unclear, unclear, blown, blown])
    assert (answer.reference, answer.reference_rate) == (unclear, 0.05)
    # The asked rate is never its own reference.
    fastest = predict.Setup(seed=0, rate_index=3)
    assert predict.answer_of(fastest, table).reference is unclear
