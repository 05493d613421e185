"""What every parse mode produces: plain text, entities, and UTF-16 bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EntityParseError(Exception):
    """Text that Telegram refuses with ``can't parse entities: ...``."""


@dataclass
class FormattedText:
    """Plain text and its entities, after parsing and trimming."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _char_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


class TextBuilder:
    """Collects plain text while tracking the UTF-16 position."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.units = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.units += utf16_len(text) if len(text) > 1 else _char_units(text)

    def text(self) -> str:
        return "".join(self.parts)


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of ``text[index]``, the unit of tdlib's error texts."""
    return len(text[:index].encode("utf-8"))


def sorted_entities(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entities in Telegram's order: by offset, the longer first."""
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


def strip_tags_preview(text: str, limit: int = 60) -> str:
    """A one-line preview of a text for reports."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
