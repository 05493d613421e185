"""A learner's progress in numbers: reviews, learned items, what is due, retention, streak."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating, retrievability
from tutor.services import fitting
from tutor.services.libraries import learner_library
from tutor.services.study import learner_zone, start_learner
from tutor.store import ItemState, Learner

HISTORY_DAYS = 30
FORECAST_DAYS = 14
# fsrs.State.Review: out of the short learning steps, on long intervals.
REVIEW_STATE = 2


@dataclass(frozen=True)
class DeckProgress:
    """How much of one deck the learner has seen and learned."""

    deck_id: str
    title: str
    total: int
    seen: int
    learned: int


@dataclass(frozen=True)
class Stats:
    """Everything /stats shows; day counts are in the learner's time zone."""

    reviews_today: int
    reviews_week: int
    reviews_all: int
    decks: tuple[DeckProgress, ...]
    due_today: int
    due_tomorrow: int
    retention: float | None
    predicted_recall: float | None
    streak_days: int
    quiz_answers: int
    quiz_correct: int
    history: tuple[tuple[date, int], ...]
    forecast: tuple[tuple[date, int], ...]
    # What the learner's reviews are scheduled with: FSRS's defaults or a fit of their own.
    memory: fitting.Standing

    @property
    def quiz_accuracy(self) -> float | None:
        return self.quiz_correct / self.quiz_answers if self.quiz_answers else None


def streak(days: set[date], today: date) -> int:
    """Consecutive days with a review, ending today (or yesterday, if today has none yet)."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class LearnerStats:
    """The learner as read (or created), their statistics, and the library they study
    (the built-in decks with their own and the ones shared with them)."""

    learner: Learner
    stats: Stats
    library: Library


def stats_of(
    session: Session,
    *,
    library: Library,
    learner_id: int,
    first_name: str,
    now: datetime,
    default_zone: str,
) -> LearnerStats:
    """/stats and /decks: the learner (created on first contact) and their statistics in
    their time zone."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    library = learner_library(session, library=library, learner_id=learner_id)
    zone = learner_zone(learner, default_zone)
    numbers = learner_stats(session, library=library, learner=learner, now=now, zone=zone)
    return LearnerStats(learner, numbers, library)


def learner_stats(
    session: Session, *, library: Library, learner: Learner, now: datetime, zone: str
) -> Stats:
    """Compute the learner's statistics at ``now``."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    logs = store.reviews.learner_log(session, learner_id=learner.id)
    states = store.reviews.learner_states(session, learner_id=learner.id)
    review_days = [reviewed_at.astimezone(tz).date() for reviewed_at, _, _ in logs]
    per_day = Counter(review_days)
    week_start = today - timedelta(days=6)

    known = [s for s in states if s.item_id in library.items]
    by_deck: dict[str, list[ItemState]] = {}
    for state in known:
        by_deck.setdefault(library.deck_of[state.item_id], []).append(state)
    decks = tuple(
        DeckProgress(
            deck_id=deck_id,
            title=deck.title,
            total=len(library.deck_items(deck_id)),
            seen=len(by_deck.get(deck_id, [])),
            learned=sum(1 for s in by_deck.get(deck_id, []) if s.state == REVIEW_STATE),
        )
        for deck_id, deck in library.decks.items()
    )

    due_days = Counter(max(s.due.astimezone(tz).date(), today) for s in known)
    memories = [store.columns.memory_of(s) for s in known if s.stability is not None]
    recall = [retrievability(m, now, parameters=learner.fsrs_parameters) for m in memories]
    # Private quiz rounds and group quiz polls alike.
    quiz = [rating for _, rating, source in logs if source in ("quiz", "group")]
    return Stats(
        reviews_today=per_day[today],
        reviews_week=sum(n for day, n in per_day.items() if day >= week_start),
        reviews_all=len(logs),
        decks=decks,
        due_today=due_days[today],
        due_tomorrow=due_days[today + timedelta(days=1)],
        retention=(
            sum(1 for _, rating, _ in logs if rating != Rating.AGAIN) / len(logs) if logs else None
        ),
        predicted_recall=sum(recall) / len(recall) if recall else None,
        streak_days=streak(set(per_day), today),
        quiz_answers=len(quiz),
        quiz_correct=sum(1 for rating in quiz if rating != Rating.AGAIN),
        history=tuple(
            (day, per_day[day])
            for day in (today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1))
        ),
        forecast=tuple(
            (day, due_days[day])
            for day in (today + timedelta(days=n) for n in range(FORECAST_DAYS))
        ),
        memory=fitting.standing(session, learner=learner),
    )
