"""Spaced repetition with FSRS: memory states, ratings, and what to study next."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import fsrs

DESIRED_RETENTION_MIN = 0.80
DESIRED_RETENTION_MAX = 0.97


class Rating(enum.IntEnum):
    """Anki's four answers to "how well did you remember it?"."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


@dataclass(frozen=True)
class Memory:
    """One learner's memory of one item, as FSRS models it.

    Attributes:
        state: FSRS state (1 learning, 2 review, 3 relearning).
        step: Learning or relearning step, None in the review state.
        stability: Days until recall probability falls to 90%.
        difficulty: FSRS difficulty, 1 (easy) to 10 (hard).
        due: When the item should next be reviewed (UTC).
        last_review: When it was last reviewed (UTC).
        reps: Reviews so far.
        lapses: Times it was forgotten (rated Again) after being learned.
    """

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0


def check_utc(now: datetime) -> None:
    """Refuse a naive or non-UTC ``now``: the domain keeps time in UTC."""
    if now.tzinfo is None or now.utcoffset() != timedelta(0):
        raise ValueError("now must be a UTC-aware datetime")


# FSRS parameters: the 21 numbers of its memory model; None stands for FSRS's defaults.
Parameters = Sequence[float] | None


@lru_cache(maxsize=256)
def _cached_scheduler(
    desired_retention: float, parameters: tuple[float, ...] | None
) -> fsrs.Scheduler:
    # No fuzz: a learner's schedule is reproducible, and the tests can state exact intervals.
    if parameters is None:
        return fsrs.Scheduler(desired_retention=desired_retention, enable_fuzzing=False)
    return fsrs.Scheduler(
        parameters=parameters, desired_retention=desired_retention, enable_fuzzing=False
    )


def _scheduler(desired_retention: float, parameters: Parameters = None) -> fsrs.Scheduler:
    key = None if parameters is None else tuple(float(p) for p in parameters)
    return _cached_scheduler(round(desired_retention, 2), key)


def new_memory(now: datetime) -> Memory:
    """The memory of an item never seen: due now, in the first learning step."""
    check_utc(now)
    return Memory(
        state=int(fsrs.State.Learning),
        step=0,
        stability=None,
        difficulty=None,
        due=now,
        last_review=None,
    )


def _to_card(memory: Memory) -> fsrs.Card:
    # card_id given explicitly: fsrs sleeps a millisecond when it has to invent one.
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )


def schedule_review(
    memory: Memory | None,
    rating: Rating,
    now: datetime,
    *,
    desired_retention: float = 0.9,
    parameters: Parameters = None,
) -> Memory:
    """Apply one rating at ``now`` and return the new memory (the input is not changed).

    Args:
        memory: The item's memory before the review, or None for a first review.
        rating: How well the learner remembered.
        now: The review time, UTC-aware.
        desired_retention: The recall probability the learner wants at review time.
        parameters: The learner's FSRS parameters, None for FSRS's defaults.

    Returns:
        The memory after the review, with the next due time.
    """
    check_utc(now)
    if not DESIRED_RETENTION_MIN <= desired_retention <= DESIRED_RETENTION_MAX:
        raise ValueError(f"desired_retention {desired_retention} out of range")
    before = memory if memory is not None else new_memory(now)
    card, _log = _scheduler(desired_retention, parameters).review_card(
        _to_card(before), fsrs.Rating(int(rating)), now
    )
    lapsed = rating is Rating.AGAIN and before.state == int(fsrs.State.Review)
    return Memory(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
        reps=before.reps + 1,
        lapses=before.lapses + int(lapsed),
    )


def retrievability(memory: Memory, now: datetime, *, parameters: Parameters = None) -> float:
    """FSRS's predicted probability that the learner recalls the item at ``now`` (it does
    not depend on the desired retention)."""
    check_utc(now)
    return float(_scheduler(0.9, parameters).get_card_retrievability(_to_card(memory), now))


def replay(
    ratings: Sequence[tuple[datetime, Rating]],
    *,
    desired_retention: float = 0.9,
    parameters: Parameters = None,
) -> Memory | None:
    """The memory an item's history of ratings leads to, in time order, as FSRS computes
    it (None for no history): after new parameters, or from a history brought along."""
    memory = None
    for reviewed_at, rating in sorted(ratings, key=lambda pair: pair[0]):
        memory = schedule_review(
            memory, rating, reviewed_at, desired_retention=desired_retention, parameters=parameters
        )
    return memory


def recall_probability(
    stability: float, elapsed_days: int, parameters: Parameters = None
) -> float:
    """``retrievability`` from a memory's stability and the whole days since its last
    review, as FSRS computes it, without building a card: for thousands of memories at
    once.

    Retrievability does not depend on the desired retention; of the parameters it takes
    only the decay (the defaults' where ``parameters`` is None).
    """
    decay = -_scheduler(0.9, parameters).parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * max(0, elapsed_days) / stability) ** decay)


def slot_on(day: date, clock: str, zone: str) -> datetime:
    """The UTC instant of the local ``clock`` ("HH:MM") on ``day`` in ``zone``.

    A time that does not exist that day (skipped by a daylight-saving switch) falls an hour
    later in wall-clock terms; a time that happens twice takes the first.
    """
    hour, minute = (int(part) for part in clock.split(":"))
    local = datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def start_of_local_day(now: datetime, zone: str) -> datetime:
    """The UTC instant at which the learner's local day containing ``now`` began."""
    check_utc(now)
    local = now.astimezone(ZoneInfo(zone))
    # zoneinfo derives the offset from the wall time, so a DST day's midnight is right.
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def count_due(item_ids: Iterable[str], memories: Mapping[str, Memory], until: datetime) -> int:
    """How many of the items that were seen fall due at or before ``until``."""
    return sum(1 for i in item_ids if i in memories and memories[i].due <= until)


def rank_for_practice(
    item_ids: Sequence[str], memories: Mapping[str, Memory], now: datetime
) -> list[str]:
    """Order items for a practice round: due ones (most overdue first), then new ones in
    teaching order, then the rest by how soon they fall due.

    Quiz rounds and explain prompts always have something to offer, unlike flashcards, so
    items not yet due still fill a round once the due and new ones run out.
    """
    check_utc(now)
    seen = [i for i in item_ids if i in memories]
    due = sorted((i for i in seen if memories[i].due <= now), key=lambda i: memories[i].due)
    new = [i for i in item_ids if i not in memories]
    later = sorted((i for i in seen if memories[i].due > now), key=lambda i: memories[i].due)
    return due + new + later
