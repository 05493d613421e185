"""What caps a grade whatever it covers: off topic, an echo of the question, a bare list."""

from __future__ import annotations

import re
from functools import lru_cache

from tutor.domain.content import ExplainPrompt
from tutor.domain.language.clauses import LINKING
from tutor.domain.language.matching import Answer
from tutor.domain.language.words import (
    STOP_WORDS,
    normalize,
    sentences,
    stem,
    stem_set,
    tokenize,
    word_list,
    words_of,
)

# Words of the subject in general, so an answer to a neighbouring question is not off topic.
_SUBJECT = frozenset(
    stem(word)
    for word in word_list(
        "lr learning rate gradient loss train training model weight optimizer optimiser epoch"
        " batch layer network neural parameter step converge diverge minimum descent sgd adam"
        " schedule scheduler warmup decay momentum overshoot oscillate accuracy finetune"
        " pretrained freeze head backprop update"
    )
)
# Everyday words that say nothing about whether an answer is on topic.
_EVERYDAY = frozenset(
    stem(word)
    for word in word_list(
        "like good bad make use get know think thing way time want need well yes no ok okay"
        " idea sure maybe see say go come take give work people day year new one lot much"
        " many more great nice love first then not all same other each every own only once"
        " still"
    )
)
# Words of running prose, never of a bare list of key phrases.
_PROSE = frozenset({"the", "a", "an", "it", "its", "they", "their", "this", "you", "we", "i"})
ECHO_SHARE = 0.8  # an answer whose content words come this much from the prompt and hint


def topic_texts(prompt: ExplainPrompt) -> tuple[str, ...]:
    """The texts of a prompt whose words make an answer on topic (see topic_stems)."""
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
def topic_stems(texts: tuple[str, ...]) -> frozenset[str]:
    """The stems that make an answer on topic: the prompt's own words and the subject's."""
    words = [word for text in texts for sentence in sentences(text) for word in sentence]
    found = {token.stem for token in tokenize(words)}
    return frozenset((found | _SUBJECT) - _EVERYDAY - STOP_WORDS)


@lru_cache(maxsize=256)
def question_stems(texts: tuple[str, ...]) -> frozenset[str]:
    """The stems of the prompt and hint themselves, to tell an answer pasted from them."""
    words = [word for text in texts for sentence in sentences(text) for word in sentence]
    return frozenset(token.stem for token in tokenize(words)) | _EVERYDAY


_ITEM_SEPARATORS = re.compile(r"[\n,;:.!?/|*\u2022]+|\s-+\s|-+>|\u2192")
_ENDS = re.compile(r"[.!?;]+(?=\s|$)")


def only_questions(text: str) -> bool:
    """Whether every sentence of an answer asks a question (the prompt asked back)."""
    ends = _ENDS.findall(normalize(text).strip())
    return bool(ends) and all("?" in end for end in ends) and text.rstrip().endswith("?")


LIST_ITEM_WORDS = 3  # a list's items are short: at most this many content words each
_LIST_JOINS = stem_set("and", "or", "plus", "also")


# Words that make a clause of running prose out of a list item: an auxiliary, or a word
# that ties one statement to another. "loss goes up, nan, overshoot" is still a list.
_CLAUSE_WORDS = _PROSE | frozenset(
    word_list(
        "is are was were be been being am will would can could should must may might shall"
        " do does did has have had because so since therefore thus hence if when whenever"
        " which that means unless until while whereas otherwise"
    )
)


def is_list(text: str, answer: Answer) -> bool:
    """Whether an answer is only key phrases listed, with no clause linking them: no word
    that makes running prose (an auxiliary, "the", "it", "because", "if" ...), or only
    short items (between commas, line breaks, "and", "or")."""
    words = answer.words()
    items = [part for part in _ITEM_SEPARATORS.split(normalize(text)) if words_of(part)]
    if len(items) > 1 and not any(token.raw in _CLAUSE_WORDS for token in words):
        return True  # "loss goes up, nan, overshoot"
    if any(token.stem in LINKING or token.raw in LINKING for token in words):
        return False
    for part in re.split(r"[\n,;:.!?/|*\u2022-]+", normalize(text)):
        item = 0
        for token in tokenize(words_of(part)):
            if token.stem in _LIST_JOINS:
                item = 0
            elif not token.stop:
                item += 1
                if item > LIST_ITEM_WORDS:
                    return False
    return True
