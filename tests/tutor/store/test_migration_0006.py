"""Revision 0006 on a database that 0005 filled: own-deck ids never reused, the group
choices nobody can vouch for dropped, and back down."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from tests.tutor.store.test_migrations import empty, execute  # noqa: F401 (the fixture)
from tutor.store import Database, schema


def to(revision: str, *, up: bool = True) -> Any:
    config = schema.alembic_config()

    def migrate(connection: Connection) -> None:
        config.attributes["connection"] = connection
        (command.upgrade if up else command.downgrade)(config, revision)

    return migrate


async def add_deck(database: Database, name: str, moment: str) -> int:
    await execute(
        database,
        "INSERT INTO owndeck (learner_id, name, title, share_code, revision, created_at, "
        f"updated_at) VALUES (7, '{name}', '{name}', 'code-{name}', 1, {moment}, {moment})",
    )
    [(number,)] = await execute(database, f"SELECT id FROM owndeck WHERE name = '{name}'")
    return int(number)


async def test_0006_never_reuses_a_deck_id_and_drops_choices_without_consent(
    empty: Database,  # noqa: F811
) -> None:
    await schema.run_exclusive(empty, to("0005"))
    moment = "'2026-03-02 09:00:00+00'" if empty.dialect == "postgresql" else "'2026-03-02'"
    await execute(
        empty,
        "INSERT INTO learner (id, first_name, new_per_day, reminder_time, reminders_on, "
        f"desired_retention, active, created_at) VALUES (7, 'Ann', 10, '09:00', true, 0.9, "
        f"true, {moment})",
    )
    first, second = [await add_deck(empty, name, moment) for name in ("a", "b")]
    await execute(empty, f"DELETE FROM owndeck WHERE id = {second}")
    # What still named the deleted deck: a group's choice and a learner's memory of it.
    for chat, deck in ((-5, "lr-basics"), (-5, f"own{first}"), (-6, f"own{second}")):
        await execute(empty, f"INSERT INTO groupdeck (chat_id, deck) VALUES ({chat}, '{deck}')")
    await execute(
        empty,
        "INSERT INTO itemstate (learner_id, item_id, state, due, reps, lapses) "
        f"VALUES (7, 'own{second}-c1', 1, {moment}, 0, 0)",
    )

    await schema.run_exclusive(empty, to("0006"))

    assert await execute(empty, "SELECT chat_id, deck, offered_by FROM groupdeck") == [
        (-5, "lr-basics", None)
    ]
    assert await add_deck(empty, "c", moment) > second
    if empty.dialect == "sqlite":
        [(ddl,)] = await execute(empty, "SELECT sql FROM sqlite_master WHERE name = 'owndeck'")
        assert "AUTOINCREMENT" in ddl

    await schema.run_exclusive(empty, to("0005", up=False))
    async with empty.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
        columns = await connection.run_sync(
            lambda c: [column["name"] for column in sa.inspect(c).get_columns("groupdeck")]
        )
    assert "leftmember" not in tables and columns == ["chat_id", "deck"]
    assert [row[0] for row in await execute(empty, "SELECT name FROM owndeck ORDER BY id")] == [
        "a",
        "c",
    ]
