"""The memory model fitted to a learner: FSRS's own predictions, a real gain where the
learner's memory differs from the defaults, and the defaults kept where it does not."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
import torch
from fsrs.scheduler import DEFAULT_PARAMETERS

from tutor.domain.fsrsfit import _histories, _predict, fit, log_loss
from tutor.domain.memorymodel import MIN_REVIEWS, PastReview, countable, held_out_start

START = datetime(2025, 1, 1, tzinfo=UTC)
# A learner who forgets faster than the average: lower initial stabilities, and stability
# that grows more slowly with each successful review (w8).
FORGETFUL = (0.08, 0.4, 0.9, 3.0, *DEFAULT_PARAMETERS[4:8], 0.9, *DEFAULT_PARAMETERS[9:])


def simulate(
    memory: tuple[float, ...], *, items: int, reviews: int, seed: int
) -> list[PastReview]:
    """A learner whose recall follows FSRS with ``memory``'s parameters, scheduled by the
    bot with FSRS's defaults (a few hours late at random): Good when recalled, else Again."""
    rng = random.Random(seed)
    truth = fsrs.Scheduler(parameters=memory, enable_fuzzing=False)
    bot = fsrs.Scheduler(enable_fuzzing=False)
    log: list[PastReview] = []
    for number in range(items):
        remembered = scheduled = fsrs.Card(card_id=number + 1, due=START)
        when = START + timedelta(hours=rng.random() * 24 * 60)
        for _ in range(reviews):
            if remembered.last_review is None:
                recall = 0.7
            else:
                recall = truth.get_card_retrievability(remembered, when)
            rating = fsrs.Rating.Good if rng.random() < recall else fsrs.Rating.Again
            remembered, _ = truth.review_card(remembered, rating, when)
            scheduled, _ = bot.review_card(scheduled, rating, when)
            log.append(PastReview(f"item{number}", when, int(rating)))
            when = scheduled.due + timedelta(hours=rng.random() * 12)
    return log


def test_predictions_are_fsrs_schedulers_own() -> None:
    rng = random.Random(3)
    parameters = FORGETFUL
    scheduler = fsrs.Scheduler(parameters=parameters, enable_fuzzing=False)
    reviews, expected = [], []
    for number in range(40):
        card = fsrs.Card(card_id=number + 1, due=START)
        when = START + timedelta(minutes=number)
        for _ in range(rng.randint(1, 12)):
            rating = fsrs.Rating(rng.randint(1, 4))
            expected.append(scheduler.get_card_retrievability(card, when))
            card, _ = scheduler.review_card(card, rating, when)
            reviews.append(PastReview(f"item{number:02}", when, int(rating)))
            # Same-day steps, a day or two, and long gaps: every branch of the update.
            when += timedelta(hours=rng.choice([0.2, 5, 30, 24 * 9, 24 * 70]))
    histories = _histories(reviews)
    with torch.no_grad():
        predicted = _predict(torch.tensor(parameters, dtype=torch.float64), histories)
    mine = predicted[histories.valid].tolist()
    # Items in the order _histories keeps them (by their first review, then id).
    by_item: dict[str, list[float]] = {}
    for review, value in zip(reviews, expected, strict=True):
        by_item.setdefault(review.item_id, []).append(value)
    theirs = [value for item in sorted(by_item) for value in by_item[item]]
    first = histories.valid & ~histories.countable & (histories.days == 0)
    assert len(mine) == len(theirs)
    for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        if not bool(first[histories.valid][index]):
            assert a == pytest.approx(b, rel=1e-9), index


def test_a_learner_who_forgets_faster_gets_a_fit_that_predicts_them_better() -> None:
    reviews = simulate(FORGETFUL, items=300, reviews=10, seed=1)
    result = fit(reviews, current=None)
    assert result is not None and result.better
    assert result.fitted_loss < result.current_loss
    assert result.held_out > 100
    # And it predicts reviews it never saw, from another stretch of the same learner.
    fresh = simulate(FORGETFUL, items=150, reviews=10, seed=2)
    assert log_loss(result.parameters, fresh, since=START) < log_loss(
        DEFAULT_PARAMETERS, fresh, since=START
    )


def test_a_learner_the_defaults_describe_keeps_them() -> None:
    reviews = simulate(tuple(DEFAULT_PARAMETERS), items=300, reviews=10, seed=4)
    result = fit(reviews, current=None)
    assert result is not None
    assert not result.better


def test_too_few_reviews_fit_nothing() -> None:
    reviews = simulate(FORGETFUL, items=20, reviews=10, seed=5)
    assert countable(reviews) < MIN_REVIEWS
    assert fit(reviews, current=None) is None
    assert fit([], current=None) is None


def test_countable_reviews_are_those_a_day_after_the_items_last() -> None:
    reviews = [
        PastReview("a", START, 3),
        PastReview("a", START + timedelta(hours=2), 3),  # same day: not countable
        PastReview("a", START + timedelta(days=3), 1),
        PastReview("b", START + timedelta(days=3), 3),  # first: not countable
    ]
    assert countable(reviews) == 1
    assert held_out_start(reviews) == START + timedelta(days=3)
