"""The shipped decks in content/: present, big enough, within Telegram's limits, complete."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

from tutor.catalog import LEXICON_FILE, load_library
from tutor.domain.content import POLL_EXPLANATION_MAX, Deck, DemoName, ItemKind, fits_poll
from tutor.domain.library import Library
from tutor.domain.lint import builtin_problems, lint_deck

CONTENT = Path(__file__).resolve().parents[1] / "content"
# Every deck shipped in content/ (a deck's id is its file's name), so new decks are checked
# by every test parametrized over SHIPPED.
SHIPPED = sorted(p.stem for p in CONTENT.glob("*.yaml") if p.name != LEXICON_FILE)

# Explain prompts restored from the seed pages, with the concept counts the seeds show
# ("You got /4 concepts" on the basics page, "/3" on the differential page).
SEED_PROMPT_CONCEPTS = {
    "b-explain-why-lr": 4,
    "b-explain-strategy": 4,
    "d-explain-what": 3,
    "d-explain-pytorch": 3,
}

# Topics beyond the seed pages that each deck must cover (searched case-insensitively).
BEYOND_SEED = {
    "lr-basics": ["warm", "cosine", "OneCycle", "range test", "Adam", "ReduceLROnPlateau"],
    "lr-differential": ["named_parameters", "param_groups", "requires_grad", "OneCycle", "Adam"],
}
# The brief's list, checked over both decks together as well.
BEYOND_SEED_ANYWHERE = ["warm", "cosine", "OneCycle", "range test", "Adam", "named_parameters"]

PREFIX = {
    "lr-basics": "b-",
    "lr-differential": "d-",
    "lr-schedulers": "s-",
    "lr-optimizers": "o-",
    "lr-diagnosis": "g-",
    "lr-today": "a-",
}
# Issue 25's depth target (issue 14's was 220 items in 5 decks).
DEPTH_ITEMS = 300
DEPTH_DECKS = 6


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(CONTENT)


def _deck_text(deck: Deck) -> str:
    """Every piece of text in a deck, joined, for topic searches."""
    return "\n".join(_strings(deck.model_dump()))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _normalise(phrase: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", phrase.casefold()))


def test_both_decks_exist(library: Library) -> None:
    assert {"lr-basics", "lr-differential"} <= set(library.decks)


def test_every_shipped_file_is_a_deck_named_by_its_file(library: Library) -> None:
    assert list(library.decks) == SHIPPED


@pytest.mark.parametrize("deck_id", SHIPPED)
def test_deck_sizes(library: Library, deck_id: str) -> None:
    deck = library.decks[deck_id]
    assert len(deck.cards) >= 12
    assert len(deck.quiz) >= 10
    assert len(deck.explain) >= 3


@pytest.mark.parametrize("deck_id", SHIPPED)
def test_item_ids_carry_the_deck_prefix(library: Library, deck_id: str) -> None:
    assert deck_id in PREFIX, f"{deck_id}: add its item-id prefix to PREFIX"
    for item in library.decks[deck_id].items():
        assert item.id.startswith(PREFIX[deck_id]), item.id


def test_quiz_questions_fit_a_poll(library: Library) -> None:
    for deck in library.decks.values():
        for question in deck.quiz:
            assert fits_poll(question), question.id
            assert len(question.explanation) <= POLL_EXPLANATION_MAX, question.id
            assert len(question.explanation) <= 200, question.id


@pytest.mark.parametrize("deck_id", SHIPPED)
def test_decks_keep_the_built_in_bar(library: Library, deck_id: str) -> None:
    """The schema admits own decks' longer questions and fewer concepts; the shipped decks
    keep the stricter bar (which also stops them loading when broken)."""
    assert builtin_problems(library.decks[deck_id]) == []


def test_quiz_questions_have_one_correct_option(library: Library) -> None:
    for deck in library.decks.values():
        for question in deck.quiz:
            assert 3 <= len(question.options) <= 4, question.id
            assert sum(option.correct for option in question.options) == 1, question.id


def test_seed_prompts_keep_their_concept_counts(library: Library) -> None:
    for prompt_id, count in SEED_PROMPT_CONCEPTS.items():
        item = library.item(prompt_id)
        assert item is not None, f"seed prompt {prompt_id} is missing"
        assert item in library.decks[library.deck_of[prompt_id]].explain
        assert len(item.concepts) == count, prompt_id


def test_concept_phrases_are_usable(library: Library) -> None:
    """4 to 16 short phrases per concept (or relations with 2 or more causes and effects),
    and no phrase shared by two concepts of a prompt."""
    for deck in library.decks.values():
        for prompt in deck.explain:
            owner: dict[str, str] = {}
            for concept in prompt.concepts:
                if concept.relations and not concept.phrases:
                    for relation in concept.relations:
                        assert len(relation.cause) >= 2, (prompt.id, concept.name)
                        assert len(relation.effect) >= 2, (prompt.id, concept.name)
                else:
                    assert 4 <= len(concept.phrases) <= 16, (prompt.id, concept.name)
                relation_phrases = [
                    p for relation in concept.relations for p in relation.cause + relation.effect
                ]
                for phrase in relation_phrases:
                    assert 1 <= len(_normalise(phrase).split()) <= 5, (prompt.id, phrase)
                for phrase in concept.phrases:
                    words = _normalise(phrase).split()
                    assert 1 <= len(words) <= 5, (prompt.id, phrase)
                    key = " ".join(words)
                    assert owner.setdefault(key, concept.name) == concept.name, (prompt.id, phrase)


def test_demo_links_name_known_demos(library: Library) -> None:
    known = set(get_args(DemoName))
    assert known == {"lr", "schedule", "differential", "warmup"}
    linked = set()
    for deck in library.decks.values():
        for card in deck.cards:
            if card.demo is not None:
                assert card.demo in known, card.id
                linked.add(card.demo)
    assert linked == known, "every demo should be reachable from some card"


@pytest.mark.parametrize("deck_id", sorted(BEYOND_SEED))
def test_beyond_seed_topics_are_covered(library: Library, deck_id: str) -> None:
    text = _deck_text(library.decks[deck_id]).casefold()
    for topic in BEYOND_SEED[deck_id]:
        assert topic.casefold() in text, f"{deck_id} does not mention {topic!r}"


def test_beyond_seed_topics_across_decks(library: Library) -> None:
    text = "\n".join(_deck_text(deck) for deck in library.decks.values()).casefold()
    for topic in BEYOND_SEED_ANYWHERE:
        assert topic.casefold() in text, f"no deck mentions {topic!r}"


def test_every_explain_prompt_names_misconceptions(library: Library) -> None:
    """At least two wrong ideas per prompt, each with short phrases or relations, and a
    one-line correction."""
    for deck in library.decks.values():
        for prompt in deck.explain:
            assert len(prompt.misconceptions) >= 2, prompt.id
            for wrong in prompt.misconceptions:
                assert wrong.phrases or wrong.relations, (prompt.id, wrong.name)
                assert len(wrong.correction) <= 300, (prompt.id, wrong.name)
                texts = wrong.phrases + [
                    p for relation in wrong.relations for p in relation.cause + relation.effect
                ]
                for phrase in texts:
                    assert 1 <= len(_normalise(phrase).split()) <= 5, (prompt.id, phrase)


@pytest.mark.parametrize("deck_id", SHIPPED)
def test_every_item_names_its_source(library: Library, deck_id: str) -> None:
    for item in library.decks[deck_id].items():
        assert item.source, f"{item.id} has no source"


@pytest.mark.parametrize("deck_id", SHIPPED)
def test_quizzes_pass_the_lint(library: Library, deck_id: str) -> None:
    """Picking the longest option, or striking out absolute words, does not pass the quiz
    (``python -m bot check-content`` prints the same figures)."""
    figures, problems = lint_deck(library.decks[deck_id])
    assert figures.questions >= 10
    assert problems == []


def test_a_newcomer_starts_with_the_basics_and_ends_at_scale(library: Library) -> None:
    """Decks load in the order of their file names, and new cards come in that order: the
    basics first, learning rates at today's scale last."""
    decks = list(library.decks)
    assert decks[0] == "lr-basics" and decks[-1] == "lr-today"
    first = library.ids_of_kind(ItemKind.CARD, decks)[0]
    assert library.deck_of[first] == "lr-basics"


def test_depth_target(library: Library) -> None:
    """At least 300 items in at least 6 decks, the sixth on learning rates at scale."""
    items = sum(len(list(deck.items())) for deck in library.decks.values())
    assert len(library.decks) >= DEPTH_DECKS, f"{len(library.decks)} decks shipped"
    assert items >= DEPTH_ITEMS, f"{items} items shipped"
