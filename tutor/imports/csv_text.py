"""CSV and TSV files as Anki writes and reads plain text, with columns for quiz questions.

Anki's header lines at the top are honoured: ``#separator:`` (Comma, Semicolon, Tab,
Space, Pipe, Colon or the character itself), ``#html:true|false``, ``#columns:`` (the
columns' names, split by the separator), ``#deck:``, ``#notetype:``, and the 1-based
``#tags column:``, ``#guid column:``, ``#deck column:`` and ``#notetype column:``. Other
lines starting with ``#`` are comments. Without ``#separator:`` the separator is sniffed
(tab, semicolon, comma, pipe: whichever splits most rows in two or more, and between equals
the one not followed by a space) on a sample of blocks of lines spread over the file
(``csv_layout``).

Columns without names are Front and Back, as Anki maps them to a Basic note; more columns
are left out (a book, an author, a URL). A file is a quiz only where it says so, with named
columns (``#columns:`` or a first row of names): Correct, Wrong 1-3 and Explanation. A row
with a wrong option is then a quiz question (Front asks it, Correct is the right option,
Explanation, else Back, explains it); any other row is a card. Named columns may also be
Id, Source and Level. A first row of column names Anki's own do not use ("word,examples")
is a header too when it reads as one (see ``_header_row``); its first two columns are the
front and the back.

Cloze text (``{{c1::...}}``) makes one card per deletion number, the deletion hidden on the
front and shown on the back (``anki_templates``), in a Cloze note type's rows or, with no
note type named, wherever the front holds one. Anki's "Notes in Plain Text" of a note type
that is not one of Anki's stock types shows its first field on the front and the others,
those not empty, on the back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tutor.domain.content import IMAGE_ONLY, NO_ANSWER, ItemKind
from tutor.imports.anki_templates import cloze_numbers, render_cloze
from tutor.imports.csv_layout import read_header, records, sniff_separator, split_line
from tutor.imports.html import html_to_text, image_sources, media_stand_in
from tutor.imports.items import DeckBuilder
from tutor.imports.math_text import math_to_text

# Column roles in the order of columns without names: a Basic note's fields.
POSITIONAL = ("front", "back")
OPTIONAL_REVERSED = ("front", "back", "addreverse")
# Column names (lower case, letters and digits only) and the role each plays.
COLUMN_NAMES = {
    "front": "front",
    "question": "front",
    "back": "back",
    "answer": "back",
    "correct": "correct",
    "right": "correct",
    "correctanswer": "correct",
    "rightanswer": "correct",
    "correctoption": "correct",
    "wrong": "wrong1",
    "wrong1": "wrong1",
    "wrong2": "wrong2",
    "wrong3": "wrong3",
    "explanation": "explanation",
    "id": "id",
    "guid": "id",
    "source": "source",
    "level": "level",
    "tags": "tags",
    "addreverse": "addreverse",
}
_NOT_NAME = re.compile(r"[^a-z0-9]+")
# Names that head a column in files people make, beside COLUMN_NAMES: a first row that
# holds one, and nothing but names, is a header ("word,examples,word_audio").
HEADER_WORDS = frozenset(
    {
        "word",
        "words",
        "term",
        "terms",
        "definition",
        "meaning",
        "meanings",
        "translation",
        "example",
        "examples",
        "note",
        "notes",
        "hint",
        "extra",
        "audio",
        "image",
        "picture",
        "sound",
        "url",
        "link",
        "book",
        "author",
        "chapter",
        "category",
        "topic",
        "deck",
        "type",
        "date",
        "tag",
        "sentence",
        "reading",
        "pronunciation",
        "english",
        "german",
        "french",
        "spanish",
    }
)
_COLUMN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_ ()/-]{0,30}")
_CLOZE = re.compile(r"\{\{c\d+::")
# Anki's stock note types by name (a "+" is added when a profile already has one).
_STOCK = frozenset(
    {
        "basic",
        "basic (and reversed card)",
        "basic (optional reversed card)",
        "basic (type in the answer)",
        "cloze",
    }
)


def parse_csv(
    file_name: str, text: str, images: Callable[[str], bytes | None] | None = None
) -> tuple[str | None, DeckBuilder]:
    """Read a CSV, TSV or Anki plain-text file: its deck name (``#deck:``) and its items,
    each row left out named by its first line in the file.

    Raises:
        ImportFailed: for an unknown separator, or a file of Cloze notes.
    """
    lines = [line + "\n" for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if lines[-1] == "\n":
        lines.pop()
    header = read_header(file_name, lines)
    separator = header.separator or sniff_separator(lines, header.lines)
    if header.columns_line is not None:
        header.columns = split_line(header.columns_line, separator)
    default_kind = _note_kind(header.notetype)
    builder = DeckBuilder(file_name=file_name, format="csv")
    builder.images = images
    roles: list[str | None] | None = None
    if header.columns is not None:
        roles = _roles(header.columns, header.meta, default_kind)
    first = True
    for line, row in records(lines, header.lines, separator, builder):
        if first and roles is None:
            first = False
            if _header_row(row):
                roles = _roles(row, header.meta, default_kind)
                continue
        kind = default_kind
        if "notetype" in header.meta and header.meta["notetype"] < len(row):
            kind = _note_kind(row[header.meta["notetype"]])
        if kind == "other":
            cells = _other_note(row, header.meta, header.html, builder)
        else:
            # Columns without names are the fields of the row's own note type.
            read_as = roles if roles is not None else _roles([""] * len(row), header.meta, kind)
            cells = _cells(row, read_as, header.html, builder)
        where = f"line {line}"
        if kind == "cloze" or (header.notetype is None and _CLOZE.search(cells.get("front", ""))):
            _add_cloze(builder, where, cells)
        else:
            front, back = cells.get("front", ""), cells.get("back", "")
            if header.anki and front and back.startswith(front + "\n"):
                # Anki's older "Cards in Plain Text" writes the answer side whole: the
                # front above what the answer adds.
                cells["back"] = back[len(front) :].strip()
            if header.anki and front and not cells.get("back"):
                cells["back"] = NO_ANSWER
            _add_row(builder, where, cells, kind)
    deck = header.deck.split("::")[-1] if header.deck else None
    return deck, builder


def _name(text: str) -> str:
    return _NOT_NAME.sub("", text.casefold())


def _header_row(row: list[str]) -> bool:
    """Whether the row is column names: every cell one of ours (Front, Back, ...) with Front
    among them, or every cell a short name ("word", "word_audio") with at least one a word
    that heads columns (HEADER_WORDS)."""
    cells = [cell.strip() for cell in row if cell.strip()]
    roles = [COLUMN_NAMES.get(_name(cell)) for cell in cells]
    if len(roles) >= 2 and None not in roles and "front" in roles:
        return True
    return (
        len(cells) >= 2
        and all(_COLUMN_NAME.fullmatch(cell) for cell in cells)
        and any(_name(cell) in HEADER_WORDS or _name(cell) in COLUMN_NAMES for cell in cells)
    )


def _roles(names: list[str], meta: dict[str, int], kind: str) -> list[str | None]:
    """Each column's role: by name where names are known, else by position among the
    columns that are not Anki's meta columns (tags, guid, deck, notetype)."""
    meta_roles = {index: ("id" if what == "guid" else None) for what, index in meta.items()}
    by_name = [COLUMN_NAMES.get(_name(name)) for name in names]
    if "front" in by_name:
        return [
            meta_roles.get(i, role) if i in meta_roles else role for i, role in enumerate(by_name)
        ]
    if any(_name(name) for name in names):
        # Names of other tools' ("word,examples"): the first two free columns are the sides.
        sides = iter(POSITIONAL)
        return [
            meta_roles[i] if i in meta_roles else role or next(sides, None)
            for i, role in enumerate(by_name)
        ]
    order = iter(OPTIONAL_REVERSED if kind == "optional" else POSITIONAL)
    width = max(len(names), max(meta.values(), default=-1) + 1, len(POSITIONAL) + len(meta))
    return [meta_roles[i] if i in meta_roles else next(order, None) for i in range(width)]


def _cells(
    row: list[str], roles: list[str | None], html: bool, builder: DeckBuilder
) -> dict[str, str]:
    cells: dict[str, str] = {}
    for index, cell in enumerate(row):
        role = roles[index] if index < len(roles) else None
        if role is None or role == "tags" or role in cells:
            continue
        if html:
            raw = cell
            sources = image_sources(cell) if role in ("front", "back") else []
            cell, media = html_to_text(cell)
            cell = math_to_text(cell)
            builder.media_skipped += media
            # An image the file brought (a zip of the file and its images) comes with it.
            kept = next((n for n in sources if builder.image(n, counted=True)), None)
            if kept is not None:
                builder.media_skipped -= 1
                cells[f"{role} image"] = kept
                cell = cell if cell.strip() else IMAGE_ONLY
            elif media and not cell.strip() and role in ("front", "back"):
                # A side that is only a picture the file does not hold, or a sound, names it.
                cell = media_stand_in(raw)
        cells[role] = cell.strip()
    return cells


def _other_note(
    row: list[str], meta: dict[str, int], html: bool, builder: DeckBuilder
) -> dict[str, str]:
    """A note of a type that is not Anki's stock (its templates are not in the file): the
    first field on the front, the others that are not empty on the back."""
    meta_columns = set(meta.values())
    fields = [cell for i, cell in enumerate(row) if i not in meta_columns]
    if html:
        read = [html_to_text(cell) for cell in fields]
        builder.media_skipped += sum(media for _, media in read)
        fields = [math_to_text(text) for text, _ in read]
    fields = [cell.strip() for cell in fields]
    front = fields[0] if fields else ""
    cells = {"front": front, "back": "\n\n".join(cell for cell in fields[1:] if cell)}
    if "guid" in meta and meta["guid"] < len(row):
        cells["id"] = row[meta["guid"]].strip()
    return cells


def _note_kind(notetype: str | None) -> str:
    """ "basic", "reversed" (both ways), "optional" (reversed when Add Reverse is filled),
    "cloze", or "other" (a type of the sender's own), from an Anki note type's name; no
    name reads as Basic."""
    name = (notetype or "").casefold().rstrip("+ ")
    if notetype is not None and name not in _STOCK and "cloze" not in name:
        return "other"
    if "cloze" in name:
        return "cloze"
    if "optional" in name and "revers" in name:
        return "optional"
    if "revers" in name:
        return "reversed"
    return "basic"


def _add_cloze(builder: DeckBuilder, where: str, cells: dict[str, str]) -> None:
    """A cloze note's cards: one per deletion number, its Back Extra under the answer."""
    text, extra = cells.get("front", ""), cells.get("back", "")
    numbers = sorted(cloze_numbers(text))
    if not numbers:
        builder.skip(where, "a Cloze note without a deletion ({{c1::...}})")
        return
    common = {key: cells[key] for key in ("level", "source") if cells.get(key)}
    for number in numbers:
        back = render_cloze(text, number, answer=True)
        card = {
            **common,
            "front": render_cloze(text, number, answer=False).strip(),
            "back": f"{back}\n{extra}".strip(),
        }
        if cells.get("id"):
            card["id"] = f"{cells['id']}-{number}"
        builder.add(
            ItemKind.CARD, f"{where} (cloze {number})" if len(numbers) > 1 else where, card
        )


def _add_row(builder: DeckBuilder, where: str, cells: dict[str, str], kind: str) -> None:
    common: dict[str, Any] = {
        key: cells[key] for key in ("id", "level", "source") if cells.get(key)
    }
    front, back = cells.get("front", ""), cells.get("back", "")
    correct = cells.get("correct", "")
    wrongs = [cells[w] for w in ("wrong1", "wrong2", "wrong3") if cells.get(w)]
    if wrongs or (correct and not back):
        if not correct:
            builder.skip(where, "no right option (the Correct column)")
        elif not wrongs:
            builder.skip(where, "a question needs at least one wrong option")
        else:
            explanation = cells.get("explanation", "")
            options = [{"text": correct, "correct": True}, *({"text": w} for w in wrongs)]
            fields = {**common, "question": front, "options": options}
            if explanation:
                fields["explanation"] = explanation
                if back:
                    fields["note"] = back
            elif back:
                fields["explanation"] = back
            builder.add(ItemKind.QUIZ, where, fields)
        return
    pictures = {
        key: cells[f"{side} image"]
        for side, key in (("front", "image"), ("back", "back_image"))
        if cells.get(f"{side} image")
    }
    added = builder.add(ItemKind.CARD, where, {**common, "front": front, "back": back, **pictures})
    if added and (kind == "reversed" or (kind == "optional" and cells.get("addreverse"))):
        reverse = {**common, "front": back, "back": front}
        if "id" in common:
            reverse["id"] = f"{common['id']}-reverse"
        builder.add(ItemKind.CARD, f"{where} (reverse card)", reverse)
