"""Start-up checks on the database: can the bot write where it points, can it reach it.

Each answer is one line an operator can act on: which path or server, and what to do.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from tutor.store.engine import Database

# How long the write check waits for another instance holding SQLite's write lock.
LOCK_WAIT_SECONDS = 5.0
# PostgreSQL refusals that end by themselves: the server is starting up or shutting
# down, or out of connection slots; and connection failures (class 08).
TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300", "08000", "08001", "08006"})
OTHER_FILE = "or set DATABASE_URL to a file in a writable directory"


class DatabaseUnusable(Exception):
    """The bot cannot use the database; ``str(error)`` is one line naming it and the fix."""


def where(url: str) -> str:
    """The database as an operator knows it: its file, or ``host:port/name`` (no password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def check_writable(url: str) -> None:
    """Pass if the bot can write to the SQLite database at ``url`` (other backends pass).

    Creates the database's directory if it is missing, then commits a write that changes
    nothing, with the options the bot will use: the only test that holds for root (who
    ignores permission bits), read-only mounts, immutable files and ``mode=ro`` URIs alike.

    Raises:
        DatabaseUnusable: naming the path, why it cannot be written, and the fix.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    name = parsed.database or ""
    uri = name.startswith("file:")
    if not name or name == ":memory:" or (uri and "mode=memory" in name):
        return
    path = Path(name.removeprefix("file:").split("?", 1)[0]).expanduser()
    if not uri:
        _check_directory(path.parent)
        if path.is_dir():
            raise DatabaseUnusable(
                f"the database {path} is a directory: set DATABASE_URL to a file's path"
            )
    engine = create_engine(
        parsed.set(drivername="sqlite+pysqlite"),
        poolclass=NullPool,
        connect_args={"timeout": LOCK_WAIT_SECONDS},
    )
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
            connection.exec_driver_sql(f"PRAGMA user_version={int(version)}")
            connection.exec_driver_sql("COMMIT")
    except DBAPIError as error:
        if _is_busy(error):
            return  # another instance is writing: the database is writable
        raise DatabaseUnusable(_why_not_writable(path, error)) from None
    finally:
        engine.dispose()


async def check_server_writable(database: Database) -> None:
    """Pass unless the PostgreSQL server takes only reads (a standby, or a database or user
    with ``default_transaction_read_only``); other backends pass.

    Raises:
        DatabaseUnusable: naming the database and the fix.
    """
    if database.dialect != "postgresql":
        return
    async with database.engine.connect() as connection:
        read_only = (await connection.exec_driver_sql("SHOW transaction_read_only")).scalar()
    if read_only == "on":
        raise DatabaseUnusable(
            f"the database at {where(database.url)} accepts only reads (a standby server, or "
            "default_transaction_read_only is on): point DATABASE_URL at the primary, or "
            "turn default_transaction_read_only off for the bot's database and user"
        )


def _check_directory(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        in_the_way = next(
            (p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), None
        )
        reason = f"{in_the_way} is a file" if in_the_way is not None else _reason(error)
        raise DatabaseUnusable(
            f"the database's directory {directory} does not exist and cannot be created "
            f"({reason}): create it, writable by the bot's user, {OTHER_FILE}"
        ) from None


def _why_not_writable(path: Path, error: DBAPIError) -> str:
    if path.exists():
        try:
            path.open("r+b").close()
        except OSError as file_error:
            return (
                f"the database {path} is not writable ({_reason(file_error)}): make it "
                "writable by the bot's user (chmod u+w, chattr -i, or a read-write mount), "
                f"{OTHER_FILE}"
            )
    try:
        tempfile.TemporaryFile(dir=path.parent).close()
    except OSError as directory_error:
        return (
            f"the database's directory {path.parent} is not writable "
            f"({_reason(directory_error)}), and SQLite keeps its journal files beside the "
            f"database {path}: make the directory writable by the bot's user, {OTHER_FILE}"
        )
    detail = str(error.orig).splitlines()[0] if error.orig is not None else str(error)
    return (
        f"the database {path} cannot be written ({detail}): check DATABASE_URL's options "
        "(mode=ro?) and the file's permissions, or set DATABASE_URL to a writable file"
    )


def _reason(error: OSError) -> str:
    return error.strerror or os.strerror(error.errno or errno.EIO)


def _is_busy(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlite_errorcode", None)
    return (
        isinstance(error.orig, sqlite3.OperationalError)
        and code is not None
        and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    )


def unreachable(error: BaseException) -> str | None:
    """Why the database server could not be reached, if that is what ``error`` means (a
    fault worth waiting out at start-up); None for any other error."""
    if isinstance(error, OSError):  # refused, timed out, unknown host (not up yet)
        return _reason(error) if error.strerror else (str(error) or type(error).__name__)
    if isinstance(error, DBAPIError):
        state = getattr(error.orig, "pgcode", None) or getattr(error.orig, "sqlstate", None)
        if error.connection_invalidated or state in TRANSIENT_SQLSTATES:
            return _first_line(error)
    return None


def describe(error: BaseException) -> str | None:
    """One line for a database error that stops start-up (a wrong password, a missing
    database); None if ``error`` is not the database's."""
    if isinstance(error, DBAPIError | OSError):
        return _first_line(error)
    return None


def _first_line(error: BaseException) -> str:
    source = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(source).strip().splitlines()
    return lines[0] if lines else type(source).__name__
