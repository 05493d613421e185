"""English words: normalising, stemming, numbers, stop words, sentences and tokens."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

import snowballstemmer


def word_list(text: str) -> tuple[str, ...]:
    """The words of a space-separated list (kept as text so long lists stay readable)."""
    return tuple(text.split())


# A Telegram message holds at most 4096 characters; longer text (from anywhere else) is cut
# to this, so grading stays fast and never fails on size.
MAX_ANSWER_CHARS = 8192
# Longer "words" (a pasted hash, a run of letters) are left unstemmed.
MAX_WORD = 40

# Function words that carry no idea of their own. Words that do carry one here stay out
# on purpose: "too" (too high), "not"/"no"/"without", "each"/"every"/"own"/"per",
# "first"/"then"/"after"/"before", "up"/"down"/"off", "more"/"less"/"few".
STOP_WORDS = frozenset(
    word_list(
        "a an the of to in on at for with as by from into onto about via than"
        " is are was were be been being am it its itself this that these those there here"
        " i me my mine we us our you your yours he him his she her they them their theirs"
        " and or but so if because while whether when where which what who whom whose how why"
        " do does did done doing has have had having will would can could should may might"
        " must shall also just very really quite rather pretty some any such etc eg ie"
    )
)
ARTICLES = frozenset({"a", "an", "the"})

_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        word_list(
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
COMPARABLE = word_list(
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


for _adjective in COMPARABLE:
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
SENTENCE_END = re.compile(r"(?<![.!?;])[.!?;]+(?=\s|$)|\n\s*\n")
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
    for base in word_list("do does did is are was were has have had should would could must need")
} | {"cant": "can", "cannot": "can", "wont": "will", "shant": "shall", "aint": "is"}


def _canonical_number(token: str) -> str:
    try:
        value = float(token)
    except ValueError:  # pragma: no cover - the regex admits only numbers
        return token
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def words_of(sentence: str) -> list[str]:
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
    found = (words_of(part) for part in SENTENCE_END.split(normalize(text)))
    return [words for words in found if words]


ANY_NUMBER = "#"  # a phrase's "n" ("every n epochs") also stands for any number


def stem_set(*words: str) -> frozenset[str]:
    """The stems of ``words``, and the words themselves: a stop word's token keeps its
    word unstemmed ("because", not "becaus")."""
    return frozenset(stem(word) for word in words) | frozenset(words)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a sentence, as phrases are matched against it."""

    raw: str
    stem: str
    stop: bool
    number: bool
    joined: str  # the stem of this word glued to the next (warm + up -> warmup), or ""
    inner: bool = False  # a later part of one code name ("grad" of clip_grad_norm_)


# One term for the learning rate: "learning rate", "rate", "lr" and "eta" are all "lr"
# (but a "decay rate" or an "error rate" is not).
_OTHER_RATES = stem_set(
    "decay", "dropout", "error", "drop", "success", "failure", "sample", "frame"
)


def stem_words(words: Sequence[str]) -> list[tuple[str, str, bool]]:
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


def inside_names(tokens: list[Token], piece: str) -> list[Token]:
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


def tokenize(words: Sequence[str]) -> list[Token]:
    """The tokens of a sentence's words (see stem_words), each with its stem glued to the next."""
    stemmed = stem_words(words)
    tokens = []
    for i, (raw, stemmed_word, stop) in enumerate(stemmed):
        joined = stem(raw + stemmed[i + 1][0]) if i + 1 < len(stemmed) else ""
        tokens.append(Token(raw, stemmed_word, stop, _NUMBER.fullmatch(raw) is not None, joined))
    return tokens
