"""The database schema's revision: Alembic upgrades it, start-up refuses one it cannot use.

Every kind of database, and what happens to it:

========================  ==============================  ================================
the database              ``prepare`` (start-up)          ``upgrade`` (``migrate``)
========================  ==============================  ================================
empty (no table)          upgraded to head                upgraded to head
at head                   passes                          nothing to do
at an older revision      refused: run migrate            upgraded to head
tables, no revision       refused: run migrate            stamped at head if its tables
(create_all, before                                       match the models exactly,
migrations existed)                                       else refused with what differs
at an unknown revision    refused: made by a newer        refused, same message
                          version
========================  ==============================  ================================

Migrations run in one transaction under a lock (see ``run_exclusive``), so two instances
starting together on an empty PostgreSQL database create the schema once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from tutor.store import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATE_COMMAND = "python -m bot migrate"
VERSION_TABLE = "alembic_version"
# The key of the PostgreSQL advisory lock migrations take; any number no other code uses.
MIGRATION_LOCK_KEY = 0x6C72_7475_746F72  # "lrtutor"

T = TypeVar("T")


class SchemaError(Exception):
    """The database's schema is not one this version of the bot can run on."""


class SchemaState(enum.Enum):
    """Where a database stands against this version's migrations."""

    EMPTY = "empty"
    UNVERSIONED = "unversioned"
    OLD = "old"
    CURRENT = "current"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class SchemaStatus:
    """A database's state, the revisions it records, and the revision this version needs."""

    state: SchemaState
    revisions: tuple[str, ...]
    head: str

    def refusal(self) -> str:
        """The one-line message an operator sees when the bot will not run on the database."""
        at = ", ".join(self.revisions) or "base (no revision)"
        match self.state:
            case SchemaState.EMPTY:
                return f"the database has no tables yet: run `{MIGRATE_COMMAND}` to create them"
            case SchemaState.UNKNOWN:
                return (
                    f"the database is at schema revision {at}, which this version of the bot "
                    "does not know: it was migrated by a newer (or unknown) version; run that "
                    "version, or restore a backup made before it"
                )
            case SchemaState.UNVERSIONED:
                return (
                    "the database has tables but no schema revision (it was made before "
                    f"migrations existed): back it up and run `{MIGRATE_COMMAND}`"
                )
            case _:
                return (
                    f"the database is at schema revision {at}, this version of the bot needs "
                    f"{self.head}: back it up and run `{MIGRATE_COMMAND}`"
                )


def alembic_config(location: Path | None = None) -> Config:
    """Alembic's configuration, made in code: the revisions ship inside the package."""
    config = Config()
    # Config values are interpolated: a literal % in the path must be doubled.
    where = str(location or MIGRATIONS_DIR)
    config.set_main_option("script_location", where.replace("%", "%%"))
    return config


def _scripts() -> ScriptDirectory:
    return _scripts_in(MIGRATIONS_DIR)


@cache
def _scripts_in(location: Path) -> ScriptDirectory:
    # Reading the revisions' files once per process is enough: they do not change.
    return ScriptDirectory.from_config(alembic_config(location))


def head_revision() -> str:
    """The revision this version of the bot needs (the migrations have a single head)."""
    head = _scripts().get_current_head()
    assert head is not None, "no migration found in tutor/store/migrations/versions"
    return head


async def inspect_schema(database: Database) -> SchemaStatus:
    """Where the database stands, without changing anything."""
    async with database.engine.connect() as connection:
        return await connection.run_sync(_status)


async def check_schema(database: Database) -> None:
    """Pass if the database is at the revision this version needs.

    Raises:
        SchemaError: the database is empty, older (run ``python -m bot migrate``), or at a
            revision this version does not know.
    """
    status = await inspect_schema(database)
    if status.state is not SchemaState.CURRENT:
        raise SchemaError(status.refusal())


async def prepare(database: Database) -> None:
    """Make the database ready at start-up: create the schema on an empty one, else check it.

    Only an empty database is changed, so that ``make run`` works on a fresh machine; any
    other migration waits for the operator (and their backup).

    Raises:
        SchemaError: the database is not empty and not at the needed revision.
    """
    status = await inspect_schema(database)
    if status.state is SchemaState.CURRENT:
        return
    if status.state is not SchemaState.EMPTY:
        raise SchemaError(status.refusal())
    # Another instance may be creating it right now: decide again under the lock.
    await run_exclusive(database, partial(_upgrade, only_empty=True))


async def upgrade(database: Database) -> None:
    """Bring the database to the newest revision.

    A database made by ``create_all`` before migrations existed (tables but no revision) is
    stamped at the newest revision if its tables match the models exactly; a mismatch is
    refused rather than guessed at.

    Raises:
        SchemaError: the database is at an unknown revision, or has no revision and its
            tables differ from the models.
    """
    await run_exclusive(database, partial(_upgrade, only_empty=False))


async def run_exclusive(database: Database, work: Callable[[Connection], T]) -> T:
    """Run ``work`` on a connection in one transaction holding the migration lock; commit.

    PostgreSQL: a transaction-level advisory lock makes a second instance wait, then find
    the work done; DDL is transactional there. SQLite: ``BEGIN IMMEDIATE`` takes the write
    lock up front and makes the DDL transactional (the driver would otherwise commit each
    statement). Foreign keys are off while migrating on SQLite, because batch mode rebuilds
    a table by copying it and dropping the old one, and dropping ``learner`` with foreign
    keys on would delete every row that cascades from it; ``foreign_key_check`` runs before
    the commit instead, and the pragma is back on before the connection returns to the pool.
    """
    async with database.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # The pragma is ignored inside a transaction: set it before BEGIN.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.commit()
        try:
            if sqlite:
                await connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                await connection.execute(lock, {"key": MIGRATION_LOCK_KEY})
            result = await connection.run_sync(work)
            if sqlite:
                broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise SchemaError(f"the migration broke foreign keys: {broken[:5]}")
            await connection.commit()
            return result
        finally:
            if sqlite:
                await connection.rollback()
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                await connection.commit()


def _status(connection: Connection) -> SchemaStatus:
    scripts = _scripts()
    head = head_revision()
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE not in tables:
        state = SchemaState.UNVERSIONED if tables else SchemaState.EMPTY
        return SchemaStatus(state, (), head)
    # Read directly: a MigrationContext would log two INFO lines at every start-up.
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
    revisions = tuple(sorted(rows))
    if revisions == (head,):
        state = SchemaState.CURRENT
    elif not all(_known(scripts, revision) for revision in revisions):
        state = SchemaState.UNKNOWN
    elif not revisions and tables == {VERSION_TABLE}:
        # Downgraded to base: nothing of ours is left.
        state = SchemaState.EMPTY
    else:
        state = SchemaState.OLD
    return SchemaStatus(state, revisions, head)


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        scripts.get_revision(revision)
    except CommandError:
        return False
    return True


def _upgrade(connection: Connection, *, only_empty: bool) -> None:
    status = _status(connection)
    if status.state is SchemaState.CURRENT:
        return
    if status.state is SchemaState.UNKNOWN or (
        only_empty and status.state is not SchemaState.EMPTY
    ):
        raise SchemaError(status.refusal())
    config = alembic_config()
    config.attributes["connection"] = connection
    if status.state is SchemaState.UNVERSIONED:
        differences = schema_differences(connection)
        if differences:
            raise SchemaError(
                "the database has tables but no schema revision, and they differ from this "
                f"version's models ({'; '.join(differences[:5])}): migrate it by hand, e.g. "
                "stamp the revision it matches with Alembic's command line, then run "
                f"`{MIGRATE_COMMAND}`"
            )
        command.stamp(config, "head")
    else:
        command.upgrade(config, "head")


def schema_differences(connection: Connection) -> list[str]:
    """What differs between the database's tables and the models, one line per difference."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [_describe(difference) for difference in compare_metadata(context, SQLModel.metadata)]


def _describe(difference: Any) -> str:
    # Column changes come as a list of tuples, one per changed attribute.
    kind, *details = difference[0] if isinstance(difference, list) else difference
    names = [
        detail if isinstance(detail, str) else str(getattr(detail, "name", detail))
        for detail in details
        if detail is not None and not isinstance(detail, dict)
    ]
    return " ".join([kind, *names])
