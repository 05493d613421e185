"""The deck loader: valid decks load, and each kind of mistake names file, item and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tutor.catalog import LEXICON_FILE, load_deck, load_lexicon, load_library
from tutor.domain.content import ContentError, ItemKind
from tutor.domain.grading import grade_explanation
from tutor.domain.language import Lexicon
from tutor.domain.library import OwnDeckInfo

GOOD_DECK = {
    "id": "demo-deck",
    "title": "A deck",
    "description": "For the loader's tests.",
    "cards": [
        {
            "id": "c-one",
            "level": "beginner",
            "front": "Front?",
            "back": "Back.",
            "demo": "lr",
            "source": "https://docs.pytorch.org/docs/stable/optim.html",
        }
    ],
    "quiz": [
        {
            "id": "q-one",
            "level": "intermediate",
            "question": "Which?",
            "options": [
                {"text": "This one", "correct": True},
                {"text": "That one", "why_wrong": "Because."},
                {"text": "The other"},
            ],
            "explanation": "Short.",
            "source": "Smith, Cyclical Learning Rates for Training Neural Networks, WACV 2017",
        }
    ],
    "explain": [
        {
            "id": "x-one",
            "level": "advanced",
            "prompt": "Explain it.",
            "hint": "Think.",
            "concepts": [
                {"name": f"Idea {n}", "phrases": [f"phrase {n}a", f"phrase {n}b"]}
                for n in range(3)
            ],
            "misconceptions": [
                {"name": f"Wrong {n}", "phrases": [f"wrong {n}"], "correction": "Right."}
                for n in range(2)
            ],
            "model_answer": "A model answer.",
            "source": "A paper, or a documentation page",
        }
    ],
}


def _write(directory: Path, name: str, deck: object) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(deck), encoding="utf-8")
    return path


def _broken(**changes: object) -> dict[str, object]:
    """GOOD_DECK with dotted paths replaced, e.g. ``{"quiz.0.explanation": "x" * 201}``."""
    deck = yaml.safe_load(yaml.safe_dump(GOOD_DECK))
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        node = deck
        for part in path:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is None:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value
    return deck


def test_good_deck_loads(tmp_path: Path) -> None:
    _write(tmp_path, "one.yaml", GOOD_DECK)
    library = load_library(tmp_path)
    assert list(library.decks) == ["demo-deck"]
    assert [i.id for i in library.items_of_kind(ItemKind.QUIZ)] == ["q-one"]
    assert library.deck_of["x-one"] == "demo-deck"
    quiz = library.items["q-one"]
    assert quiz.correct_index == 0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"quiz.0.explanation": "x" * 201}, "item 'q-one': field 'explanation'"),
        # The poll limits and counts below are the built-in bar (tutor/domain/lint.py), beyond the
        # schema own decks share: content/ still refuses what it refused before.
        (
            {"quiz.0.question": "Q" * 301},
            "item 'q-one': field 'question': String should have at most 300 characters",
        ),
        (
            {"quiz.0.options.1.text": "x" * 101},
            "item 'q-one': field 'options.1.text': String should have at most 100 characters",
        ),
        (
            {"explain.0.concepts.2": None},
            "item 'x-one': field 'concepts': List should have at least 3 items",
        ),
        (
            {
                "explain.0.concepts": [
                    {"name": f"Idea {n}", "phrases": [f"phrase {n}a", f"phrase {n}b"]}
                    for n in range(5)
                ]
            },
            "item 'x-one': field 'concepts': List should have at most 4 items",
        ),
        (
            {"quiz.0.options.2.correct": True},
            "item 'q-one': field '(item)': Value error, exactly one",
        ),
        (
            {"quiz.0.options": [{"text": "a", "correct": True}, {"text": "b"}]},
            "item 'q-one': field 'options'",
        ),
        ({"cards.0.level": "expert"}, "item 'c-one': field 'level'"),
        ({"cards.0.back": None}, "item 'c-one': field 'back': Field required"),
        ({"cards.0.demo": "gpu"}, "item 'c-one': field 'demo'"),
        ({"cards.0.id": "Bad Id"}, "item 'Bad Id': field 'id': String should match pattern"),
        ({"explain.0.concepts": []}, "item 'x-one': field 'concepts'"),
        (
            {"explain.0.concepts.0.phrases": ["only one"]},
            "item 'x-one': field 'concepts.0': Value error, a concept needs at least two",
        ),
        (
            {"explain.0.concepts.0.relations": [{"cause": ["too high"], "effect": []}]},
            "item 'x-one': field 'concepts.0.relations.0.effect'",
        ),
        (
            {"explain.0.misconceptions": None},
            "item 'x-one': field 'misconceptions': Field required",
        ),
        (
            {"explain.0.misconceptions.1": None},
            "item 'x-one': field 'misconceptions': List should have at least 2 items",
        ),
        (
            {"explain.0.misconceptions.0.correction": None},
            "item 'x-one': field 'misconceptions.0.correction': Field required",
        ),
        (
            {"explain.0.misconceptions.0.phrases": None},
            "item 'x-one': field 'misconceptions.0': Value error, a misconception needs",
        ),
        ({"cards.0.colour": "red"}, "item 'c-one': field 'colour': Extra inputs"),
        ({"title": None}, "deck: field 'title'"),
    ],
)
def test_invalid_deck_names_file_item_and_field(
    tmp_path: Path, changes: dict[str, object], expected: str
) -> None:
    path = _write(tmp_path, "broken.yaml", _broken(**changes))
    with pytest.raises(ContentError) as caught:
        load_library(tmp_path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_ids_are_unique_across_decks(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD_DECK)
    second = _broken(id="other-deck")
    second_path = _write(tmp_path, "b.yaml", second)
    with pytest.raises(ContentError, match="item 'c-one': field 'id': already used in") as caught:
        load_library(tmp_path)
    assert str(caught.value).startswith(str(second_path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("id: [unclosed", "not valid YAML"), ("- just\n- a list\n", "must be a mapping")],
)
def test_unreadable_deck(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "bad.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=expected):
        load_library(tmp_path)


def test_empty_or_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="no deck files"):
        load_library(tmp_path)
    with pytest.raises(ContentError, match="not found"):
        load_library(tmp_path / "nowhere")


def test_a_concept_may_be_a_relation_only(tmp_path: Path) -> None:
    relation = {"cause": ["too high"], "effect": ["overshoot"]}
    deck = _broken(**{"explain.0.concepts.0": {"name": "Too high", "relations": [relation]}})
    _write(tmp_path, "one.yaml", deck)
    prompt = load_library(tmp_path).items["x-one"]
    assert prompt.concepts[0].relations[0].effect == ["overshoot"]  # type: ignore[union-attr]


def test_the_lexicon_file_is_not_a_deck_and_loads(tmp_path: Path) -> None:
    _write(tmp_path, "one.yaml", GOOD_DECK)
    path = _write(tmp_path, LEXICON_FILE, {"groups": [["phrase 0a", "idea zero"]]})
    library = load_library(tmp_path)
    assert list(library.decks) == ["demo-deck"]
    lexicon = load_lexicon(path)
    prompt = library.items["x-one"]
    assert grade_explanation(prompt, "It is idea zero.", lexicon).covered == ("Idea 0",)  # type: ignore[arg-type]
    assert grade_explanation(prompt, "It is idea zero.", Lexicon()).covered == ()  # type: ignore[arg-type]


def test_the_library_reads_its_lexicon_from_its_own_directory(tmp_path: Path) -> None:
    _write(tmp_path, "one.yaml", GOOD_DECK)
    assert load_library(tmp_path).lexicon == Lexicon()
    _write(tmp_path, LEXICON_FILE, {"groups": [["phrase 0a", "idea zero"]]})
    library = load_library(tmp_path)
    prompt = library.items["x-one"]
    grade = grade_explanation(prompt, "It is idea zero.", library.lexicon)  # type: ignore[arg-type]
    assert grade.covered == ("Idea 0",)
    other = tmp_path / "other"
    other.mkdir()
    deck = load_deck(_write(other, "one.yaml", GOOD_DECK)).model_copy(update={"id": "own1"})
    added = library.with_decks([(deck, OwnDeckInfo(1, 7, "code", 1))])
    assert "own1" in added.decks and added.lexicon is library.lexicon


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ({"groups": [["a", "b"]], "opposites": [["high", "low", "mid"]]}, "opposites.0"),
        ({"groups": [["alone"]]}, "at least two members"),
        ({"groups": [["a b", "c"], ["C", "d"]]}, "'C' is in groups 0 and 1"),
        ({"words": []}, "Field required"),
    ],
)
def test_a_broken_lexicon_names_file_and_field(
    tmp_path: Path, groups: dict[str, object], expected: str
) -> None:
    path = _write(tmp_path, LEXICON_FILE, groups)
    with pytest.raises(ContentError, match=expected) as caught:
        load_lexicon(path)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("dotted", "item"),
    [("cards.0.source", "c-one"), ("quiz.0.source", "q-one"), ("explain.0.source", "x-one")],
)
def test_every_item_must_name_its_source(tmp_path: Path, dotted: str, item: str) -> None:
    _write(tmp_path, "one.yaml", _broken(**{dotted: None}))
    with pytest.raises(ContentError) as caught:
        load_library(tmp_path)
    assert f"item '{item}': field 'source': Field required" in str(caught.value)


def test_a_blank_source_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "one.yaml", _broken(**{"quiz.0.source": "  "}))
    with pytest.raises(ContentError, match="item 'q-one': field 'source'"):
        load_library(tmp_path)


def test_a_one_word_claim_is_refused_naming_it(tmp_path: Path) -> None:
    concept = {"name": "Stable", "phrases": ["converges"], "claims": ["the stable"]}
    _write(tmp_path, "one.yaml", _broken(**{"explain.0.concepts.0": concept}))
    with pytest.raises(ContentError, match="claim 'the stable': a claim needs two words"):
        load_library(tmp_path)
