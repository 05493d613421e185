"""CSV files as own decks (being written: refused for now)."""

from __future__ import annotations

from tutor.imports.deck import ImportFailed
from tutor.imports.items import DeckBuilder


def parse_csv(file_name: str, text: str) -> tuple[str | None, DeckBuilder]:
    """Not yet: every file is refused."""
    raise ImportFailed(f"{file_name}: CSV files are not read yet.")
