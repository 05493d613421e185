"""The subject's synonyms and opposites, and the variants of a phrase they make."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from tutor.domain.language.phrases import compile_phrase, content_words
from tutor.domain.language.words import stem_set


@dataclass(frozen=True)
class Lexicon:
    """Groups of words or phrases that mean the same in this subject, as stem sequences.

    A concept or misconception phrase also matches with one group member swapped for
    another ("random weights" also matches "untrained weights").
    """

    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()
    # Per member of an opposite pair (or of a group one side belongs to), what it turns
    # into when a statement is said the other way round: high -> low, small, tiny.
    opposites: tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = ()

    def __hash__(self) -> int:
        # Hashed on every cached phrase lookup: computed once, not over the nested tuples
        # each time.
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash((self.groups, self.opposites))
            object.__setattr__(self, "_hash", found)
        return found

    @classmethod
    def of(
        cls, groups: Iterable[Iterable[str]], opposites: Iterable[Sequence[str]] = ()
    ) -> Lexicon:
        """Compile groups of phrases, and pairs of opposites, as the lexicon file writes them."""
        compiled = []
        for group in groups:
            members = tuple(
                dict.fromkeys(
                    units
                    for member in group
                    if (units := tuple(s for _, s in content_words(member)))
                )
            )
            if len(members) > 1:
                compiled.append(members)

        def family(phrase: str) -> tuple[tuple[str, ...], ...]:
            units = tuple(s for _, s in content_words(phrase))
            return next((group for group in compiled if units in group), (units,))

        flips: dict[tuple[str, ...], dict[tuple[str, ...], None]] = {}
        for one, other in opposites:
            for side, turned in ((family(one), family(other)), (family(other), family(one))):
                for member in side:
                    flips.setdefault(member, {}).update(dict.fromkeys(turned))
        return cls(
            tuple(compiled),
            tuple((member, tuple(turned)) for member, turned in flips.items() if member),
        )


MAX_VARIANTS = 48  # per phrase, so one long phrase cannot make grading slow


def _substitutions(units: tuple[str, ...], lexicon: Lexicon) -> list[tuple[str, ...]]:
    """The sequences one swap of a lexicon member makes from ``units``."""
    out: list[tuple[str, ...]] = []
    for group in lexicon.groups:
        for member in group:
            size = len(member)
            for at in range(len(units) - size + 1):
                if units[at : at + size] != member:
                    continue
                for other in group:
                    if other != member:
                        out.append(units[:at] + other + units[at + size :])
    return out


@lru_cache(maxsize=8192)
def expand_phrase(
    phrase: str, lexicon: Lexicon, *, loose: bool = False
) -> tuple[tuple[str, ...], ...]:
    """The stem sequences of a phrase (compile_phrase) and their lexicon variants.

    Up to two swaps, from different places of the phrase, and at most MAX_VARIANTS.
    """
    found = dict.fromkeys(sorted(compile_phrase(phrase, loose=loose)))
    frontier = list(found)
    for _ in range(2):
        following: list[tuple[str, ...]] = []
        for units in frontier:
            for variant in _substitutions(units, lexicon):
                if variant not in found and len(found) < MAX_VARIANTS:
                    found[variant] = None
                    following.append(variant)
        frontier = following
    return tuple(found)


# Words of order: "unscale, then clip" said the other way round is "clip, then unscale".
ORDER = stem_set("then", "before", "after")


def _turned(units: tuple[str, ...], lexicon: Lexicon) -> list[tuple[str, ...]]:
    """The sequences that say ``units`` the other way round: one member of an opposite
    pair swapped for its opposite (too high -> too low), or the two sides of an order
    word swapped (clip then unscale -> unscale then clip)."""
    out: list[tuple[str, ...]] = []
    for member, opposites in lexicon.opposites:
        size = len(member)
        for at in range(len(units) - size + 1):
            if units[at : at + size] == member:
                out += [units[:at] + other + units[at + size :] for other in opposites]
    for at in range(1, len(units) - 1):
        if units[at] in ORDER:
            out.append((*units[at + 1 :], units[at], *units[:at]))
    return out


@lru_cache(maxsize=8192)
def flip_phrase(phrase: str, lexicon: Lexicon) -> tuple[tuple[str, ...], ...]:
    """The stem sequences that state a deck phrase the other way round ("start low" for
    "start high", "decay then warm up" for "warm up then decay"), at most MAX_VARIANTS,
    none of them a form of the phrase itself."""
    own = expand_phrase(phrase, lexicon)
    found: dict[tuple[str, ...], None] = {}
    for units in own:
        for variant in _turned(units, lexicon):
            if variant not in own and len(found) < MAX_VARIANTS:
                found[variant] = None
    return tuple(found)
