"""Grading of explain-it answers: which of a prompt's key concepts a learner's words cover."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tutor.domain.content import ExplainPrompt
from tutor.domain.grading.flags import (
    ECHO_SHARE,
    is_list,
    only_questions,
    question_stems,
    topic_stems,
    topic_texts,
)
from tutor.domain.grading.relations import Rule, relations
from tutor.domain.language.lexicon import Lexicon, expand_phrase
from tutor.domain.language.matching import Answer, Span, asserted, occurrences, reversals
from tutor.domain.language.stance import (
    blamed,
    claimed,
    dismissed,
    in_order,
    one_piece,
    overlaps,
    whole,
)
from tutor.domain.scheduling import Rating

LIST_NOTE = (
    "A list of key words is not yet an explanation: say how they connect (what leads to"
    " what, and why). Rated Hard at most."
)


@dataclass(frozen=True)
class Caution:
    """A misconception an answer shows: the wrong idea, and the reply's correction."""

    name: str
    correction: str


@dataclass(frozen=True)
class Grade:
    """How an answer fared against a prompt's key concepts and misconceptions.

    Attributes:
        covered: Names of the concepts the answer shows, in the prompt's order.
        missed: Names of the concepts it does not show, in the prompt's order.
        contradicted: Names of the concepts (among ``missed``) it says the other way round
            or denies: "a low rate overshoots", "warm-up starts high", "clip, then unscale".
        denies: Some key idea's phrase stands in a clause that denies it ("it has nothing
            to do with overshooting").
        empty: The answer holds no word at all (blank, only punctuation or emoji).
        off_topic: The answer has words, but none about the prompt or its subject.
        echo: The answer is the prompt or its hint pasted back (little of its own).
        cautions: The misconceptions it shows, each with its correction ("Careful: ...").
        list_only: The answer only lists key phrases, with no clause linking them.
        note: Why the rating is capped, for the reply (LIST_NOTE), or None.
    """

    covered: tuple[str, ...]
    missed: tuple[str, ...]
    contradicted: tuple[str, ...] = ()
    denies: bool = False
    empty: bool = False
    off_topic: bool = False
    echo: bool = False
    cautions: tuple[Caution, ...] = ()
    list_only: bool = False
    note: str | None = None

    @property
    def score(self) -> int:
        """How many key concepts were covered: the 2 of "You covered 2/3 key ideas"."""
        return len(self.covered)

    @property
    def total(self) -> int:
        """How many key concepts the prompt has: the 3 of "2/3"."""
        return len(self.covered) + len(self.missed)

    @property
    def fraction(self) -> float:
        """The share of concepts covered, from 0.0 to 1.0."""
        return self.score / self.total if self.total else 0.0

    @property
    def unsure(self) -> bool:
        """Whether the grader cannot tell: an answer on topic, in sentences, that finds
        fewer than half the key ideas yet contradicts, denies and misconceives none. It may
        be right in words the grader does not know (an analogy, an example), so the reply
        asks the learner to rate it themselves (counted as Hard until they do)."""
        return (
            not (self.empty or self.off_topic or self.echo or self.list_only or self.denies)
            and not (self.cautions or self.contradicted)
            and 2 * self.score < self.total
        )

    @property
    def rating(self) -> Rating:
        """The FSRS rating this answer counts as.

        Again for an empty, off-topic or echoed answer and for one that shows a
        misconception, whatever it covers; otherwise rating_for the share covered, and at
        most Hard for a bare list of key phrases.
        """
        if self.empty or self.off_topic or self.echo or self.cautions or self.contradicted:
            return Rating.AGAIN
        rating = rating_for(self.score, self.total)
        if self.list_only and rating > Rating.HARD:
            return Rating.HARD
        return rating


def rating_for(covered: int, total: int) -> Rating:
    """Map the share of concepts covered to an FSRS rating.

    Less than a third is Again (0/3, 0/4 and 1/4: the idea has not been recalled), less
    than two thirds is Hard (1/3, 2/4), less than all is Good (2/3, 3/4), and every
    concept is Easy. Compared in integers, so 1/3 is exactly a third.

    Args:
        covered: Concepts covered, 0 to total.
        total: Concepts of the prompt.

    Returns:
        The rating.
    """
    if total <= 0 or 3 * covered < total:
        return Rating.AGAIN
    if 3 * covered < 2 * total:
        return Rating.HARD
    if covered < total:
        return Rating.GOOD
    return Rating.EASY


def _truths(prompt: ExplainPrompt, lexicon: Lexicon) -> frozenset[tuple[str, ...]]:
    """Every wording of the prompt's key ideas: a phrase said the other way round that
    is one of them is no contradiction."""
    return _wordings(
        tuple(
            phrase
            for concept in prompt.concepts
            for phrase in (
                *concept.phrases,
                *concept.claims,
                *(
                    p
                    for relation in concept.relations
                    for p in (*relation.cause, *relation.effect)
                ),
            )
        ),
        lexicon,
    )


@lru_cache(maxsize=256)
def _wordings(phrases: tuple[str, ...], lexicon: Lexicon) -> frozenset[tuple[str, ...]]:
    return frozenset(
        units for phrase in phrases for units in expand_phrase(phrase, lexicon, loose=True)
    )


def grade_explanation(prompt: ExplainPrompt, answer: str, lexicon: Lexicon) -> Grade:
    """Grade a learner's free-text answer against an explain prompt.

    A concept is covered when one of its phrases occurs outside a negated clause ("it has
    nothing to do with overshooting" covers nothing), or one of its relations is stated
    the right way round in one sentence ("too high makes it overshoot", not "too low makes
    it overshoot"). Case, accents, punctuation, hyphens ("warm-up", "warmup", "warm up"),
    word forms ("diverged", "divergence"), numbers as digits or words ("10 times", "ten
    times", "tenfold", "10x"), a few words slipped in between a phrase's words, and the
    lexicon's synonyms ("untrained weights" for "random weights") all still match. A
    misconception shown the same way is returned as a caution, and keeps the rating at
    Again; so do an empty, off-topic or echoed answer; a bare list of key phrases gets at
    most Hard. Never raises.

    Args:
        prompt: The explain prompt that was asked.
        answer: The learner's reply, as sent; only the first MAX_ANSWER_CHARS count.
        lexicon: Synonyms to expand phrases through: the library's (``Library.lexicon``),
            or ``Lexicon()`` for none.

    Returns:
        The grade: concepts covered and missed, cautions, and the flags.
    """
    prepared = Answer.of(answer)
    rules: list[Rule] = []
    for c, concept in enumerate(prompt.concepts):
        for relation in concept.relations:
            rules.append(Rule(len(rules), relation.cause, relation.effect, c))
    for m, misconception in enumerate(prompt.misconceptions):
        for relation in misconception.relations:
            rules.append(Rule(len(rules), relation.cause, relation.effect, -1 - m))
    truths = _truths(prompt, lexicon)
    held, turned = relations(rules, prepared, lexicon, truths)
    held_by = {rules[number].owner for number in held}
    turned_by = {rules[number].owner for number in turned}

    def evidence(owner: int, phrases: Sequence[str]) -> list[Span]:
        """Where the answer asserts a key idea's (owner >= 0) or misconception's phrases."""
        return [
            span
            for phrase in phrases
            for span in occurrences(phrase, prepared, lexicon, loose=owner >= 0)
            if asserted(span, prepared)
            and (
                owner >= 0
                or (
                    claimed(span, prepared)
                    and whole(span, prepared)
                    and not blamed(span, prepared)
                )
            )
        ]

    misconceived = [
        (misconception, evidence(-1 - m, misconception.phrases))
        for m, misconception in enumerate(prompt.misconceptions)
    ]
    misconceived = [
        (misconception, spans)
        for m, (misconception, spans) in enumerate(misconceived)
        if spans or -1 - m in held_by
    ]
    # Words that show a misconception credit no key idea ("warm-up starts at the peak
    # rate" does not show "warm-up reaches the peak rate").
    wrong = [span for _, spans in misconceived for span in spans]

    def shown(owner: int, phrases: Sequence[str]) -> bool:
        return owner in held_by or any(
            not any(s == w[0] and i < w[2] and w[1] < end for w in wrong)
            for s, i, end in evidence(owner, phrases)
        )

    # Where the answer states a key idea the right way: words turned round that share them
    # are no contradiction ("freezing / gradual unfreezing" is no "freeze gradually").
    said = [
        span
        for concept in prompt.concepts
        for phrase in (*concept.phrases, *concept.claims)
        for span in occurrences(phrase, prepared, lexicon, loose=True)
        if asserted(span, prepared) and span[2] - span[1] > 1
    ]

    def contradicted(c: int, claims: Sequence[str], phrases: Sequence[str]) -> bool:
        """A key idea's claim said the other way round, or denied, in a clause that claims
        it; one of its relations so; or any of its wordings judged worthless ("a schedule
        is unnecessary")."""
        return (
            c in turned_by
            or any(
                dismissed(span, prepared) and claimed(span, prepared)
                for phrase in (*phrases, *claims)
                for span in occurrences(phrase, prepared, lexicon, loose=True)
            )
            or any(
                asserted(span, prepared)
                and claimed(span, prepared)
                and (one_piece(span, prepared) or in_order(span, prepared))
                and not overlaps(span, said)
                for phrase in claims
                for span in reversals(phrase, prepared, lexicon, truths)
            )
            or any(
                not asserted(span, prepared)
                and claimed(span, prepared)
                and one_piece(span, prepared)
                for phrase in claims
                for span in occurrences(phrase, prepared, lexicon)
            )
        )

    covered: list[str] = []
    missed: list[str] = []
    denied: list[str] = []
    for c, concept in enumerate(prompt.concepts):
        if contradicted(c, concept.claims, concept.phrases):
            denied.append(concept.name)  # a contradicted idea is missed, however shown
            missed.append(concept.name)
        elif shown(c, (*concept.phrases, *concept.claims)):
            covered.append(concept.name)
        else:
            missed.append(concept.name)
    denies = any(
        not asserted(span, prepared) and claimed(span, prepared)
        for concept in prompt.concepts
        for phrase in (*concept.phrases, *concept.claims)
        for span in occurrences(phrase, prepared, lexicon)
    )
    cautions = tuple(
        Caution(misconception.name, misconception.correction) for misconception, _ in misconceived
    )
    empty = not prepared.sentences
    content = prepared.content_stems()
    off_topic = not empty and not covered and not (content & topic_stems(topic_texts(prompt)))
    own = content - question_stems((prompt.prompt, prompt.hint))
    echo = (
        not empty
        and not off_topic
        and (len(own) <= (1 - ECHO_SHARE) * len(content) or only_questions(answer))
    )
    list_only = not empty and not off_topic and bool(covered) and is_list(answer, prepared)
    return Grade(
        tuple(covered),
        tuple(missed),
        contradicted=tuple(denied),
        denies=denies,
        empty=empty,
        off_topic=off_topic,
        echo=echo,
        cautions=cautions,
        list_only=list_only,
        note=LIST_NOTE if list_only else None,
    )
