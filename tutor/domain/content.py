"""The deck schema: cards, quiz questions and explain prompts as deck files write them."""

from __future__ import annotations

import enum
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from tutor.domain.language import weighty

# Telegram's limits for native quiz polls. Built-in questions keep within them (the lint
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
    # /predict: guess what a fresh training run's loss does (see tutor/services/predict.py).
    PREDICT = "predict"


class StrictModel(BaseModel):
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


class Card(StrictModel):
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


class Option(StrictModel):
    """One answer of a multiple-choice question."""

    text: Annotated[Text, StringConstraints(max_length=OPTION_MAX)]
    correct: bool = False
    why_wrong: Annotated[Text, StringConstraints(max_length=400)] | None = None

    @model_validator(mode="after")
    def _reason_only_for_wrong(self) -> Option:
        if self.correct and self.why_wrong is not None:
            raise ValueError("the correct option cannot have a why_wrong")
        return self


class QuizQuestion(StrictModel):
    """A multiple-choice question with exactly one correct option."""

    id: ItemId
    level: Level
    question: Annotated[Text, StringConstraints(max_length=QUESTION_MAX)]
    # Built-in questions have 3 or 4 options (tutor/domain/lint.py); an own one may have 2.
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


class Relation(StrictModel):
    """A statement with a direction: one of ``cause`` leads to one of ``effect``.

    It holds only when one sentence of the answer ties an effect to a cause of this
    relation (the nearest cause before it, or the one after it when "if", "when", "with",
    "for", "to" ... lead there), neither inside a negated clause. "Too high makes it
    overshoot" holds for cause "too high", effect "overshoot"; "too low makes it
    overshoot" does not.
    """

    cause: list[Phrase] = Field(min_length=1, max_length=24)
    effect: list[Phrase] = Field(min_length=1, max_length=24)


class Concept(StrictModel):
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
        # Built-in concepts need two phrases or a relation (tutor/domain/lint.py); an own one, one.
        if not self.phrases and not self.claims and not self.relations:
            raise ValueError("a concept needs a phrase, a claim or a relation")
        for claim in self.claims:
            if not weighty(claim):
                raise ValueError(
                    f"claim {claim!r}: a claim needs two words that count (it is turned"
                    " round or denied as a whole); make a one-word wording a phrase"
                )
        return self


class Misconception(StrictModel):
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


class ExplainPrompt(StrictModel):
    """An open question answered in the learner's own words, graded by key concepts."""

    id: ItemId
    level: Level
    prompt: Annotated[Text, StringConstraints(max_length=500)]
    hint: Annotated[Text, StringConstraints(max_length=300)]
    # Built-in prompts have 3 or 4 concepts and 2 or more misconceptions (tutor/domain/lint.py);
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
    """A quiz item with fresh numbers at every showing (see tutor/services/generated.py).

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
    the demo engine, and the run it describes is the answer key (see tutor/services/predict.py)."""

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


class Deck(StrictModel):
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


class ContentError(Exception):
    """A deck file is missing, unreadable or invalid; the message names file, item and field."""
