"""Own decks from files: a file someone sends becomes a deck, and a deck becomes a file.

Formats (docs/importing.md, "Your own decks: file formats", shows each with an example):

- CSV / TSV / TXT as Anki writes and reads plain text (``csv_text``);
- Markdown, a heading per item (``markdown``);
- the project's YAML deck schema, as the decks in content/ (``yaml_deck``);
- Anki packages, ``.apkg`` and ``.colpkg`` (``anki``).

Item keys: an item's id in the file (an ``Id`` column, a YAML ``id``, a Markdown ``{#id}``)
lowered to ``[a-z0-9-]`` (see ``items.explicit_key``), else its kind's letter and 8 hex
digits of the SHA-1 of its front text (``items.derived_key``; an Anki note's key comes from
its guid), so importing a changed file again finds each item by id or by front text. Keys
are at most KEY_MAX characters; the store prefixes them with the deck's id. Level defaults
to beginner and source to the file's name.

Pure functions over bytes: no Telegram, no database.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Callable
from pathlib import PurePath

from tutor.domain.content import fits_poll
from tutor.imports.deck import (
    KEY_MAX,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    NAME_MAX,
    ImportFailed,
    ParsedDeck,
    Skipped,
)
from tutor.imports.encoding import decode_text
from tutor.imports.items import file_stem

__all__ = [
    "KEY_MAX",
    "MAX_FILE_BYTES",
    "MAX_ITEMS",
    "NAME_MAX",
    "TOO_BIG",
    "ImportFailed",
    "ParsedDeck",
    "Skipped",
    "export_deck",
    "fits_poll",
    "parse_file",
]

# Also what the bot answers for a file too big to download.
TOO_BIG = "{name} is {size:.1f} MB; I take files of up to 2 MB."
EMPTY = "{name} is empty."

ANKI_SUFFIXES = (".apkg", ".colpkg")
CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
MARKDOWN_SUFFIXES = (".md", ".markdown")
YAML_SUFFIXES = (".yaml", ".yml")
# A zip of a deck file and the images its cards name (what /export writes for a deck with
# images) holds one of these.
DECK_SUFFIXES = (*CSV_SUFFIXES, *MARKDOWN_SUFFIXES, *YAML_SUFFIXES)
# A zip starts with a file's header, or with the end of its directory when it is empty.
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def parse_file(
    file_name: str, data: bytes, images: Callable[[str], bytes | None] | None = None
) -> ParsedDeck:
    """Read a file someone sent as one deck.

    The format follows the file's extension (``.csv .tsv .txt``, ``.md``, ``.yaml``,
    ``.apkg .colpkg``); without a known one, a zip is read as an Anki package and text is
    sniffed (YAML deck fields, Markdown ``##`` headings, else CSV).

    Args:
        file_name: The name the file was sent with (its extension picks the format; its
            name is the items' default source and the deck's name of last resort).
        data: The file's bytes.

    Returns:
        The deck: its valid items, every row left out with where and why, media skipped.

    Raises:
        ImportFailed: when the whole file is refused: too big, empty, binary, in an
            unreadable encoding, not the format its name says, a zip bomb or a corrupt
            package, more than MAX_ITEMS items, or no item that could be read.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(TOO_BIG.format(name=file_name, size=len(data) / 1024 / 1024))
    if not data.strip():
        raise ImportFailed(EMPTY.format(name=file_name))
    suffix = PurePath(file_name.replace("\\", "/")).suffix.casefold()
    if suffix in ANKI_SUFFIXES or (
        suffix not in (*CSV_SUFFIXES, *MARKDOWN_SUFFIXES, *YAML_SUFFIXES)
        and data.startswith(ZIP_MAGIC)
    ):
        from tutor.imports.anki import parse_anki
        from tutor.imports.anki_package import COLLECTIONS
        from tutor.imports.media import deck_in_zip

        inside = None if suffix in ANKI_SUFFIXES else deck_in_zip(data, COLLECTIONS, DECK_SUFFIXES)
        if inside is None:
            name, builder = parse_anki(file_name, data)
            return builder.build(name)
        deck = parse_file(inside.name, inside.data, images=inside.image)
        # A YAML deck names its cards' images in its fields (our export): the zip has them.
        return dataclasses.replace(deck, media={**deck.media, **inside.images(deck.cards)})
    text, notes = decode_text(file_name, data)
    if not text.strip():
        raise ImportFailed(EMPTY.format(name=file_name))
    kind = _text_format(suffix, text)
    if kind == "yaml":
        from tutor.imports.yaml_deck import parse_yaml

        name, builder = parse_yaml(file_name, text)
    elif kind == "markdown":
        from tutor.imports.markdown import parse_markdown

        name, builder = parse_markdown(file_name, text, images)
    else:
        from tutor.imports.csv_text import parse_csv

        name, builder = parse_csv(file_name, text, images)
    builder.notes[:0] = notes
    return builder.build(name)


def _text_format(suffix: str, text: str) -> str:
    if suffix in YAML_SUFFIXES:
        return "yaml"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in CSV_SUFFIXES:
        return "csv"
    lines = [line for line in text.splitlines() if line.strip()]
    first = next((line for line in lines if not line.lstrip().startswith("#")), "")
    if first.split(":", 1)[0].strip() in ("title", "description", "cards", "quiz", "explain"):
        return "yaml"
    if any(line.startswith("## ") for line in lines):
        return "markdown"
    return "csv"


def export_deck(deck: ParsedDeck) -> tuple[str, bytes]:
    """A deck as a file that ``parse_file`` reads back to the same items: the project's YAML
    schema, every field written out (UTF-8); with its images, a zip of that file and them.

    Returns:
        The file's name (the deck's name made safe, ``.yaml`` or ``.zip``) and its bytes.
    """
    from tutor.imports.yaml_deck import dump_yaml

    name, text = _safe_name(deck.name), dump_yaml(deck).encode("utf-8")
    if not deck.media:
        return f"{name}.yaml", text
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.yaml", text)
        for image, data in sorted(deck.media.items()):
            archive.writestr(image, data, compress_type=zipfile.ZIP_STORED)
    return f"{name}.zip", out.getvalue()


def _safe_name(name: str) -> str:
    kept = "".join(c if c.isalnum() or c in "-_ " else " " for c in name)
    return "-".join(kept.split())[:NAME_MAX] or file_stem("deck")
