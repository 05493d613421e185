"""Migrations: the migrated schema is the models' one; start-up refuses what it cannot use."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from tests.conftest import ROOT
from tutor.store import Database, ItemState, Learner, schema
from tutor.store.schema import SchemaError, SchemaState

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
MIGRATE = "python -m bot migrate"
# This version's newest revision, and a later one for tests only (on top of it, whatever
# it is). Changing a column's type makes batch mode rebuild the learner table on SQLite,
# which is where foreign keys left on would cascade-delete.
HEAD = schema.head_revision()
NEXT = "next"
REVISION_NEXT = '''"""Test only: learners get a nickname, and longer first names."""

import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.add_column(sa.Column("nickname", sa.String(length=32), nullable=True))
        batch.alter_column(
            "first_name",
            existing_type=sa.String(length=128),
            type_=sa.String(length=200),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("learner") as batch:
        batch.alter_column(
            "first_name",
            existing_type=sa.String(length=200),
            type_=sa.String(length=128),
            existing_nullable=False,
        )
        batch.drop_column("nickname")
'''


def _drop_everything(connection: Connection) -> None:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    metadata.drop_all(connection)


async def drop_everything(database: Database) -> None:
    """Drop every table, alembic_version included (other tests share the PG database)."""
    async with database.engine.begin() as connection:
        await connection.run_sync(_drop_everything)


@pytest.fixture
async def empty(database_url: str) -> AsyncIterator[Database]:
    """An opened Database with no table at all, on SQLite and on PostgreSQL."""
    database = Database(database_url)
    await drop_everything(database)
    yield database
    await drop_everything(database)
    await database.close()


async def create_all(database: Database) -> None:
    """What start-up did before migrations existed."""
    async with database.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)


async def execute(database: Database, sql: str) -> list[Any]:
    async with database.engine.begin() as connection:
        result = await connection.execute(sa.text(sql))
        return list(result.all()) if result.returns_rows else []


async def add_learner_with_a_card(database: Database) -> None:
    async with AsyncSession(database.engine, expire_on_commit=False) as session:
        session.add(Learner(id=10**12, first_name="Ada", created_at=NOW))
        await session.flush()
        session.add(ItemState(learner_id=10**12, item_id="c1", state=1, due=NOW))
        await session.commit()


def snapshot(connection: Connection) -> dict[str, Any]:
    """Everything reflection tells about the tables, in a comparable form."""
    inspector = sa.inspect(connection)
    tables: dict[str, Any] = {}
    for name in sorted(set(inspector.get_table_names()) - {schema.VERSION_TABLE}):
        columns = [
            (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
            for c in inspector.get_columns(name)
        ]
        foreign_keys = sorted(
            (
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                fk["options"].get("ondelete"),
            )
            for fk in inspector.get_foreign_keys(name)
        )
        indexes = sorted(
            (
                index["name"] or "",
                tuple(str(c) for c in index["column_names"]),
                bool(index["unique"]),
                tuple(sorted((k, str(v)) for k, v in index.get("dialect_options", {}).items())),
            )
            for index in inspector.get_indexes(name)
        )
        primary_key = inspector.get_pk_constraint(name)["constrained_columns"]
        tables[name] = {
            "columns": columns,
            "primary_key": primary_key,
            "foreign_keys": foreign_keys,
            "indexes": indexes,
        }
    return tables


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


async def test_upgrading_an_empty_database_gives_the_models_schema(empty: Database) -> None:
    await schema.upgrade(empty)

    async with empty.engine.connect() as connection:
        found = await connection.run_sync(differences)
        tables = set(await connection.run_sync(lambda c: sa.inspect(c).get_table_names()))
    status = await schema.inspect_schema(empty)
    assert found == []
    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
    assert status.state is SchemaState.CURRENT and status.revisions == (HEAD,)


async def test_the_migrated_schema_is_what_create_all_makes_down_to_partial_indexes(
    empty: Database,
) -> None:
    # compare_metadata skips some details (a partial index's WHERE, for one); reflection
    # of both schemas compares everything the database reports.
    await schema.upgrade(empty)
    async with empty.engine.connect() as connection:
        migrated = await connection.run_sync(snapshot)
    await drop_everything(empty)
    await create_all(empty)
    async with empty.engine.connect() as connection:
        created = await connection.run_sync(snapshot)

    assert migrated == created
    indexes = {index[0]: index[1:] for index in migrated["quizsession"]["indexes"]}
    columns, unique, where = indexes["ux_quizsession_running"]
    assert (columns, unique) == (("chat_id",), True) and "finished_at IS NULL" in str(where)
    cascade = (("learner_id",), "learner", ("id",), "CASCADE")
    assert migrated["itemstate"]["foreign_keys"] == [cascade]


async def test_downgrading_to_base_drops_every_table(empty: Database) -> None:
    await schema.upgrade(empty)
    config = schema.alembic_config()

    def downgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    await schema.run_exclusive(empty, downgrade)
    async with empty.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert tables == ["alembic_version"]
    assert (await schema.inspect_schema(empty)).state is SchemaState.EMPTY


async def test_prepare_creates_the_schema_on_an_empty_database(empty: Database) -> None:
    await schema.prepare(empty)
    await schema.prepare(empty)  # at head: passes, changes nothing
    await schema.check_schema(empty)
    await add_learner_with_a_card(empty)

    assert await execute(empty, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert await execute(empty, "SELECT first_name FROM learner") == [("Ada",)]


async def test_two_instances_starting_on_one_empty_database_create_it_once(
    empty: Database,
) -> None:
    other = Database(empty.url)
    try:
        await asyncio.gather(schema.prepare(empty), schema.prepare(other))
    finally:
        await other.close()
    assert await execute(empty, "SELECT version_num FROM alembic_version") == [(HEAD,)]


async def test_check_schema_refuses_an_empty_database(empty: Database) -> None:
    with pytest.raises(SchemaError, match=MIGRATE):
        await schema.check_schema(empty)


@pytest.fixture
def newer_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this version of the bot ships revision NEXT on top of HEAD."""
    migrations = tmp_path / "migrations"
    shutil.copytree(
        schema.MIGRATIONS_DIR, migrations, ignore=shutil.ignore_patterns("__pycache__")
    )
    (migrations / "versions" / "next_nickname.py").write_text(
        REVISION_NEXT.format(next=NEXT, head=HEAD)
    )
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", migrations)


async def test_an_older_revision_is_refused_until_migrate_upgrades_it(
    empty: Database, request: pytest.FixtureRequest
) -> None:
    await schema.upgrade(empty)  # the database of the previous version, at HEAD
    await add_learner_with_a_card(empty)
    request.getfixturevalue("newer_version")

    with pytest.raises(SchemaError) as at_start:
        await schema.prepare(empty)
    with pytest.raises(SchemaError) as checked:
        await schema.check_schema(empty)
    untouched = await execute(empty, "SELECT version_num FROM alembic_version")
    await schema.upgrade(empty)
    await schema.check_schema(empty)

    message = f"the database is at schema revision {HEAD}, this version of the bot needs {NEXT}"
    assert str(at_start.value) == f"{message}: back it up and run `{MIGRATE}`"
    assert str(checked.value) == str(at_start.value)
    assert untouched == [(HEAD,)]
    assert await execute(empty, "SELECT version_num FROM alembic_version") == [(NEXT,)]
    # Rebuilding learner on SQLite kept the rows that cascade from it.
    assert await execute(empty, "SELECT id, first_name, nickname FROM learner") == [
        (10**12, "Ada", None)
    ]
    assert await execute(empty, "SELECT learner_id, item_id FROM itemstate") == [(10**12, "c1")]


async def test_revision_0004_keeps_the_votes_of_a_0003_database_and_goes_back_down(
    empty: Database,
) -> None:
    """A class's answers stored before reports existed stay, with no chosen option."""
    config = schema.alembic_config()

    def to(revision: str, *, up: bool = True) -> Any:
        def migrate(connection: Connection) -> None:
            config.attributes["connection"] = connection
            (command.upgrade if up else command.downgrade)(config, revision)

        return migrate

    await schema.run_exclusive(empty, to("0003"))
    moment = "'2026-03-02 09:00:00+00'" if empty.dialect == "postgresql" else "'2026-03-02'"
    for statement in (
        f"INSERT INTO learner (id, first_name, new_per_day, reminder_time, reminders_on, "
        f"desired_retention, active, created_at) VALUES (7, 'Ann', 10, '09:00', true, 0.9, "
        f"true, {moment})",
        f"INSERT INTO quizsession (id, chat_id, item_ids, seconds, position, started_at) "
        f"VALUES (1, -5, '[\"q1\"]', 30, 0, {moment})",
        f"INSERT INTO sessionpoll (poll_id, session_id, chat_id, position, item_id, "
        f"correct_option, opened_at, closes_at, closed) VALUES ('p1', 1, -5, 0, 'q1', 0, "
        f"{moment}, {moment}, true)",
        f"INSERT INTO pollvote (poll_id, learner_id, session_id, chat_id, first_name, correct, "
        f"elapsed_ms, answered_at) VALUES ('p1', 7, 1, -5, 'Ann', true, 1500, {moment})",
    ):
        await execute(empty, statement)
    await schema.run_exclusive(empty, to("0004"))

    assert await execute(
        empty, "SELECT learner_id, correct, chosen_option, item_id, elapsed_ms FROM pollvote"
    ) == [(7, True, None, "q1", 1500)]
    assert await execute(empty, "SELECT started_by FROM quizsession") == [(None,)]
    await schema.run_exclusive(empty, to("0003", up=False))
    async with empty.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda c: [column["name"] for column in sa.inspect(c).get_columns("pollvote")]
        )
        tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert "chosen_option" not in columns and "classmemory" not in tables
    assert await execute(empty, "SELECT learner_id, elapsed_ms FROM pollvote") == [(7, 1500)]


async def test_an_unknown_revision_is_refused_by_start_up_and_by_migrate(
    empty: Database,
) -> None:
    await schema.upgrade(empty)
    await execute(empty, "UPDATE alembic_version SET version_num = '9999'")

    refusals = []
    for use in (schema.prepare, schema.check_schema, schema.upgrade):
        with pytest.raises(SchemaError) as refused:
            await use(empty)
        refusals.append(str(refused.value))

    assert refusals == [refusals[0]] * 3
    assert refusals[0].startswith(
        "the database is at schema revision 9999, which this version of the bot does not "
        "know: it was migrated by a newer (or unknown) version"
    )
    assert await execute(empty, "SELECT version_num FROM alembic_version") == [("9999",)]


async def test_tables_without_a_revision_are_refused_at_start_up_and_stamped_by_migrate(
    empty: Database,
) -> None:
    await create_all(empty)
    await add_learner_with_a_card(empty)

    with pytest.raises(SchemaError, match=MIGRATE) as refused:
        await schema.prepare(empty)
    await schema.upgrade(empty)
    await schema.check_schema(empty)

    assert "no schema revision" in str(refused.value)
    assert await execute(empty, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert await execute(empty, "SELECT item_id FROM itemstate") == [("c1",)]


async def test_tables_without_a_revision_that_differ_from_the_models_are_not_stamped(
    empty: Database,
) -> None:
    await create_all(empty)
    await execute(empty, "DROP TABLE pendingexplain")

    with pytest.raises(SchemaError) as refused:
        await schema.upgrade(empty)

    assert "differ from this version's models (add_table pendingexplain)" in str(refused.value)
    assert (await schema.inspect_schema(empty)).state is SchemaState.UNVERSIONED


def run_bot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot ...`` as an operator runs it, with only the given settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_python_m_bot_migrate_creates_the_schema_and_prints_the_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'tutor.db'}"
    first = run_bot("migrate", DATABASE_URL=url)
    again = run_bot("migrate", DATABASE_URL=url)

    assert (first.returncode, first.stdout) == (0, f"database at revision {HEAD}\n"), first.stderr
    assert (again.returncode, again.stdout) == (0, f"database at revision {HEAD}\n"), again.stderr


def test_python_m_bot_stops_on_a_database_that_needs_migrating(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    engine = sa.create_engine(url)
    SQLModel.metadata.create_all(engine)  # made by a version before migrations
    engine.dispose()

    result = run_bot(
        DATABASE_URL=url, TELEGRAM_BOT_TOKEN="4242:token", TELEGRAM_API_URL="http://127.0.0.1:9"
    )

    assert result.returncode == 1
    assert result.stderr.startswith("cannot start: the database has tables but no schema")
    assert result.stderr.rstrip().endswith(f"run `{MIGRATE}`")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
