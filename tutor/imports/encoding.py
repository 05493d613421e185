"""Bytes of a text file to text: the encodings people's files come in, and binary refused."""

from __future__ import annotations

import codecs

from tutor.imports.deck import ImportFailed

LATIN_1_NOTE = (
    "The file is not UTF-8, so it was read as Latin-1 (Windows-1252): check accented "
    "letters, or save it as UTF-8 and send it again."
)
BINARY = "{name} is not a text file. Send a CSV, Markdown, YAML or Anki (.apkg) file."
UNDECODABLE = (
    "{name} is not in a text encoding I can read (UTF-8, UTF-16 or Latin-1). "
    "Save it as UTF-8 and send it again."
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Bytes that plain text hardly holds (C0 controls other than tab, newlines, form feed and
# escape): a file with a NUL, or with one byte in ten of them, is binary. Fewer are stripped
# from the fields.
_CONTROL_BYTES = frozenset(range(32)) - {9, 10, 12, 13, 27}
_SAMPLE = 8192


def decode_text(name: str, data: bytes) -> tuple[str, tuple[str, ...]]:
    """The text of a file, and notes for the user on how it was read.

    UTF-8 (with or without a byte-order mark) and UTF-16 or UTF-32 with a byte-order mark
    are read as they are; UTF-16 without one is recognised by its zero bytes; anything else
    that decodes as Windows-1252 (Latin-1 with the printable 0x80-0x9F range) is read so,
    with a note.

    Raises:
        ImportFailed: for a binary file, or bytes that no encoding above reads.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(name, data[len(bom) :], encoding), ()
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _decode(name, data, utf16), ()
    sample = data[:_SAMPLE]
    if b"\x00" in sample or sum(byte in _CONTROL_BYTES for byte in sample) > len(sample) // 10:
        raise ImportFailed(BINARY.format(name=name))
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), (LATIN_1_NOTE,)
    except UnicodeDecodeError:
        raise ImportFailed(UNDECODABLE.format(name=name)) from None


def _decode(name: str, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ImportFailed(UNDECODABLE.format(name=name)) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when most characters of the start are ASCII written with a
    zero byte beside them, as UTF-16 writes them; else None."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    if len(sample) < 2 or len(data) % 2:
        return None
    pairs = len(sample) // 2
    even_zero = sum(1 for i in range(0, len(sample), 2) if sample[i] == 0)
    odd_zero = sum(1 for i in range(1, len(sample), 2) if sample[i] == 0)
    if odd_zero > pairs * 0.6 and even_zero == 0:
        return "utf-16-le"
    if even_zero > pairs * 0.6 and odd_zero == 0:
        return "utf-16-be"
    return None
