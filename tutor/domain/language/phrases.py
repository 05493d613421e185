"""A phrase as the stem sequences that count as saying it, and whether it says enough."""

from __future__ import annotations

from functools import lru_cache

from tutor.domain.language.clauses import CLAUSE_BREAKS, NEGATORS
from tutor.domain.language.words import (
    ANY_NUMBER,
    ARTICLES,
    COMPARABLE,
    sentences,
    stem,
    stem_set,
    stem_words,
)


def _merges(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Every way of gluing neighbouring words of a phrase (fine tune -> finetune)."""
    if len(items) < 2:
        return [items]
    first, second = items[0], items[1]
    glued = (first[0] + second[0], stem(first[0] + second[0]))
    return [[first, *rest] for rest in _merges(items[1:])] + [
        [glued, *rest] for rest in _merges(items[2:])
    ]


def content_words(phrase: str) -> list[tuple[str, str]]:
    """(raw, stem) of the words of a phrase that count (see compile_phrase)."""
    words = [word for sentence in sentences(phrase) for word in sentence]
    stemmed = stem_words(words)
    # Words that join two clauses stay: a phrase never spans a clause break it does not
    # hold itself (see _match_end in matching.py).
    content = [(raw, s) for raw, s, stop in stemmed if not stop or s in CLAUSE_BREAKS]
    if len(content) == 1 and len(stemmed) > 1:
        content = [(raw, s) for raw, s, _ in stemmed if raw not in ARTICLES]
        if len(content) < 2:
            content = [(raw, s) for raw, s, _ in stemmed]
    return content


@lru_cache(maxsize=4096)
def compile_phrase(phrase: str, *, loose: bool = False) -> frozenset[tuple[str, ...]]:
    """The stem sequences that count as an occurrence of a deck phrase.

    Stop words are dropped ("size of the step" -> size, step) unless that would leave a
    single word, which alone would be too loose: then only articles go ("lower it",
    "a little", "by name" stay whole); a phrase of stop words only matches nothing.
    Neighbouring words may also appear glued together ("fine tune" also matches
    "finetuning"), and "n" stands for any number ("every n epochs"). A ``loose`` phrase
    (a key idea's, not a misconception's) of two words also matches them the other way
    round ("arbitrary weights": "the weights are arbitrary"), unless one is a word of
    order or denial ("then clip", "not updated").

    Args:
        phrase: A phrase as the deck writes it.

    Returns:
        The alternative stem sequences; empty if the phrase holds no word.
    """
    content = content_words(phrase)
    if not content:
        return frozenset()
    # Only a phrase of just two words ("arbitrary weights", not "how big the step") turns,
    # and only when one of them says what the other is like (see _QUALITIES).
    loose = loose and len(phrase.split()) == 2
    alternatives: set[tuple[str, ...]] = set()
    for merged in _merges(content):
        units = tuple(s for _, s in merged)
        alternatives.add(units)
        if "n" in units:
            alternatives.add(tuple(ANY_NUMBER if u == "n" else u for u in units))
        if loose and len(units) == 2 and set(units) & _QUALITIES and not set(units) & _FIXED_ORDER:
            alternatives.add(units[::-1])  # "arbitrary weights": "the weights are arbitrary"
    return frozenset(alternatives)


# A two-word phrase turns only when one word says what the other is like ("high rate":
# "the rate is high"); two nouns do not ("parameter names" are not "named parameters").
_QUALITIES = frozenset(stem(word) for word in COMPARABLE) | stem_set(
    "random",
    "untrained",
    "arbitrary",
    "pretrained",
    "frozen",
    "new",
    "old",
    "global",
    "separate",
    "different",
    "same",
    "constant",
    "fixed",
    "low",
    "unstable",
    "stuck",
)
# Two-word phrases whose order carries meaning ("not updated", "then clip") keep it.
_FIXED_ORDER = NEGATORS | stem_set("then", "before", "after", "too", "first", "last")


def weighty(phrase: str) -> bool:
    """Whether a phrase says enough to be contradicted alone: two words or more that
    count ("start high" can be turned round; "stable" alone says nothing of what)."""
    words = [word for sentence in sentences(phrase) for word in sentence]
    return sum(not stop for _, _, stop in stem_words(words)) >= 2
