"""Grading of explain-it answers: which of a prompt's key concepts a learner's words cover."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import accumulate, pairwise
from pathlib import Path

import snowballstemmer

from tutor.content import ExplainPrompt
from tutor.scheduling import Rating


def _split(text: str) -> tuple[str, ...]:
    """The words of a space-separated list (kept as text so long lists stay readable)."""
    return tuple(text.split())


# A Telegram message holds at most 4096 characters; longer text (from anywhere else) is cut
# to this, so grading stays fast and never fails on size.
MAX_ANSWER_CHARS = 8192
# Between two words of a phrase an answer may slip in one other word, not counting stop
# words ("learning rate too high" in "the learning rate is far too high"), and MAX_SKIP
# tokens in all. Two would let "parameter groups from model.named_parameters()" read as
# the phrase "parameter names".
MAX_GAP = 1
MAX_SKIP = 4
# Longer "words" (a pasted hash, a run of letters) are left unstemmed.
MAX_WORD = 40

# Function words that carry no idea of their own. Words that do carry one here stay out
# on purpose: "too" (too high), "not"/"no"/"without", "each"/"every"/"own"/"per",
# "first"/"then"/"after"/"before", "up"/"down"/"off", "more"/"less"/"few".
STOP_WORDS = frozenset(
    _split(
        "a an the of to in on at for with as by from into onto about via than"
        " is are was were be been being am it its itself this that these those there here"
        " i me my mine we us our you your yours he him his she her they them their theirs"
        " and or but so if because while whether when where which what who whom whose how why"
        " do does did done doing has have had having will would can could should may might"
        " must shall also just very really quite rather pretty some any such etc eg ie"
    )
)
_ARTICLES = frozenset({"a", "an", "the"})

_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        _split(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen"
            " fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
} | {
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "seventy": "70",
    "eighty": "80",
    "ninety": "90",
    "hundred": "100",
    "thousand": "1000",
    "million": "1000000",
}

# Forms a suffix stripper cannot reach. "lower" is missing on purpose: it is also the
# verb of "lower the learning rate", which a "low learning rate" must not stand for.
_IRREGULAR = {
    "overshot": "overshoot",
    "shot": "shoot",
    "blew": "blow",
    "blown": "blow",
    "took": "take",
    "taken": "take",
    "went": "go",
    "gone": "go",
    "goes": "go",
    "ran": "run",
    "lost": "lose",
    "forgot": "forget",
    "forgotten": "forget",
    "learnt": "learn",
    "froze": "freeze",
    "frozen": "freeze",
    "chose": "choose",
    "chosen": "choose",
    "fell": "fall",
    "fallen": "fall",
    "began": "begin",
    "begun": "begin",
    "rose": "rise",
    "risen": "rise",
    "grew": "grow",
    "grown": "grow",
    "kept": "keep",
    "left": "leave",
    "overwrote": "overwrite",
    "overwritten": "overwrite",
    "wrote": "write",
    "written": "write",
    "explosion": "explode",
    "explosions": "explode",
    "explosive": "explode",
    "minima": "minimum",
    "maxima": "maximum",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
    "further": "far",
    "furthest": "far",
    "farther": "far",
    "farthest": "far",
    "behaviour": "behavior",
    "plateaus": "plateau",
    "plateaux": "plateau",
}
_COMPARABLE = _split(
    "big large small high fast slow quick tiny huge steep close cheap safe fine early late"
    " long short great noisy easy hard simple strong weak deep wide sharp smooth rough"
    " stable few"
)


def _degrees(adjective: str) -> tuple[str, str]:
    if adjective.endswith("y"):
        base = adjective[:-1] + "i"
    elif adjective.endswith("e"):
        base = adjective[:-1]
    elif adjective == "big":
        base = "bigg"
    else:
        base = adjective
    return base + "er", base + "est"


for _adjective in _COMPARABLE:
    for _form in _degrees(_adjective):
        _IRREGULAR.setdefault(_form, _adjective)
_IRREGULAR["lowest"] = "low"

_BRITISH_ISE = re.compile(r"(?<=[a-z]{4})is(e|es|ed|ing|er|ers|ation|ations)$")

# The Snowball English stemmer (Porter2), after the English-specific repairs above. Stems
# need not be words; they only have to agree across the forms of one word:
# diverge, diverges, diverging, diverged, divergence, divergent -> "diverg".
_SNOWBALL = snowballstemmer.stemmer("english")


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The stem of one lower-case word, shared by its inflected and derived forms.

    Irregular forms and comparatives first (overshot -> overshoot, larger -> large),
    British -ise spellings as -ize, -ly adverbs to their adjective, then the Snowball
    English stemmer. Numbers, words with digits and
    words longer than MAX_WORD are returned unchanged.

    Args:
        word: One token, already normalised (lower case, ASCII letters and digits).

    Returns:
        The stem, e.g. ``"diverg"`` for diverges, diverging, diverged and divergence.
    """
    if not 2 < len(word) <= MAX_WORD or not word.isalpha():
        return word
    word = _IRREGULAR.get(word, word)
    word = _BRITISH_ISE.sub(r"iz\1", word)
    if len(word) >= 6 and word.endswith("ly") and not word.endswith("ply"):  # multiply
        if word.endswith("bly"):
            word = word[:-1] + "e"
        elif word.endswith("ily"):
            word = word[:-3] + "y"
        else:
            word = word[:-2]
        word = _IRREGULAR.get(word, word)
    return str(_SNOWBALL.stemWord(word))


# --- normalising and tokenising ---------------------------------------------------------------

_PUNCTUATION = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "`": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00d7": " x ",
        "\u03b7": " lr ",  # eta, the usual symbol for the learning rate
    }
)
_POSSESSIVE = re.compile(r"'s\b")

# Abbreviations whose dot would otherwise end a sentence ("loss vs. rate", "e.g. cosine").
_ABBREVIATION = re.compile(r"\b(vs|e\.g|i\.e|etc|approx|cf|resp)\.")
# Starts only where a number starts: from inside a run of digits, the match would rescan
# the rest of the run at every digit (quadratic on a long one).
_TIMES_AFTER = re.compile(r"(?<!\d)(\d+(?:\.\d+)?)\s*x(?![a-z0-9])")
_TIMES_BEFORE = re.compile(r"(?<![a-z0-9.])x\s*(\d+(?:\.\d+)?)(?![a-z0-9])")
# A sentence ends at . ! ? ; followed by a space or the end (not model.parameters()).
# It starts at the first mark of a run ("!!!a" would be rescanned at every mark otherwise).
_SENTENCE_END = re.compile(r"(?<![.!?;])[.!?;]+(?=\s|$)|\n\s*\n")
_TOKEN = re.compile(r"\d*\.\d+(?:e[-+]?\d+)?(?![a-z0-9])|\d+(?:e[-+]?\d+)?(?![a-z0-9])|[a-z0-9]+")
_NUMBER = re.compile(r"\d*\.?\d+(?:e[-+]?\d+)?")


def normalize(text: str) -> str:
    """Fold a text to lower-case ASCII-ish words and numbers, as both sides are compared.

    Unicode is folded (NFKC, then accents dropped: "naïve" -> "naive"), case is folded,
    typographic quotes and dashes become plain ones, possessives drop ("Adam's" -> "adam"),
    other apostrophes close up ("don't" -> "dont", read as "do not" by sentences()), "η"
    reads as "lr", and a multiplier ("10x", "10×", "x10") reads as "10 times". Only the
    first MAX_ANSWER_CHARS count.

    Args:
        text: Any text.

    Returns:
        The normalised text; punctuation that ends sentences is kept.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_ANSWER_CHARS])
    text = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    text = text.translate(_PUNCTUATION).casefold()
    text = _POSSESSIVE.sub("", text).replace("'", "")
    text = _ABBREVIATION.sub(lambda match: match.group(1).replace(".", ""), text)
    text = _TIMES_AFTER.sub(r"\1 times", text)
    return _TIMES_BEFORE.sub(r"\1 times", text)


# "don't" (once the apostrophe goes: "dont") -> "do not", "cannot" -> "can not": the "not"
# belongs to phrases like "not updated".
_NEGATED = {
    base + "nt": base
    for base in _split("do does did is are was were has have had should would could must need")
} | {"cant": "can", "cannot": "can", "wont": "will", "shant": "shall", "aint": "is"}


def _canonical_number(token: str) -> str:
    try:
        value = float(token)
    except ValueError:  # pragma: no cover - the regex admits only numbers
        return token
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _words(sentence: str) -> list[str]:
    """The words of one sentence, with numbers canonical and number words as digits."""
    words: list[str] = []
    for token in _TOKEN.findall(sentence):
        if _NUMBER.fullmatch(token):
            words.append(_canonical_number(token))
        elif token in _NEGATED:
            words += [_NEGATED[token], "not"]
        elif token in _NUMBER_WORDS:
            words.append(_NUMBER_WORDS[token])
        elif token.endswith("fold") and (
            token[:-4] in _NUMBER_WORDS or token[:-4].isdigit() or token == "fold"
        ):
            # tenfold, 10fold, ten-fold -> 10 times
            prefix = token[:-4]
            if prefix:
                words.append(_NUMBER_WORDS.get(prefix, prefix))
            words.append("times")
        else:
            words.append(token)
    return words


def sentences(text: str) -> list[list[str]]:
    """Split a text into sentences of normalised words (not yet stemmed).

    Args:
        text: Any text.

    Returns:
        One list of words per non-empty sentence, e.g. ``[["warm", "up", "10", "times"]]``
        for "Warm-up, ten times!".
    """
    found = (_words(part) for part in _SENTENCE_END.split(normalize(text)))
    return [words for words in found if words]


# --- matching -----------------------------------------------------------------------------------

_ANY_NUMBER = "#"  # a phrase's "n" ("every n epochs") also stands for any number

# Inside a sentence, a comma, colon, bracket or dash ("too big -> overshoot") separates
# pieces; a number's thousands comma ("1,000") does not.
# An arrow starts at its first dash (a long run of dashes is rescanned at every dash otherwise).
_PIECE_END = re.compile(r",(?!\d)|[:()\[\]{}]|\s-+\s|(?<!-)-+>|=>|\u2192")


def _stems(*words: str) -> frozenset[str]:
    """The stems of ``words``, and the words themselves: a stop word's token keeps its
    word unstemmed ("because", not "becaus")."""
    return frozenset(stem(word) for word in words) | frozenset(words)


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    stem: str
    stop: bool
    number: bool
    joined: str  # the stem of this word glued to the next (warm + up -> warmup), or ""
    inner: bool = False  # a later part of one code name ("grad" of clip_grad_norm_)


# One term for the learning rate: "learning rate", "rate", "lr" and "eta" are all "lr"
# (but a "decay rate" or an "error rate" is not).
_OTHER_RATES = _stems("decay", "dropout", "error", "drop", "success", "failure", "sample", "frame")


def _stem_words(words: Sequence[str]) -> list[tuple[str, str, bool]]:
    """(raw, stem, is stop word) per word, "learning rate" merged into one "lr" and a
    plain "rate" read as "lr"."""
    out: list[tuple[str, str, bool]] = []
    for word in words:
        stop = word in STOP_WORDS
        stemmed = word if stop else stem(word)
        if stemmed == "rate":
            if out and out[-1][1] == "learn":
                out[-1] = ("lr", "lr", False)
                continue
            if not (out and out[-1][1] in _OTHER_RATES):
                stemmed = "lr"
        out.append((word, stemmed, stop))
    return out


# A code name of several parts: clip_grad_norm_, scaler.unscale_, model.head.parameters.
# Starts only where a word starts, and never gives back what a part took: a long run of
# digits or letters is scanned once, not from each of its positions.
_CODE_NAME = re.compile(r"(?<![a-z0-9])[a-z0-9]++(?:[_.][a-z0-9]++)+")


def _inside_names(tokens: list[_Token], piece: str) -> list[_Token]:
    """The tokens with the later parts of each code name marked ``inner``: a name counts
    as one word where a phrase allows a word between two of its own."""
    pairs = {
        (first, second)
        for name in _CODE_NAME.findall(piece)
        for first, second in pairwise(re.split(r"[_.]", name))
    }
    if not pairs:
        return tokens
    return [
        replace(token, inner=True) if i and (tokens[i - 1].raw, token.raw) in pairs else token
        for i, token in enumerate(tokens)
    ]


def _tokens(words: Sequence[str]) -> list[_Token]:
    stemmed = _stem_words(words)
    tokens = []
    for i, (raw, stemmed_word, stop) in enumerate(stemmed):
        joined = stem(raw + stemmed[i + 1][0]) if i + 1 < len(stemmed) else ""
        tokens.append(_Token(raw, stemmed_word, stop, _NUMBER.fullmatch(raw) is not None, joined))
    return tokens


# Words that turn what follows, to the end of its clause, into a denial: "not", "never",
# "no", "nothing (to do with)", "without", "neither/nor", "rather than", "instead of";
# "doesn't", "isn't", "can't" read as "... not" (see _NEGATED).
_VERB_NEGATORS = _stems("not", "never")
# "nothing" denies the whole clause after an auxiliary ("does nothing", "has nothing to do
# with"), not in "from almost nothing".
_AUXILIARIES = frozenset(_split("do does did has have had is are was were"))
# "not only", "don't just": the idea stays, with more beside it.
_NOT_ONLY = _stems("only", "just", "merely", "simply", "solely")
# Hedges that deny what they qualify as much as "not" does: "warm-up hardly matters".
_HEDGES = _stems("hardly", "barely", "rarely", "seldom", "scarcely")
# After "is"/"are"/..., words that deny the clause's subject: "a schedule is unnecessary".
_DENYING = _stems(
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
_NO_EFFECT = _stems("difference", "effect", "impact", "role", "influence", "point", "sense")
# After "not", verbs that judge worth ("it does not matter"); after "no", need ("no need").
_MATTERING = _stems(
    "matter", "help", "improve", "need", "needed", "necessary", "required", "important"
)


def _next_content(tokens: Sequence[_Token], i: int) -> str:
    """The stem of the first word after token ``i`` that is not a stop word, or ""."""
    return next((t.stem for t in tokens[i + 1 :] if not t.stop), "")


_NEEDING = _stems("need", "use", "reason", "benefit", "gain")
# A "not" denies the clause's subject only after a verb ("the rate does not matter"); after
# a noun or a comma it denies what follows ("by the trend, not by the wiggles").
_AUX_MODALS = frozenset(
    _split(
        "do does did is are was were has have had will would can could should must need"
        " may might shall am be been being"
    )
)
_COPULAS = frozenset(_split("is are was were be been being am seems seem get gets got"))
# Verb forms that start no clause of their own: "without BEING unstable" stays denied.
_NON_FINITE = frozenset(_split("be been being need"))
_NEGATORS = (
    _stems("not", "never", "no", "nothing", "none", "without", "neither", "nor", "nobody")
    | _HEDGES
)
# Two-word negators, by the stems of their words.
_NEGATOR_PAIRS = frozenset({("rather", "than"), (stem("instead"), "of"), ("no", stem("longer"))})
# Words that end a negated clause: what follows is asserted again.
_CLAUSE_BREAKS = _stems(
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
_CLAUSE_STARTS = _CLAUSE_BREAKS | _stems(
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
_SEGMENT_BREAKS = _stems(
    "but", "however", "whereas", "while", "whilst", "unlike", "although", "otherwise", "else"
)
_COMMA_SEGMENT_BREAKS = _SEGMENT_BREAKS | _stems("and", "or")
# Words that lead from an effect back to the cause after it: "overshoots IF it is too high",
# "slow WITH a tiny rate", "a smaller rate FOR (or TO) the pretrained layers".
_LEADS_BACK = _stems(
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
_CONJUNCTIONS = _stems("and", "or", "but", "nor")
# Clauses that a main clause follows, and the subjects that begin it.
_SUBORDINATORS = _stems("if", "when", "whenever", "once", "until", "unless", "after", "as")
_SUBJECTS = frozenset(_split("it they you we i he she"))
# "from almost nothing": no denial ("nothing crashes" is one).
_FROM_NOTHING = frozenset(_split("from almost nearly to with of for next"))
_NEGATING_SUBJECTS = frozenset(_split("nothing none nobody"))
_PREPOSITIONS = _stems("with", "for", "to", "on", "under", "using", "given", "due")
_LEAD_REACH = 6  # at most this many tokens from an effect to the word that leads back


# What opens a clause that is only supposed, not claimed.
_SUPPOSING = _stems("if", "unless", "whether", "suppose", "supposing", "assuming", "imagine")
# What says the clause after it is a belief to reject: "a common MISTAKE is to ...",
# "PEOPLE THINK ...".
_REPORTING = _stems("mistakenly", "wrongly", "supposedly", "contrary")
# A belief the answer names, then states: "A COMMON ASSUMPTION is THAT, because Adam is
# adaptive, it needs no warm-up" reports its whole "that" clause, up to a "but" or the
# sentence's end (neither asserted nor denied: the answer goes on to judge it).
_BELIEF_NOUNS = _stems("assumption", "belief", "notion", "impression", "folklore")
# Words that reject a claim: forward before "to", "that" or a colon ("it is a MYTH THAT
# ...", "a common MISTAKE: ..."), backward after "is" ("raising it late IS A MISTAKE").
_REJECTING = _stems(
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
_INTRODUCING = frozenset(_split("to that"))
# Who does what the answer goes on to reject, at the start of a clause.
_OTHERS = _stems("people", "beginners", "newcomers", "novices", "folks", "others", "everyone")
_MANY = _stems("many", "most", "some", "lots", "often")
# "you MIGHT think ...": a belief the answer goes on to reject.
_MAYBE = frozenset(_split("might may would could"))
_BELIEVING = _stems("think", "believe", "assume", "claim", "say", "expect", "feel")
_BELIEVERS = _stems(
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
_FIRST_THOUGHTS = _stems("thought", "guess", "instinct", "impulse", "reflex", "reaction")
_MINE = frozenset(_split("my first initial"))


def _next_raw(tokens: Sequence[_Token], i: int) -> str:
    return tokens[i + 1].raw if i + 1 < len(tokens) else ""


def _finite_pieces(tokens: Sequence[_Token], piece_starts: set[int]) -> set[int]:
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
    tokens: Sequence[_Token], dismissed: list[bool], start: int, end: int
) -> None:
    """Unmark what follows a clause's first word when that word is a gerund."""
    first = next((k for k in range(start, end) if not tokens[k].stop), None)
    if first is not None and tokens[first].raw.endswith("ing") and len(tokens[first].raw) > 4:
        for k in range(first + 1, end):
            dismissed[k] = False


def _listed_subject(tokens: Sequence[_Token], conjunction: int, negator: int) -> bool:
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


_LISTING = _stems("or", "nor")
# A word set off by commas inside a clause, which neither ends nor starts one.
_ASIDES = _stems("however", "though", "therefore", "then", "too", "also", "thus", "indeed")
# "you don't NEED warm-up": what follows the need is judged worthless, not the subject.
_NEED = frozenset(("need", "needs"))


@dataclass(frozen=True)
class _Sentence:
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

    tokens: tuple[_Token, ...]
    negated: tuple[bool, ...]
    after_negator: tuple[bool, ...]
    segment: tuple[int, ...]
    supposed: tuple[bool, ...]
    reported: tuple[bool, ...]
    dismissed: tuple[bool, ...]
    piece: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> _Sentence | None:
        tokens: list[_Token] = []
        piece_starts: set[int] = set()
        aside = False  # the last piece was a lone aside: "a schedule, HOWEVER, is useless"
        for piece in _PIECE_END.split(text):
            found = _inside_names(_tokens(_words(piece)), piece)
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
            if token.stem in _CLAUSE_BREAKS or (after_comma and token.stem in _CLAUSE_STARTS):
                denied = supposed = reported = judging = by_subject = False
                walked = clause = i
                subordinate = token.stem in _SUBORDINATORS
            elif (
                subordinate
                and token.raw in _SUBJECTS
                and i > 0
                and not tokens[i - 1].stop
                and tokens[i - 1].stem not in _LINKING
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
            if token.stem in _SEGMENT_BREAKS:
                believed = False
            elif token.raw == "that" and any(
                t.stem in _BELIEF_NOUNS for t in tokens[max(0, i - 3) : i]
            ):
                believed = True
            supposing.append(supposed)
            reporting.append(reported or believed)
            if token.stem in _SEGMENT_BREAKS or (
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
                    previous in _ARTICLES and i > 1 and tokens[i - 2].raw in _COPULAS
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
                        token.stem in _NEGATORS
                        and (token.raw != "nothing" or previous not in _FROM_NOTHING)
                    )
                )
                denied = denied or (token.stem, nxt) in _NEGATOR_PAIRS
                # A subject: at the clause's start ("but NOTHING crashes"), not an object
                # ("it has nothing to do with X, Y or Z").
                by_subject = by_subject or (
                    token.raw in _NEGATING_SUBJECTS
                    and (i == clause or tokens[i - 1].stem in _CONJUNCTIONS)
                )
            if judged and token.stem == "no":
                judging = True  # "there is no need for warm-up": what follows is judged
            if backward:
                # "Freezing does not stop updates": the clause's subject is denied too.
                for k in range(i - 1 if i not in piece_starts else -1, walked - 1, -1):
                    if tokens[k].stem in _CONJUNCTIONS and not _listed_subject(tokens, k, i):
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


@dataclass(frozen=True)
class _Answer:
    """An answer ready to match: its sentences, where each key starts, and the
    occurrences of each stem sequence once looked up."""

    sentences: tuple[_Sentence, ...]
    starts: dict[str, list[tuple[int, int]]]
    found: dict[tuple[str, ...], list[tuple[int, int, int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, text: str) -> _Answer:
        parts = tuple(
            found
            for part in _SENTENCE_END.split(normalize(text))
            if (found := _Sentence.of(part)) is not None
        )
        starts: dict[str, list[tuple[int, int]]] = {}
        for s, sentence in enumerate(parts):
            for i, token in enumerate(sentence.tokens):
                starts.setdefault(token.stem, []).append((s, i))
                if token.joined:
                    starts.setdefault(token.joined, []).append((s, i))
                if token.number:
                    starts.setdefault(_ANY_NUMBER, []).append((s, i))
        return cls(parts, starts)

    def words(self) -> list[_Token]:
        return [token for sentence in self.sentences for token in sentence.tokens]

    def content_stems(self) -> set[str]:
        """Stems of the words that can say what the answer is about (no "p", "x", "10")."""
        return {t.stem for t in self.words() if not t.stop and not t.number and len(t.stem) > 1}


def _token_is(token: _Token, unit: str) -> bool:
    return token.stem == unit or (unit == _ANY_NUMBER and token.number)


def _match_end(
    units: tuple[str, ...],
    index: int,
    tokens: tuple[_Token, ...],
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
        if token.stem in _CLAUSE_BREAKS:
            break  # a phrase is one statement: "goes up WHEN the rate" is no "raise the rate"
        if not token.stop and not token.inner:
            skipped += 1
            # No word slips in after a phrase's own negator ("not updated" is not in "not
            # stop updates"), and none skipped may be one ("get NO weight decay").
            after_negator = index > 0 and units[index - 1] in _NEGATORS
            if skipped > MAX_GAP or after_negator or token.stem in _NEGATORS:
                break
    failed.add((index, position))
    return -1


# An occurrence: (sentence, first token, token after the last).
_Span = tuple[int, int, int]


def _spans(units: tuple[str, ...], answer: _Answer) -> list[_Span]:
    """Every occurrence of one stem sequence, at most one per starting token."""
    if units[0] not in answer.starts:
        return []
    known = answer.found.get(units)
    if known is None:
        known = answer.found[units] = _find(units, answer)
    return known


def _find(units: tuple[str, ...], answer: _Answer) -> list[_Span]:
    found: list[_Span] = []
    failed: dict[int, set[tuple[int, int]]] = {}  # per sentence: (unit, position) tried
    for s, i in answer.starts.get(units[0], ()):
        end = _match_end(units, 0, answer.sentences[s].tokens, i, failed.setdefault(s, set()))
        if end >= 0:
            found.append((s, i, end))
    return found


def _merges(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Every way of gluing neighbouring words of a phrase (fine tune -> finetune)."""
    if len(items) < 2:
        return [items]
    first, second = items[0], items[1]
    glued = (first[0] + second[0], stem(first[0] + second[0]))
    return [[first, *rest] for rest in _merges(items[1:])] + [
        [glued, *rest] for rest in _merges(items[2:])
    ]


def _content(phrase: str) -> list[tuple[str, str]]:
    """(raw, stem) of the words of a phrase that count (see compile_phrase)."""
    words = [word for sentence in sentences(phrase) for word in sentence]
    stemmed = _stem_words(words)
    # Words that join two clauses stay: a phrase never spans a clause break it does not
    # hold itself (see _match_end).
    content = [(raw, s) for raw, s, stop in stemmed if not stop or s in _CLAUSE_BREAKS]
    if len(content) == 1 and len(stemmed) > 1:
        content = [(raw, s) for raw, s, _ in stemmed if raw not in _ARTICLES]
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
    content = _content(phrase)
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
            alternatives.add(tuple(_ANY_NUMBER if u == "n" else u for u in units))
        if loose and len(units) == 2 and set(units) & _QUALITIES and not set(units) & _FIXED_ORDER:
            alternatives.add(units[::-1])  # "arbitrary weights": "the weights are arbitrary"
    return frozenset(alternatives)


# A two-word phrase turns only when one word says what the other is like ("high rate":
# "the rate is high"); two nouns do not ("parameter names" are not "named parameters").
_QUALITIES = frozenset(stem(word) for word in _COMPARABLE) | _stems(
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
_FIXED_ORDER = _NEGATORS | _stems("then", "before", "after", "too", "first", "last")


# --- the lexicon --------------------------------------------------------------------------------


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
                    units for member in group if (units := tuple(s for _, s in _content(member)))
                )
            )
            if len(members) > 1:
                compiled.append(members)

        def family(phrase: str) -> tuple[tuple[str, ...], ...]:
            units = tuple(s for _, s in _content(phrase))
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
_ORDER = _stems("then", "before", "after")


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
        if units[at] in _ORDER:
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


def _occurrences(
    phrase: str, answer: _Answer, lexicon: Lexicon, *, loose: bool = False
) -> list[_Span]:
    return [
        span
        for units in expand_phrase(phrase, lexicon, loose=loose)
        for span in _spans(units, answer)
    ]


def _reversals(
    phrase: str, answer: _Answer, lexicon: Lexicon, truths: frozenset[tuple[str, ...]]
) -> list[_Span]:
    """Occurrences of the phrase said the other way round, except wordings that are some
    key idea's own (``truths``)."""
    return [
        span
        for units in flip_phrase(phrase, lexicon)
        if units not in truths
        for span in _spans(units, answer)
    ]


def _asserted(span: _Span, answer: _Answer, *, subject: bool = False) -> bool:
    """Whether an occurrence stands outside a negated clause (``subject``: may precede
    the clause's "not", as a relation's cause may)."""
    s, i, end = span
    sentence = answer.sentences[s]
    # A phrase that holds its own "not" ("learning rate does not matter") is not denied by it.
    own = any(token.stem in _NEGATORS for token in sentence.tokens[i:end])
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
    prepared = _Answer.of(answer)
    return any(
        _asserted(span, prepared) for span in _occurrences(phrase, prepared, lexicon or Lexicon())
    )


# --- relations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
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
    span: _Span
    relation: int  # which relation of the prompt this cause phrase belongs to
    turned: bool = False  # the cause said the other way round ("too low" for "too high")


@dataclass(frozen=True)
class _Effect:
    span: _Span
    relation: int
    turned: bool  # said the other way round, or denied ("does not overshoot")


def _pair(
    effect: _Span, causes: list[_Cause], effects: list[_Span], answer: _Answer
) -> list[_Cause]:
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


def _no_subject(sentence: _Sentence, start: int) -> bool:
    """Whether an effect's statement has no subject of its own before it ("but CAN
    overshoot", not "while THE HEAD gets a larger rate")."""
    segment = sentence.segment[start]
    k = start - 1
    while k >= 0 and sentence.segment[k] == segment:
        token = sentence.tokens[k]
        if not (token.stop or token.stem in _LINKING or token.stem in _SEGMENT_BREAKS):
            return False
        k -= 1
    return True


def _leads_back(sentence: _Sentence, end: int, cause: int, effects: list[_Span]) -> bool:
    """Whether, between an effect ending at ``end`` and a cause at ``cause``, a word leads
    back to the cause (not one that opens a new clause: "..., and if it is too low")."""
    tokens = sentence.tokens
    for k in range(end, min(cause, end + _LEAD_REACH)):
        if tokens[k].stem in _LEADS_BACK:
            if k > 0 and tokens[k - 1].stem in _CONJUNCTIONS:
                return False
            # "..., for sgd the square root rule" starts a statement of its own.
            if tokens[k].stem in _PREPOSITIONS and sentence.piece[k] != sentence.piece[end - 1]:
                return False
            # "..., if it is too small training crawls": the "if" opens a statement with
            # an effect of its own after the cause.
            if tokens[k].stem in _SUBORDINATORS and any(
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


def _conceded(effect: _Span, causes: list[_Cause], answer: _Answer) -> bool:
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


_CONCESSIVE = _stems("still", "despite", "even", "nevertheless", "anyway")


def _named_beside(effect: _Effect, causes: list[_Cause], answer: _Answer) -> bool:
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


def _claimed(span: _Span, answer: _Answer, *, if_ok: bool = False) -> bool:
    """Whether an occurrence is claimed, not only supposed or reported (see _Sentence);
    ``if_ok``: an "if" clause counts (a relation's effect: "if it is too low it
    overshoots" claims that a low rate overshoots)."""
    s, i, _ = span
    sentence = answer.sentences[s]
    return not (sentence.reported[i] or (sentence.supposed[i] and not if_ok))


def _blamed(span: _Span, answer: _Answer) -> bool:
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
_HARM = _stems(
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
_AVERTING = _stems("prevent", "avoid", "stop", "without", "reduce", "less", "fewer", "no", "not")


def _dismissed(span: _Span, answer: _Answer) -> bool:
    """Whether the answer judges an occurrence worthless or false (see _Sentence)."""
    s, i, _ = span
    return answer.sentences[s].dismissed[i]


def _in_order(span: _Span, answer: _Answer) -> bool:
    """Whether an occurrence holds a word of order: "clip first, then unscale" states an
    order across its comma."""
    s, i, end = span
    return any(token.stem in _ORDER for token in answer.sentences[s].tokens[i:end])


def _overlaps(span: _Span, others: Sequence[_Span]) -> bool:
    """Whether an occurrence shares a word with one of ``others`` that reaches past it
    ("freezing / gradual unfreezing": "freezing gradual" ends inside "gradual
    unfreezing"); one inside it ("clip_grad_norm_" in "clip_grad_norm_, then unscale")
    does not count."""
    s, i, end = span
    return any(
        s == o_s and i < o_end and o_i < end and (o_i < i or o_end > end)
        for o_s, o_i, o_end in others
    )


def _one_piece(span: _Span, answer: _Answer) -> bool:
    """Whether an occurrence stays within one piece of its sentence (no comma, colon,
    bracket or arrow inside it)."""
    s, i, end = span
    return answer.sentences[s].piece[i] == answer.sentences[s].piece[end - 1]


def _whole(span: _Span, answer: _Answer) -> bool:
    """Whether an occurrence stays within one piece of its sentence and is not a point of
    reference ("a tenth of the rate at the minimum" does not pick the minimum): to show a
    misconception, a phrase must be said as one thing ("with decay, 'head.bias' -> no
    decay" does not decay the biases)."""
    s, i, _ = span
    sentence = answer.sentences[s]
    if not _one_piece(span, answer):
        return False
    return not any(token.stem in _REFERENCES for token in sentence.tokens[max(0, i - 3) : i])


# Words that make what follows a point of reference, not the value chosen.
_REFERENCES = _stems(
    "tenth", "fraction", "half", "below", "under", "than", "beneath", "after", "before", "once"
)


def _relations(
    rules: Sequence[_Rule], answer: _Answer, lexicon: Lexicon, truths: frozenset[tuple[str, ...]]
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
            causes += [_Cause(span, rule.number) for span in _occurrences(phrase, answer, lexicon)]
            if rule.key:
                causes += [
                    _Cause(span, rule.number, turned=True)
                    for span in _reversals(phrase, answer, lexicon, truths)
                ]
        for phrase in rule.effect:
            for span in _occurrences(phrase, answer, lexicon):
                if _asserted(span, answer):
                    effects.append(_Effect(span, rule.number, turned=False))
                elif rule.key and _claimed(span, answer, if_ok=True):
                    effects.append(_Effect(span, rule.number, turned=True))
            if rule.key:
                effects += [
                    _Effect(span, rule.number, turned=True)
                    for span in _reversals(phrase, answer, lexicon, truths)
                    if _asserted(span, answer) and _claimed(span, answer, if_ok=True)
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
            if _asserted(cause.span, answer, subject=True)
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
                _claimed(effect.span, answer, if_ok=True) and not _blamed(effect.span, answer)
            ):
                held.add(effect.relation)
        elif owner[effect.relation] < 0 or not _claimed(effect.span, answer, if_ok=True):
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


# --- grading ------------------------------------------------------------------------------------

# Words of the subject in general, so an answer to a neighbouring question is not off topic.
_SUBJECT = frozenset(
    stem(word)
    for word in _split(
        "lr learning rate gradient loss train training model weight optimizer optimiser epoch"
        " batch layer network neural parameter step converge diverge minimum descent sgd adam"
        " schedule scheduler warmup decay momentum overshoot oscillate accuracy finetune"
        " pretrained freeze head backprop update"
    )
)
# Everyday words that say nothing about whether an answer is on topic.
_EVERYDAY = frozenset(
    stem(word)
    for word in _split(
        "like good bad make use get know think thing way time want need well yes no ok okay"
        " idea sure maybe see say go come take give work people day year new one lot much"
        " many more great nice love first then not all same other each every own only once"
        " still"
    )
)
# Words that tie key phrases into a statement: a verb (auxiliaries and the verbs answers
# use to link a cause to its effect) or a conjunction that opens a clause. An answer with
# none of them is a bare list.
_LINKING = _stems(
    *_split(
        "is are was were be been being am has have had do does did will would can could"
        " should may might must shall if when whenever because so since therefore which"
        " that unless until otherwise while whereas means mean make makes made cause causes"
        " caused lead leads led let lets keep keeps help helps give gives gets get got take"
        " takes go goes become becomes need needs prevent prevents allow allows result"
        " results decide decides determine determines want wants tend tends happen happens"
        " put puts try tries use uses using"
    )
)
# Words of running prose, never of a bare list of key phrases.
_PROSE = frozenset({"the", "a", "an", "it", "its", "they", "their", "this", "you", "we", "i"})
LIST_NOTE = (
    "A list of key words is not yet an explanation: say how they connect (what leads to"
    " what, and why). Rated Hard at most."
)
ECHO_SHARE = 0.8  # an answer whose content words come this much from the prompt and hint


def _topic_texts(prompt: ExplainPrompt) -> tuple[str, ...]:
    texts = [prompt.prompt, prompt.hint, prompt.model_answer]
    for concept in prompt.concepts:
        texts.append(concept.name)
        texts.extend(concept.phrases)
        texts.extend(concept.claims)
        for relation in concept.relations:
            texts.extend(relation.cause)
            texts.extend(relation.effect)
    return tuple(texts)


@lru_cache(maxsize=256)
def _topic_stems(texts: tuple[str, ...]) -> frozenset[str]:
    """The stems that make an answer on topic: the prompt's own words and the subject's."""
    words = [word for text in texts for sentence in sentences(text) for word in sentence]
    found = {token.stem for token in _tokens(words)}
    return frozenset((found | _SUBJECT) - _EVERYDAY - STOP_WORDS)


@lru_cache(maxsize=256)
def _question_stems(texts: tuple[str, ...]) -> frozenset[str]:
    """The stems of the prompt and hint themselves, to tell an answer pasted from them."""
    words = [word for text in texts for sentence in sentences(text) for word in sentence]
    return frozenset(token.stem for token in _tokens(words)) | _EVERYDAY


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


_ITEM_SEPARATORS = re.compile(r"[\n,;:.!?/|*\u2022]+|\s-+\s|-+>|\u2192")
_ENDS = re.compile(r"[.!?;]+(?=\s|$)")


def _only_questions(text: str) -> bool:
    """Whether every sentence of an answer asks a question (the prompt asked back)."""
    ends = _ENDS.findall(normalize(text).strip())
    return bool(ends) and all("?" in end for end in ends) and text.rstrip().endswith("?")


LIST_ITEM_WORDS = 3  # a list's items are short: at most this many content words each
_LIST_JOINS = _stems("and", "or", "plus", "also")


# Words that make a clause of running prose out of a list item: an auxiliary, or a word
# that ties one statement to another. "loss goes up, nan, overshoot" is still a list.
_CLAUSE_WORDS = _PROSE | frozenset(
    _split(
        "is are was were be been being am will would can could should must may might shall"
        " do does did has have had because so since therefore thus hence if when whenever"
        " which that means unless until while whereas otherwise"
    )
)


def _is_list(text: str, answer: _Answer) -> bool:
    """Whether an answer is only key phrases listed, with no clause linking them: no word
    that makes running prose (an auxiliary, "the", "it", "because", "if" ...), or only
    short items (between commas, line breaks, "and", "or")."""
    words = answer.words()
    items = [part for part in _ITEM_SEPARATORS.split(normalize(text)) if _words(part)]
    if len(items) > 1 and not any(token.raw in _CLAUSE_WORDS for token in words):
        return True  # "loss goes up, nan, overshoot"
    if any(token.stem in _LINKING or token.raw in _LINKING for token in words):
        return False
    for part in re.split(r"[\n,;:.!?/|*\u2022-]+", normalize(text)):
        item = 0
        for token in _tokens(_words(part)):
            if token.stem in _LIST_JOINS:
                item = 0
            elif not token.stop:
                item += 1
                if item > LIST_ITEM_WORDS:
                    return False
    return True


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon shipped in content/lexicon.yaml (empty if that file is absent)."""
    from tutor.content import LEXICON_FILE, load_lexicon

    path = Path(__file__).resolve().parents[1] / "content" / LEXICON_FILE
    return load_lexicon(path) if path.is_file() else Lexicon()


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


def weighty(phrase: str) -> bool:
    """Whether a phrase says enough to be contradicted alone: two words or more that
    count ("start high" can be turned round; "stable" alone says nothing of what)."""
    words = [word for sentence in sentences(phrase) for word in sentence]
    return sum(not stop for _, _, stop in _stem_words(words)) >= 2


def grade_explanation(prompt: ExplainPrompt, answer: str, lexicon: Lexicon | None = None) -> Grade:
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
        lexicon: Synonyms to expand phrases through; None for the shipped lexicon.

    Returns:
        The grade: concepts covered and missed, cautions, and the flags.
    """
    lexicon = default_lexicon() if lexicon is None else lexicon
    prepared = _Answer.of(answer)
    rules: list[_Rule] = []
    for c, concept in enumerate(prompt.concepts):
        for relation in concept.relations:
            rules.append(_Rule(len(rules), relation.cause, relation.effect, c))
    for m, misconception in enumerate(prompt.misconceptions):
        for relation in misconception.relations:
            rules.append(_Rule(len(rules), relation.cause, relation.effect, -1 - m))
    truths = _truths(prompt, lexicon)
    held, turned = _relations(rules, prepared, lexicon, truths)
    held_by = {rules[number].owner for number in held}
    turned_by = {rules[number].owner for number in turned}

    def evidence(owner: int, phrases: Sequence[str]) -> list[_Span]:
        """Where the answer asserts a key idea's (owner >= 0) or misconception's phrases."""
        return [
            span
            for phrase in phrases
            for span in _occurrences(phrase, prepared, lexicon, loose=owner >= 0)
            if _asserted(span, prepared)
            and (
                owner >= 0
                or (
                    _claimed(span, prepared)
                    and _whole(span, prepared)
                    and not _blamed(span, prepared)
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
        for span in _occurrences(phrase, prepared, lexicon, loose=True)
        if _asserted(span, prepared) and span[2] - span[1] > 1
    ]

    def contradicted(c: int, claims: Sequence[str], phrases: Sequence[str]) -> bool:
        """A key idea's claim said the other way round, or denied, in a clause that claims
        it; one of its relations so; or any of its wordings judged worthless ("a schedule
        is unnecessary")."""
        return (
            c in turned_by
            or any(
                _dismissed(span, prepared) and _claimed(span, prepared)
                for phrase in (*phrases, *claims)
                for span in _occurrences(phrase, prepared, lexicon, loose=True)
            )
            or any(
                _asserted(span, prepared)
                and _claimed(span, prepared)
                and (_one_piece(span, prepared) or _in_order(span, prepared))
                and not _overlaps(span, said)
                for phrase in claims
                for span in _reversals(phrase, prepared, lexicon, truths)
            )
            or any(
                not _asserted(span, prepared)
                and _claimed(span, prepared)
                and _one_piece(span, prepared)
                for phrase in claims
                for span in _occurrences(phrase, prepared, lexicon)
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
        not _asserted(span, prepared) and _claimed(span, prepared)
        for concept in prompt.concepts
        for phrase in (*concept.phrases, *concept.claims)
        for span in _occurrences(phrase, prepared, lexicon)
    )
    cautions = tuple(
        Caution(misconception.name, misconception.correction) for misconception, _ in misconceived
    )
    empty = not prepared.sentences
    content = prepared.content_stems()
    off_topic = not empty and not covered and not (content & _topic_stems(_topic_texts(prompt)))
    own = content - _question_stems((prompt.prompt, prompt.hint))
    echo = (
        not empty
        and not off_topic
        and (len(own) <= (1 - ECHO_SHARE) * len(content) or _only_questions(answer))
    )
    list_only = not empty and not off_topic and bool(covered) and _is_list(answer, prepared)
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
