"""The catalog: the content directory read once at start-up (decks, lexicon, generated kinds).

The deck schema (``tutor.domain.content``) and the Library (``tutor.domain.library``) meet
here what is built from code (the generated questions, /predict's item) and the built-in
decks' bar (``tutor.domain.lint``). Start-up and ``python -m bot check-content`` both load
through here, so a broken deck or lexicon stops either with one line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, model_validator

from tutor.domain.content import ContentError, Deck, Generated, Phrase, StrictModel
from tutor.domain.language import Lexicon
from tutor.domain.library import Library, library_of
from tutor.domain.lint import builtin_problems
from tutor.services.generated import QUIZ_TEMPLATES
from tutor.services.predict import ITEM

# Every item made by code rather than read from a deck: each joins the first of its decks
# that the content directory holds.
GENERATED: tuple[Generated, ...] = (*QUIZ_TEMPLATES, ITEM)

# The subject's synonyms live beside the decks, in this file (not a deck).
LEXICON_FILE = "lexicon.yaml"


class LexiconFile(StrictModel):
    """content/lexicon.yaml: groups of words or phrases that mean the same in this subject."""

    groups: list[list[Phrase]] = Field(min_length=1)
    # Pairs of words or phrases that say the opposite of each other ("high", "low"): a key
    # idea's phrase with one of them swapped for the other contradicts that idea. A side
    # that is a member of a group stands for the whole group.
    opposites: list[Annotated[list[Phrase], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _groups_apart(self) -> LexiconFile:
        seen: dict[str, int] = {}
        for number, group in enumerate(self.groups):
            if len(group) < 2:
                raise ValueError(f"group {number}: a group needs at least two members")
            for member in group:
                key = " ".join(member.casefold().split())
                if seen.setdefault(key, number) != number:
                    raise ValueError(f"{member!r} is in groups {seen[key]} and {number}")
        return self


def _describe(error: ValidationError, raw: Any) -> str:
    """Turn pydantic's first error into 'item <id>: field <path>: <message>'."""
    first = error.errors()[0]
    loc = list(first["loc"])
    where = "deck"
    # Locations look like ("quiz", 3, "options", 1, "text"): name the item by its id.
    if len(loc) >= 2 and loc[0] in ("cards", "quiz", "explain") and isinstance(loc[1], int):
        section, index = loc[0], loc[1]
        entries = raw.get(section) if isinstance(raw, dict) else None
        item_id = None
        if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
            item_id = entries[index].get("id")
        where = f"item {item_id!r}" if item_id else f"{section}[{index}]"
        loc = loc[2:]
    field_path = ".".join(str(part) for part in loc) or "(item)"
    return f"{where}: field {field_path!r}: {first['msg']}"


def load_deck(path: Path) -> Deck:
    """Read and validate one deck file, held to the built-in decks' bar beyond the schema
    (``tutor.domain.lint.builtin_problems``: poll limits, 3 or 4 options and concepts, ...).

    Raises:
        ContentError: naming the file, the item and the field that is wrong.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: a deck must be a mapping with id, title, cards, ...")
    try:
        deck = Deck.model_validate(raw)
    except ValidationError as exc:
        raise ContentError(f"{path}: {_describe(exc, raw)}") from None
    problems = builtin_problems(deck)
    if problems:
        raise ContentError(f"{path}: {problems[0]}")
    return deck


def load_library(directory: Path, *, templates: Sequence[Generated] = GENERATED) -> Library:
    """Load every ``*.yaml`` deck in ``directory``; ids must be unique across all decks.
    The lexicon beside them (LEXICON_FILE), when there is one, is read and checked too: it
    is the library's ``lexicon``.

    ``templates`` (by default every generated kind, GENERATED) join the decks they name.

    Raises:
        ContentError: if the directory holds no deck, or any deck is invalid.
    """
    if not directory.is_dir():
        raise ContentError(f"{directory}: content directory not found")
    paths = sorted(
        path
        for path in [*directory.glob("*.yaml"), *directory.glob("*.yml")]
        if path.name != LEXICON_FILE
    )
    if not paths:
        raise ContentError(f"{directory}: no deck files (*.yaml) found")
    library = library_of([load_deck(path) for path in paths], sources=paths, templates=templates)
    lexicon_path = directory / LEXICON_FILE
    if lexicon_path.is_file():
        return dataclasses.replace(library, lexicon=load_lexicon(lexicon_path))
    return library


def load_lexicon(path: Path) -> Lexicon:
    """Read and validate the lexicon file, compiled for the grader.

    Raises:
        ContentError: naming the file and what is wrong.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML: {exc}") from None
    try:
        parsed = LexiconFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        raise ContentError(f"{path}: field {where!r}: {first['msg']}") from None
    return Lexicon.of(parsed.groups, parsed.opposites)
