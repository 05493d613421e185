"""Quiz lint: can a deck's questions be passed by test-taking tricks instead of knowledge?

Two tricks are measured over a deck's quiz questions:

- **Pick the longest option.** Writers tend to make the right answer the longest, most
  careful one. The lint counts the questions whose correct option is *strictly* the
  longest (in characters; a tie is not longest) and compares that share with chance, the
  mean of 1/len(options). A deck fails when the trick beats chance by more than
  ``LONGEST_EDGE_MAX`` (10 points).
- **Strike out absolute words.** Wrong options written in a hurry say "never", "always",
  "only", "guaranteed" ... while right ones hedge. The lint counts the options that hold
  at least one word of ``ABSOLUTE_WORDS``, among the right options and among the wrong
  ones. "Absolute words sit only in wrong options" is read as a *rate*: a deck fails when
  the share of wrong options holding one exceeds the share of right options holding one
  by more than ``ABSOLUTE_EDGE_MAX`` (10 points). A deck with absolute words in right and
  wrong options alike, or in none, passes; one with none in right options and more than
  one wrong option in ten holding one fails.

Two giveaways are checked question by question; a deck fails on any:

- **The only option that names what is asked.** A specific word of the question (a name
  such as ``OneCycleLR`` or ``scheduler``, not a common word of the subject) that the right
  option repeats and no wrong option does lets a learner match words instead of knowing.
- **The only hedged option.** A right option that hedges ("usually", "not enough to
  decide", "depends") among wrong ones that all state firmly is found by its tone alone.

Pure functions over a :class:`~tutor.domain.content.Deck`; ``python -m bot check-content`` prints
the figures and the problems.

Beyond the schema, which own decks share, built-in decks keep a stricter bar
(``builtin_problems``, applied when content/ loads): every quiz question fits a Telegram quiz
poll and has 3 or 4 options; every explain prompt has 3 or 4 key concepts, each shown by two
phrases or a relation, and at least two misconceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tutor.domain.content import Deck, Option, QuizQuestion, poll_problems

# The built-in decks' bar beyond the schema.
BUILTIN_OPTIONS = (3, 4)
BUILTIN_CONCEPTS = (3, 4)
BUILTIN_CONCEPT_PHRASES_MIN = 2
BUILTIN_MISCONCEPTIONS_MIN = 2

# How far (as a share, 0.10 = 10 points) a trick may beat honest chance before a deck fails.
LONGEST_EDGE_MAX = 0.10
ABSOLUTE_EDGE_MAX = 0.10

# Words that state a rule without exception; test-wise learners strike out options with them.
ABSOLUTE_WORDS = frozenset(
    {
        "always",
        "never",
        "only",
        "guaranteed",
        "guarantee",
        "guarantees",
        "all",
        "none",
        "must",
        "every",
        "cannot",
        "can't",
        "impossible",
        "nothing",
        "nobody",
        "entirely",
        "completely",
        "certainly",
    }
)
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

# Words that hedge a claim; a right option that alone holds one stands out by its tone.
HEDGE_WORDS = frozenset(
    {
        "usually",
        "often",
        "may",
        "might",
        "probably",
        "likely",
        "typically",
        "generally",
        "sometimes",
        "depends",
        "perhaps",
        "possibly",
        "roughly",
        "approximately",
        "enough",
    }
)
# A name in a question: an identifier (``lr_scheduler``, ``optimizer.step``), or a word
# with a capital or a digit after its first letter (``OneCycleLR``, ``AdamW``, ``fp16``).
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _names(text: str) -> set[str]:
    """The names in ``text`` (case-folded)."""
    return {
        name.casefold()
        for name in _NAME.findall(text)
        if "_" in name or "." in name or re.search(r"[A-Z0-9]", name[1:])
    }


def named_only_by_the_answer(question: QuizQuestion) -> set[str]:
    """The names of the question that its right option repeats and no wrong one does: a
    learner can match them without knowing the answer."""
    right = question.options[question.correct_index].text.casefold()
    wrong = [option.text.casefold() for option in question.options if not option.correct]
    return {
        name
        for name in _names(question.question)
        if name in right and not any(name in text for text in wrong)
    }


def hedged_alone(question: QuizQuestion) -> bool:
    """Whether the right option is the only one that hedges."""

    def hedges(text: str) -> bool:
        return any(word in HEDGE_WORDS for word in _WORD.findall(text.casefold()))

    return hedges(question.options[question.correct_index].text) and not any(
        hedges(option.text) for option in question.options if not option.correct
    )


def absolute_words(text: str) -> list[str]:
    """The absolute words of ``text``, in order (case-folded, whole words)."""
    folded = text.casefold().replace("\u2019", "'")
    return [word for word in _WORD.findall(folded) if word in ABSOLUTE_WORDS]


def _length(option: Option) -> int:
    return len(option.text.strip())


@dataclass(frozen=True)
class QuizFigures:
    """The lint's figures for one deck's quiz questions."""

    deck_id: str
    questions: int
    longest_correct: int  # questions whose correct option is strictly the longest
    chance: float  # mean of 1/len(options): what guessing scores
    right_options: int
    right_absolute: int  # right options holding an absolute word
    wrong_options: int
    wrong_absolute: int  # wrong options holding an absolute word
    # Giveaways, question by question: the names only the right option repeats, by item,
    # and the items whose right option is the only one that hedges.
    named: tuple[tuple[str, tuple[str, ...]], ...] = ()
    hedged: tuple[str, ...] = ()

    @property
    def longest_share(self) -> float:
        """What always picking the longest option scores (a tie counts as a miss)."""
        return self.longest_correct / self.questions if self.questions else 0.0

    @property
    def longest_edge(self) -> float:
        """How far picking the longest option beats chance (negative: it does worse)."""
        return self.longest_share - self.chance if self.questions else 0.0

    @property
    def right_absolute_share(self) -> float:
        return self.right_absolute / self.right_options if self.right_options else 0.0

    @property
    def wrong_absolute_share(self) -> float:
        return self.wrong_absolute / self.wrong_options if self.wrong_options else 0.0

    @property
    def absolute_edge(self) -> float:
        """How much more often wrong options hold an absolute word than right ones."""
        return self.wrong_absolute_share - self.right_absolute_share

    def summary(self) -> str:
        """One line with both figures, for ``check-content``."""
        if not self.questions:
            return "no quiz questions"
        return (
            f"longest option correct in {self.longest_correct}/{self.questions} "
            f"({self.longest_share:.0%}, chance {self.chance:.0%}); absolute words in "
            f"{self.right_absolute}/{self.right_options} right and "
            f"{self.wrong_absolute}/{self.wrong_options} wrong options"
        )


def quiz_figures(deck: Deck) -> QuizFigures:
    """Measure both tricks over the quiz questions of ``deck``."""
    longest = 0
    chance = 0.0
    right = right_abs = wrong = wrong_abs = 0
    for question in deck.quiz:
        lengths = [_length(option) for option in question.options]
        mine = lengths[question.correct_index]
        if all(mine > other for i, other in enumerate(lengths) if i != question.correct_index):
            longest += 1
        chance += 1 / len(question.options)
        for option in question.options:
            has = bool(absolute_words(option.text))
            if option.correct:
                right, right_abs = right + 1, right_abs + has
            else:
                wrong, wrong_abs = wrong + 1, wrong_abs + has
    count = len(deck.quiz)
    named = tuple(
        (question.id, tuple(sorted(names)))
        for question in deck.quiz
        if (names := named_only_by_the_answer(question))
    )
    return QuizFigures(
        deck_id=deck.id,
        questions=count,
        longest_correct=longest,
        chance=chance / count if count else 0.0,
        right_options=right,
        right_absolute=right_abs,
        wrong_options=wrong,
        wrong_absolute=wrong_abs,
        named=named,
        hedged=tuple(question.id for question in deck.quiz if hedged_alone(question)),
    )


def quiz_problems(figures: QuizFigures) -> list[str]:
    """One line per rule the deck breaks; empty when it passes."""
    problems = []
    if figures.longest_edge > LONGEST_EDGE_MAX:
        problems.append(
            f"{figures.deck_id}: picking the longest option scores {figures.longest_share:.0%} "
            f"({figures.longest_correct}/{figures.questions}), chance is {figures.chance:.0%}: "
            f"{figures.longest_edge * 100:.0f} points above chance (at most "
            f"{LONGEST_EDGE_MAX * 100:.0f}); make the correct option the longest in fewer "
            "questions, or the wrong ones as long"
        )
    if figures.absolute_edge > ABSOLUTE_EDGE_MAX:
        problems.append(
            f"{figures.deck_id}: absolute words (never, always, only ...) are in "
            f"{figures.wrong_absolute_share:.0%} of wrong options "
            f"({figures.wrong_absolute}/{figures.wrong_options}) but "
            f"{figures.right_absolute_share:.0%} of right ones "
            f"({figures.right_absolute}/{figures.right_options}): "
            f"{figures.absolute_edge * 100:.0f} points apart (at most "
            f"{ABSOLUTE_EDGE_MAX * 100:.0f}); hedge the wrong options or state the right ones "
            "as firmly"
        )
    for item, names in figures.named:
        problems.append(
            f"{figures.deck_id}: item {item!r}: only the right option repeats "
            f"{', '.join(names)} from the question; name it in a wrong option too, or leave "
            "it out of the right one"
        )
    for item in figures.hedged:
        problems.append(
            f"{figures.deck_id}: item {item!r}: the right option is the only one that hedges; "
            "hedge a wrong one too, or state the right one as firmly"
        )
    return problems


def lint_deck(deck: Deck) -> tuple[QuizFigures, list[str]]:
    """The figures of ``deck`` and its problems (empty when it passes)."""
    figures = quiz_figures(deck)
    return figures, quiz_problems(figures)


def builtin_problems(deck: Deck) -> list[str]:
    """What keeps ``deck`` below the built-in decks' bar, one line per problem naming the
    item and the field ("item 'q-one': field 'explanation': ..."); empty when it passes."""
    problems = []
    for question in deck.quiz:
        where = f"item {question.id!r}"
        for field, limit in poll_problems(question):
            problems.append(
                f"{where}: field {field!r}: String should have at most {limit} characters "
                "(a quiz poll's limit)"
            )
        problems += _count_problem(where, "options", len(question.options), BUILTIN_OPTIONS)
    for prompt in deck.explain:
        where = f"item {prompt.id!r}"
        problems += _count_problem(where, "concepts", len(prompt.concepts), BUILTIN_CONCEPTS)
        for i, concept in enumerate(prompt.concepts):
            if (
                len(concept.phrases) + len(concept.claims) < BUILTIN_CONCEPT_PHRASES_MIN
                and not concept.relations
            ):
                problems.append(
                    f"{where}: field 'concepts.{i}': Value error, a concept needs at least two "
                    "phrases or a relation"
                )
        if len(prompt.misconceptions) < BUILTIN_MISCONCEPTIONS_MIN:
            problems.append(
                f"{where}: field 'misconceptions': List should have at least "
                f"{BUILTIN_MISCONCEPTIONS_MIN} items"
            )
    return problems


def _count_problem(where: str, field: str, count: int, bounds: tuple[int, int]) -> list[str]:
    low, high = bounds
    if count < low:
        return [f"{where}: field {field!r}: List should have at least {low} items"]
    if count > high:
        return [f"{where}: field {field!r}: List should have at most {high} items"]
    return []
