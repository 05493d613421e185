"""FSRS scheduling: exact intervals on fixed dates, immutability, and the study order."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tutor.domain.scheduling import (
    Memory,
    Rating,
    count_due,
    new_memory,
    rank_for_practice,
    retrievability,
    schedule_review,
    start_of_local_day,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rating", "interval", "state"),
    [
        (Rating.AGAIN, timedelta(minutes=1), 1),
        (Rating.HARD, timedelta(minutes=5, seconds=30), 1),
        (Rating.GOOD, timedelta(minutes=10), 1),
        (Rating.EASY, timedelta(days=8), 2),
    ],
)
def test_first_review_intervals(rating: Rating, interval: timedelta, state: int) -> None:
    after = schedule_review(None, rating, NOW)
    assert after.due - NOW == interval
    assert after.state == state
    assert after.reps == 1
    assert after.last_review == NOW


def test_good_good_good_then_again() -> None:
    first = schedule_review(None, Rating.GOOD, NOW)
    second = schedule_review(first, Rating.GOOD, first.due)
    assert second.due - first.due == timedelta(days=2)
    third = schedule_review(second, Rating.GOOD, second.due)
    assert third.due - second.due == timedelta(days=11)
    assert (third.state, third.reps, third.lapses) == (2, 3, 0)
    lapse = schedule_review(third, Rating.AGAIN, third.due)
    assert lapse.due - third.due == timedelta(minutes=10)  # the relearning step
    assert (lapse.state, lapse.lapses) == (3, 1)


def test_higher_desired_retention_means_shorter_intervals() -> None:
    first = schedule_review(None, Rating.GOOD, NOW)
    second = schedule_review(first, Rating.GOOD, first.due)
    normal = schedule_review(second, Rating.GOOD, second.due, desired_retention=0.9)
    strict = schedule_review(second, Rating.GOOD, second.due, desired_retention=0.97)
    assert strict.due - second.due == timedelta(days=2)
    assert strict.due < normal.due


def test_review_does_not_change_its_input() -> None:
    before = new_memory(NOW)
    schedule_review(before, Rating.EASY, NOW)
    assert before == new_memory(NOW)


def test_retrievability_is_about_ninety_percent_when_due() -> None:
    first = schedule_review(None, Rating.EASY, NOW)
    assert retrievability(first, first.due) == pytest.approx(0.9, abs=0.005)
    assert retrievability(first, first.due + timedelta(days=30)) < 0.8


@pytest.mark.parametrize(
    "bad_now",
    [datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=1)))],
)
def test_now_must_be_utc(bad_now: datetime) -> None:
    with pytest.raises(ValueError, match="UTC"):
        schedule_review(None, Rating.GOOD, bad_now)


def test_desired_retention_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError):
        schedule_review(None, Rating.GOOD, NOW, desired_retention=0.5)


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # The spring-forward day in Berlin starts at 23:00 UTC the day before (CET, +1).
        (
            datetime(2026, 3, 29, 12, tzinfo=UTC),
            "Europe/Berlin",
            datetime(2026, 3, 28, 23, tzinfo=UTC),
        ),
        # The day after starts at 22:00 UTC (CEST, +2).
        (
            datetime(2026, 3, 30, 12, tzinfo=UTC),
            "Europe/Berlin",
            datetime(2026, 3, 29, 22, tzinfo=UTC),
        ),
        (
            datetime(2026, 3, 1, 2, tzinfo=UTC),
            "America/St_Johns",
            datetime(2026, 2, 28, 3, 30, tzinfo=UTC),
        ),
        (
            datetime(2026, 3, 1, 9, tzinfo=UTC),
            "Pacific/Kiritimati",
            datetime(2026, 2, 28, 10, tzinfo=UTC),
        ),
    ],
)
def test_start_of_local_day(now: datetime, zone: str, expected: datetime) -> None:
    assert start_of_local_day(now, zone) == expected


def _seen(due: datetime) -> Memory:
    return Memory(state=2, step=None, stability=3.0, difficulty=5.0, due=due, last_review=NOW)


def test_count_due_counts_seen_items_due_by_then() -> None:
    ids = ["a", "b", "c", "d"]
    memories = {
        "a": _seen(NOW + timedelta(days=1)),
        "b": _seen(NOW - timedelta(hours=1)),
        "c": _seen(NOW - timedelta(days=2)),
    }
    assert count_due(ids, memories, NOW) == 2
    assert count_due(ids, memories, NOW + timedelta(days=1)) == 3


def test_practice_ranks_due_then_new_then_soonest() -> None:
    now = NOW
    seen = {
        "late": schedule_review(None, Rating.GOOD, now - timedelta(days=3)),  # 3 days overdue
        "later": schedule_review(None, Rating.EASY, now),  # due in 8 days
        "soon": schedule_review(None, Rating.AGAIN, now),  # due in 1 minute
        "overdue": schedule_review(None, Rating.AGAIN, now - timedelta(days=1)),
    }
    ids = ["later", "fresh1", "soon", "late", "fresh2", "overdue"]
    assert rank_for_practice(ids, seen, now) == [
        "late", "overdue", "fresh1", "fresh2", "soon", "later",
    ]  # fmt: skip
