"""English text as the grader reads it: words, clauses, phrases, lexicon; no decks, no prompts."""

from tutor.domain.language.lexicon import Lexicon, expand_phrase, flip_phrase
from tutor.domain.language.matching import phrase_occurs
from tutor.domain.language.phrases import compile_phrase, weighty
from tutor.domain.language.words import MAX_ANSWER_CHARS, STOP_WORDS, normalize, sentences, stem

__all__ = [
    "MAX_ANSWER_CHARS",
    "STOP_WORDS",
    "Lexicon",
    "compile_phrase",
    "expand_phrase",
    "flip_phrase",
    "normalize",
    "phrase_occurs",
    "sentences",
    "stem",
    "weighty",
]
