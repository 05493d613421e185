"""Clauses: what a clause denies, supposes, reports or judges, and where it ends."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from tutor.domain.language.words import (
    ARTICLES,
    Token,
    inside_names,
    stem,
    stem_set,
    tokenize,
    word_list,
    words_of,
)

# Inside a sentence, a comma, colon, bracket or dash ("too big -> overshoot") separates
# pieces; a number's thousands comma ("1,000") does not.
# An arrow starts at its first dash (a long run of dashes is rescanned at every dash otherwise).
_PIECE_END = re.compile(r",(?!\d)|[:()\[\]{}]|\s-+\s|(?<!-)-+>|=>|\u2192")


# Words that turn what follows, to the end of its clause, into a denial: "not", "never",
# "no", "nothing (to do with)", "without", "neither/nor", "rather than", "instead of";
# "doesn't", "isn't", "can't" read as "... not" (see _NEGATED in words.py).
_VERB_NEGATORS = stem_set("not", "never")
# "nothing" denies the whole clause after an auxiliary ("does nothing", "has nothing to do
# with"), not in "from almost nothing".
_AUXILIARIES = frozenset(word_list("do does did has have had is are was were"))
# "not only", "don't just": the idea stays, with more beside it.
_NOT_ONLY = stem_set("only", "just", "merely", "simply", "solely")
# Hedges that deny what they qualify as much as "not" does: "warm-up hardly matters".
_HEDGES = stem_set("hardly", "barely", "rarely", "seldom", "scarcely")
# After "is"/"are"/..., words that deny the clause's subject: "a schedule is unnecessary".
_DENYING = stem_set(
    "unnecessary",
    "needless",
    "irrelevant",
    "pointless",
    "useless",
    "ignored",
    "harmful",
    "counterproductive",
    "overrated",
    "optional",
)
# After "no", nouns that deny the clause's subject: "warm-up makes no difference".
_NO_EFFECT = stem_set("difference", "effect", "impact", "role", "influence", "point", "sense")
# After "not", verbs that judge worth ("it does not matter"); after "no", need ("no need").
_MATTERING = stem_set(
    "matter", "help", "improve", "need", "needed", "necessary", "required", "important"
)


def _next_content(tokens: Sequence[Token], i: int) -> str:
    """The stem of the first word after token ``i`` that is not a stop word, or ""."""
    return next((t.stem for t in tokens[i + 1 :] if not t.stop), "")


_NEEDING = stem_set("need", "use", "reason", "benefit", "gain")
# A "not" denies the clause's subject only after a verb ("the rate does not matter"); after
# a noun or a comma it denies what follows ("by the trend, not by the wiggles").
_AUX_MODALS = frozenset(
    word_list(
        "do does did is are was were has have had will would can could should must need"
        " may might shall am be been being"
    )
)
_COPULAS = frozenset(word_list("is are was were be been being am seems seem get gets got"))
# Verb forms that start no clause of their own: "without BEING unstable" stays denied.
_NON_FINITE = frozenset(word_list("be been being need"))
NEGATORS = (
    stem_set("not", "never", "no", "nothing", "none", "without", "neither", "nor", "nobody")
    | _HEDGES
)
# Two-word negators, by the stems of their words.
_NEGATOR_PAIRS = frozenset({("rather", "than"), (stem("instead"), "of"), ("no", stem("longer"))})
# Words that end a negated clause: what follows is asserted again.
CLAUSE_BREAKS = stem_set(
    "but",
    "however",
    "although",
    "though",
    "yet",
    "whereas",
    "while",
    "whilst",
    "so",
    "because",
    "since",
    "therefore",
    "thus",
    "hence",
    "instead",
    "otherwise",
    "unlike",
    "if",
    "when",
    "whenever",
)
# After a comma, these begin a new clause (a comma before a list item does not).
_CLAUSE_STARTS = CLAUSE_BREAKS | stem_set(
    "and",
    "or",
    "which",
    "then",
    "it",
    "they",
    "this",
    "that",
    "the",
    "its",
    "we",
    "you",
    "i",
    "if",
    "when",
    "as",
    "where",
    "who",
    "there",
    "these",
    "those",
    "he",
    "she",
    "one",
    "a",
    "an",
    "each",
    "every",
    "both",
)
# Where a statement with a direction ends: what follows is paired with its own causes.
SEGMENT_BREAKS = stem_set(
    "but", "however", "whereas", "while", "whilst", "unlike", "although", "otherwise", "else"
)
_COMMA_SEGMENT_BREAKS = SEGMENT_BREAKS | stem_set("and", "or")
CONJUNCTIONS = stem_set("and", "or", "but", "nor")
# Clauses that a main clause follows, and the subjects that begin it.
SUBORDINATORS = stem_set("if", "when", "whenever", "once", "until", "unless", "after", "as")
_SUBJECTS = frozenset(word_list("it they you we i he she"))
# "from almost nothing": no denial ("nothing crashes" is one).
_FROM_NOTHING = frozenset(word_list("from almost nearly to with of for next"))
_NEGATING_SUBJECTS = frozenset(word_list("nothing none nobody"))
# Words that tie key phrases into a statement: a verb (auxiliaries and the verbs answers
# use to link a cause to its effect) or a conjunction that opens a clause. An answer with
# none of them is a bare list.
LINKING = stem_set(
    *word_list(
        "is are was were be been being am has have had do does did will would can could"
        " should may might must shall if when whenever because so since therefore which"
        " that unless until otherwise while whereas means mean make makes made cause causes"
        " caused lead leads led let lets keep keeps help helps give gives gets get got take"
        " takes go goes become becomes need needs prevent prevents allow allows result"
        " results decide decides determine determines want wants tend tends happen happens"
        " put puts try tries use uses using"
    )
)


# What opens a clause that is only supposed, not claimed.
_SUPPOSING = stem_set("if", "unless", "whether", "suppose", "supposing", "assuming", "imagine")
# What says the clause after it is a belief to reject: "a common MISTAKE is to ...",
# "PEOPLE THINK ...".
_REPORTING = stem_set("mistakenly", "wrongly", "supposedly", "contrary")
# A belief the answer names, then states: "A COMMON ASSUMPTION is THAT, because Adam is
# adaptive, it needs no warm-up" reports its whole "that" clause, up to a "but" or the
# sentence's end (neither asserted nor denied: the answer goes on to judge it).
_BELIEF_NOUNS = stem_set("assumption", "belief", "notion", "impression", "folklore")
# Words that reject a claim: forward before "to", "that" or a colon ("it is a MYTH THAT
# ...", "a common MISTAKE: ..."), backward after "is" ("raising it late IS A MISTAKE").
_REJECTING = stem_set(
    "myth",
    "misconception",
    "mistake",
    "wrong",
    "false",
    "untrue",
    "fallacy",
    "incorrect",
    "misleading",
    "trap",
    "tempting",
    "backwards",
    "backward",
    "nonsense",
    "misguided",
)
_INTRODUCING = frozenset(word_list("to that"))
# Who does what the answer goes on to reject, at the start of a clause.
_OTHERS = stem_set("people", "beginners", "newcomers", "novices", "folks", "others", "everyone")
_MANY = stem_set("many", "most", "some", "lots", "often")
# "you MIGHT think ...": a belief the answer goes on to reject.
_MAYBE = frozenset(word_list("might may would could"))
_BELIEVING = stem_set("think", "believe", "assume", "claim", "say", "expect", "feel")
_BELIEVERS = stem_set(
    "intuition",
    "instinct",
    "naively",
    "people",
    "some",
    "many",
    "others",
    "beginners",
    "folks",
    "newcomers",
    "novices",
    "everyone",
    "most",
    "they",
)

# "MY FIRST THOUGHT was to lower the rate, but ...": the learner's own earlier belief.
_FIRST_THOUGHTS = stem_set("thought", "guess", "instinct", "impulse", "reflex", "reaction")
_MINE = frozenset(word_list("my first initial"))


def _next_raw(tokens: Sequence[Token], i: int) -> str:
    return tokens[i + 1].raw if i + 1 < len(tokens) else ""


def _finite_pieces(tokens: Sequence[Token], piece_starts: set[int]) -> set[int]:
    """The starts of the pieces after a comma that hold a verb of their own (an auxiliary
    or "is"): "..., OneCycleLR IS stepped every batch", not "..., oscillate or diverge"."""
    starts = sorted(piece_starts)
    found = set()
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(tokens)
        if start and any(t.raw in _AUX_MODALS for t in tokens[start:end]):
            found.add(start)
    return found


def _undo_after_gerund(
    tokens: Sequence[Token], dismissed: list[bool], start: int, end: int
) -> None:
    """Unmark what follows a clause's first word when that word is a gerund."""
    first = next((k for k in range(start, end) if not tokens[k].stop), None)
    if first is not None and tokens[first].raw.endswith("ing") and len(tokens[first].raw) > 4:
        for k in range(first + 1, end):
            dismissed[k] = False


def _listed_subject(tokens: Sequence[Token], conjunction: int, negator: int) -> bool:
    """Whether the "or"/"nor" at ``conjunction`` lists the subjects of the verb a negator
    denies ("weight decay OR dropout won't help"), not two statements ("it bounces AND
    never settles")."""
    between = tokens[conjunction + 1 : negator]
    content = sum(not token.stop for token in between)
    return (
        tokens[conjunction].stem in _LISTING
        and 1 <= content <= 3
        and bool(between)
        and between[-1].raw in _AUX_MODALS
    )


_LISTING = stem_set("or", "nor")
# A word set off by commas inside a clause, which neither ends nor starts one.
_ASIDES = stem_set("however", "though", "therefore", "then", "too", "also", "thus", "indeed")
# "you don't NEED warm-up": what follows the need is judged worthless, not the subject.
_NEED = frozenset(("need", "needs"))


@dataclass(frozen=True)
class Sentence:
    """One sentence's tokens, with what negation and clause structure say about each.

    Attributes:
        tokens: The tokens.
        negated: Per token, whether its clause denies it: it follows a negator in the
            clause, or comes before a "not" or "never" that denies the whole clause.
        after_negator: Per token, whether it follows a negator in the same clause (a
            relation's cause is read this way: "too high a rate does not converge").
        segment: Per token, the index of its statement (split at "but", "while", ", and").
        supposed: Per token, whether it is only supposed, in an "if" clause ("if you
            start high, it diverges").
        reported: Per token, whether it is only reported, in a belief the answer names
            to reject ("people think a higher rate is safer").
        dismissed: Per token, whether the answer judges it worthless or false, not only
            denies it: "a schedule is unnecessary", "warm-up hardly matters", "it makes
            no difference", "it is a myth that ...", "... does not help".
        piece: Per token, the index of its piece (split at commas, colons, brackets and
            arrows).
    """

    tokens: tuple[Token, ...]
    negated: tuple[bool, ...]
    after_negator: tuple[bool, ...]
    segment: tuple[int, ...]
    supposed: tuple[bool, ...]
    reported: tuple[bool, ...]
    dismissed: tuple[bool, ...]
    piece: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Sentence | None:
        tokens: list[Token] = []
        piece_starts: set[int] = set()
        aside = False  # the last piece was a lone aside: "a schedule, HOWEVER, is useless"
        for piece in _PIECE_END.split(text):
            found = inside_names(tokenize(words_of(piece)), piece)
            if tokens and len(found) == 1 and found[0].stem in _ASIDES:
                aside = True  # dropped, and the pieces either side read as one
            elif found:
                if not aside:
                    piece_starts.add(len(tokens))
                aside = False
                tokens += found
        if not tokens:
            return None
        negated: list[bool] = []
        forward: list[bool] = []
        segment: list[int] = []
        supposing: list[bool] = []
        reporting: list[bool] = []
        supposed = reported = subordinate = judging = False
        believed = False  # inside the "that" clause of a belief the answer names
        # The clause's denial came from "without" alone: it denies its own phrase, up to
        # the clause's verb ("a rate tuned WITHOUT momentum | is too large with it").
        without = False
        dismissed: list[bool] = []
        denied = False
        # Where a negator's backward walk stops: the clause's start, or where the clause's
        # last walk began (the tokens before it are done), so a clause of many negators
        # ("not not not ...") is walked once, not once per negator.
        walked = clause = 0  # where the last walk back began; where the clause began
        finite = _finite_pieces(tokens, piece_starts)
        by_subject = False  # the denial is a subject's: "NOTHING crashes", to the comma
        current = 0
        for i, token in enumerate(tokens):
            after_comma = i in piece_starts and i > 0
            if after_comma and (by_subject or (denied and i in finite)):
                # "nothing crashes, training goes on"; "don't step it per epoch, OneCycleLR
                # is stepped every batch": a piece with a verb of its own is a new clause.
                denied = by_subject = judging = False
            if token.stem in CLAUSE_BREAKS or (after_comma and token.stem in _CLAUSE_STARTS):
                denied = supposed = reported = judging = by_subject = False
                walked = clause = i
                subordinate = token.stem in SUBORDINATORS
            elif (
                subordinate
                and token.raw in _SUBJECTS
                and i > 0
                and not tokens[i - 1].stop
                and tokens[i - 1].stem not in LINKING
            ):
                # "when the loss does not improve for 10 epochs IT cuts the rate": the
                # main clause begins, with no comma before it.
                denied = supposed = subordinate = judging = by_subject = False
                walked = clause = i
            if token.stem == "then":
                supposed = False  # "if it is too high, then it overshoots"
            if token.stem in _SUPPOSING:
                supposed = True
            elif (
                token.stem in _OTHERS
                and (i == walked or tokens[i - 1].stem in _MANY)
                and i + 1 < len(tokens)
            ) or (i == clause and token.stem in _MANY and _next_raw(tokens, i) in _MAYBE):
                # "PEOPLE pick the minimum, but ...", "SOME WOULD lower the rate": others'
                reported = True
            elif (
                token.stem in _REPORTING
                or (
                    token.stem in _BELIEVING
                    and any(
                        t.stem in _BELIEVERS or t.raw in _MAYBE for t in tokens[max(0, i - 2) : i]
                    )
                )
                or (
                    token.stem in _FIRST_THOUGHTS
                    and any(t.raw in _MINE for t in tokens[max(0, i - 2) : i])
                )
            ):
                reported = True
            if token.stem in SEGMENT_BREAKS:
                believed = False
            elif token.raw == "that" and any(
                t.stem in _BELIEF_NOUNS for t in tokens[max(0, i - 3) : i]
            ):
                believed = True
            supposing.append(supposed)
            reporting.append(reported or believed)
            if token.stem in SEGMENT_BREAKS or (
                after_comma and token.stem in _COMMA_SEGMENT_BREAKS
            ):
                current += 1
            if without and token.raw in _AUX_MODALS - _NON_FINITE:
                denied = False
            without = without and denied
            negated.append(denied)
            forward.append(denied)
            dismissed.append(judging)
            segment.append(current)
            nxt = tokens[i + 1].stem if i + 1 < len(tokens) else ""
            previous = tokens[i - 1].raw if i else ""
            if token.raw == "without" and not denied:
                without = True
            if token.stem in _VERB_NEGATORS and nxt not in _NOT_ONLY:
                denied = True
                backward = token.stem != "not" or previous in _AUX_MODALS
                # "it does not matter", "won't help", "decay isn't really needed"
                judged = _next_content(tokens, i) in _MATTERING
                rejects = False
                if _next_raw(tokens, i) in _NEED:
                    # "you don't need SequentialLR": the object is judged, not the subject.
                    judging = True
                    judged = backward = False
            else:
                rejects = token.stem in _REJECTING
                copula = previous in _COPULAS or (
                    previous in ARTICLES and i > 1 and tokens[i - 2].raw in _COPULAS
                )
                # Judged worthless: "is unnecessary", "makes no difference", "hardly
                # matters" (not "hardly moves", which says how, not whether it counts).
                judged = (
                    (token.stem in _HEDGES and _next_content(tokens, i) in _MATTERING)
                    or (token.stem in _DENYING and previous in _COPULAS)
                    or (token.stem == "no" and nxt in _NO_EFFECT)
                )
                backward = (
                    judged
                    or token.stem in _HEDGES
                    or (rejects and copula)
                    or (token.raw == "nothing" and previous in _AUXILIARIES)
                )
                ahead = rejects and (
                    nxt in _INTRODUCING or nxt in _COPULAS or i + 1 in piece_starts
                )
                judged = judged or (token.stem == "no" and nxt in _NEEDING)
                denied = denied or ahead
                # "nothing" denies after a verb ("has nothing to do with"), not in "from
                # almost nothing".
                denied = (
                    denied
                    or backward
                    or (
                        token.stem in NEGATORS
                        and (token.raw != "nothing" or previous not in _FROM_NOTHING)
                    )
                )
                denied = denied or (token.stem, nxt) in _NEGATOR_PAIRS
                # A subject: at the clause's start ("but NOTHING crashes"), not an object
                # ("it has nothing to do with X, Y or Z").
                by_subject = by_subject or (
                    token.raw in _NEGATING_SUBJECTS
                    and (i == clause or tokens[i - 1].stem in CONJUNCTIONS)
                )
            if judged and token.stem == "no":
                judging = True  # "there is no need for warm-up": what follows is judged
            if backward:
                # "Freezing does not stop updates": the clause's subject is denied too.
                for k in range(i - 1 if i not in piece_starts else -1, walked - 1, -1):
                    if tokens[k].stem in CONJUNCTIONS and not _listed_subject(tokens, k, i):
                        break  # "bounces AND never settles"
                    negated[k] = True
                    dismissed[k] = dismissed[k] or judged
                    if k in piece_starts:
                        break  # "start high, never raise it": the comma ends the subject
                if judged:
                    # "continuing from the NaN weights would be pointless": what is judged is
                    # the action a gerund names, not the things after it.
                    _undo_after_gerund(tokens, dismissed, walked, i)
                if rejects:
                    # "'Adam is adaptive so lr doesn't matter' is wrong": named to reject,
                    # back to the clause's start (past the "not" walked before).
                    for k in range(clause, i):
                        reporting[k] = True
                walked = i
        pieces = tuple(accumulate(i in piece_starts and i > 0 for i in range(len(tokens))))
        return cls(
            tuple(tokens),
            tuple(negated),
            tuple(forward),
            tuple(segment),
            tuple(supposing),
            tuple(reporting),
            tuple(dismissed),
            pieces,
        )
