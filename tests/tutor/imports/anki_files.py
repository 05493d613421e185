"""Anki packages built for the tests and the bench: the newer format (zstd-compressed
``collection.anki21b`` with the notetypes/fields/templates/decks tables, configs as
protobuf), written with sqlite3 and zstandard as Anki 2.1.50+ writes them."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path

import zstandard

SCHEMA = """
CREATE TABLE col (id integer PRIMARY KEY, crt integer, mod integer, scm integer, ver integer,
  dty integer, usn integer, ls integer, conf text, models text, decks text, dconf text,
  tags text);
CREATE TABLE notes (id integer PRIMARY KEY, guid text, mid integer, mod integer, usn integer,
  tags text, flds text, sfld integer, csum integer, flags integer, data text);
CREATE TABLE cards (id integer PRIMARY KEY, nid integer, did integer, ord integer,
  mod integer, usn integer, type integer, queue integer, due integer, ivl integer,
  factor integer, reps integer, lapses integer, left integer, odue integer, odid integer,
  flags integer, data text);
CREATE TABLE fields (ntid integer NOT NULL, ord integer NOT NULL,
  name text NOT NULL COLLATE unicase, config blob NOT NULL, PRIMARY KEY (ntid, ord))
  WITHOUT ROWID;
CREATE TABLE templates (ntid integer NOT NULL, ord integer NOT NULL,
  name text NOT NULL COLLATE unicase, mtime_secs integer NOT NULL, usn integer NOT NULL,
  config blob NOT NULL, PRIMARY KEY (ntid, ord)) WITHOUT ROWID;
CREATE TABLE notetypes (id integer NOT NULL PRIMARY KEY, name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL, usn integer NOT NULL, config blob NOT NULL);
CREATE TABLE decks (id integer PRIMARY KEY NOT NULL, name text NOT NULL COLLATE unicase,
  mtime_secs integer NOT NULL, usn integer NOT NULL, common blob NOT NULL,
  kind blob NOT NULL);
CREATE TABLE config (KEY text NOT NULL PRIMARY KEY, usn integer NOT NULL,
  mtime_secs integer NOT NULL, val blob NOT NULL) WITHOUT ROWID;
"""
# Anki's review log, as Anki creates it (``collection`` writes none).
REVLOG_SCHEMA = """
CREATE TABLE revlog (id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL,
  ease integer NOT NULL, ivl integer NOT NULL, lastIvl integer NOT NULL,
  factor integer NOT NULL, time integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_revlog_cid ON revlog (cid);
"""


@dataclass(frozen=True)
class NoteType:
    id: int
    name: str
    fields: tuple[str, ...]
    questions: tuple[str, ...]  # each card template's front (q_format)
    answers: tuple[str, ...]  # each card template's back (a_format)
    cloze: bool = False


# Anki's stock note types, as Anki 2.1.50+ writes them.
BASIC = NoteType(
    1001, "Basic", ("Front", "Back"), ("{{Front}}",), ("{{FrontSide}}<hr id=answer>{{Back}}",)
)
REVERSED = NoteType(
    1002,
    "Basic (and reversed card)",
    ("Front", "Back"),
    ("{{Front}}", "{{Back}}"),
    ("{{FrontSide}}<hr id=answer>{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}"),
)
CLOZE = NoteType(
    1003,
    "Cloze",
    ("Text", "Back Extra"),
    ("{{cloze:Text}}",),
    ("{{cloze:Text}}<br>\n{{Back Extra}}",),
    cloze=True,
)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def proto_field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def unicase(a: str, b: str) -> int:
    return (a.casefold() > b.casefold()) - (a.casefold() < b.casefold())


def collection(
    *,
    note_types: list[NoteType],
    decks: dict[int, str],
    notes: list[tuple[int, str, int, list[str]]],
    cards: list[tuple[int, int, int]] | list[tuple[int, int, int, int]],
    wal: bool = False,
) -> bytes:
    """The SQLite bytes of a schema-18 collection: ``notes`` are (id, guid, note type id,
    fields), ``cards`` (note id, deck id, template ord[, queue: -1 is suspended]; the card's
    id is its place in the list, from 1), deck names use "\\x1f" as Anki's native separator.
    ``wal``: the header says WAL mode, as Anki's own exports do."""
    connection = sqlite3.connect(":memory:")
    connection.create_collation("unicase", unicase)
    connection.executescript(SCHEMA)
    connection.execute("INSERT INTO col VALUES (1, 0, 0, 0, 18, 0, 0, 0, '', '', '', '', '')")
    # The scheduler's version (Anki reads a collection without one as of its first, V1).
    connection.execute("INSERT INTO config VALUES ('schedVer', 0, 0, CAST('2' AS blob))")
    for note_type in note_types:
        config = proto_field(1, 1) if note_type.cloze else b""  # Notetype.Config.kind
        connection.execute(
            "INSERT INTO notetypes VALUES (?, ?, 0, 0, ?)", (note_type.id, note_type.name, config)
        )
        for ord_, name in enumerate(note_type.fields):
            connection.execute(
                "INSERT INTO fields VALUES (?, ?, ?, ?)", (note_type.id, ord_, name, b"")
            )
        for ord_, (question, answer) in enumerate(
            zip(note_type.questions, note_type.answers, strict=True)
        ):
            template = proto_field(1, question.encode()) + proto_field(2, answer.encode())
            connection.execute(
                "INSERT INTO templates VALUES (?, ?, ?, 0, 0, ?)",
                (note_type.id, ord_, f"Card {ord_ + 1}", template),
            )
    for deck_id, name in decks.items():
        connection.execute("INSERT INTO decks VALUES (?, ?, 0, 0, x'', x'')", (deck_id, name))
    connection.executemany(
        "INSERT INTO notes VALUES (?, ?, ?, 0, 0, '', ?, 0, 0, 0, '')",
        [(nid, guid, mid, "\x1f".join(fields)) for nid, guid, mid, fields in notes],
    )
    connection.executemany(
        "INSERT INTO cards VALUES (?, ?, ?, ?, 0, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, '')",
        [(n + 1, *card[:3], card[3] if len(card) > 3 else 0) for n, card in enumerate(cards)],
    )
    connection.commit()
    data = connection.serialize()
    connection.close()
    # The file format's read and write versions (header bytes 18 and 19): 2 is WAL.
    return data[:18] + b"\x02\x02" + data[20:] if wal else data


def newer_package(collection_bytes: bytes, *, with_legacy_stub: bool = True) -> bytes:
    """An .apkg as Anki 2.1.50+ exports it: the zstd-compressed collection.anki21b, and a
    legacy collection.anki2 stub that older Ankis read (a single note asking to update)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if with_legacy_stub:
            stub = collection(
                note_types=[BASIC],
                decks={1: "Default"},
                notes=[(1, "stub", BASIC.id, ["Please update to the latest Anki version", ""])],
                cards=[(1, 1, 0)],
            )
            archive.writestr("collection.anki2", stub)
        archive.writestr(
            "collection.anki21b", zstandard.ZstdCompressor().compress(collection_bytes)
        )
        archive.writestr("meta", b"\x08\x03")  # PackageMetadata.version = 3 (latest)
        archive.writestr("media", zstandard.ZstdCompressor().compress(b""))
    return out.getvalue()


def zip_package(entries: dict[str, bytes]) -> bytes:
    """A zip of ``entries`` (name -> bytes), deflated: a package, or something posing as one."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def picture_package(
    directory: Path, notes: list[list[str]], images: dict[str, bytes], *, deck: str = "Pictures"
) -> bytes:
    """A classic .apkg (genanki) of Basic notes with ``images`` as its media: the way a
    deck of pictures arrives from Anki (``directory`` holds the image files meanwhile)."""
    import genanki

    for name, data in images.items():
        (directory / name).write_bytes(data)
    package = genanki.Deck(2059400111, deck)
    for number, fields in enumerate(notes):
        note = genanki.Note(model=genanki.BASIC_MODEL, fields=fields, guid=f"p{number}")
        package.add_note(note)
    out = io.BytesIO()
    media = [str(directory / name) for name in images]
    genanki.Package(package, media_files=media).write_to_file(out, timestamp=1_700_000_000)
    return out.getvalue()
