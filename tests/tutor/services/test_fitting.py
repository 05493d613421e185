"""A learner's own memory model in the store (SQLite and PostgreSQL): adopted only when
better, memories recomputed from the history without losing a review, the way back to
FSRS's defaults, and who is due a fit."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from fsrs.scheduler import DEFAULT_PARAMETERS
from sqlalchemy.orm import Session

from tests.tutor.domain.test_memorymodel import FORGETFUL, START, simulate
from tutor.domain.fsrsfit import refit
from tutor.domain.memorymodel import PastReview, replay_all
from tutor.domain.scheduling import Memory, Rating, replay
from tutor.services import fitting, study
from tutor.store import Database, ItemState, Learner, MemoryFit, ReviewLog
from tutor.store.reviews import load_memories

LEARNER = 7


def store_history(session: Session, reviews: list[PastReview], learner_id: int = LEARNER) -> None:
    """The learner's reviews as the bot would have stored them under FSRS's defaults."""
    study.start_learner(session, learner_id=learner_id, first_name="Ada", now=START)
    by_item: dict[str, list[tuple]] = defaultdict(list)
    for review in reviews:
        session.add(
            ReviewLog(
                learner_id=learner_id,
                item_id=review.item_id,
                rating=review.rating,
                reviewed_at=review.reviewed_at,
            )
        )
        by_item[review.item_id].append((review.reviewed_at, Rating(review.rating)))
    for item_id, ratings in by_item.items():
        memory = replay(ratings)
        assert memory is not None
        session.add(ItemState(learner_id=learner_id, item_id=item_id, **vars(memory)))
    session.commit()


def _memories(session: Session) -> dict[str, Memory]:
    items = {row.item_id for row in session.query(ItemState).filter_by(learner_id=LEARNER)}
    return load_memories(session, learner_id=LEARNER, item_ids=items)


def _learner(session: Session) -> Learner:
    learner = session.get(Learner, LEARNER)
    assert learner is not None
    return learner


def _fit(session: Session) -> MemoryFit | None:
    return session.get(MemoryFit, LEARNER)


def _bump(session: Session, item_id: str) -> None:
    # A review that lands while the fit runs: the item's memory moved on.
    state = session.get(ItemState, (LEARNER, item_id))
    assert state is not None
    state.reps += 1
    session.commit()


async def test_a_better_fit_is_adopted_and_every_memory_recomputed(database: Database) -> None:
    reviews = simulate(FORGETFUL, items=120, reviews=10, seed=1)
    await database.run(store_history, reviews)
    before = await database.run(_memories)
    assert await database.run(fitting.due, now=START + timedelta(days=400)) == [LEARNER]

    given = await database.run(fitting.fit_input, learner_id=LEARNER)
    assert given.current is None and len(given.reviews) == len(reviews)
    worked = refit(given.reviews, given.current, given.desired_retention)
    result = worked.fit
    assert result is not None and result.better
    await database.run(_bump, "item0")
    recorded = await database.run(
        fitting.record, learner_id=LEARNER, refit=worked, now=START + timedelta(days=400)
    )

    assert recorded.adopted and recorded.rescheduled == len(before) - 1
    learner = await database.run(_learner)
    assert learner.fsrs_parameters == list(result.parameters)
    stored = await database.run(_fit)
    assert stored is not None and stored.adopted and not stored.declined
    assert stored.reviews == len(reviews) and stored.fitted_loss < stored.current_loss
    after = await database.run(_memories)
    # Recomputed under the fit: the forgetful learner's cards come back sooner.
    recomputed = [item for item in before if item != "item0"]
    assert all(after[item].due <= before[item].due for item in recomputed)
    assert sum(after[item].due < before[item].due for item in recomputed) > len(recomputed) / 2
    for item in recomputed:
        assert after[item].reps == before[item].reps
    # The item whose review landed meanwhile kept its own memory.
    assert after["item0"].due == before["item0"].due
    assert after["item0"].reps == before["item0"].reps + 1
    # No fit is due until a week has passed with new reviews, or 500 new reviews.
    assert await database.run(fitting.due, now=START + timedelta(days=401)) == []

    standing = await database.run(fitting.standing, learner=learner)
    assert standing.fitted and standing.needed == 0 and standing.fit is not None

    # Back to the defaults: the memories are those of FSRS's defaults again.
    defaults = replay_all(reviews, 0.9, None)
    rescheduled = await database.run(fitting.use_defaults, learner_id=LEARNER, memories=defaults)
    assert rescheduled == len(before) - 1
    assert (await database.run(_learner)).fsrs_parameters is None
    again = await database.run(_memories)
    assert all(again[item].due == before[item].due for item in recomputed)
    stored = await database.run(_fit)
    assert stored is not None and stored.declined and not stored.adopted
    # A learner who chose the defaults keeps them: no fit is due for them, and a fit that
    # comes in anyway is not adopted unless they asked for it.
    assert await database.run(fitting.due, now=START + timedelta(days=900)) == []
    kept = await database.run(
        fitting.record, learner_id=LEARNER, refit=worked, now=START + timedelta(days=900)
    )
    assert not kept.adopted and (await database.run(_learner)).fsrs_parameters is None
    asked = await database.run(
        fitting.record,
        learner_id=LEARNER,
        refit=worked,
        now=START + timedelta(days=900),
        requested=True,
    )
    assert asked.adopted and (await database.run(_learner)).fsrs_parameters is not None


async def test_a_learner_the_defaults_describe_keeps_them(database: Database) -> None:
    reviews = simulate(tuple(DEFAULT_PARAMETERS), items=120, reviews=10, seed=4)
    await database.run(store_history, reviews)
    before = await database.run(_memories)
    worked = refit(reviews, None, 0.9)
    assert worked.fit is not None and not worked.fit.better and worked.memories == {}
    recorded = await database.run(
        fitting.record, learner_id=LEARNER, refit=worked, now=START + timedelta(days=400)
    )
    assert not recorded.adopted and recorded.rescheduled == 0
    assert (await database.run(_learner)).fsrs_parameters is None
    stored = await database.run(_fit)
    assert stored is not None and not stored.adopted
    assert await database.run(_memories) == before


async def test_a_short_history_is_not_due_and_says_how_many_are_missing(
    database: Database,
) -> None:
    reviews = simulate(FORGETFUL, items=10, reviews=10, seed=5)
    await database.run(store_history, reviews)
    assert await database.run(fitting.due, now=START + timedelta(days=400)) == []
    learner = await database.run(_learner)
    standing = await database.run(fitting.standing, learner=learner)
    assert not standing.fitted and standing.fit is None
    assert 0 < standing.countable < fitting.NEEDED
    assert standing.needed == fitting.NEEDED - standing.countable
