"""The file-format examples in docs/importing.md read as it says: items, nothing left out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tutor.imports import parse_file

README = Path(__file__).resolve().parents[3] / "docs" / "importing.md"
SECTION = "## Your own decks: file formats"
SUFFIX = {"csv": ".csv", "text": ".txt", "markdown": ".md", "yaml": ".yaml"}


def _examples() -> list[tuple[str, str]]:
    lines = README.read_text(encoding="utf-8").split("\n")
    start = lines.index(SECTION)
    fenced = False
    end = len(lines)
    for number in range(start + 1, len(lines)):
        fenced ^= lines[number].startswith("```")
        if not fenced and lines[number].startswith("## "):
            end = number
            break
    section = "\n".join(lines[start:end])
    return re.findall(r"```(csv|text|markdown|yaml)\n(.*?)```", section, re.DOTALL)


def test_the_readme_shows_every_text_format() -> None:
    assert sorted({language for language, _ in _examples()}) == sorted(SUFFIX)


@pytest.mark.parametrize(("language", "body"), _examples())
def test_each_example_reads_without_a_row_left_out(language: str, body: str) -> None:
    deck = parse_file(f"example{SUFFIX[language]}", body.encode("utf-8"))
    assert deck.skipped == ()
    assert deck.cards or deck.quiz
