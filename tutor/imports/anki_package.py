"""An Anki package's collection, unpacked and opened as a read-only in-memory SQLite
database, with the limits a stranger's file needs before any of it is read.

This reads a file someone sent, not the bot's database: the SQL here is the Anki file
format's, read-only, on an in-memory copy. The collection's schema is the sender's too: a
generated column would run SQL of theirs on every read (``zeroblob(900000000)`` from a
611-byte file), so columns SQLite computes (hidden or generated) and virtual tables are
refused before anything is read, and no value SQLite reads or builds may pass
MAX_VALUE_BYTES.
"""

from __future__ import annotations

import io
import re
import sqlite3
import time
import zipfile
from typing import Any

import zstandard

from tutor.imports.deck import MAX_ITEMS, ImportFailed
from tutor.imports.items import TOO_MANY
from tutor.imports.media import read_capped

# The most a package's collection may unpack to: a zip bomb stops here.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# Reading the collection stops after this long (a crafted file could make a query loop).
MAX_READ_SECONDS = 10.0
# The longest string or blob SQLite may read or build from the collection (real ones hold
# 22 KB at most: a note's fields, note types as JSON).
MAX_VALUE_BYTES = 1024 * 1024
# Cards a collection may hold: ten for each note it may hold (Cloze notes make several).
MAX_CARDS = 10 * MAX_ITEMS
# The tables read, each checked for columns SQLite computes.
_TABLES_READ = ("col", "notes", "cards", "notetypes", "fields", "templates", "decks")
_VIRTUAL = re.compile(r"\s*create\s+virtual\b", re.IGNORECASE)
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")

NOT_A_ZIP = "{name} is not an Anki package: it is not a zip file, or it is damaged."
NO_COLLECTION = "{name} is not an Anki package: it holds no Anki collection."
TOO_BIG = (
    "{name} unpacks to more than {limit} MB; I read Anki packages of up to {limit} MB "
    "unpacked. Export fewer notes, without media."
)
CORRUPT = "{name} is a damaged Anki package: its collection cannot be read."
COMPUTED = (
    "{name} is not an Anki collection as Anki writes it: its table {table!r} has columns "
    "computed by SQL (generated or virtual), which I do not run."
)
VALUE_TOO_BIG = (
    "{name} holds a value longer than {limit} MB (a note's fields, or a note type); "
    "Anki's own are far shorter."
)
TOO_MANY_CARDS = "{name} holds more than {limit:,} cards; split it into smaller decks."
ENCRYPTED = "{name} is an encrypted zip; export it from Anki again without a password."


def unpack(file_name: str, data: bytes) -> tuple[bytes, bool]:
    """The SQLite bytes of the package's newest collection, within MAX_UNPACKED_BYTES, and
    whether it is the newer format (zstd, with zstd-compressed media)."""
    limit_mb = MAX_UNPACKED_BYTES // 1024 // 1024
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFailed(NOT_A_ZIP.format(name=file_name)) from None
    with archive:
        names = {info.filename: info for info in archive.infolist()}
        found = next((names[n] for n in COLLECTIONS if n in names), None)
        if found is None:
            raise ImportFailed(NO_COLLECTION.format(name=file_name))
        if found.file_size > MAX_UNPACKED_BYTES:
            raise ImportFailed(TOO_BIG.format(name=file_name, limit=limit_mb))
        try:
            with archive.open(found) as stream:
                raw = _read_capped(stream)
        except RuntimeError:
            raise ImportFailed(ENCRYPTED.format(name=file_name)) from None
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError):
            raise ImportFailed(CORRUPT.format(name=file_name)) from None
        except _TooBig:
            raise ImportFailed(TOO_BIG.format(name=file_name, limit=limit_mb)) from None
    if found.filename.endswith("b"):
        try:
            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as stream:
                raw = _read_capped(stream)
        except zstandard.ZstdError:
            raise ImportFailed(CORRUPT.format(name=file_name)) from None
        except _TooBig:
            raise ImportFailed(TOO_BIG.format(name=file_name, limit=limit_mb)) from None
    return raw, found.filename.endswith("b")


class _TooBig(Exception):
    pass


def _read_capped(stream: Any) -> bytes:
    """All of ``stream``, or _TooBig once it passes MAX_UNPACKED_BYTES (whatever the zip or
    the zstd frame declared)."""
    data = read_capped(stream, MAX_UNPACKED_BYTES)
    if data is None:
        raise _TooBig
    return data


def open_collection(file_name: str, collection: bytes) -> sqlite3.Connection:
    """The collection as a read-only in-memory database that stops slow queries."""
    connection = sqlite3.connect(":memory:")
    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    try:
        connection.deserialize(_without_wal(collection))
        connection.execute("PRAGMA query_only = ON")
        connection.execute("PRAGMA trusted_schema = OFF")
        # Anki's tables sort names with its own collation; any order will do here.
        connection.create_collation("unicase", lambda a, b: (a > b) - (a < b))
        deadline = time.monotonic() + MAX_READ_SECONDS
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        connection.close()
        raise ImportFailed(CORRUPT.format(name=file_name)) from None
    return connection


def _without_wal(collection: bytes) -> bytes:
    """The collection with its header's WAL mode switched off: Anki writes collections in
    WAL mode (header bytes 18 and 19 are 2), and SQLite cannot open an in-memory image in
    that mode. The WAL file itself is never in a package (Anki checkpoints before export)."""
    if collection[18:20] == b"\x02\x02":
        return collection[:18] + b"\x01\x01" + collection[20:]
    return collection


def table_names(connection: sqlite3.Connection) -> set[str]:
    """The names of the collection's tables."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {row[0] for row in rows}


def check_schema(file_name: str, connection: sqlite3.Connection) -> None:
    """Refuse a collection whose tables read compute anything (see ``computes``). Views are
    never read (only tables are), and triggers never fire (the connection only reads)."""
    for table in _TABLES_READ:
        if computes(connection, table):
            raise ImportFailed(COMPUTED.format(name=file_name, table=table))


def computes(connection: sqlite3.Connection, table: str) -> bool:
    """Whether SQLite computes values of the table ``table`` when it is read: a virtual table,
    or hidden or generated columns (``PRAGMA table_xinfo``'s ``hidden`` is not 0). False for
    a table the collection lacks."""
    row = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if row is None:
        return False
    if _VIRTUAL.match(str(row[0] or "")):
        return True
    columns = connection.execute("SELECT hidden FROM pragma_table_xinfo(?)", (table,))
    return any(hidden for (hidden,) in columns)


def check_size(file_name: str, connection: sqlite3.Connection) -> None:
    """Refuse more notes than a deck may hold, or more cards than MAX_CARDS, before reading
    them into memory."""
    tables = table_names(connection)
    if "notes" in tables:
        (notes,) = connection.execute("SELECT count(*) FROM notes").fetchone()
        if notes > MAX_ITEMS:
            raise ImportFailed(TOO_MANY.format(name=file_name, limit=MAX_ITEMS))
    if "cards" in tables:
        (cards,) = connection.execute("SELECT count(*) FROM cards").fetchone()
        if cards > MAX_CARDS:
            raise ImportFailed(TOO_MANY_CARDS.format(name=file_name, limit=MAX_CARDS))
