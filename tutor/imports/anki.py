"""Anki files as own decks (being written: refused for now)."""

from __future__ import annotations

from tutor.imports.deck import ImportFailed
from tutor.imports.items import DeckBuilder


def parse_anki(file_name: str, data: bytes) -> tuple[str | None, DeckBuilder]:
    """Not yet: every file is refused."""
    raise ImportFailed(f"{file_name}: Anki files are not read yet.")
