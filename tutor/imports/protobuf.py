"""Enough of protobuf's wire format to read the few fields Anki's files keep as protobuf
(note type and card template configs, the media map of newer packages), without Anki's
generated classes: top-level fields only, malformed data raising ValueError."""

from __future__ import annotations

from collections.abc import Iterator


def fields(data: object) -> Iterator[tuple[int, int | bytes]]:
    """A message's top-level fields: (number, value) for varints and length-delimited
    values; fixed-width ones skipped; nothing for a value that is not bytes.

    Raises:
        ValueError: for data that is not protobuf.
    """
    if not isinstance(data, bytes):
        return
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
            yield number, value
        elif wire == 2:
            length, at = _varint(data, at)
            yield number, data[at : at + length]
            at += length
        elif wire in (1, 5):
            at += 8 if wire == 1 else 4
        else:
            raise ValueError("not protobuf")


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("not protobuf")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def varint(data: object, number: int) -> int:
    """Field ``number`` as an integer (0 when missing, as protobuf's default)."""
    return next((v for n, v in fields(data) if n == number and isinstance(v, int)), 0)


def string(data: object, number: int) -> str:
    """Field ``number`` as text ("" when missing)."""
    value = next((v for n, v in fields(data) if n == number and isinstance(v, bytes)), b"")
    return value.decode("utf-8", errors="replace")


def messages(data: object, number: int) -> Iterator[bytes]:
    """Each value of the repeated field ``number``."""
    for field, value in fields(data):
        if field == number and isinstance(value, bytes):
            yield value
