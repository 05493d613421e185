"""A plain-text deck file's layout: Anki's ``#key:value`` header lines, the separator (named
there or sniffed), and the records, quoted fields across lines included."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field

from tutor.imports.deck import FIELD_TOO_LONG, ImportFailed
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
UNCLOSED = 'a quote (") opened here is never closed'
BAD_QUOTES = 'a quoted field has text after its closing quote (")'


@dataclass
class Header:
    """What the ``#key:value`` lines at the top of the file say."""

    lines: int = 0
    separator: str | None = None
    html: bool = False
    columns: list[str] | None = None
    columns_line: str | None = None
    deck: str | None = None
    notetype: str | None = None
    meta: dict[str, int] = field(default_factory=dict)  # "tags", "guid", ... -> 0-based
    # Anki wrote it (its exports start with #separator: and #html:): a card without an
    # answer is one Anki shows so, not a missing column.
    anki: bool = False


def read_header(file_name: str, lines: list[str]) -> Header:
    """What the ``#key:value`` lines at the top of ``lines`` say (and how many they are).

    Raises:
        ImportFailed: for a ``#separator:`` that names no separator.
    """
    header = Header()
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
            header.anki = True
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


def split_line(line: str, separator: str) -> list[str]:
    """One line's fields, as the csv module reads them."""
    return next(csv.reader([line], delimiter=separator), [])


def sniff_separator(lines: list[str], start: int) -> str:
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


def records(
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
