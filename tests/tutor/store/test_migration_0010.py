"""Revision 0010 on a database that 0009 filled: each changeable review's memory before it
moves to memorybefore (none for an item never reviewed before), and back down."""

from __future__ import annotations

from tests.tutor.store.test_migration_0006 import to
from tests.tutor.store.test_migrations import empty, execute  # noqa: F401 (the fixture)
from tutor.store import Database, schema


async def test_0010_moves_the_memory_before_each_changeable_review_and_back(
    empty: Database,  # noqa: F811
) -> None:
    await schema.run_exclusive(empty, to("0009"))
    moment = "'2026-03-02 09:00:00+00'" if empty.dialect == "postgresql" else "'2026-03-02'"
    await execute(
        empty,
        "INSERT INTO learner (id, first_name, new_per_day, reminder_time, reminders_on, "
        f"desired_retention, active, created_at) VALUES (7, 'Ann', 10, '09:00', true, 0.9, "
        f"true, {moment})",
    )
    # One prompt reviewed before (its memory kept), one met for the first time.
    await execute(
        empty,
        "INSERT INTO changeablereview (learner_id, item_id, review_id, suggested, reviewed_at,"
        " changed, before_state, before_step, before_stability, before_difficulty,"
        " before_due, before_last_review, before_reps, before_lapses) VALUES"
        f" (7, 'b-explain', 11, 3, {moment}, false, 2, NULL, 4.5, 6.25, {moment}, {moment},"
        f" 3, 1), (7, 'o-explain', 12, 1, {moment}, false, NULL, NULL, NULL, NULL, NULL,"
        " NULL, 0, 0)",
    )

    await schema.run_exclusive(empty, to("0010"))

    assert await execute(
        empty,
        "SELECT learner_id, item_id, state, step, stability, difficulty, reps, lapses"
        " FROM memorybefore",
    ) == [(7, "b-explain", 2, None, 4.5, 6.25, 3, 1)]
    assert await execute(
        empty, "SELECT item_id, review_id FROM changeablereview ORDER BY item_id"
    ) == [("b-explain", 11), ("o-explain", 12)]
    # The memory goes with its review.
    await execute(empty, "DELETE FROM changeablereview WHERE item_id = 'b-explain'")
    assert await execute(empty, "SELECT item_id FROM memorybefore") == []
    await execute(
        empty,
        "INSERT INTO memorybefore (learner_id, item_id, state, due, reps, lapses)"
        f" VALUES (7, 'o-explain', 1, {moment}, 2, 0)",
    )

    await schema.run_exclusive(empty, to("0009", up=False))

    assert await execute(
        empty,
        "SELECT item_id, before_state, before_reps, before_lapses FROM changeablereview",
    ) == [("o-explain", 1, 2, 0)]
