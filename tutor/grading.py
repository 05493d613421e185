"""Grading of explain-it answers: which of a prompt's key concepts a learner's words cover."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

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
_VOWELS = frozenset("aeiou")


# --- the stemmer -----------------------------------------------------------------------------
# Porter's algorithm (1980) in a compact form, after a few English-specific repairs above.
# Stems need not be words; they only have to agree across the forms of one word:
# diverge, diverges, diverging, diverged, divergence, divergent -> "diverg".


def _consonants(word: str) -> list[bool]:
    """Per letter, whether it is a consonant; y is one unless it follows a consonant."""
    kinds: list[bool] = []
    for i, letter in enumerate(word):
        if letter == "y":
            kinds.append(i == 0 or not kinds[i - 1])
        else:
            kinds.append(letter not in _VOWELS)
    return kinds


def _measure(stem: str) -> int:
    """Porter's m: how many vowel-consonant sequences the stem holds."""
    kinds = _consonants(stem)
    return sum(1 for i in range(1, len(kinds)) if kinds[i] and not kinds[i - 1])


def _has_vowel(stem: str) -> bool:
    return not all(_consonants(stem))


def _double_consonant(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _consonants(word)[-1]


def _cvc(word: str) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y (hop, not hoop or show)."""
    if len(word) < 3 or word[-1] in "wxy":
        return False
    kinds = _consonants(word[-4:])
    return kinds[-3] and not kinds[-2] and kinds[-1]


_STEP2 = (
    ("ational", "ate"),
    ("tional", "tion"),
    ("enci", "ence"),
    ("anci", "ance"),
    ("izer", "ize"),
    ("bli", "ble"),
    ("alli", "al"),
    ("entli", "ent"),
    ("eli", "e"),
    ("ousli", "ous"),
    ("ization", "ize"),
    ("ation", "ate"),
    ("ator", "ate"),
    ("alism", "al"),
    ("iveness", "ive"),
    ("fulness", "ful"),
    ("ousness", "ous"),
    ("aliti", "al"),
    ("iviti", "ive"),
    ("biliti", "ble"),
    ("logi", "log"),
)
_STEP3 = (
    ("icate", "ic"),
    ("ative", ""),
    ("alize", "al"),
    ("iciti", "ic"),
    ("ical", "ic"),
    ("ful", ""),
    ("ness", ""),
)
# Longest first where one suffix ends another (ement before ment before ent).
_STEP4 = _split("ement ance ence able ible ment ant ent ism ate iti ous ive ize ion al er ic ou")


def _replace(word: str, rules: Iterable[tuple[str, str]], min_measure: int) -> str:
    for suffix, replacement in rules:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem + replacement if _measure(stem) > min_measure else word
    return word


def _porter(word: str) -> str:
    # Step 1a: plurals.
    if word.endswith(("sses", "ies")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    # Step 1b: -ed and -ing, then repair what they leave (hopp -> hop, rat -> rate).
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif _double_consonant(word) and word[-1] not in "lsz":
                    word = word[:-1]
                elif _measure(word) == 1 and _cvc(word):
                    word += "e"
                break
    # Step 1c: a final y after a vowel-bearing stem becomes i (decay, decays -> decai).
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    word = _replace(word, _STEP2, 0)
    word = _replace(word, _STEP3, 0)
    # Step 4: drop a derivational suffix from a long enough stem.
    for suffix in _STEP4:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            if suffix == "ion" and not stem.endswith(("s", "t")):
                break
            if _measure(stem) > 1:
                word = stem
            break
    # Step 5: a final e, and a final double l.
    if word.endswith("e"):
        stem = word[:-1]
        measure = _measure(stem)
        if measure > 1 or (measure == 1 and not _cvc(stem)):
            word = stem
    if word.endswith("ll") and _measure(word) > 1:
        word = word[:-1]
    return word


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The stem of one lower-case word, shared by its inflected and derived forms.

    A light stemmer for English in this domain: irregular forms and comparatives first
    (overshot -> overshoot, larger -> large), British -ise spellings as -ize, -ly adverbs
    to their adjective, then Porter's suffix stripping. Numbers, words with digits and
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
    if len(word) >= 6 and word.endswith("ly"):
        if word.endswith("bly"):
            word = word[:-1] + "e"
        elif word.endswith("ily"):
            word = word[:-3] + "y"
        else:
            word = word[:-2]
        word = _IRREGULAR.get(word, word)
    return _porter(word)


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
_TIMES_AFTER = re.compile(r"(\d+(?:\.\d+)?)\s*x(?![a-z0-9])")
_TIMES_BEFORE = re.compile(r"(?<![a-z0-9.])x\s*(\d+(?:\.\d+)?)(?![a-z0-9])")
# A sentence ends at . ! ? ; followed by a space or the end (not model.parameters()).
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n\s*\n")
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


@dataclass(frozen=True, slots=True)
class _Token:
    stem: str
    stop: bool
    number: bool
    joined: str  # the stem of this word glued to the next (warm + up -> warmup), or ""


def _stem_words(words: Sequence[str]) -> list[tuple[str, str, bool]]:
    """(raw, stem, is stop word) per word, "learning rate" merged into one "lr"."""
    out: list[tuple[str, str, bool]] = []
    for word in words:
        stop = word in STOP_WORDS
        stemmed = word if stop else stem(word)
        if stemmed == "rate" and out and out[-1][1] == "learn":
            out[-1] = ("lr", "lr", False)
            continue
        out.append((word, stemmed, stop))
    return out


def _tokens(words: Sequence[str]) -> list[_Token]:
    stemmed = _stem_words(words)
    tokens = []
    for i, (raw, stemmed_word, stop) in enumerate(stemmed):
        joined = stem(raw + stemmed[i + 1][0]) if i + 1 < len(stemmed) else ""
        tokens.append(_Token(stemmed_word, stop, _NUMBER.fullmatch(raw) is not None, joined))
    return tokens


@dataclass(frozen=True)
class _Answer:
    """An answer ready to match: one token list per sentence, and where each key starts."""

    sentences: tuple[tuple[_Token, ...], ...]
    starts: dict[str, list[tuple[int, int]]]

    @classmethod
    def of(cls, text: str) -> _Answer:
        parts = tuple(tuple(_tokens(words)) for words in sentences(text))
        starts: dict[str, list[tuple[int, int]]] = {}
        for s, tokens in enumerate(parts):
            for i, token in enumerate(tokens):
                starts.setdefault(token.stem, []).append((s, i))
                if token.joined:
                    starts.setdefault(token.joined, []).append((s, i))
                if token.number:
                    starts.setdefault(_ANY_NUMBER, []).append((s, i))
        return cls(parts, starts)

    def content_stems(self) -> set[str]:
        """Stems of the words that can say what the answer is about (no "p", "x", "10")."""
        return {
            t.stem
            for tokens in self.sentences
            for t in tokens
            if not t.stop and not t.number and len(t.stem) > 1
        }


def _token_is(token: _Token, unit: str) -> bool:
    return token.stem == unit or (unit == _ANY_NUMBER and token.number)


def _follows(
    units: tuple[str, ...],
    index: int,
    tokens: tuple[_Token, ...],
    position: int,
    failed: set[tuple[int, int]],
) -> bool:
    """Whether units[index:] occur in order from tokens[position], with small gaps."""
    if index == len(units):
        return True
    if (index, position) in failed:
        return False
    unit = units[index]
    skipped = 0
    for q in range(position, min(len(tokens), position + MAX_SKIP + 1)):
        token = tokens[q]
        if _token_is(token, unit) and _follows(units, index + 1, tokens, q + 1, failed):
            return True
        if token.joined == unit and _follows(units, index + 1, tokens, q + 2, failed):
            return True
        if not token.stop:
            skipped += 1
            if skipped > MAX_GAP:
                break
    failed.add((index, position))
    return False


def _occurs(units: tuple[str, ...], answer: _Answer) -> bool:
    failed: dict[int, set[tuple[int, int]]] = {}  # per sentence: (unit, position) tried
    for s, i in answer.starts.get(units[0], ()):
        if _follows(units, 0, answer.sentences[s], i, failed.setdefault(s, set())):
            return True
    return False


def _merges(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Every way of gluing neighbouring words of a phrase (fine tune -> finetune)."""
    if len(items) < 2:
        return [items]
    first, second = items[0], items[1]
    glued = (first[0] + second[0], stem(first[0] + second[0]))
    return [[first, *rest] for rest in _merges(items[1:])] + [
        [glued, *rest] for rest in _merges(items[2:])
    ]


@lru_cache(maxsize=4096)
def compile_phrase(phrase: str) -> frozenset[tuple[str, ...]]:
    """The stem sequences that count as an occurrence of a deck phrase.

    Stop words are dropped ("size of the step" -> size, step) unless that would leave a
    single word, which alone would be too loose: then only articles go ("lower it",
    "a little", "by name" stay whole); a phrase of stop words only matches nothing.
    Neighbouring words may also appear glued together ("fine tune" also matches
    "finetuning"), and "n" stands for any number ("every n epochs").

    Args:
        phrase: A phrase as the deck writes it.

    Returns:
        The alternative stem sequences; empty if the phrase holds no word.
    """
    words = [word for sentence in sentences(phrase) for word in sentence]
    stemmed = _stem_words(words)
    content = [(raw, s) for raw, s, stop in stemmed if not stop]
    if len(content) == 1 and len(stemmed) > 1:
        content = [(raw, s) for raw, s, _ in stemmed if raw not in _ARTICLES]
        if len(content) < 2:
            content = [(raw, s) for raw, s, _ in stemmed]
    if not content:
        return frozenset()
    alternatives: set[tuple[str, ...]] = set()
    for merged in _merges(content):
        units = tuple(s for _, s in merged)
        alternatives.add(units)
        if "n" in units:
            alternatives.add(tuple(_ANY_NUMBER if u == "n" else u for u in units))
    return frozenset(alternatives)


def phrase_occurs(phrase: str, answer: str) -> bool:
    """Whether a deck phrase occurs in an answer, allowing word forms and small gaps.

    Args:
        phrase: A phrase as the deck writes it, e.g. "learning rate too high".
        answer: The learner's text, e.g. "the learning rate is too high".

    Returns:
        True if some form of the phrase occurs in one sentence of the answer.
    """
    prepared = _Answer.of(answer)
    return any(_occurs(units, prepared) for units in compile_phrase(phrase))


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


def _topic_texts(prompt: ExplainPrompt) -> tuple[str, ...]:
    texts = [prompt.prompt, prompt.hint, prompt.model_answer]
    for concept in prompt.concepts:
        texts.append(concept.name)
        texts.extend(concept.phrases)
    return tuple(texts)


@lru_cache(maxsize=256)
def _topic_stems(texts: tuple[str, ...]) -> frozenset[str]:
    """The stems that make an answer on topic: the prompt's own words and the subject's."""
    words = [word for text in texts for sentence in sentences(text) for word in sentence]
    found = {token.stem for token in _tokens(words)}
    return frozenset((found | _SUBJECT) - _EVERYDAY - STOP_WORDS)


@dataclass(frozen=True)
class Grade:
    """How an answer fared against a prompt's key concepts.

    Attributes:
        covered: Names of the concepts the answer shows, in the prompt's order.
        missed: Names of the concepts it does not show, in the prompt's order.
        empty: The answer holds no word at all (blank, only punctuation or emoji).
        off_topic: The answer has words, but none about the prompt or its subject.
    """

    covered: tuple[str, ...]
    missed: tuple[str, ...]
    empty: bool = False
    off_topic: bool = False

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
    def rating(self) -> Rating:
        """The FSRS rating this answer counts as (see rating_for)."""
        return rating_for(self.score, self.total)


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


def grade_explanation(prompt: ExplainPrompt, answer: str) -> Grade:
    """Grade a learner's free-text answer against an explain prompt's key concepts.

    A concept is covered when any of its phrases occurs in the answer: case, accents,
    punctuation, hyphens ("warm-up", "warmup", "warm up"), word forms ("diverged",
    "divergence"), numbers as digits or words ("10 times", "ten times", "tenfold", "10x")
    and a few words slipped in between a phrase's words all still match. Never raises:
    an empty or off-topic answer simply covers nothing.

    Args:
        prompt: The explain prompt that was asked.
        answer: The learner's reply, as sent; only the first MAX_ANSWER_CHARS count.

    Returns:
        The grade: concepts covered and missed, and whether the answer was empty or
        off topic.
    """
    prepared = _Answer.of(answer)
    covered: list[str] = []
    missed: list[str] = []
    for concept in prompt.concepts:
        hit = any(
            _occurs(units, prepared)
            for phrase in concept.phrases
            for units in compile_phrase(phrase)
        )
        (covered if hit else missed).append(concept.name)
    empty = not prepared.sentences
    off_topic = (
        not empty
        and not covered
        and not (prepared.content_stems() & _topic_stems(_topic_texts(prompt)))
    )
    return Grade(tuple(covered), tuple(missed), empty=empty, off_topic=off_topic)
