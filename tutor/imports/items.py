"""Items read from a file become validated deck items: keys, defaults, clean text, and a
short reason for each one left out."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, ValidationError

from tutor.domain.content import Card, ExplainPrompt, ItemKind, Level, QuizQuestion, is_image_name
from tutor.imports.deck import (
    KEY_MAX,
    MAX_ITEMS,
    NAME_MAX,
    ImportFailed,
    ParsedDeck,
    PastReview,
    Skipped,
)

TOO_MANY = (
    "{name} holds more than {limit:,} items; split it into smaller decks of {limit:,} at most."
)
NOTHING = "{name} holds no cards or questions I could read"
SOURCE_MAX = 300
# What an explain prompt without a hint shows under it.
DEFAULT_HINT = "Answer in a few sentences of your own."

_MODELS: dict[ItemKind, type[Card | QuizQuestion | ExplainPrompt]] = {
    ItemKind.CARD: Card,
    ItemKind.QUIZ: QuizQuestion,
    ItemKind.EXPLAIN: ExplainPrompt,
}
# The field each kind is known by: its derived key hashes it; duplicates are named by it.
FRONT_FIELD = {ItemKind.CARD: "front", ItemKind.QUIZ: "question", ItemKind.EXPLAIN: "prompt"}
_KEY_PREFIX = {ItemKind.CARD: "c", ItemKind.QUIZ: "q", ItemKind.EXPLAIN: "e"}
# How a field is named to the user in a reason ("no answer", "question longer than ...").
FIELD_WORDS = {
    "back": "answer",
    "model_answer": "model answer",
    "why_wrong": "reason it is wrong",
    "concepts": "key ideas",
    "misconceptions": "misconceptions",
    "phrases": "phrases",
}
_LIST_WORDS = {"options": "option", "concepts": "key idea", "misconceptions": "misconception"}

# Control characters are dropped (tab and newline stay); newlines are Unix ones.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")
_NEWLINES = re.compile(r"\r\n?")
_NOT_ID = re.compile(r"[^a-z0-9]+")


def clean_text(text: str) -> str:
    """``text`` without control characters, with Unix newlines and no outer whitespace.
    HTML and Markdown characters stay as they are: the bot escapes them when it sends."""
    return _CONTROL.sub("", _NEWLINES.sub("\n", text)).strip()


# Items nest a few levels (options, concepts, relations); deeper data is refused by the
# schema, uncleaned, without recursing through all of it.
_CLEAN_DEPTH = 8


def _clean(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if depth > _CLEAN_DEPTH:
        return value
    if isinstance(value, dict):
        return {key: _clean(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item, depth + 1) for item in value]
    return value


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def derived_key(kind: ItemKind, front: str) -> str:
    """The key of an item without an id: its kind's letter and 8 hex digits of the SHA-1 of
    its front text (case and spacing ignored), so the same front finds the same item again."""
    digest = hashlib.sha1(_normalised(front).encode("utf-8")).hexdigest()
    return _KEY_PREFIX[kind] + digest[:8]


def explicit_key(raw: object) -> str | None:
    """An id given in the file as an item key: lower case without accents, runs of other
    characters as one hyphen; one character gets "i-" before it, more than KEY_MAX become
    "i" and 8 hex digits of their SHA-1. None when nothing of it is left."""
    # Accents fall away ("Größe" -> "grosse"); a script without Latin letters leaves nothing.
    ascii_text = unicodedata.normalize("NFKD", str(raw).casefold()).encode("ascii", "ignore")
    text = _NOT_ID.sub("-", ascii_text.decode("ascii")).strip("-")
    if not text:
        return None
    if len(text) == 1:
        return f"i-{text}"
    if len(text) > KEY_MAX:
        return "i" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return text


def file_stem(file_name: str) -> str:
    """The file's name without folders and extension, as a deck name of last resort."""
    return clean_text(PurePath(file_name.replace("\\", "/")).stem) or "My deck"


def describe(error: ValidationError) -> str:
    """Pydantic's first error as a short reason: "answer longer than 2000 characters"."""
    first = error.errors()[0]
    loc = [part for part in first["loc"] if part != "text"]
    kind = first["type"]
    ctx = first.get("ctx") or {}
    words: list[str] = []
    for i, part in enumerate(loc):
        if isinstance(part, int):
            previous = loc[i - 1] if i else ""
            noun = _LIST_WORDS.get(str(previous), "entry")
            if words and words[-1] == FIELD_WORDS.get(str(previous), str(previous)):
                words.pop()
            words.append(f"{noun} {part + 1}")
        else:
            words.append(FIELD_WORDS.get(part, part.replace("_", " ")))
    field = " ".join(words)
    if kind == "missing" or (
        kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1
    ):
        if len(words) > 1:
            return f"{' '.join(words[:-1])} has no {words[-1]}"
        return f"no {field}"
    if kind == "string_too_long":
        return f"{field} longer than {ctx['max_length']} characters"
    if kind == "too_short":
        return f"needs at least {ctx['min_length']} {field}"
    if kind == "too_long":
        return f"at most {ctx['max_length']} {field}"
    if kind == "enum":
        return f"{field} must be beginner, intermediate or advanced"
    if kind == "extra_forbidden":
        return f"unknown field {str(loc[-1])!r}"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


class DeckBuilder:
    """Collects one file's items: fills their defaults, validates them, keeps each key
    once, and records every item left out with where it was and why."""

    def __init__(self, *, file_name: str, format: str) -> None:
        self.file_name = file_name
        self.format = format
        self.source = clean_text(PurePath(file_name.replace("\\", "/")).name)[:SOURCE_MAX]
        self.items: dict[ItemKind, list[Any]] = {kind: [] for kind in _MODELS}
        self.skipped: list[Skipped] = []
        self.media_skipped = 0
        self.media: dict[str, bytes] = {}  # images the items show, by name
        # Where the file's images come from (a package's media, a zip's files); None for a
        # file that carries none.
        self.images: Callable[[str], bytes | None] | None = None
        self.notes: list[str] = []
        # The reviews the file records for its items, by item key (Anki packages only).
        self.history: dict[str, tuple[PastReview, ...]] = {}
        self._ids: dict[str, str] = {}  # item key -> where it was
        self._fronts: dict[tuple[ItemKind, str], str] = {}  # (kind, front) -> where it was
        self._pairs: dict[str, str] = {}  # a card's key of front and back -> where it was

    def image(self, name: str, *, counted: bool = False) -> str | None:
        """``name`` when the file holds that image (kept for the deck); else None, and the
        image is counted as left out unless it is ``counted`` already."""
        data = self.images(name) if self.images is not None and is_image_name(name) else None
        if data is None:
            self.media_skipped += not counted
            return None
        self.media[name] = data
        return name

    @property
    def count(self) -> int:
        return sum(len(items) for items in self.items.values())

    def skip(self, where: str, reason: str) -> None:
        """Record an item left out.

        Raises:
            ImportFailed: when the file has more than MAX_ITEMS items, kept or left out.
        """
        self._check_size()
        self.skipped.append(Skipped(where=where, reason=reason))

    def _check_size(self) -> None:
        if self.count + len(self.skipped) >= MAX_ITEMS:
            raise ImportFailed(TOO_MANY.format(name=self.file_name, limit=MAX_ITEMS))

    def add(self, kind: ItemKind, where: str, fields: dict[str, Any]) -> bool:
        """Validate one item and keep it, or record why it is left out.

        ``fields`` are the kind's schema fields; ``id``, ``level`` and ``source`` may be
        missing (then a key derived from the front, beginner, and the file's name), and so
        may a question's ``explanation`` (then "Answer: " and the right option), an explain
        prompt's ``hint`` (DEFAULT_HINT) and its ``misconceptions`` (none).

        Raises:
            ImportFailed: when the file has more than MAX_ITEMS items, kept or left out.
        """
        fields = _clean(dict(fields))
        explicit = explicit_key(fields.pop("id", None) or "")
        if not fields.get("level"):
            fields["level"] = Level.BEGINNER
        elif isinstance(fields["level"], str):
            fields["level"] = fields["level"].casefold()
        if not fields.get("source"):
            fields["source"] = self.source
        if kind is ItemKind.QUIZ and not fields.get("explanation"):
            options = fields.get("options")
            correct = [
                o.get("text")
                for o in (options if isinstance(options, list) else [])
                if isinstance(o, dict) and o.get("correct") and isinstance(o.get("text"), str)
            ]
            # Without one right option the item is refused for that, not for this.
            fields["explanation"] = f"Answer: {correct[0]}" if correct else "-"
        if kind is ItemKind.EXPLAIN:
            if not fields.get("hint"):
                fields["hint"] = DEFAULT_HINT
            if fields.get("misconceptions") is None:
                fields["misconceptions"] = []
        front = fields.get(FRONT_FIELD[kind])
        key = explicit or derived_key(kind, front if isinstance(front, str) else "")
        try:
            item = _MODELS[kind].model_validate({**fields, "id": key})
        except ValidationError as exc:
            self.skip(where, describe(exc))
            return False
        # One item per id, and per front text within a kind unless the file gives each its
        # own id (Anki's cards of two notes may read the same, and Anki shows both): a file
        # imported again finds each item by either.
        front_key = (kind, _normalised(getattr(item, FRONT_FIELD[kind])))
        if explicit is not None and key in self._ids:
            self.skip(where, f"same id as {self._ids[key]}")
            return False
        # A card that asks what another asks, with another answer (a word of two meanings):
        # Anki keeps both, and so does this, the second known by front and back together.
        pair = derived_key(kind, f"{item.front}\x1f{item.back}") if isinstance(item, Card) else ""
        if explicit is None and pair in self._pairs:
            self.skip(where, f"same card as {self._pairs[pair]}")
            return False
        if explicit is None and front_key in self._fronts:
            if not pair:
                self.skip(where, f"same {FRONT_FIELD[kind]} as {self._fronts[front_key]}")
                return False
            key = pair
            item = item.model_copy(update={"id": pair})
        if key in self._ids:
            self.skip(where, f"same id as {self._ids[key]}")
            return False
        self._check_size()
        self._ids[key] = where
        self._fronts.setdefault(front_key, where)
        if pair:
            self._pairs[pair] = where
        self.items[kind].append(item)
        return True

    def build(self, name: str | None) -> ParsedDeck:
        """The deck, named ``name`` (else the file's stem).

        Raises:
            ImportFailed: when no item could be read; it names the first rows left out.
        """
        if not self.count:
            raise ImportFailed(_nothing(self.file_name, self.skipped))
        title = clean_text(" ".join((name or "").split()))[:NAME_MAX].strip()
        return ParsedDeck(
            name=title or file_stem(self.file_name)[:NAME_MAX],
            format=self.format,
            cards=tuple(self.items[ItemKind.CARD]),
            quiz=tuple(self.items[ItemKind.QUIZ]),
            explain=tuple(self.items[ItemKind.EXPLAIN]),
            skipped=tuple(self.skipped),
            media_skipped=self.media_skipped,
            media=self.media,
            notes=tuple(self.notes),
            # Only an item of the deck has a history (a key is kept once, in ``add``).
            history={key: h for key, h in self.history.items() if key in self._ids and h},
        )


def _nothing(file_name: str, skipped: list[Skipped]) -> str:
    message = NOTHING.format(name=file_name)
    if not skipped:
        return message + "."
    shown = "; ".join(f"{s.where}: {s.reason}" for s in skipped[:3])
    more = f" (and {len(skipped) - 3} more)" if len(skipped) > 3 else ""
    return f"{message}: {shown}{more}."


def model_dict(item: BaseModel) -> dict[str, Any]:
    """An item's fields as plain data, without the empty optional ones."""
    return item.model_dump(mode="json", exclude_none=True)
