"""Update ids taken once across instances, and pruned after a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tutor.services import inbox
from tutor.store import Database, SeenUpdate

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def seen_ids(session: Session) -> list[int]:
    return sorted(row.update_id for row in session.query(SeenUpdate).all())


async def test_an_update_id_is_taken_once_even_by_a_second_instance(database: Database) -> None:
    other = Database(database.url)
    try:
        first = await database.run(inbox.take_update, update_id=7, now=NOW)
        again = await other.run(inbox.take_update, update_id=7, now=NOW)
        next_one = await other.run(inbox.take_update, update_id=8, now=NOW)
    finally:
        await other.close()
    assert (first, again, next_one) == (True, False, True)


async def test_ids_older_than_a_day_are_pruned(database: Database) -> None:
    old = NOW - inbox.REMEMBER_FOR - timedelta(minutes=1)
    await database.run(inbox.take_update, update_id=1, now=old)
    await database.run(inbox.take_update, update_id=2, now=NOW - timedelta(hours=1))
    await database.run(inbox.take_update, update_id=inbox.PRUNE_EVERY, now=NOW)

    assert await database.run(seen_ids) == [2, inbox.PRUNE_EVERY]
