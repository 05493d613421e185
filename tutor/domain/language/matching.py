"""An answer ready to match, and where a phrase occurs in it, asserted or not."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.domain.language.clauses import CLAUSE_BREAKS, NEGATORS, Sentence
from tutor.domain.language.lexicon import Lexicon, expand_phrase, flip_phrase
from tutor.domain.language.words import ANY_NUMBER, SENTENCE_END, Token, normalize

# Between two words of a phrase an answer may slip in one other word, not counting stop
# words ("learning rate too high" in "the learning rate is far too high"), and MAX_SKIP
# tokens in all. Two would let "parameter groups from model.named_parameters()" read as
# the phrase "parameter names".
MAX_GAP = 1
MAX_SKIP = 4


@dataclass(frozen=True)
class Answer:
    """An answer ready to match: its sentences, where each key starts, and the
    occurrences of each stem sequence once looked up."""

    sentences: tuple[Sentence, ...]
    starts: dict[str, list[tuple[int, int]]]
    found: dict[tuple[str, ...], list[tuple[int, int, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, text: str) -> Answer:
        parts = tuple(
            found
            for part in SENTENCE_END.split(normalize(text))
            if (found := Sentence.of(part)) is not None
        )
        starts: dict[str, list[tuple[int, int]]] = {}
        for s, sentence in enumerate(parts):
            for i, token in enumerate(sentence.tokens):
                starts.setdefault(token.stem, []).append((s, i))
                if token.joined:
                    starts.setdefault(token.joined, []).append((s, i))
                if token.number:
                    starts.setdefault(ANY_NUMBER, []).append((s, i))
        return cls(parts, starts)

    def words(self) -> list[Token]:
        return [token for sentence in self.sentences for token in sentence.tokens]

    def content_stems(self) -> set[str]:
        """Stems of the words that can say what the answer is about (no "p", "x", "10")."""
        return {t.stem for t in self.words() if not t.stop and not t.number and len(t.stem) > 1}


def _token_is(token: Token, unit: str) -> bool:
    return token.stem == unit or (unit == ANY_NUMBER and token.number)


def _match_end(
    units: tuple[str, ...],
    index: int,
    tokens: tuple[Token, ...],
    position: int,
    failed: set[tuple[int, int]],
) -> int:
    """Where units[index:] end if they occur in order from tokens[position], or -1."""
    if index == len(units):
        return position
    if (index, position) in failed:
        return -1
    unit = units[index]
    skipped = 0
    for q in range(position, min(len(tokens), position + MAX_SKIP + 1)):
        token = tokens[q]
        if _token_is(token, unit):
            end = _match_end(units, index + 1, tokens, q + 1, failed)
            if end >= 0:
                return end
        if token.joined == unit:
            end = _match_end(units, index + 1, tokens, q + 2, failed)
            if end >= 0:
                return end
        if token.stem in CLAUSE_BREAKS:
            break  # a phrase is one statement: "goes up WHEN the rate" is no "raise the rate"
        if not token.stop and not token.inner:
            skipped += 1
            # No word slips in after a phrase's own negator ("not updated" is not in "not
            # stop updates"), and none skipped may be one ("get NO weight decay").
            after_negator = index > 0 and units[index - 1] in NEGATORS
            if skipped > MAX_GAP or after_negator or token.stem in NEGATORS:
                break
    failed.add((index, position))
    return -1


# An occurrence: (sentence, first token, token after the last).
Span = tuple[int, int, int]


def _spans(units: tuple[str, ...], answer: Answer) -> list[Span]:
    """Every occurrence of one stem sequence, at most one per starting token."""
    if units[0] not in answer.starts:
        return []
    known = answer.found.get(units)
    if known is None:
        known = answer.found[units] = _find(units, answer)
    return known


def _find(units: tuple[str, ...], answer: Answer) -> list[Span]:
    found: list[Span] = []
    failed: dict[int, set[tuple[int, int]]] = {}  # per sentence: (unit, position) tried
    for s, i in answer.starts.get(units[0], ()):
        end = _match_end(units, 0, answer.sentences[s].tokens, i, failed.setdefault(s, set()))
        if end >= 0:
            found.append((s, i, end))
    return found


def occurrences(
    phrase: str, answer: Answer, lexicon: Lexicon, *, loose: bool = False
) -> list[Span]:
    """Every occurrence of a phrase or a lexicon variant of it (see expand_phrase)."""
    return [
        span
        for units in expand_phrase(phrase, lexicon, loose=loose)
        for span in _spans(units, answer)
    ]


def reversals(
    phrase: str, answer: Answer, lexicon: Lexicon, truths: frozenset[tuple[str, ...]]
) -> list[Span]:
    """Occurrences of the phrase said the other way round, except wordings that are some
    key idea's own (``truths``)."""
    return [
        span
        for units in flip_phrase(phrase, lexicon)
        if units not in truths
        for span in _spans(units, answer)
    ]


def asserted(span: Span, answer: Answer, *, subject: bool = False) -> bool:
    """Whether an occurrence stands outside a negated clause (``subject``: may precede
    the clause's "not", as a relation's cause may)."""
    s, i, end = span
    sentence = answer.sentences[s]
    # A phrase that holds its own "not" ("learning rate does not matter") is not denied by it.
    own = any(token.stem in NEGATORS for token in sentence.tokens[i:end])
    return not (sentence.after_negator[i] if subject or own else sentence.negated[i])


def phrase_occurs(phrase: str, answer: str, lexicon: Lexicon | None = None) -> bool:
    """Whether a deck phrase occurs in an answer, outside a negated clause.

    Word forms and small gaps are allowed ("learning rate too high" occurs in "the LR is
    far too high"), and so are the lexicon's synonyms when one is given. "It is not too
    high" does not contain "too high": a phrase after a negator in the same clause does
    not count (a phrase may hold its own negator: "not updated").

    Args:
        phrase: A phrase as the deck writes it, e.g. "learning rate too high".
        answer: The learner's text, e.g. "the learning rate is too high".
        lexicon: Synonyms to expand the phrase through, or None for none.

    Returns:
        True if some form of the phrase occurs, asserted, in one sentence of the answer.
    """
    prepared = Answer.of(answer)
    return any(
        asserted(span, prepared) for span in occurrences(phrase, prepared, lexicon or Lexicon())
    )
