"""CSV and TSV files as Anki writes and reads plain text, with columns for quiz questions.

Anki's header lines at the top are honoured: ``#separator:`` (Comma, Semicolon, Tab,
Space, Pipe, Colon or the character itself), ``#html:true|false``, ``#columns:`` (the
columns' names, split by the separator), ``#deck:``, ``#notetype:``, and the 1-based
``#tags column:``, ``#guid column:``, ``#deck column:`` and ``#notetype column:``. Other
lines starting with ``#`` are comments. Without ``#separator:`` the separator is sniffed
(tab, semicolon, comma, pipe: whichever splits most rows in two or more, and between equals
the one not followed by a space) on a sample of blocks of lines spread over the file.

Columns without names, in order: Front, Back, Correct, Wrong 1, Wrong 2, Wrong 3,
Explanation. A row with a wrong option is a quiz question (Front asks it, Correct is the
right option, Explanation, else Back, explains it); any other row is a card (Front, Back).
Named columns (``#columns:`` or a first row of names) may also be Id, Source and Level.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tutor.content import ItemKind
from tutor.imports.deck import FIELD_TOO_LONG, ImportFailed
from tutor.imports.html import html_to_text
from tutor.imports.items import DeckBuilder

SEPARATORS = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "space": " ",
    "pipe": "|",
    "colon": ":",
}
# Sniffed in this order of preference when no #separator: line names one.
SNIFFED = ("\t", ";", ",", "|")
# The sample the separator is sniffed on: blocks of lines at the start of the rows and
# spread evenly after it, so that the start of a file does not decide alone.
SNIFF_ROWS = 50
SNIFF_BLOCKS = 4
BAD_SEPARATOR = (
    "{name}: '#separator:{value}' is not a separator I know: use Comma, Semicolon, Tab, "
    "Space, Pipe, Colon or one character."
)
CLOZE = "{name}: Cloze notes are not imported, only Basic and Basic (and reversed card)."
UNCLOSED = 'a quote (") opened here is never closed'
BAD_QUOTES = 'a quoted field has text after its closing quote (")'

# Column roles in the order of columns without names.
POSITIONAL = ("front", "back", "correct", "wrong1", "wrong2", "wrong3", "explanation")
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


@dataclass
class _Header:
    """What the ``#key:value`` lines at the top of the file say."""

    lines: int = 0
    separator: str | None = None
    html: bool = False
    columns: list[str] | None = None
    columns_line: str | None = None
    deck: str | None = None
    notetype: str | None = None
    meta: dict[str, int] = field(default_factory=dict)  # "tags", "guid", ... -> 0-based


def parse_csv(file_name: str, text: str) -> tuple[str | None, DeckBuilder]:
    """Read a CSV, TSV or Anki plain-text file: its deck name (``#deck:``) and its items,
    each row left out named by its first line in the file.

    Raises:
        ImportFailed: for an unknown separator, or a file of Cloze notes.
    """
    lines = [line + "\n" for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    if lines[-1] == "\n":
        lines.pop()
    header = _read_header(file_name, lines)
    separator = header.separator or _sniff(lines, header.lines)
    if header.columns_line is not None:
        header.columns = _split(header.columns_line, separator)
    default_kind = _note_kind(header.notetype)
    if default_kind == "cloze":
        raise ImportFailed(CLOZE.format(name=file_name))
    builder = DeckBuilder(file_name=file_name, format="csv")
    roles: list[str | None] | None = None
    if header.columns is not None:
        roles = _roles(header.columns, header.meta, default_kind)
    first = True
    for line, row in _records(lines, header.lines, separator, builder):
        if first and roles is None:
            first = False
            if _header_row(row):
                roles = _roles(row, header.meta, default_kind)
                continue
        if roles is None:
            roles = _roles([""] * len(row), header.meta, default_kind)
        cells = _cells(row, roles, header.html, builder)
        kind = default_kind
        if "notetype" in header.meta and header.meta["notetype"] < len(row):
            kind = _note_kind(row[header.meta["notetype"]])
        if kind == "cloze":
            builder.skip(f"line {line}", "a Cloze note (only Basic notes are imported)")
            continue
        _add_row(builder, f"line {line}", cells, kind)
    deck = header.deck.split("::")[-1] if header.deck else None
    return deck, builder


def _read_header(file_name: str, lines: list[str]) -> _Header:
    header = _Header()
    for number, raw in enumerate(lines):
        line = raw.rstrip("\n")
        if number == 0 and line.startswith("tags:"):
            header.lines = 1
            continue
        if not line.startswith("#"):
            break
        header.lines = number + 1
        key, colon, value = line[1:].partition(":")
        if not colon:
            continue
        key = key.strip().casefold()
        if key == "separator":
            header.separator = _separator(file_name, value)
        elif key == "html":
            header.html = value.strip().casefold() == "true"
        elif key == "columns":
            header.columns_line = value
        elif key == "deck":
            header.deck = value.strip()
        elif key == "notetype":
            header.notetype = value.strip()
        elif key.endswith(" column"):
            column = value.strip()
            if column.isdigit() and int(column) >= 1:
                header.meta[key.removesuffix(" column").strip()] = int(column) - 1
    return header


def _separator(file_name: str, value: str) -> str:
    name = value.strip().casefold()
    if name in SEPARATORS:
        return SEPARATORS[name]
    if len(value) == 1:
        return value
    if len(value.strip()) == 1:
        return value.strip()
    raise ImportFailed(BAD_SEPARATOR.format(name=file_name, value=value.strip()))


def _split(line: str, separator: str) -> list[str]:
    return next(csv.reader([line], delimiter=separator), [])


def _sniff(lines: list[str], start: int) -> str:
    """The separator that splits most of the sampled rows into two or more fields; between
    equals, the one whose fields start with a space least (", " is prose, not a column).

    The sample is SNIFF_BLOCKS blocks of SNIFF_ROWS lines: the first rows and blocks spread
    evenly to the end, each read on its own (a block may start inside a quoted field and
    read badly; the others outvote it).
    """
    rows = [line for line in lines[start:] if not line.startswith("#")]
    step = max(len(rows) // SNIFF_BLOCKS, SNIFF_ROWS)
    blocks = [rows[at : at + SNIFF_ROWS] for at in range(0, len(rows), step)][:SNIFF_BLOCKS]
    best, best_score = SNIFFED[0], (0, 0)
    for separator in SNIFFED:
        split = spaced = 0
        for block in blocks:
            read = _sample_rows(block, separator)
            split += sum(1 for row in read if len(row) >= 2)
            spaced += sum(1 for row in read for cell in row[1:] if cell.startswith(" "))
        if (split, -spaced) > best_score:
            best, best_score = separator, (split, -spaced)
    return best


def _sample_rows(lines: list[str], separator: str) -> list[list[str]]:
    """The rows of ``lines``, each one the csv module cannot read left out."""
    reader = csv.reader(lines, delimiter=separator)
    rows: list[list[str]] = []
    while True:
        try:
            rows.append(next(reader))
        except StopIteration:
            return rows
        except csv.Error:
            continue  # a field over the csv module's limit: the next line is read anew


class _Lines:
    """The file's lines for the csv reader, numbered; a line starting with # where a record
    starts is a comment and left out."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.next = start
        self.at_record_start = True
        self.record_line = start + 1

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while self.next < len(self.lines):
            line = self.lines[self.next]
            self.next += 1
            if self.at_record_start:
                if line.startswith("#"):
                    continue
                self.at_record_start = False
                self.record_line = self.next
            return line
        raise StopIteration


def _records(
    lines: list[str], start: int, separator: str, builder: DeckBuilder
) -> Iterator[tuple[int, list[str]]]:
    """Each record that holds some text, with the file's line it starts on (quoted fields
    may span lines); a badly quoted record is left out."""
    source = _Lines(lines, start)
    reader = csv.reader(source, delimiter=separator, strict=True)
    while True:
        source.at_record_start = True
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger" in str(exc):
                reason = FIELD_TOO_LONG.format(limit=csv.field_size_limit())
            elif "end of data" in str(exc):
                reason = UNCLOSED
            else:
                reason = BAD_QUOTES
            builder.skip(f"line {source.record_line}", reason)
            continue
        if any(cell.strip() for cell in row):
            yield source.record_line, row


def _name(text: str) -> str:
    return _NOT_NAME.sub("", text.casefold())


def _header_row(row: list[str]) -> bool:
    """Whether the row is column names: every cell one (Front, Back, ...), Front among them."""
    roles = [COLUMN_NAMES.get(_name(cell)) for cell in row if cell.strip()]
    return len(roles) >= 2 and None not in roles and "front" in roles


def _roles(names: list[str], meta: dict[str, int], kind: str) -> list[str | None]:
    """Each column's role: by name where names are known, else by position among the
    columns that are not Anki's meta columns (tags, guid, deck, notetype)."""
    meta_roles = {index: ("id" if what == "guid" else None) for what, index in meta.items()}
    by_name = [COLUMN_NAMES.get(_name(name)) for name in names]
    if "front" in by_name:
        return [
            meta_roles.get(i, role) if i in meta_roles else role for i, role in enumerate(by_name)
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
            cell, media = html_to_text(cell)
            builder.media_skipped += media
        cells[role] = cell.strip()
    return cells


def _note_kind(notetype: str | None) -> str:
    """ "basic", "reversed" (both ways), "optional" (reversed when Add Reverse is filled) or
    "cloze", from an Anki note type's name; other names read as Basic."""
    name = (notetype or "").casefold()
    if "cloze" in name:
        return "cloze"
    if "optional" in name and "revers" in name:
        return "optional"
    if "revers" in name:
        return "reversed"
    return "basic"


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
    added = builder.add(ItemKind.CARD, where, {**common, "front": front, "back": back})
    if added and (kind == "reversed" or (kind == "optional" and cells.get("addreverse"))):
        reverse = {**common, "front": back, "back": front}
        if "id" in common:
            reverse["id"] = f"{common['id']}-reverse"
        builder.add(ItemKind.CARD, f"{where} (reverse card)", reverse)
