"""How an answer stands to what it says: claimed, blamed, dismissed, said as one thing."""

from __future__ import annotations

from collections.abc import Sequence

from tutor.domain.language.lexicon import ORDER
from tutor.domain.language.matching import Answer, Span
from tutor.domain.language.words import stem_set


def claimed(span: Span, answer: Answer, *, if_ok: bool = False) -> bool:
    """Whether an occurrence is claimed, not only supposed or reported (see clauses.Sentence);
    ``if_ok``: an "if" clause counts (a relation's effect: "if it is too low it
    overshoots" claims that a low rate overshoots)."""
    s, i, _ = span
    sentence = answer.sentences[s]
    return not (sentence.reported[i] or (sentence.supposed[i] and not if_ok))


def blamed(span: Span, answer: Answer) -> bool:
    """Whether what an occurrence says is blamed in its statement ("starting with a large
    rate is what blows Adam up"): named as a cause of harm, not recommended. A phrase that
    names harm itself ("a low rate makes it diverge") is never blamed."""
    s, start, end = span
    sentence = answer.sentences[s]
    if any(token.stem in _HARM for token in sentence.tokens[start:end]):
        return False
    segment = sentence.segment[end - 1]
    for k in range(end, len(sentence.tokens)):
        if sentence.segment[k] != segment:
            return False
        if sentence.tokens[k].stem in _HARM:
            return not any(t.stem in _AVERTING for t in sentence.tokens[max(end, k - 3) : k])
    return False


# Harm an answer blames on what it names, and the words that avert it instead.
_HARM = stem_set(
    "diverge",
    "explode",
    "blow",
    "nan",
    "unstable",
    "instability",
    "hurt",
    "harm",
    "break",
    "breaks",
    "fail",
    "problem",
    "damage",
    "destroy",
    "ruin",
    "crash",
    "spike",
    "wreck",
    "overwrite",
    "forget",
    "erase",
    "wipe",
)
_AVERTING = stem_set("prevent", "avoid", "stop", "without", "reduce", "less", "fewer", "no", "not")


def dismissed(span: Span, answer: Answer) -> bool:
    """Whether the answer judges an occurrence worthless or false (see clauses.Sentence)."""
    s, i, _ = span
    return answer.sentences[s].dismissed[i]


def in_order(span: Span, answer: Answer) -> bool:
    """Whether an occurrence holds a word of order: "clip first, then unscale" states an
    order across its comma."""
    s, i, end = span
    return any(token.stem in ORDER for token in answer.sentences[s].tokens[i:end])


def overlaps(span: Span, others: Sequence[Span]) -> bool:
    """Whether an occurrence shares a word with one of ``others`` that reaches past it
    ("freezing / gradual unfreezing": "freezing gradual" ends inside "gradual
    unfreezing"); one inside it ("clip_grad_norm_" in "clip_grad_norm_, then unscale")
    does not count."""
    s, i, end = span
    return any(
        s == o_s and i < o_end and o_i < end and (o_i < i or o_end > end)
        for o_s, o_i, o_end in others
    )


def one_piece(span: Span, answer: Answer) -> bool:
    """Whether an occurrence stays within one piece of its sentence (no comma, colon,
    bracket or arrow inside it)."""
    s, i, end = span
    return answer.sentences[s].piece[i] == answer.sentences[s].piece[end - 1]


def whole(span: Span, answer: Answer) -> bool:
    """Whether an occurrence stays within one piece of its sentence and is not a point of
    reference ("a tenth of the rate at the minimum" does not pick the minimum): to show a
    misconception, a phrase must be said as one thing ("with decay, 'head.bias' -> no
    decay" does not decay the biases)."""
    s, i, _ = span
    sentence = answer.sentences[s]
    if not one_piece(span, answer):
        return False
    return not any(token.stem in _REFERENCES for token in sentence.tokens[max(0, i - 3) : i])


# Words that make what follows a point of reference, not the value chosen.
_REFERENCES = stem_set(
    "tenth", "fraction", "half", "below", "under", "than", "beneath", "after", "before", "once"
)
