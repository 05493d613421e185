"""The project's YAML deck schema as an own deck: defaults, each invalid item named with its
field, refusals, and the round trip export -> import."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.hostile import billion_laughs
from tutor.catalog import load_deck
from tutor.domain.content import Card, ExplainPrompt, Level, QuizQuestion
from tutor.imports import ImportFailed, ParsedDeck, Skipped, export_deck, parse_file
from tutor.imports.items import DEFAULT_HINT, derived_key, explicit_key

CONTENT = Path(__file__).resolve().parents[3] / "content"
SHIPPED = sorted(p for p in CONTENT.glob("*.yaml") if p.name != "lexicon.yaml")


def _items(deck: ParsedDeck) -> tuple[object, ...]:
    return (deck.name, deck.cards, deck.quiz, deck.explain)


def test_an_own_yaml_deck_needs_only_the_text() -> None:
    text = """
title: Optics
cards:
  - front: What does a lens do?
    back: It bends light.
quiz:
  - question: "Which colour bends most? %s"
    options:
      - {text: Violet, correct: true}
      - {text: Red}
explain:
  - prompt: Why is the sky blue?
    concepts:
      - {name: Scattering, phrases: [scatters]}
    model_answer: Air scatters blue light most.
""" % ("x" * 300)
    deck = parse_file("optics.yaml", text.encode())
    assert deck.name == "Optics" and deck.format == "yaml" and deck.skipped == ()
    (card,) = deck.cards
    assert card.id == derived_key(card.kind, "What does a lens do?")
    assert (card.level, card.source) == (Level.BEGINNER, "optics.yaml")
    (question,) = deck.quiz
    assert len(question.question) > 300  # longer than a poll: kept for private /quiz
    assert question.explanation == "Answer: Violet"
    (prompt,) = deck.explain
    assert (prompt.hint, prompt.misconceptions) == (DEFAULT_HINT, [])


def test_each_invalid_item_is_named_with_its_field() -> None:
    text = """\
title: Broken
cards:
  - id: c-ok
    front: Fine?
    back: Yes.
  - id: c-no-back
    front: Where is my back?
  - id: c-level
    front: Level?
    back: Wrong.
    level: expert
  - front: Colour?
    back: Red.
    colour: red
  - just a string
quiz:
  - id: q-two
    question: Two right?
    options: [{text: a, correct: true}, {text: b, correct: true}]
  - id: q-long
    question: Long option?
    options: [{text: "%s", correct: true}, {text: b}]
""" % ("o" * 301)
    deck = parse_file("broken.yml", text.encode())
    assert [c.id for c in deck.cards] == ["c-ok"]
    assert deck.skipped == (
        Skipped("item 'c-no-back' (line 6)", "no answer"),
        Skipped("item 'c-level' (line 8)", "level must be beginner, intermediate or advanced"),
        Skipped("line 12", "unknown field 'colour'"),
        Skipped("line 15", "a cards item should be a mapping of fields"),
        Skipped("item 'q-two' (line 17)", "exactly one option must be correct, found 2"),
        Skipped("item 'q-long' (line 20)", "option 1 longer than 300 characters"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: [unclosed\n", "x.yaml is not valid YAML: line 2: "),
        ("- a\n- b\n", "x.yaml is not a deck: it should be a mapping with a title"),
        ("title: T\ncardz: []\n", "x.yaml: unknown field 'cardz' at the top"),
        ("title: T\ncards: {front: a}\n", "x.yaml: 'cards' should be a list of items (line 2)"),
        ("title: T\ncards: " + "[" * 100_000 + "]" * 100_000, "x.yaml is not valid YAML: line 2"),
    ],
)
def test_files_that_are_not_a_deck_are_refused(text: str, message: str) -> None:
    with pytest.raises(ImportFailed) as caught:
        parse_file("x.yaml", text.encode())
    assert str(caught.value).startswith(message)


def test_yaml_aliases_are_refused_so_a_small_file_cannot_expand() -> None:
    with pytest.raises(
        ImportFailed, match=r"uses YAML anchors and aliases \(&name, \*name; line 2\)"
    ):
        parse_file("laughs.yaml", billion_laughs())


def test_explicit_ids_become_item_keys() -> None:
    assert explicit_key("Lens-1") == "lens-1"
    assert explicit_key("lens 1 / b") == "lens-1-b"
    assert explicit_key(7) == "i-7"
    # Longer than KEY_MAX: "i" and 8 hex digits of its SHA-1, the same every time.
    long_key = explicit_key("b-explain-strategy")
    assert long_key is not None and long_key.startswith("i") and len(long_key) == 9
    assert explicit_key("B Explain Strategy") == long_key
    assert explicit_key("b-explain-strategies") != long_key
    assert explicit_key("???") is None


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_built_in_deck_file_imports_as_an_own_deck(path: Path) -> None:
    built_in = load_deck(path)
    deck = parse_file(path.name, path.read_bytes())
    assert deck.name == built_in.title and deck.skipped == ()
    assert [c.front for c in deck.cards] == [c.front for c in built_in.cards]
    assert [q.question for q in deck.quiz] == [q.question for q in built_in.quiz]
    assert [p.model_answer for p in deck.explain] == [p.model_answer for p in built_in.explain]
    assert [c.id for c in deck.cards] == [explicit_key(c.id) for c in built_in.cards]


TRICKY = [
    "1.5",
    "yes",
    "null",
    "# not a comment",
    "- a dash",
    "key: value",
    "tab\there",
    "first line\n  indented second\n\nafter a blank",
    "trailing spaces on a line   \nnext",
    "<b>html</b> & *markdown* _stays_ `literal`",
    "emoji 🔥 and ünïcödé",
    "quotes ' and \" and \\ backslash",
]


def _round_trip_deck() -> ParsedDeck:
    cards = tuple(
        Card(id=f"c{n}", level=Level.BEGINNER, front=f"Front {n}: {text}", back=text, source="S")
        for n, text in enumerate(TRICKY)
    )
    question = QuizQuestion.model_validate(
        {
            "id": "q-one",
            "level": "advanced",
            "question": "Which? " + "long " * 80,
            "options": [
                {"text": "1.5", "correct": True},
                {"text": "yes", "why_wrong": "Because\nit is not."},
                {"text": "null"},
                {"text": "key: value"},
            ],
            "explanation": "Short.",
            "note": "A longer note.",
            "source": "https://example.org/a?b=c#d",
        }
    )
    two_options = QuizQuestion.model_validate(
        {
            "id": "q-two",
            "level": "beginner",
            "question": "True?",
            "options": [{"text": "True", "correct": True}, {"text": "False"}],
            "explanation": "Answer: True",
            "source": "notes.csv",
        }
    )
    prompt = ExplainPrompt.model_validate(
        {
            "id": "e-one",
            "level": "intermediate",
            "prompt": "Explain: why?",
            "hint": "Think.",
            "concepts": [
                {
                    "name": "Overshoot",
                    "relations": [{"cause": ["too high"], "effect": ["overshoot"]}],
                },
                {"name": "One phrase", "phrases": ["just this"]},
            ],
            "misconceptions": [],
            "model_answer": "Because.\nTwo lines.",
            "source": "S",
        }
    )
    return ParsedDeck(
        name="Round trip: <b>ü</b>",
        format="csv",
        cards=cards,
        quiz=(question, two_options),
        explain=(prompt,),
        skipped=(Skipped("line 3", "no answer"),),
        media_skipped=2,
    )


def test_export_then_import_gives_identical_items() -> None:
    deck = _round_trip_deck()
    name, data = export_deck(deck)
    assert name == "Round-trip-b-ü-b.yaml"
    again = parse_file(name, data)
    assert again.format == "yaml" and again.skipped == ()
    assert _items(again) == _items(deck)
    # And once more: the export of the import is the same file.
    assert export_deck(again) == (name, data)
    assert yaml.safe_load(data)["title"] == "Round trip: <b>ü</b>"


def test_every_format_round_trips_through_the_export() -> None:
    csv_deck = parse_file(
        "a.csv",
        b"Front,Back,Correct,Wrong 1,Wrong 2,Wrong 3,Explanation\n"
        b"Q1,A1\nQ2?,,Right,Wrong 1,Wrong 2,,Why\n",
    )
    md_deck = parse_file("a.md", b"# T\n## Explain: Why?\nKey ideas:\n- a: b\nAnswer: c\n")
    for deck in (csv_deck, md_deck):
        assert _items(parse_file(*export_deck(deck))) == _items(deck)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_built_in_decks_round_trip(path: Path) -> None:
    deck = parse_file(path.name, path.read_bytes())
    assert _items(parse_file(*export_deck(deck))) == _items(deck)
