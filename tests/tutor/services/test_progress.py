"""Progress carried over from a real Anki collection (SQLite and PostgreSQL): the reviews
stored as the learner's, the memories FSRS computes from them, and nothing twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.tutor.imports.anki_reference import REALDECKS
from tutor.domain.memorymodel import replay_all
from tutor.domain.scheduling import Rating, replay
from tutor.imports import ParsedDeck, parse_file
from tutor.services import owndecks, progress
from tutor.store import Database, ItemState, ReviewLog
from tutor.store import owndecks as deck_queries

CHIA = REALDECKS / "chia" / "collection.colpkg"
LEARNER = 5
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(not CHIA.exists(), reason="needs ../shared/realdecks")


@pytest.fixture(scope="module")
def chia() -> ParsedDeck:
    return parse_file("collection.colpkg", CHIA.read_bytes())


def _states(session: Session) -> dict[str, ItemState]:
    rows = session.execute(select(ItemState).where(ItemState.learner_id == LEARNER)).scalars()
    return {row.item_id: row for row in rows}


def _log(session: Session) -> list[ReviewLog]:
    return list(
        session.execute(select(ReviewLog).where(ReviewLog.learner_id == LEARNER)).scalars()
    )


async def _bring(database: Database, parsed: ParsedDeck) -> progress.Carried:
    imported = await database.run(
        owndecks.receive_file,
        learner_id=LEARNER,
        first_name="Chia",
        parsed=parsed,
        file_id="file-1",
        file_name="collection.colpkg",
        now=NOW,
    )
    assert isinstance(imported, owndecks.Imported)
    plan = await database.run_long(
        progress.plan, learner_id=LEARNER, deck_number=imported.number, parsed=parsed
    )
    memories = replay_all(plan.histories, 0.9, None)
    return await database.run(
        progress.carry, learner_id=LEARNER, plan=plan, memories=memories, now=NOW, zone="UTC"
    )


async def test_a_collections_history_becomes_the_learners_progress(
    database: Database, chia: ParsedDeck
) -> None:
    carried = await _bring(database, chia)
    assert (carried.reviews, carried.items) == (237, 40)

    log = await database.run(_log)
    assert len(log) == 237 and {row.source for row in log} == {"anki"}
    states = await database.run(_states)
    assert len(states) == 40
    # Each card's memory is what FSRS makes of the reviews Anki recorded for it.
    by_item: dict[str, list[tuple[datetime, Rating]]] = defaultdict(list)
    for row in log:
        by_item[row.item_id].append((row.reviewed_at, Rating(row.rating)))
    for item_id, ratings in by_item.items():
        expected = replay(ratings)
        assert expected is not None
        state = states[item_id]
        assert (state.due, state.reps, state.stability) == (
            expected.due,
            len(ratings),
            pytest.approx(expected.stability),
        )
    assert carried.due_today == sum(
        1 for s in states.values() if s.due < NOW.replace(hour=0) + timedelta(days=1)
    )
    # The file's reviews, every one, by card.
    total = sum(len(reviews) for reviews in chia.history.values())
    assert total == 237


async def test_the_same_collection_again_adds_nothing(
    database: Database, chia: ParsedDeck
) -> None:
    await _bring(database, chia)
    before = await database.run(_states)
    [deck_number] = await database.run(deck_queries.deck_ids_of, learner_id=LEARNER)
    plan = await database.run_long(
        progress.plan, learner_id=LEARNER, deck_number=deck_number, parsed=chia
    )
    assert plan.new == []
    again = await database.run(
        progress.carry, learner_id=LEARNER, plan=plan, memories={}, now=NOW, zone="UTC"
    )
    assert again == progress.Carried()
    assert len(await database.run(_log)) == 237
    assert {k: (v.due, v.reps) for k, v in (await database.run(_states)).items()} == {
        k: (v.due, v.reps) for k, v in before.items()
    }


def test_only_a_whole_collection_carries_its_reviews() -> None:
    assert progress.carries_progress("collection.colpkg")
    assert progress.carries_progress("Mine.COLPKG")
    assert not progress.carries_progress("Shared deck.apkg")
