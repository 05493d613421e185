"""Alembic's environment: runs the revisions on the connection ``tutor.store.schema`` hands over.

The bot never lets Alembic open the database itself: ``tutor.store.schema`` opens a connection
on the bot's async engine, takes the migration lock, and passes the connection in
``config.attributes["connection"]``. Alembic's command line (no connection given) opens
the database named by ``-x url=...`` or the bot's settings (DATABASE_URL, .env) the same
way, so a revision made with ``alembic revision --autogenerate`` sees what the bot sees.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection, make_url
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

from tutor.store import Database, UTCDateTime

config = context.config
# Importing tutor.store registered every table on SQLModel's metadata.
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write the store's own column types as plain SQLAlchemy types.

    A revision is a snapshot: it must not import ``tutor.store``, whose types may change.
    ``UTCDateTime`` keeps its storage type, a timestamp with time zone; SQLModel's
    ``AutoString`` is a ``VARCHAR``.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def configure(**options: Any) -> None:
    """Configure the migration context the same way online, offline and for comparisons."""
    context.configure(
        target_metadata=target_metadata,
        render_item=render_item,
        compare_type=True,
        **options,
    )


def run_migrations(connection: Connection) -> None:
    """Run the migrations Alembic was asked for on an open connection."""
    # SQLite alters a table by copying it: batch mode writes revisions that way.
    configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def command_line_url() -> str:
    """The database for Alembic's command line: ``-x url=...``, else the bot's settings."""
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from tutor.config import Settings

    return Settings().database_url


async def run_on_database(url: str) -> None:
    """Open the database as the bot does and run the migrations under the migration lock."""
    from tutor.store.schema import run_exclusive

    database = Database(url)
    try:
        await run_exclusive(database, run_migrations)
    finally:
        await database.close()


def run_offline(url: str) -> None:
    """Write the SQL of the migrations instead of running it (``alembic upgrade --sql``)."""
    parsed = make_url(url)
    configure(
        url=parsed,
        literal_binds=True,
        render_as_batch=parsed.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


given: Connection | None = config.attributes.get("connection")
if given is not None:
    run_migrations(given)
elif context.is_offline_mode():
    run_offline(command_line_url())
else:
    asyncio.run(run_on_database(command_line_url()))
