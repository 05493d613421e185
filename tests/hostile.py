"""Hostile deck files, built at test time: each tries to hang, exhaust or crash the parser, and
each has the outcome the importer must give it (refused with a message naming the problem, or
imported with the hostile part left out).

``build_corpus()`` makes them; ``parse_in_child`` parses one in a fresh interpreter under a
memory limit and a deadline, as the suite and ``python -m bench imports`` do. The worker pool's
tests run the same corpus through the pool and the bot. Run as ``python -m tests.hostile`` it
is that child: a pickled ``(name, data)`` on stdin, one JSON line of the outcome on stdout.
"""

from __future__ import annotations

import io
import json
import pickle
import resource
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

from tests.tutor.imports.anki_files import (
    BASIC,
    NoteType,
    collection,
    newer_package,
    unicase,
    zip_package,
)
from tests.tutor.imports.anki_files import proto_field as anki_field

ROOT = Path(__file__).resolve().parents[1]
# Telegram hands the bot files of up to 2 MB (tutor.imports.MAX_FILE_BYTES); each file here
# but the over-size one stays under it.
UPLOAD_LIMIT = 2 * 1024 * 1024
# What a child gets: a parse that passes either is a regression, not a slow machine.
CHILD_SECONDS = 120.0
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
# The unpacked cap of an Anki package (tutor.imports.anki_package.MAX_UNPACKED_BYTES),
# passed by one.
OVER_UNPACKED = 64 * 1024 * 1024 + 1


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG image, grey, of ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()


@dataclass(frozen=True)
class HostileFile:
    """One attack file and what the importer must answer."""

    name: str  # the file name sent
    data: bytes
    attack: str  # one line: what it tries
    expect: str  # "refused" or "imported"
    # Words the answer must hold: the refusal's message, or a reason a row was left out.
    says: str = ""


@dataclass(frozen=True)
class Outcome:
    """What parsing one file in a child gave: "refused", "imported", "error" (any other
    exception, MemoryError included), "timeout" or "died" (killed, or crashed)."""

    kind: str
    message: str = ""  # the refusal, or the error
    items: int = 0
    skipped: tuple[str, ...] = field(default=())  # "where: reason" of each row left out
    seconds: float = 0.0  # parse_file's time in the child
    peak_rss_kib: int = 0  # the child's peak resident memory, interpreter included
    start_rss_kib: int = 0  # the same before parsing


# --- Anki collections -------------------------------------------------------------------

_NOTE = ["What is a lens?", "Glass that bends light"]


def _basic_collection(fronts: list[str] | None = None, backs: list[str] | None = None) -> bytes:
    fronts = fronts or [_NOTE[0]]
    backs = backs or [_NOTE[1]] * len(fronts)
    notes = [
        (n, f"g{n}", BASIC.id, [f, b])
        for n, (f, b) in enumerate(zip(fronts, backs, strict=True), 1)
    ]
    return collection(
        note_types=[BASIC],
        decks={1: "Default", 7: "Hostile"},
        notes=notes,
        cards=[(n, 7, 0) for n, *_ in notes],
    )


def _altered(base: bytes, script: str) -> bytes:
    """``base`` collection after running ``script`` on it (DDL an attacker writes)."""
    connection = sqlite3.connect(":memory:")
    connection.create_collation("unicase", unicase)
    connection.deserialize(base)
    connection.executescript(script)
    data = connection.serialize()
    connection.close()
    return data


def _with_notes_as(column_sql: str) -> bytes:
    """A collection whose notes.flds is ``column_sql`` (a generated column)."""
    return _altered(
        _basic_collection(),
        f"""
        ALTER TABLE notes RENAME TO old_notes;
        CREATE TABLE notes (id integer PRIMARY KEY, guid text, mid integer, mod integer,
          usn integer, tags text, flds text {column_sql}, sfld integer, csum integer,
          flags integer, data text);
        INSERT INTO notes (id, guid, mid, mod, usn, tags, sfld, csum, flags, data)
          SELECT id, guid, mid, mod, usn, tags, sfld, csum, flags, data FROM old_notes;
        DROP TABLE old_notes;
        """,
    )


def zip_bomb() -> bytes:
    """A package whose collection unpacks to more than the cap (a zip states the size)."""
    return zip_package({"collection.anki2": b"\x00" * OVER_UNPACKED})


def zstd_bomb() -> bytes:
    """A package whose zstd collection does not state its size and unpacks past the cap."""
    compressor = zstandard.ZstdCompressor(write_content_size=False)
    return zip_package({"collection.anki21b": compressor.compress(b"\x00" * OVER_UNPACKED)})


def _nested_zip(levels: int = 4) -> bytes:
    inner = b"\x00" * (8 * 1024 * 1024)
    for level in range(levels):
        inner = zip_package({f"layer{level}.zip": inner})
    return zip_package({"collection.anki2": inner})


def _encrypted_zip() -> bytes:
    """A zip whose collection is marked encrypted (general purpose flag, bit 0)."""
    data = bytearray(zip_package({"collection.anki2": _basic_collection()}))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + flag_at] |= 1
    return bytes(data)


def _many_cards() -> bytes:
    base = _basic_collection()
    return _altered(
        base,
        "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 50002) "
        "INSERT INTO cards SELECT i, 1, 7, i, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '' FROM n;",
    )


def _older(base: bytes, models: str) -> bytes:
    """``base`` as an older collection: note types only in col.models (JSON)."""
    return _altered(
        base,
        "DROP TABLE notetypes; DROP TABLE fields; DROP TABLE templates; DROP TABLE decks; "
        f"UPDATE col SET models = '{models}';",
    )


def _anki_files() -> list[HostileFile]:
    normal = _NOTE[0]
    sound = "[sound:" * 18_000  # 126 KB, under the field cap: it reaches the HTML reader
    anchors = "<a " * 40_000
    return [
        HostileFile(
            "sound.apkg",
            newer_package(_basic_collection([normal, "sound" + sound])),
            "'[sound:' repeated in a field, which a pattern scanned in quadratic time",
            "imported",
        ),
        HostileFile(
            "anchors.apkg",
            newer_package(_basic_collection([normal, "anchors " + anchors])),
            "'<a ' repeated in a field: Python 3.11's HTMLParser took minutes on it",
            "imported",
        ),
        HostileFile(
            "marked-section.apkg",
            newer_package(_basic_collection([normal, "x <![ y", "<![CDATA[ z"])),
            "'<![' in a field, on which HTMLParser raised ('something went wrong')",
            "imported",
        ),
        HostileFile(
            "nested-lists.apkg",
            newer_package(_basic_collection([normal, "<ul><li>" * 16_000 + "deep"])),
            "16,000 nested lists, each indenting its bullet further (quadratic text)",
            "imported",
        ),
        HostileFile(
            "zeroblob-column.apkg",
            newer_package(_with_notes_as("GENERATED ALWAYS AS (zeroblob(900000000)) VIRTUAL")),
            "notes.flds a generated column of zeroblob(900000000): 4.4 GB from 611 bytes",
            "refused",
            "computed by SQL",
        ),
        HostileFile(
            "printf-column.apkg",
            newer_package(
                _with_notes_as("GENERATED ALWAYS AS (printf('%.*c', 300000000, 'x')) VIRTUAL")
            ),
            "notes.flds a generated column of printf padding, 300 MB a row",
            "refused",
            "computed by SQL",
        ),
        HostileFile(
            "stored-column.apkg",
            newer_package(_with_notes_as("GENERATED ALWAYS AS ('x' || char(31) || 'y') STORED")),
            "a stored generated column: harmless here, refused as not Anki's schema",
            "refused",
            "computed by SQL",
        ),
        HostileFile(
            "virtual-notes.apkg",
            newer_package(
                _altered(
                    _basic_collection(),
                    "DROP TABLE notes; "
                    "CREATE VIRTUAL TABLE notes USING fts5(id, guid, mid, flds);",
                )
            ),
            "notes as a virtual table (a module's code runs on every read)",
            "refused",
            "computed by SQL",
        ),
        HostileFile(
            "separators.apkg",
            newer_package(_basic_collection([normal, "a\x1fb" + "\x1f" * 50_000_000])),
            "a field of 50 MB of field separators: 50 million strings when split",
            "refused",
            "longer than 1 MB",
        ),
        HostileFile(
            "many-separators.apkg",
            newer_package(_basic_collection([normal, "a\x1fb" + "\x1f" * 1_000_000])),
            "a million field separators in a note under SQLite's value limit",
            "imported",
        ),
        HostileFile(
            "long-field.apkg",
            newer_package(_basic_collection([normal, "<b>" + "x" * 200_000])),
            "a 200 KB field, past the field cap, that would be read as HTML",
            "imported",
            "a field longer than 131,072 characters",
        ),
        HostileFile(
            "zip-bomb.apkg",
            zip_bomb(),
            "a collection that unpacks to over 64 MB (a zip bomb, its size stated)",
            "refused",
            "unpacks to more than 64 MB",
        ),
        HostileFile(
            "zstd-bomb.apkg",
            zstd_bomb(),
            "a zstd collection that unpacks to over 64 MB, its size not stated",
            "refused",
            "unpacks to more than 64 MB",
        ),
        HostileFile(
            "nested.apkg",
            _nested_zip(),
            "zips nested four deep as the collection (42.zip style)",
            "refused",
            "damaged Anki package",
        ),
        HostileFile(
            "traversal.apkg",
            zip_package(
                {
                    "../../../../tmp/hostile.sh": b"#!/bin/sh\necho owned\n",
                    "/etc/cron.d/hostile": b"* * * * * root echo owned\n",
                    "collection.anki2": _basic_collection(),
                }
            ),
            "entries named ../../../../tmp/hostile.sh and /etc/cron.d/hostile (path traversal)",
            "imported",
        ),
        HostileFile(
            "encrypted.apkg",
            _encrypted_zip(),
            "a collection in an encrypted zip entry",
            "refused",
            "encrypted zip",
        ),
        HostileFile(
            "not-sqlite.apkg",
            zip_package({"collection.anki2": b"SQLite format 3\x00" + b"\xff" * 4096}),
            "a collection that is not SQLite",
            "refused",
            "damaged Anki package",
        ),
        HostileFile(
            "notes-view.apkg",
            newer_package(
                _altered(
                    _basic_collection(),
                    "DROP TABLE notes; CREATE VIEW notes AS SELECT 1 AS id, 'g' AS guid, "
                    f"{BASIC.id} AS mid, zeroblob(900000000) AS flds;",
                )
            ),
            "notes as a view of zeroblob(900000000)",
            "refused",
            "damaged Anki package",
        ),
        HostileFile(
            "triggers.apkg",
            newer_package(
                _altered(
                    _basic_collection(),
                    "CREATE TRIGGER grow AFTER UPDATE ON notes BEGIN "
                    "INSERT INTO notes SELECT * FROM notes; END; "
                    "CREATE VIEW big AS SELECT zeroblob(900000000);",
                )
            ),
            "a trigger that would multiply the notes on a write, and a zeroblob view",
            "imported",
        ),
        HostileFile(
            "deep-json.apkg",
            zip_package({"collection.anki2": _older(_basic_collection(), "[" * 100_000)}),
            "note types as JSON nested 100,000 deep (RecursionError)",
            "refused",
            "damaged Anki package",
        ),
        HostileFile(
            "many-cards.apkg",
            newer_package(_many_cards()),
            "50,001 cards for one note: the card maps grow without bound",
            "refused",
            "more than 50,000 cards",
        ),
        HostileFile(
            "many-notes.apkg",
            newer_package(_basic_collection([f"front {n}" for n in range(5001)])),
            "5,001 notes, one more than a deck holds",
            "refused",
            "more than 5,000 items",
        ),
    ]


# --- Text files -------------------------------------------------------------------------


def billion_laughs(levels: int = 30) -> bytes:
    """YAML whose aliases expand to 2**levels entries."""
    lines = ["title: T", "base: &a [lol, lol, lol]"]
    for n in range(levels):
        previous = "a" if n == 0 else f"l{n - 1}"
        lines.append(f"l{n}: &l{n} [*{previous}, *{previous}]")
    return ("\n".join(lines) + "\n").encode()


_CARD_MD = "## What is a lens?\nGlass that bends light.\n\n"
_CARD_CSV = "What is a lens?,Glass that bends light\n"


def _text_files() -> list[HostileFile]:
    return [
        HostileFile(
            "heading.md",
            (_CARD_MD + "## a" + " " * 3000 + "b\nanswer\n").encode(),
            "'## a', 3,000 spaces, 'b': the heading pattern backtracked cubically (56 s)",
            "imported",
        ),
        HostileFile(
            "heading-1mb.md",
            (_CARD_MD + "## a" + " " * 1_000_000 + "b\nanswer\n").encode(),
            "the same heading with a million spaces",
            "imported",
        ),
        HostileFile(
            "heading-id.md",
            (_CARD_MD + "## q " + "{#" * 500_000 + "\nanswer\n").encode(),
            "'{#' repeated in a heading, which the id pattern scanned in quadratic time",
            "imported",
        ),
        HostileFile(
            "images.md",
            ("![" * 500_000 + "\n\n" + _CARD_MD).encode(),
            "'![' repeated: the image pattern over the whole file, quadratic",
            "imported",
        ),
        HostileFile(
            "image-paths.md",
            ("![](" * 400_000 + "\n\n" + _CARD_MD).encode(),
            "'![](' repeated: an image path that never closes",
            "imported",
        ),
        HostileFile(
            "option-lines.md",
            (_CARD_MD + "## q\n- [x] a\n" + "  b\n" * 400_000 + "- [ ] c\n").encode(),
            "400,000 continuation lines of one option, once added to it line by line",
            "imported",
            "option 1 longer than 300 characters",
        ),
        HostileFile(
            "sound.csv",
            ("#html:true\n" + _CARD_CSV + "sound," + "[sound:" * 17_000 + "\n").encode(),
            "'[sound:' repeated in a 119 KB cell with #html:true (4.8 s before)",
            "imported",
        ),
        HostileFile(
            "anchors.csv",
            ("#html:true\n" + _CARD_CSV + "anchors," + "<a " * 40_000 + "\n").encode(),
            "'<a ' repeated in a 120 KB cell with #html:true: over 60 s in HTMLParser",
            "imported",
        ),
        HostileFile(
            "marked-section.csv",
            ("#html:true\n" + _CARD_CSV + "x <![ y,<![CDATA[ z\n").encode(),
            "'<![' in a cell with #html:true, on which HTMLParser raised",
            "imported",
        ),
        HostileFile(
            "long-field.csv",
            (_CARD_CSV + "long," + "x" * 140_000 + "\n").encode(),
            "a 140 KB cell, over the csv module's 128 KB limit",
            "imported",
            "a field longer than 131,072 characters",
        ),
        HostileFile(
            "wide-row.csv",
            (_CARD_CSV + "," * 1_900_000 + "\n").encode(),
            "a row of 1.9 million empty cells",
            "imported",
        ),
        HostileFile(
            "many-rows.csv",
            "".join(f"Front {n},Back {n}\n" for n in range(5001)).encode(),
            "5,001 rows, one more than a deck holds",
            "refused",
            "more than 5,000 items",
        ),
        HostileFile(
            "oversize.csv",
            b"a,b\n" * (UPLOAD_LIMIT // 4) + b"a",
            "one byte over 2 MB (the bot refuses it before download, the parser too)",
            "refused",
            "I take files of up to 2 MB",
        ),
        HostileFile(
            "laughs.yaml",
            billion_laughs(),
            "YAML aliases that expand to a billion entries (billion laughs)",
            "refused",
            "anchors and aliases",
        ),
        HostileFile(
            "tags.yaml",
            b"title: T\ncards: !!python/object/apply:os.system ['echo owned']\n",
            "a YAML tag that runs a command in an unsafe loader",
            "refused",
            "is not valid YAML",
        ),
        HostileFile(
            "deep.yaml",
            ("title: T\ncards: " + "[" * 100_000 + "]" * 100_000 + "\n").encode(),
            "YAML nested 100,000 deep (libyaml before 6.0.4 crashed on it)",
            "refused",
            "is not valid YAML",
        ),
        HostileFile(
            "flat.yaml",
            b"title: T\ncards: [" + b"a," * 990_000 + b"a]\n",
            "a million YAML scalars in one list (every node a Python object: 400 MB)",
            "refused",
            "more than 300,000 YAML values",
        ),
        HostileFile(
            "binary.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 64,
            "an image sent as a CSV",
            "refused",
            "is not a text file",
        ),
        HostileFile(
            "undecodable.csv",
            b"front \x81\x8d,back\n" * 1000,
            "bytes no text encoding reads",
            "refused",
            "not in a text encoding I can read",
        ),
        HostileFile(
            "bad-utf32.csv",
            b"\xff\xfe\x00\x00" + b"\xff\xff\xff\xff" * 1000,
            "a UTF-32 byte-order mark before characters past Unicode",
            "refused",
            "not in a text encoding I can read",
        ),
        HostileFile(
            "empty.md",
            b" \n\t\r\n" * 1000,
            "only white space",
            "refused",
            "is empty",
        ),
    ]


def _with_note_type(
    question: str, answer: str, fields: list[str], *, cloze: bool = False
) -> bytes:
    """A collection of one ordinary Basic note and one note of a type of the attacker's."""
    hostile = NoteType(7001, "Hostile", ("Front", "Back"), (question,), (answer,), cloze=cloze)
    data = collection(
        note_types=[BASIC, hostile],
        decks={1: "Default"},
        notes=[(1, "g1", BASIC.id, _NOTE), (2, "g2", hostile.id, fields)],
        cards=[(1, 1, 0), (2, 1, 0)],
    )
    return data


def package_with_media(collection_bytes: bytes, files: dict[str, bytes]) -> bytes:
    """An Anki 2.1.50+ package whose media map names ``files`` (zstd each, as Anki writes)."""
    entries = b"".join(
        anki_field(1, anki_field(1, name.encode()) + anki_field(2, len(data)))
        for name, data in files.items()
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "collection.anki21b", zstandard.ZstdCompressor().compress(collection_bytes)
        )
        archive.writestr("media", zstandard.ZstdCompressor().compress(entries))
        for number, data in enumerate(files.values()):
            archive.writestr(str(number), data)
    return out.getvalue()


def _template_and_media_files() -> list[HostileFile]:
    pictured = _basic_collection(['<img src="a.png"> a picture', _NOTE[0]])
    # An "image" that unpacks from 60 KB to 100 MB: it starts as a PNG does.
    bomb = zstandard.ZstdCompressor(level=19).compress(PNG + bytes(100 * 1024 * 1024))
    return [
        HostileFile(
            "nested-sections.apkg",
            newer_package(_with_note_type("{{#Front}}" * 25_000 + "{{Front}}", "{{Back}}", _NOTE)),
            "a card template of 25,000 nested sections (a recursive renderer's stack)",
            "imported",
            "nest deeper than",
        ),
        HostileFile(
            "type-boxes.apkg",
            newer_package(
                _with_note_type(
                    "{{type:Front}}" * 5_000 + "{{Back}}", "{{Back}}", ["x" * 100_000, "y"]
                )
            ),
            "5,000 type-in boxes of a 100 KB field: each filled in on the answer (500 MB)",
            "imported",
            "longer than",
        ),
        HostileFile(
            "repeated-field.apkg",
            newer_package(_with_note_type("{{Front}}" * 25_000, "{{Back}}", ["x" * 100_000, "y"])),
            "a template that shows a 100 KB field 25,000 times: 2.5 GB of card",
            "imported",
            "longer than",
        ),
        HostileFile(
            "nested-cloze.apkg",
            newer_package(
                _with_note_type(
                    "{{cloze:Front}}",
                    "{{cloze:Front}}",
                    ["{{c1::" * 30_000 + "x" + "}}" * 30_000, ""],
                    cloze=True,
                )
            ),
            "a cloze deletion nested 30,000 deep",
            "imported",
        ),
        HostileFile(
            "image-attributes.apkg",
            newer_package(_basic_collection(['<img alt="' * 20_000 + " src=x", _NOTE[1]])),
            "an <img> tag of 20,000 unclosed alt values before its src (read once each)",
            "imported",
        ),
        HostileFile(
            "math-openers.apkg",
            newer_package(_basic_collection([_NOTE[0], "\\(" * 40_000 + "[$]\\frac{" * 8_000])),
            "MathJax openers without their closers, and fractions without their arguments",
            "imported",
        ),
        HostileFile(
            "image-bomb.apkg",
            package_with_media(pictured, {"a.png": bomb}),
            "an image that unpacks to 100 MB (a zstd bomb in the media)",
            "imported",
        ),
        HostileFile(
            "bad-media-map.apkg",
            zip_package(
                {
                    "collection.anki21b": zstandard.ZstdCompressor().compress(pictured),
                    "media": b"\xff" * 64,
                    "0": PNG,
                }
            ),
            "a media map that is neither JSON nor zstd",
            "imported",
        ),
    ]


def build_corpus() -> list[HostileFile]:
    """Every attack file, built now (nothing binary is committed)."""
    return [*_anki_files(), *_template_and_media_files(), *_text_files()]


# --- Parsing in a child -----------------------------------------------------------------


def _limit_memory(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def parse_in_child(
    hostile: HostileFile,
    *,
    seconds: float = CHILD_SECONDS,
    memory_bytes: int = CHILD_MEMORY_BYTES,
) -> Outcome:
    """Parse ``hostile`` with ``tutor.imports.parse_file`` in a fresh interpreter whose
    address space is capped (RLIMIT_AS), killed after ``seconds``."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.hostile"],
            input=pickle.dumps((hostile.name, hostile.data)),
            capture_output=True,
            timeout=seconds,
            cwd=ROOT,
            preexec_fn=lambda: _limit_memory(memory_bytes),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome("timeout", f"still parsing after {seconds:.0f} s")
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if done.returncode != 0 or not lines:
        error = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return Outcome("died", f"exit {done.returncode}: {' '.join(error)}")
    report = json.loads(lines[-1])
    report["skipped"] = tuple(report["skipped"])
    return Outcome(**report)


def _peak_rss_kib() -> int:
    """This process's peak resident memory: Linux's VmHWM (the exec'd image's own; the
    ru_maxrss of a child starts at its parent's), else ru_maxrss."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1])


def _child() -> None:
    """The child: parse the pickled (name, data) from stdin, print the outcome as JSON."""
    from tutor.imports import ImportFailed, parse_file

    name, data = pickle.loads(sys.stdin.buffer.read())
    start_rss = _peak_rss_kib()
    started = time.perf_counter()
    report: dict[str, object]
    try:
        deck = parse_file(name, data)
        skipped = [f"{row.where}: {row.reason}" for row in deck.skipped]
        report = {"kind": "imported", "items": deck.item_count, "skipped": skipped}
    except ImportFailed as exc:
        report = {"kind": "refused", "message": str(exc), "skipped": []}
    except BaseException as exc:
        report = {"kind": "error", "message": f"{type(exc).__name__}: {exc}"[:500], "skipped": []}
    report["seconds"] = time.perf_counter() - started
    report["peak_rss_kib"] = _peak_rss_kib()
    report["start_rss_kib"] = start_rss
    print(json.dumps(report))


if __name__ == "__main__":
    _child()
