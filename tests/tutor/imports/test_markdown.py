"""Markdown decks: a heading per item; cards, questions and explain prompts, and the
heading line of every item left out."""

from __future__ import annotations

import pytest

from tutor.domain.content import Level
from tutor.imports import ImportFailed, Skipped, parse_file
from tutor.imports.items import DEFAULT_HINT, derived_key

DECK = """\
# Optics

A deck about lenses. Lines like these set every item's source and level:
Source: https://en.wikipedia.org/wiki/Lens
Level: intermediate

## What does a convex lens do? {#convex}
It bends parallel rays so they meet at a **focus**.

It is thicker in the middle.

## Which colour does glass bend the most?
Level: advanced
Source: Hecht, Optics, 5th ed.
- [ ] Red
  Why wrong: red has the longest wavelength, so glass bends it least.
- [x] Violet
- [ ] Green

Shorter wavelengths meet a higher refractive index.
Note: This spread of colours is dispersion.

## Explain: Why is the sky blue? {#sky}
Hint: Think of what air does to sunlight.

Key ideas:
- Scattering: scatters, scattering, bounces off
- Short wavelengths: blue light; short wavelength
- Sunlight holds all colours

Misconceptions:
- It reflects the sea: reflects the ocean, reflection of the sea
  Correction: The sky is blue over deserts too.

Answer: Air molecules scatter short wavelengths
far more than long ones.

## Two marked
- [x] a
- [x] b

## None marked
- [ ] a
- [ ] b

## No answer

## What does a convex lens do?
A second card with the same front.

```
## inside a code block, not a heading
```
"""


def test_a_markdown_deck() -> None:
    deck = parse_file("optics.md", DECK.encode())
    assert deck.name == "Optics"
    assert deck.format == "markdown"
    card, several, twin = deck.cards
    # Two options marked: a card that asks with the options and answers with the marked.
    assert (several.front, several.back) == ("Two marked\n\n• a\n• b", "• a\n• b")
    # The same front with another answer is a second card, as Anki keeps both.
    assert twin.front == card.front and twin.back.startswith("A second card")
    assert twin.id != card.id
    assert card.id == "convex"
    assert card.front == "What does a convex lens do?"
    assert card.back == (
        "It bends parallel rays so they meet at a **focus**.\n\nIt is thicker in the middle."
    )
    assert card.source == "https://en.wikipedia.org/wiki/Lens"
    assert card.level is Level.INTERMEDIATE

    (question,) = deck.quiz
    assert question.id == derived_key(question.kind, "Which colour does glass bend the most?")
    assert question.level is Level.ADVANCED
    assert question.source == "Hecht, Optics, 5th ed."
    assert [(o.text, o.correct, o.why_wrong) for o in question.options] == [
        ("Red", False, "red has the longest wavelength, so glass bends it least."),
        ("Violet", True, None),
        ("Green", False, None),
    ]
    assert question.explanation == "Shorter wavelengths meet a higher refractive index."
    assert question.note == "This spread of colours is dispersion."

    (prompt,) = deck.explain
    assert prompt.id == "sky"
    assert prompt.prompt == "Why is the sky blue?"
    assert prompt.hint == "Think of what air does to sunlight."
    assert [(c.name, c.phrases) for c in prompt.concepts] == [
        ("Scattering", ["scatters", "scattering", "bounces off"]),
        ("Short wavelengths", ["blue light", "short wavelength"]),
        ("Sunlight holds all colours", ["Sunlight holds all colours"]),
    ]
    assert [(m.name, m.phrases, m.correction) for m in prompt.misconceptions] == [
        (
            "It reflects the sea",
            ["reflects the ocean", "reflection of the sea"],
            "The sky is blue over deserts too.",
        )
    ]
    assert (
        prompt.model_answer == "Air molecules scatter short wavelengths\nfar more than long ones."
    )

    assert deck.skipped == (
        Skipped("line 42", "no option is marked [x]; mark the one right option"),
        Skipped("line 46", "no answer"),
    )


def test_an_explain_prompt_needs_only_a_key_idea_and_an_answer() -> None:
    text = "## Explain: What is momentum?\nKey ideas:\n- velocity\n\nAnswer: A running average.\n"
    (prompt,) = parse_file("m.md", text.encode()).explain
    assert prompt.hint == DEFAULT_HINT
    assert prompt.misconceptions == []
    assert [(c.name, c.phrases) for c in prompt.concepts] == [("velocity", ["velocity"])]


def test_explain_prompts_left_out_name_the_missing_part() -> None:
    text = (
        "## Explain: No ideas\nAnswer: Something.\n\n"
        "## Explain: No answer\nKey ideas:\n- one: a, b\n\n"
        "## Explain: Wrong without correction\nKey ideas:\n- one: a\nMisconceptions:\n- bad: x\n"
        "Answer: Fine.\n\n"
        "## A card\nBack.\n"
    )
    deck = parse_file("m.md", text.encode())
    assert deck.skipped == (
        Skipped("line 1", "no key ideas"),
        Skipped("line 4", "no model answer"),
        Skipped("line 8", "misconception 1 has no correction"),
    )


def test_markdown_and_html_marks_stay_literal_and_images_are_counted() -> None:
    text = "## What is <b>bold</b> & *this*?\n![diagram](lens.png)\nA `code` [link](http://x).\n"
    deck = parse_file("m.markdown", text.encode())
    assert deck.cards[0].front == "What is <b>bold</b> & *this*?"
    assert deck.cards[0].back == "A `code` [link](http://x)."
    assert deck.media_skipped == 1


def test_without_a_title_the_file_names_the_deck() -> None:
    assert parse_file("my-notes.md", b"## Q\nA\n").name == "my-notes"


def test_a_file_without_item_headings_is_refused() -> None:
    with pytest.raises(ImportFailed, match="has no items: each card or question is a '## '"):
        parse_file("notes.md", b"# Title\n\nJust prose, no items.\n")


def test_md2apkg_splits_front_from_back_and_comments_are_hidden() -> None:
    text = (
        "# Deck\n\n## First\n\nMore front.\n\n<!-- md2apkg split -->\n\nThe back.\n\n"
        "## Second\n\n<!-- md2apkg tags a b -->\n\nFront too.\n\n%\n\nBack two.\n"
    )
    deck = parse_file("d.md", text.encode())
    assert [(c.front, c.back) for c in deck.cards] == [
        ("First\n\nMore front.", "The back."),
        ("Second\n\nFront too.", "Back two."),
    ]
