"""Relations: causes tied to effects in an answer, the right way round or turned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tutor.domain.language.clauses import (
    CONJUNCTIONS,
    LINKING,
    SEGMENT_BREAKS,
    SUBORDINATORS,
    Sentence,
)
from tutor.domain.language.lexicon import Lexicon
from tutor.domain.language.matching import Answer, Span, asserted, occurrences, reversals
from tutor.domain.language.stance import blamed, claimed
from tutor.domain.language.words import stem_set

# Words that lead from an effect back to the cause after it: "overshoots IF it is too high",
# "slow WITH a tiny rate", "a smaller rate FOR (or TO) the pretrained layers".
_LEADS_BACK = stem_set(
    "if",
    "when",
    "whenever",
    "with",
    "for",
    "to",
    "because",
    "since",
    "once",
    "due",
    "given",
    "using",
    "under",
    "on",
)
_PREPOSITIONS = stem_set("with", "for", "to", "on", "under", "using", "given", "due")
_LEAD_REACH = 6  # at most this many tokens from an effect to the word that leads back


@dataclass(frozen=True)
class Rule:
    """One relation of a prompt, numbered, and the key idea or misconception it shows.

    ``owner`` is the key idea's index (>= 0) or -1 - the misconception's index.
    """

    number: int
    cause: Sequence[str]
    effect: Sequence[str]
    owner: int

    @property
    def key(self) -> bool:
        return self.owner >= 0


@dataclass(frozen=True)
class _Cause:
    span: Span
    relation: int  # which relation of the prompt this cause phrase belongs to
    turned: bool = False  # the cause said the other way round ("too low" for "too high")


@dataclass(frozen=True)
class _Effect:
    span: Span
    relation: int
    turned: bool  # said the other way round, or denied ("does not overshoot")


def _pair(effect: Span, causes: list[_Cause], effects: list[Span], answer: Answer) -> list[_Cause]:
    """The causes an effect is tied to in its sentence: the nearest before it, or the
    first after it when a word like "if", "with" or "for" leads there."""
    s, start, end = effect
    sentence = answer.sentences[s]
    segment = sentence.segment[start]
    mine = [c for c in causes if c.span[0] == s and sentence.segment[c.span[1]] == segment]
    after = [c for c in mine if c.span[1] >= end]
    if after:
        first = min(c.span[1] for c in after)
        if _leads_back(sentence, end, first, [e for e in effects if e[0] == s]):
            return [c for c in after if c.span[1] == first]
    before = [c for c in mine if c.span[2] <= start]
    if not before and _no_subject(sentence, start):
        # "a larger rate is faster BUT can overshoot": the cause stated earlier
        before = [c for c in causes if c.span[0] == s and c.span[2] <= start]
    if not before:
        return []
    last = max(c.span[2] for c in before)
    nearest = max((c for c in before if c.span[2] == last), key=lambda c: c.span[1])
    return [c for c in before if c.span[2] > nearest.span[1]]  # overlapping the nearest


def _no_subject(sentence: Sentence, start: int) -> bool:
    """Whether an effect's statement has no subject of its own before it ("but CAN
    overshoot", not "while THE HEAD gets a larger rate")."""
    segment = sentence.segment[start]
    k = start - 1
    while k >= 0 and sentence.segment[k] == segment:
        token = sentence.tokens[k]
        if not (token.stop or token.stem in LINKING or token.stem in SEGMENT_BREAKS):
            return False
        k -= 1
    return True


def _leads_back(sentence: Sentence, end: int, cause: int, effects: list[Span]) -> bool:
    """Whether, between an effect ending at ``end`` and a cause at ``cause``, a word leads
    back to the cause (not one that opens a new clause: "..., and if it is too low")."""
    tokens = sentence.tokens
    for k in range(end, min(cause, end + _LEAD_REACH)):
        if tokens[k].stem in _LEADS_BACK:
            if k > 0 and tokens[k - 1].stem in CONJUNCTIONS:
                return False
            # "..., for sgd the square root rule" starts a statement of its own.
            if tokens[k].stem in _PREPOSITIONS and sentence.piece[k] != sentence.piece[end - 1]:
                return False
            # "..., if it is too small training crawls": the "if" opens a statement with
            # an effect of its own after the cause.
            if tokens[k].stem in SUBORDINATORS and any(
                e_start > cause and sentence.segment[e_start] == sentence.segment[cause]
                for _, e_start, _ in effects
            ):
                return False
            # Another effect in between must be listed with this one ("diverges and
            # oscillates if ..."), not stated on its own ("overshoots, training is slow if").
            previous = end
            for _, e_start, e_end in sorted(e for e in effects if end <= e[1] < k):
                if any(not t.stop for t in tokens[previous:e_start]):
                    return False
                previous = e_end
            return True
    return False


def _conceded(effect: Span, causes: list[_Cause], answer: Answer) -> bool:
    """Whether a concessive word stands between an effect and its causes: the effect holds
    in spite of the cause, not because of it."""
    s, start, end = effect
    tokens = answer.sentences[s].tokens
    for cause in causes:
        low, high = (
            sorted((cause.span[2], start)) if cause.span[1] < start else (end, cause.span[1])
        )
        if any(token.stem in _CONCESSIVE for token in tokens[low:high]):
            return True
    return False


_CONCESSIVE = stem_set("still", "despite", "even", "nevertheless", "anyway")


def _named_beside(effect: _Effect, causes: list[_Cause], answer: Answer) -> bool:
    """Whether a cause of the effect's own relation stands in the same statement: then
    tying the effect to another's cause is a comparison ("AdamW, unlike Adam, decouples
    it"), not a swap of roles."""
    s, start, _ = effect.span
    segment = answer.sentences[s].segment[start]
    return any(
        cause.relation == effect.relation
        and not cause.turned
        and cause.span[0] == s
        and answer.sentences[s].segment[cause.span[1]] == segment
        for cause in causes
    )


def relations(
    rules: Sequence[Rule], answer: Answer, lexicon: Lexicon, truths: frozenset[tuple[str, ...]]
) -> tuple[set[int], set[int]]:
    """Which relations (by number) the answer states the right way round, and which key
    ideas' relations it states the other way round: a turned cause or effect ("too LOW
    makes it overshoot", "too high makes it STABLE"), a denied effect ("too high does
    NOT overshoot"), or an effect tied to the cause of another key idea's relation
    ("SGD takes the square-root rule" where SGD is the linear rule's)."""
    if not rules or not answer.sentences:
        return set(), set()
    causes: list[_Cause] = []
    effects: list[_Effect] = []
    for rule in rules:
        for phrase in rule.cause:
            causes += [_Cause(span, rule.number) for span in occurrences(phrase, answer, lexicon)]
            if rule.key:
                causes += [
                    _Cause(span, rule.number, turned=True)
                    for span in reversals(phrase, answer, lexicon, truths)
                ]
        for phrase in rule.effect:
            for span in occurrences(phrase, answer, lexicon):
                if asserted(span, answer):
                    effects.append(_Effect(span, rule.number, turned=False))
                elif rule.key and claimed(span, answer, if_ok=True):
                    effects.append(_Effect(span, rule.number, turned=True))
            if rule.key:
                effects += [
                    _Effect(span, rule.number, turned=True)
                    for span in reversals(phrase, answer, lexicon, truths)
                    if asserted(span, answer) and claimed(span, answer, if_ok=True)
                ]
    if not causes:
        return set(), set()
    owner = {rule.number: rule.owner for rule in rules}
    every_effect = sorted({effect.span for effect in effects})
    held: set[int] = set()
    turned: set[int] = set()
    ties = [
        [
            cause
            for cause in _pair(effect.span, causes, every_effect, answer)
            if asserted(cause.span, answer, subject=True)
        ]
        for effect in effects
    ]
    # Effects some relation states with its own cause: tied to that cause, they swap no
    # roles ("AdamW scales linearly too" where both SGD's and Adam's ideas allow it).
    owned = {
        effect.span
        for effect, tied in zip(effects, ties, strict=True)
        if not effect.turned
        and any(cause.relation == effect.relation and not cause.turned for cause in tied)
    }
    for effect, tied in zip(effects, ties, strict=True):
        own = [cause for cause in tied if cause.relation == effect.relation]
        if owner[effect.relation] < 0 and _conceded(effect.span, own, answer):
            continue  # "the biggest rate that STILL converges smoothly" blames no rate
        if not effect.turned and any(not cause.turned for cause in own):
            if owner[effect.relation] >= 0 or (
                claimed(effect.span, answer, if_ok=True) and not blamed(effect.span, answer)
            ):
                held.add(effect.relation)
        elif owner[effect.relation] < 0 or not claimed(effect.span, answer, if_ok=True):
            continue
        elif any(cause.turned != effect.turned for cause in own):
            turned.add(effect.relation)
        elif (
            not own
            and not effect.turned
            and effect.span not in owned
            and not _named_beside(effect, causes, answer)
            and any(
                not cause.turned
                and owner[cause.relation] != owner[effect.relation]
                and owner[cause.relation] >= 0
                for cause in tied
            )
        ):
            turned.add(effect.relation)  # roles swapped: tied to another key idea's cause
    return held, turned
