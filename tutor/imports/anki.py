"""Anki packages (.apkg, .colpkg) as own decks: every card Anki would show becomes an item,
its front and back rendered from its note type's templates (``anki_templates``), read from
the package's SQLite collection without Anki's code.

A package is a zip holding the collection: ``collection.anki21b`` (zstd-compressed SQLite,
Anki 2.1.50+, in WAL mode), else ``collection.anki21`` or ``collection.anki2`` (plain
SQLite). Note types come from the ``notetypes``/``fields``/``templates`` tables (newer
schema, configs as protobuf) or the ``col`` table's JSON (older). One item per row of the
``cards`` table: a cloze note's card per deletion number, a reversed card where Anki made
one. Empty cards (a front that shows no field) are left out and named, as Anki's Check
Empty Cards names them. Sides are HTML: reduced to text, media left out and counted. The
reviews the ``revlog`` table records for the cards read become the deck's history
(``anki_history``).

This reads a file someone sent, not the bot's database: the package is unpacked and its
collection opened, within limits, by ``anki_package``; the SQL here is the Anki file
format's, read-only.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tutor.domain.content import IMAGE_ONLY, NO_ANSWER, ItemKind
from tutor.imports import protobuf
from tutor.imports.anki_history import read_history
from tutor.imports.anki_package import (
    CORRUPT,
    MAX_VALUE_BYTES,
    VALUE_TOO_BIG,
    check_schema,
    check_size,
    computes,
    open_collection,
    table_names,
    unpack,
)
from tutor.imports.anki_templates import CardTemplate, TemplateProblem, TooLong, render_card
from tutor.imports.deck import FIELD_TOO_LONG, MAX_FIELD_CHARS, ImportFailed
from tutor.imports.html import html_to_text, image_sources, media_stand_in
from tutor.imports.items import DeckBuilder
from tutor.imports.math_text import math_to_text
from tutor.imports.media import PackageMedia

_FIELD_SEPARATOR = "\x1f"
_SUSPENDED = -1  # a card's queue when it is suspended
# The longest card template read, front and back together (real ones: 20 KB at most).
MAX_TEMPLATE_CHARS = 256 * 1024
_DEFAULT_DECK = "Default"

UNKNOWN_TYPE = "its note type is missing from the package"
MISSING_TEMPLATE = "its card type is missing from its note type"
SUSPENDED = "suspended in Anki"
BROKEN_TEMPLATE = "its card type {card!r} has a broken template ({problem}): Anki shows an error"
EMPTY_CARD = "an empty card: its front shows no field (Anki's Check Empty Cards lists it)"


@dataclass(frozen=True)
class _NoteType:
    name: str
    cloze: bool
    fields: list[str]  # the field names, in order
    templates: tuple[CardTemplate, ...]  # by card ordinal (a cloze type has one)


def parse_anki(file_name: str, data: bytes) -> tuple[str | None, DeckBuilder]:
    """Read an .apkg or .colpkg: its deck's name and its cards, as Anki shows them.

    A .colpkg is a whole collection, restored as it was: its suspended cards stay out. An
    .apkg is a shared deck: Anki's import (without the learning progress, its default)
    makes every card new, suspended ones included, and so does this. The reviews either
    records for the cards read (an .apkg exported with scheduling, any .colpkg) come with
    them, as Anki's FSRS reads them (``anki_history``); Anki's default .apkg import drops
    them, so whether they count is the caller's to decide.

    Raises:
        ImportFailed: for a damaged or encrypted zip, a zip bomb, a package without a
            collection, or a collection that cannot be read.
    """
    collection, newer = unpack(file_name, data)
    builder = DeckBuilder(file_name=file_name, format="apkg")
    builder.images = PackageMedia(data, compressed=newer).image
    connection = open_collection(file_name, collection)
    try:
        check_schema(file_name, connection)
        check_size(file_name, connection)
        whole = file_name.casefold().endswith(".colpkg")
        name, card_keys = _read(connection, builder, keep_suspended=not whole)
        _read_history(connection, builder, card_keys)
    except sqlite3.DataError:
        # Only a value past MAX_VALUE_BYTES raises it here ("string or blob too big").
        limit_mb = MAX_VALUE_BYTES // 1024 // 1024
        raise ImportFailed(VALUE_TOO_BIG.format(name=file_name, limit=limit_mb)) from None
    except (
        sqlite3.Error,
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        RecursionError,  # JSON nested without end
    ):
        # A crafted or damaged collection: tables, JSON or protobuf not as Anki writes them.
        raise ImportFailed(CORRUPT.format(name=file_name)) from None
    finally:
        connection.close()
    return name, builder


def _read_history(
    connection: sqlite3.Connection, builder: DeckBuilder, card_keys: dict[int, str]
) -> None:
    """The reviews of the cards read, from the ``revlog`` table, as the deck's history; none
    where the table is missing, or it or ``config`` (the scheduler's version) computes
    values: a revlog is never a reason to refuse a file."""
    try:
        if not card_keys or "revlog" not in table_names(connection):
            return
        if computes(connection, "revlog") or computes(connection, "config"):
            return
    except sqlite3.Error:
        return
    history, note = read_history(connection, card_keys, now=datetime.now(UTC))
    builder.history.update(history)
    if note is not None:
        builder.notes.append(note)


def _read(
    connection: sqlite3.Connection, builder: DeckBuilder, *, keep_suspended: bool
) -> tuple[str | None, dict[int, str]]:
    """The deck's name, and the item key of each card added, by Anki card id."""
    tables = table_names(connection)
    if not {"notes", "cards", "col"} <= tables:
        raise sqlite3.DatabaseError("not an Anki collection")
    if {"notetypes", "fields", "templates"} <= tables:
        types = _note_types_newer(connection)
    else:
        types = _note_types_older(connection)
    decks: Counter[int] = Counter()
    deck_names: dict[int, str] = {}
    card_keys: dict[int, str] = {}
    last_note = None
    rows = connection.execute(
        "SELECT c.nid, c.ord, c.did, c.queue, n.guid, n.mid, n.flds, n.tags, c.id, c.flags,"
        " CASE WHEN c.odid != 0 THEN c.odid ELSE c.did END"
        " FROM cards c JOIN notes n ON n.id = c.nid ORDER BY c.nid, c.ord"
    )
    for note_id, ordinal, deck_id, queue, guid, type_id, fields, tags, *card in rows:
        note_type = types.get(type_id)
        several = note_type is not None and (note_type.cloze or len(note_type.templates) > 1)
        where = f"note {note_id}" + (f" card {ordinal + 1}" if several else "")
        if note_id != last_note:
            last_note = note_id
            builder.media_skipped += _media(str(fields))
            shown: set[str] = set()  # the note's images kept: not left out
        if note_type is None:
            builder.skip(where, UNKNOWN_TYPE)
        elif queue == _SUSPENDED and not keep_suspended:
            builder.skip(where, SUSPENDED)
        else:
            key = _add_card(
                builder,
                where,
                note_type,
                (int(ordinal), str(guid), str(fields), tags),
                _special_fields(connection, tables, card, deck_names),
                shown,
            )
            if key is not None:
                decks[deck_id] += 1
                card_keys[card[0]] = key
    if not decks:
        return None, card_keys
    return _deck_name(connection, tables, decks.most_common(1)[0][0]), card_keys


def _add_card(
    builder: DeckBuilder,
    where: str,
    note_type: _NoteType,
    row: tuple[int, str, str, object],
    special: dict[str, str],
    shown: set[str],
) -> str | None:
    """Render one card as Anki shows it and add it: its item key, None when it is left out.
    Its first image on the front comes with its front, the first other one on the back with
    its answer (``shown`` collects the note's images kept)."""
    ordinal, guid, flds, tags = row
    values = flds.split(_FIELD_SEPARATOR, len(note_type.fields))
    if any(len(value) > MAX_FIELD_CHARS for value in values):
        builder.skip(where, FIELD_TOO_LONG.format(limit=MAX_FIELD_CHARS))
        return None
    fields = dict(zip(note_type.fields, values, strict=False))
    # Anki's special fields, where the note has no field of that name.
    special.update(Tags=str(tags or "").strip(), Type=note_type.name)
    fields = {**special, **fields}
    template = note_type.templates[0 if note_type.cloze else ordinal :][:1]
    if not template:
        builder.skip(where, MISSING_TEMPLATE)
        return None
    fields.setdefault("Card", template[0].name)
    cloze = ordinal + 1 if note_type.cloze else 0
    try:
        sides = render_card(template[0], fields, cloze=cloze, limit=MAX_FIELD_CHARS)
    except TooLong:
        builder.skip(where, FIELD_TOO_LONG.format(limit=MAX_FIELD_CHARS))
        return None
    except TemplateProblem as problem:
        builder.skip(where, BROKEN_TEMPLATE.format(card=template[0].name, problem=problem))
        return None
    if sides is None:
        builder.skip(where, EMPTY_CARD)
        return None
    front = math_to_text(html_to_text(sides[0])[0])
    back = math_to_text(html_to_text(sides[1])[0])
    image = _first_image(sides[0], builder)
    back_image = _first_image(sides[1], builder, besides=image)
    # A side that is only a picture the package lacks, or a sound, names it (Anki shows
    # the card, its picture broken or its sound as a button).
    front = front or ("" if image else media_stand_in(sides[0]))
    back = back or ("" if back_image else media_stand_in(sides[1]))
    card: dict[str, Any] = {
        "id": _card_key(guid, ordinal, note_type.cloze),
        "front": front or (IMAGE_ONLY if image else ""),
        "back": back or (IMAGE_ONLY if back_image else NO_ANSWER),
    }
    card.update({k: v for k, v in (("image", image), ("back_image", back_image)) if v})
    if not builder.add(ItemKind.CARD, where, card):
        return None
    for name in (image, back_image):
        if name is not None and name not in shown:
            shown.add(name)
            builder.media_skipped -= 1
    # The key the builder kept (a cloze card's past KEY_MAX characters is hashed).
    key: str = builder.items[ItemKind.CARD][-1].id
    return key


def _first_image(html: str, builder: DeckBuilder, *, besides: str | None = None) -> str | None:
    """The first image of ``html`` the package holds and Telegram can show, but ``besides``
    (the note's media are counted as left out per note, in ``_read``)."""
    return next(
        (
            name
            for name in image_sources(html)
            if name != besides and builder.image(name, counted=True)
        ),
        None,
    )


def _media(flds: str) -> int:
    """The images and sounds in a note's fields (each note's counted once, however many
    of its cards show them)."""
    return sum(html_to_text(value)[1] for value in flds.split(_FIELD_SEPARATOR))


def _card_key(guid: str, ordinal: int, cloze: bool) -> str:
    """A card's key from its note's guid: the first card's is the note's (as imports before
    templates were read made it), the second's of a Basic-and-reversed note "r" ..."""
    digest = hashlib.sha1(guid.encode("utf-8")).hexdigest()[:8]
    if cloze:
        return f"c{digest}{ordinal + 1}"
    if ordinal == 0:
        return f"n{digest}"
    return f"r{digest}" if ordinal == 1 else f"n{digest}{ordinal + 1}"


def _note_types_older(connection: sqlite3.Connection) -> dict[int, _NoteType]:
    row = connection.execute("SELECT models FROM col").fetchone()
    try:
        models = json.loads(row[0]) if row and row[0] else {}
    except (ValueError, TypeError):
        raise sqlite3.DatabaseError("unreadable note types") from None
    if not isinstance(models, dict):
        raise sqlite3.DatabaseError("unreadable note types")
    types: dict[int, _NoteType] = {}
    for key, model in models.items():
        if not isinstance(model, dict):
            continue
        fields = [str(f.get("name", "")) for f in sorted(model.get("flds", []), key=_ord)]
        templates = tuple(
            _template(str(t.get("name", "")), str(t.get("qfmt", "")), str(t.get("afmt", "")))
            for t in sorted(model.get("tmpls", []), key=_ord)
        )
        name = str(model.get("name", key))
        type_id = int(str(model.get("id", key)))
        types[type_id] = _NoteType(name, model.get("type") == 1, fields, templates)
    return types


def _ord(entry: dict[str, Any]) -> int:
    value = entry.get("ord", 0)
    return value if isinstance(value, int) else 0


def _template(name: str, question: str, answer: str) -> CardTemplate:
    if len(question) + len(answer) > MAX_TEMPLATE_CHARS:
        raise ValueError("a card template too long")
    return CardTemplate.of(name, question, answer)


def _note_types_newer(connection: sqlite3.Connection) -> dict[int, _NoteType]:
    fields: dict[int, list[str]] = {}
    for type_id, name in connection.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(type_id, []).append(str(name))
    templates: dict[int, list[CardTemplate]] = {}
    for type_id, name, config in connection.execute(
        "SELECT ntid, name, config FROM templates ORDER BY ntid, ord"
    ):
        # CardTemplate.Config: 1 is q_format, 2 is a_format.
        template = _template(str(name), protobuf.string(config, 1), protobuf.string(config, 2))
        templates.setdefault(type_id, []).append(template)
    types: dict[int, _NoteType] = {}
    for type_id, name, config in connection.execute("SELECT id, name, config FROM notetypes"):
        cloze = protobuf.varint(config, 1) == 1  # Notetype.Config.kind: 1 is KIND_CLOZE
        types[type_id] = _NoteType(
            str(name), cloze, fields.get(type_id, []), tuple(templates.get(type_id, []))
        )
    return types


def _special_fields(
    connection: sqlite3.Connection,
    tables: set[str],
    card: list[Any],
    deck_names: dict[int, str],
) -> dict[str, str]:
    """The special fields of a card (its id, flags and home deck's id), as Anki names
    them; ``deck_names`` keeps the full name of each deck read."""
    card_id, flags, deck_id = card
    if deck_id not in deck_names:
        deck_names[deck_id] = _full_deck_name(connection, tables, deck_id) or "(Deck)"
    deck = deck_names[deck_id]
    return {
        "Deck": deck,
        "Subdeck": deck.rsplit("::", 1)[-1],
        "CardFlag": f"flag{int(flags or 0) & 7}",
        "CardID": str(card_id),
    }


def _deck_name(connection: sqlite3.Connection, tables: set[str], deck_id: int) -> str | None:
    """The deck's own name (the last part of "Parent::Child"); None for Anki's Default."""
    name = _full_deck_name(connection, tables, deck_id)
    if name is None:
        return None
    last = name.rsplit("::", 1)[-1].strip()
    return None if last == _DEFAULT_DECK else last


def _full_deck_name(connection: sqlite3.Connection, tables: set[str], deck_id: int) -> str | None:
    """A deck's name as Anki shows it, "Parent::Child"; None for a deck the file lacks."""
    name: str | None = None
    if "decks" in tables:
        row = connection.execute("SELECT name FROM decks WHERE id = ?", (deck_id,)).fetchone()
        name = str(row[0]) if row else None
    if name is None:
        row = connection.execute("SELECT decks FROM col").fetchone()
        try:
            decks = json.loads(row[0]) if row and row[0] else {}
        except (ValueError, TypeError):
            decks = {}
        deck = decks.get(str(deck_id)) if isinstance(decks, dict) else None
        name = str(deck.get("name")) if isinstance(deck, dict) and deck.get("name") else None
    return None if name is None else name.replace("\x1f", "::")
