"""Deck schema and loader: YAML files in the content directory become a validated Library."""

from __future__ import annotations

import dataclasses
import enum
import random
import re
from collections.abc import Callable, Collection, Iterator, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml

if TYPE_CHECKING:
    from tutor.grading import Lexicon

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

# Telegram's limits for native quiz polls. Built-in questions keep within them (tutor/lint.py
# checks it when the decks load), so every one can run in a group; an own deck's question
# may be longer: it is asked in private /quiz and left out of group quizzes (``fits_poll``).
POLL_QUESTION_MAX = 300
POLL_OPTION_MAX = 100
POLL_EXPLANATION_MAX = 200
# The schema's hard caps for any question, own decks' included: one message holds it all.
QUESTION_MAX = 1000
OPTION_MAX = 300
EXPLANATION_MAX = 1000
# A card's sides: the answer shows the front above the back in one message (4,096
# characters, with the deck's name and the buttons' prompt around them).
CARD_FRONT_MAX = 1600
CARD_BACK_MAX = 2700
CARD_SIDES_MAX = 3800
# Item ids travel inside callback data (64 bytes in all), so they stay short.
ITEM_ID_MAX = 24
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"

ItemId = Annotated[
    str, StringConstraints(pattern=ID_PATTERN, min_length=2, max_length=ITEM_ID_MAX)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Where an item's facts come from: a documentation page or a paper ("URL" or "Authors,
# Title, venue year"). Required on every item, so a learner (and a reviewer) can check it.
Source = Annotated[Text, StringConstraints(max_length=300)]
DemoName = Literal["lr", "schedule", "differential", "warmup"]


class Level(enum.StrEnum):
    """How far into the subject an item reaches."""

    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ItemKind(enum.StrEnum):
    """The three kinds of study item; each has its own memory state per learner."""

    CARD = "card"
    QUIZ = "quiz"
    EXPLAIN = "explain"
    # /predict: guess what a fresh training run's loss does (see tutor/predict.py).
    PREDICT = "predict"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# An image's name among its deck's media (an own deck's, from an Anki package's media).
IMAGE_NAME_PATTERN = r"^[^/\\\x00-\x1f]{1,200}$"
ImageName = Annotated[str, StringConstraints(pattern=IMAGE_NAME_PATTERN)]
# The text of a card's side that is only an image (Anki shows the image alone).
IMAGE_ONLY = "🖼"
# The back of an Anki card whose answer side adds nothing (an exercise: "Design an LRU
# cache"); Anki shows such a card with a blank answer.
NO_ANSWER = "(no answer on this card)"


def is_image_name(name: str) -> bool:
    """Whether ``name`` may name an image of a deck (no path, no control characters)."""
    return re.fullmatch(IMAGE_NAME_PATTERN, name) is not None


class Card(_Strict):
    """A flashcard: a question on the front, the answer on the back; an own deck's card may
    show an image with its front (``image``) or with its answer (``back_image``)."""

    id: ItemId
    level: Level
    front: Annotated[Text, StringConstraints(max_length=CARD_FRONT_MAX)]
    back: Annotated[Text, StringConstraints(max_length=CARD_BACK_MAX)]
    demo: DemoName | None = None
    source: Source
    image: ImageName | None = None
    back_image: ImageName | None = None

    @property
    def kind(self) -> ItemKind:
        return ItemKind.CARD

    @model_validator(mode="after")
    def _fits_one_message(self) -> Card:
        # The answer shows the front above the back, in one Telegram message.
        if len(self.front) + len(self.back) > CARD_SIDES_MAX:
            raise ValueError(f"front and answer longer than {CARD_SIDES_MAX} characters together")
        return self


class Option(_Strict):
    """One answer of a multiple-choice question."""

    text: Annotated[Text, StringConstraints(max_length=OPTION_MAX)]
    correct: bool = False
    why_wrong: Annotated[Text, StringConstraints(max_length=400)] | None = None

    @model_validator(mode="after")
    def _reason_only_for_wrong(self) -> Option:
        if self.correct and self.why_wrong is not None:
            raise ValueError("the correct option cannot have a why_wrong")
        return self


class QuizQuestion(_Strict):
    """A multiple-choice question with exactly one correct option."""

    id: ItemId
    level: Level
    question: Annotated[Text, StringConstraints(max_length=QUESTION_MAX)]
    # Built-in questions have 3 or 4 options (tutor/lint.py); an own one may have 2.
    options: list[Option] = Field(min_length=2, max_length=4)
    explanation: Annotated[Text, StringConstraints(max_length=EXPLANATION_MAX)]
    note: Annotated[Text, StringConstraints(max_length=1500)] | None = None
    source: Source

    @model_validator(mode="after")
    def _one_correct(self) -> QuizQuestion:
        correct = sum(option.correct for option in self.options)
        if correct != 1:
            raise ValueError(f"exactly one option must be correct, found {correct}")
        texts = [option.text.casefold() for option in self.options]
        if len(set(texts)) != len(texts):
            raise ValueError("options must differ from each other")
        return self

    @property
    def kind(self) -> ItemKind:
        return ItemKind.QUIZ

    @property
    def correct_index(self) -> int:
        return next(i for i, option in enumerate(self.options) if option.correct)


def poll_problems(question: QuizQuestion) -> list[tuple[str, int]]:
    """The fields of ``question`` longer than a Telegram quiz poll allows, each with its
    limit: ``("question", 300)``, ``("options.2.text", 100)``, ``("explanation", 200)``."""
    problems = []
    if len(question.question) > POLL_QUESTION_MAX:
        problems.append(("question", POLL_QUESTION_MAX))
    for i, option in enumerate(question.options):
        if len(option.text) > POLL_OPTION_MAX:
            problems.append((f"options.{i}.text", POLL_OPTION_MAX))
    if len(question.explanation) > POLL_EXPLANATION_MAX:
        problems.append(("explanation", POLL_EXPLANATION_MAX))
    return problems


def fits_poll(question: QuizQuestion) -> bool:
    """Whether ``question`` can be a native quiz poll: question at most 300 characters, each
    option at most 100, the explanation at most 200. A question that does not is asked in
    private /quiz only."""
    return not poll_problems(question)


Phrase = Annotated[Text, StringConstraints(max_length=80)]


class Relation(_Strict):
    """A statement with a direction: one of ``cause`` leads to one of ``effect``.

    It holds only when one sentence of the answer ties an effect to a cause of this
    relation (the nearest cause before it, or the one after it when "if", "when", "with",
    "for", "to" ... lead there), neither inside a negated clause. "Too high makes it
    overshoot" holds for cause "too high", effect "overshoot"; "too low makes it
    overshoot" does not.
    """

    cause: list[Phrase] = Field(min_length=1, max_length=24)
    effect: list[Phrase] = Field(min_length=1, max_length=24)


class Concept(_Strict):
    """A key idea of an explain prompt and the phrasings that show a learner has it.

    A concept is shown by any of its phrases or claims outside a negated clause, or by one
    of its relations stated the right way round. Claims and relations are the idea's
    statements with a direction: said the other way round ("start low" for the claim
    "start high", "clip then unscale" for "unscale then clip", "too low" tied to the
    effect of "too high"), or denied, they contradict the idea, and the answer is rated
    Again. Plain phrases only show the idea (a denied "more than one group" is no
    contradiction of "each parameter in exactly one group").
    """

    name: Annotated[Text, StringConstraints(max_length=80)]
    phrases: list[Phrase] = Field(default_factory=list)
    claims: list[Phrase] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shown_somehow(self) -> Concept:
        # Built-in concepts need two phrases or a relation (tutor/lint.py); an own one, one.
        if not self.phrases and not self.claims and not self.relations:
            raise ValueError("a concept needs a phrase, a claim or a relation")
        from tutor.grading import weighty

        for claim in self.claims:
            if not weighty(claim):
                raise ValueError(
                    f"claim {claim!r}: a claim needs two words that count (it is turned"
                    " round or denied as a whole); make a one-word wording a phrase"
                )
        return self


class Misconception(_Strict):
    """A wrong idea learners really hold, the words that show it, and its correction.

    An answer that shows it (a phrase outside a negated clause, or a relation stated that
    way round) is rated Again, and the reply shows the correction.
    """

    name: Annotated[Text, StringConstraints(max_length=120)]
    phrases: list[Phrase] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    correction: Annotated[Text, StringConstraints(max_length=300)]

    @model_validator(mode="after")
    def _shown_somehow(self) -> Misconception:
        if not self.phrases and not self.relations:
            raise ValueError("a misconception needs phrases or relations that show it")
        return self


class ExplainPrompt(_Strict):
    """An open question answered in the learner's own words, graded by key concepts."""

    id: ItemId
    level: Level
    prompt: Annotated[Text, StringConstraints(max_length=500)]
    hint: Annotated[Text, StringConstraints(max_length=300)]
    # Built-in prompts have 3 or 4 concepts and 2 or more misconceptions (tutor/lint.py);
    # an own prompt may have 1 to 6 concepts and no misconception.
    concepts: list[Concept] = Field(min_length=1, max_length=6)
    misconceptions: list[Misconception] = Field(max_length=6)
    model_answer: Annotated[Text, StringConstraints(max_length=1500)]
    source: Source

    @property
    def kind(self) -> ItemKind:
        return ItemKind.EXPLAIN


@dataclass(frozen=True)
class QuizTemplate:
    """A quiz item with fresh numbers at every showing (see tutor/generated.py).

    It is one item in a learner's schedule; each showing draws a new instance from a seed,
    and the same seed draws the same instance again (to grade the answer to it).
    """

    id: str
    level: Level
    # The decks it is studied with, by preference: it joins the first one the library has.
    decks: tuple[str, ...]
    make: Callable[[random.Random, datetime], QuizQuestion] = field(repr=False)

    @property
    def kind(self) -> ItemKind:
        return ItemKind.QUIZ

    def draw(self, seed: str, now: datetime) -> QuizQuestion:
        """The instance of ``seed``."""
        return self.make(random.Random(seed), now)


@dataclass(frozen=True)
class PredictItem:
    """/predict as one item in a learner's schedule: each showing draws a fresh setup from
    the demo engine, and the run it describes is the answer key (see tutor/predict.py)."""

    id: str
    level: Level
    # The decks it is studied with, by preference: it joins the first one the library has.
    decks: tuple[str, ...]

    @property
    def kind(self) -> ItemKind:
        return ItemKind.PREDICT


# Items that are not in a deck file: each joins the first of its decks the library has.
Generated = QuizTemplate | PredictItem
Item = Card | QuizQuestion | ExplainPrompt | Generated


def quiz_question(item: Item | None, *, seed: str, now: datetime) -> QuizQuestion | None:
    """The question to show for a quiz item: itself, or a template's instance of ``seed``."""
    if isinstance(item, QuizTemplate):
        return item.draw(seed, now)
    return item if isinstance(item, QuizQuestion) else None


class Deck(_Strict):
    """One deck file: its metadata and its items in teaching order."""

    id: ItemId
    title: Annotated[Text, StringConstraints(max_length=60)]
    description: Annotated[Text, StringConstraints(max_length=300)]
    cards: list[Card] = Field(min_length=1)
    quiz: list[QuizQuestion] = Field(default_factory=list)
    explain: list[ExplainPrompt] = Field(default_factory=list)

    def items(self) -> Iterator[Item]:
        """Every item of the deck: cards, then quiz questions, then explain prompts."""
        yield from self.cards
        yield from self.quiz
        yield from self.explain


# The subject's synonyms live beside the decks, in this file (not a deck).
LEXICON_FILE = "lexicon.yaml"


class LexiconFile(_Strict):
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


class ContentError(Exception):
    """A deck file is missing, unreadable or invalid; the message names file, item and field."""


# Decks sent to the bot as files are stored in the database; their ids (and their items'
# ids) are "own<number>" and "own<number>-<key>", a form the content directory may not use.
OWN_DECK_PREFIX = "own"
_OWN_ID = re.compile(rf"^{OWN_DECK_PREFIX}[0-9]")


def own_deck_id(number: int) -> str:
    """The library id of the stored deck ``number``; its items' ids start with it and "-"."""
    return f"{OWN_DECK_PREFIX}{number}"


def own_deck_number(deck_or_item_id: str) -> int | None:
    """The stored deck's number in an own deck's id or in one of its items' ids."""
    if not _OWN_ID.match(deck_or_item_id):
        return None
    digits = deck_or_item_id[len(OWN_DECK_PREFIX) :].split("-", 1)[0]
    return int(digits) if digits.isdigit() else None


@dataclass(frozen=True)
class OwnDeckInfo:
    """What a library knows of a deck sent to the bot: its row, its owner, its share code,
    and the revision it was read at (see ``tutor.libraries``)."""

    number: int
    owner_id: int
    share_code: str
    revision: int


def _no_lexicon() -> Lexicon:
    from tutor.grading import Lexicon

    return Lexicon()


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it caches per instance
class Library:
    """All decks, with every item reachable by its id.

    The built-in decks are loaded once at start-up; a learner's or a class's library is
    that one with their own decks added (``with_decks``, see ``tutor.libraries``).
    """

    decks: dict[str, Deck]
    items: dict[str, Item] = field(repr=False)
    deck_of: dict[str, str] = field(repr=False)
    # Each deck's generated items, interleaved with its own (see ``interleave``).
    templates: dict[str, tuple[Generated, ...]] = field(default_factory=dict, repr=False)
    # The decks of ``decks`` that were sent to the bot as files, by deck id.
    own: dict[str, OwnDeckInfo] = field(default_factory=dict, repr=False)
    # The subject's synonyms and opposites the explain grader reads answers with
    # (lexicon.yaml beside the decks; none without that file).
    lexicon: Lexicon = field(default_factory=lambda: _no_lexicon(), repr=False)
    # Libraries never change once made, and every review asks for the same lists: they are
    # computed once per instance (kept here, so they go when the library goes).
    _memo: dict[tuple[Any, ...], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def chosen_decks(self, deck_ids: Collection[str] | None) -> list[str]:
        """The ids of ``deck_ids`` (None: every deck) in library order; every deck if none
        of them exists any more."""
        if deck_ids is None:
            return list(self.decks)
        return [d for d in self.decks if d in deck_ids] or list(self.decks)

    def item(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    def deck_title(self, item_id: str) -> str:
        """The title of the deck an item of this library is studied with."""
        return self.decks[self.deck_of[item_id]].title

    def deck_items(self, deck_id: str) -> tuple[Item, ...]:
        """Every item studied with the deck: its own and the generated ones that joined it."""
        return (*self.decks[deck_id].items(), *self.templates.get(deck_id, ()))

    def items_of_kind(
        self, kind: ItemKind, deck_ids: Sequence[str] | None = None
    ) -> Sequence[Item]:
        """Items of one kind in deck and teaching order, optionally only from some decks."""
        key = ("items", kind, None if deck_ids is None else tuple(deck_ids))
        found: tuple[Item, ...] | None = self._memo.get(key)
        if found is None:
            chosen = self.decks if deck_ids is None else [d for d in self.decks if d in deck_ids]
            found = self._memo[key] = tuple(
                item
                for d in chosen
                for item in interleave(
                    [i for i in self.decks[d].items() if i.kind is kind],
                    [t for t in self.templates.get(d, ()) if t.kind is kind],
                )
            )
        return found

    def ids_of_kind(self, kind: ItemKind, deck_ids: Sequence[str] | None = None) -> Sequence[str]:
        """The ids of ``items_of_kind`` (computed once per deck selection)."""
        key = ("ids", kind, None if deck_ids is None else tuple(deck_ids))
        found: tuple[str, ...] | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = tuple(i.id for i in self.items_of_kind(kind, deck_ids))
        return found

    def id_set_of_kind(self, kind: ItemKind, deck_ids: Sequence[str] | None = None) -> Set[str]:
        """The same ids as a set, for membership tests."""
        key = ("set", kind, None if deck_ids is None else tuple(deck_ids))
        found: frozenset[str] | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = frozenset(self.ids_of_kind(kind, deck_ids))
        return found

    def with_decks(self, added: Sequence[tuple[Deck, OwnDeckInfo]]) -> Library:
        """This library with own decks added after its decks (one already in it is left
        out). Their items join no generated ones."""
        fresh = [(deck, own) for deck, own in added if deck.id not in self.decks]
        if not fresh:
            return self
        items = dict(self.items)
        deck_of = dict(self.deck_of)
        for deck, _own in fresh:
            for item in deck.items():
                items[item.id] = item
                deck_of[item.id] = deck.id
        return Library(
            decks={**self.decks, **{deck.id: deck for deck, _own in fresh}},
            items=items,
            deck_of=deck_of,
            templates=self.templates,
            own={**self.own, **{deck.id: own for deck, own in fresh}},
            lexicon=self.lexicon,
        )


# A new learner meets this many of a deck's own items of a kind before its first generated one.
INTERLEAVE_LEAD = 3


def interleave(own: Sequence[Item], generated: Sequence[Item]) -> list[Item]:
    """The deck's own items in teaching order with its generated ones spread evenly among
    them: the first after INTERLEAVE_LEAD own items, the others at equal gaps, so a new
    learner meets fresh-number questions early and throughout, not only at the end."""
    if not generated:
        return list(own)
    ordered = list(own[:INTERLEAVE_LEAD])
    rest = own[INTERLEAVE_LEAD:]
    taken = 0
    for j, item in enumerate(generated):
        cut = j * len(rest) // len(generated)
        ordered += rest[taken:cut]
        taken = cut
        ordered.append(item)
    return ordered + list(rest[taken:])


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
    (``tutor.lint.builtin_problems``: poll limits, 3 or 4 options and concepts, ...).

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
    from tutor.lint import builtin_problems

    problems = builtin_problems(deck)
    if problems:
        raise ContentError(f"{path}: {problems[0]}")
    return deck


def load_library(directory: Path, *, templates: Sequence[Generated] | None = None) -> Library:
    """Load every ``*.yaml`` deck in ``directory``; ids must be unique across all decks.
    The lexicon beside them (LEXICON_FILE), when there is one, is read and checked too: it
    is the library's ``lexicon``.

    ``templates`` (by default the generated questions of tutor/generated.py and /predict's
    item) join the decks they name.

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
    if templates is None:
        from tutor.generated import QUIZ_TEMPLATES
        from tutor.predict import ITEM

        templates = (*QUIZ_TEMPLATES, ITEM)
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
    from tutor.grading import Lexicon

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


def library_of(
    decks: list[Deck],
    sources: list[Path] | None = None,
    templates: Sequence[Generated] = (),
) -> Library:
    """Index decks into a Library; ids must be unique across decks and items. A template
    joins the first of its decks present, and is left out when none is.

    Raises:
        ContentError: naming the file of the second use of an id.
    """
    names = [str(path) for path in sources] if sources else [f"deck {d.id}" for d in decks]
    by_id: dict[str, Deck] = {}
    items: dict[str, Item] = {}
    deck_of: dict[str, str] = {}
    seen_in: dict[str, str] = {}
    for deck, name in zip(decks, names, strict=True):
        reserved = next(
            (i for i in (deck.id, *(item.id for item in deck.items())) if _OWN_ID.match(i)), None
        )
        if reserved is not None:
            raise ContentError(
                f"{name}: id {reserved!r}: ids that start with {OWN_DECK_PREFIX!r} and a digit "
                "are kept for decks sent to the bot"
            )
        if deck.id in seen_in:
            other = seen_in[deck.id]
            raise ContentError(f"{name}: deck {deck.id!r}: field 'id': already used in {other}")
        seen_in[deck.id] = name
        by_id[deck.id] = deck
        for item in deck.items():
            if item.id in seen_in:
                other = seen_in[item.id]
                raise ContentError(
                    f"{name}: item {item.id!r}: field 'id': already used in {other}"
                )
            items[item.id] = item
            deck_of[item.id] = deck.id
            seen_in[item.id] = name
    joined: dict[str, list[Generated]] = {}
    for template in templates:
        deck_id = next((d for d in template.decks if d in by_id), None)
        if deck_id is None:
            continue
        if template.id in seen_in:
            other = seen_in[template.id]
            raise ContentError(f"generated item {template.id!r}: already used in {other}")
        items[template.id] = template
        deck_of[template.id] = deck_id
        seen_in[template.id] = "tutor/generated.py"
        joined.setdefault(deck_id, []).append(template)
    return Library(
        decks=by_id,
        items=items,
        deck_of=deck_of,
        templates={d: tuple(ts) for d, ts in joined.items()},
    )
