"""The quiz lint on made-up decks: each rule fires when it should, and only then."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.__main__ import check_content
from tutor.config import Settings
from tutor.domain.content import Deck
from tutor.domain.lint import absolute_words, builtin_problems, lint_deck, quiz_figures


def _question(number: int, texts: list[str], correct: int = 0) -> dict[str, object]:
    return {
        "id": f"q-{number}",
        "level": "beginner",
        "question": f"Question {number}?",
        "options": [{"text": t, "correct": i == correct} for i, t in enumerate(texts)],
        "explanation": "Because.",
        "source": "A made-up source",
    }


def _deck(questions: list[dict[str, object]]) -> Deck:
    return Deck.model_validate(
        {
            "id": "made-up",
            "title": "Made up",
            "description": "For the lint's tests.",
            "cards": [
                {"id": "c-one", "level": "beginner", "front": "F?", "back": "B.", "source": "S"}
            ],
            "quiz": questions,
        }
    )


def test_absolute_words_are_whole_words_in_any_case() -> None:
    assert absolute_words("It NEVER works, not always; only can't") == [
        "never",
        "always",
        "only",
        "can't",
    ]
    # Inside other words they do not count: "overall", "allow", "nonetheless", "mustard".
    assert absolute_words("overall it allows it nonetheless, with mustard") == []


def test_a_deck_whose_right_answers_are_the_longest_fails() -> None:
    deck = _deck(
        [
            _question(n, ["The long and careful right answer here", "Short one", "Brief"])
            for n in range(10)
        ]
    )
    figures, problems = lint_deck(deck)
    assert figures.longest_correct == 10 and figures.questions == 10
    assert abs(figures.chance - 1 / 3) < 1e-9
    assert len(problems) == 1
    assert "picking the longest option scores 100% (10/10)" in problems[0]
    assert "chance is 33%" in problems[0] and "67 points above chance" in problems[0]


def test_longest_at_chance_passes_and_a_tie_is_not_longest() -> None:
    # 4 options each: the right one is strictly longest in 1 of 4 questions (25% = chance),
    # and tied for longest in another (a tie does not count).
    questions = [
        _question(0, ["right and longest", "wrong a", "wrong b", "wrong c"]),
        _question(1, ["same length", "equal sizes", "short", "tiny"]),
        _question(2, ["short", "a longer wrong one", "wrong b", "wrong c"]),
        _question(3, ["short", "wrong a", "a longer wrong one", "wrong c"]),
    ]
    figures, problems = lint_deck(_deck(questions))
    assert figures.longest_correct == 1
    assert figures.chance == 0.25 and figures.longest_edge == 0.0
    assert problems == []


def test_just_over_ten_points_above_chance_fails() -> None:
    # 3 options (chance 33%): longest right in 5 of 11 (45%, 12 points) fails, in 4 of 11
    # (36%, 3 points) passes.
    def deck(longest: int) -> Deck:
        return _deck(
            [
                _question(n, ["right, and longest", "wrong", "other"])
                if n < longest
                else _question(n, ["right", "wrong, but longest", "other"])
                for n in range(11)
            ]
        )

    assert len(lint_deck(deck(5))[1]) == 1
    assert lint_deck(deck(4))[1] == []


def test_absolute_words_only_in_wrong_options_fail() -> None:
    # Right options longest in none; wrong options: 4 of 20 say "always"/"never".
    questions = [
        _question(n, ["right", "wrong one", "It always works", "It never does"][: 3 + (n < 2)])
        for n in range(8)
    ]
    figures, problems = lint_deck(_deck(questions))
    assert (figures.right_absolute, figures.right_options) == (0, 8)
    assert (figures.wrong_absolute, figures.wrong_options) == (10, 18)
    assert len(problems) == 1
    assert "absolute words (never, always, only ...) are in 56% of wrong options" in problems[0]
    assert "(10/18) but 0% of right ones (0/8)" in problems[0]


def test_absolute_words_as_common_in_right_options_pass() -> None:
    questions = [
        _question(n, ["It must be so", "It always works", "wrong one, no absolute"])
        for n in range(6)
    ]
    figures, problems = lint_deck(_deck(questions))
    assert figures.right_absolute_share == 1.0 and figures.wrong_absolute_share == 0.5
    assert problems == []


def test_a_deck_without_questions_passes() -> None:
    figures, problems = lint_deck(_deck([]))
    assert figures.summary() == "no quiz questions" and problems == []


def test_check_content_prints_both_figures_and_fails_a_gameable_deck(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck(
        [
            _question(n, ["The long and careful right answer here", "Never", "Always"])
            for n in range(4)
        ]
    )
    (tmp_path / "made-up.yaml").write_text(yaml.safe_dump(deck.model_dump(mode="json")))
    assert check_content(Settings(content_dir=tmp_path)) == 1
    out, err = capsys.readouterr()
    assert out.startswith("made-up: 'Made up': 1 cards, 4 quiz questions")
    assert "longest option correct in 4/4 (100%, chance 33%)" in out
    assert "absolute words in 0/4 right and 8/8 wrong options" in out
    problems = err.splitlines()
    assert len(problems) == 2, err
    assert problems[0].startswith("quiz lint: made-up: picking the longest option scores 100%")
    assert problems[1].startswith("quiz lint: made-up: absolute words")
    assert quiz_figures(deck).questions == 4


def test_the_built_in_bar_names_what_own_decks_may_but_shipped_ones_may_not() -> None:
    """The schema admits a two-option question longer than a poll; the built-in bar does not."""
    long_question = {
        **_question(1, ["Right", "Wrong"]),
        "question": "Q" * 301,
        "explanation": "E" * 201,
    }
    deck = _deck([_question(0, ["A", "B", "C"]), long_question])
    assert builtin_problems(deck) == [
        "item 'q-1': field 'question': String should have at most 300 characters "
        "(a quiz poll's limit)",
        "item 'q-1': field 'explanation': String should have at most 200 characters "
        "(a quiz poll's limit)",
        "item 'q-1': field 'options': List should have at least 3 items",
    ]


def test_check_content_refuses_a_deck_below_the_built_in_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = _deck([{**_question(0, ["A", "B", "C"]), "question": "Q" * 301}])
    path = tmp_path / "made-up.yaml"
    path.write_text(yaml.safe_dump(deck.model_dump(mode="json")))
    assert check_content(Settings(content_dir=tmp_path)) == 1
    _, err = capsys.readouterr()
    assert err.strip() == (
        f"invalid content: {path}: item 'q-0': field 'question': String should have at most "
        "300 characters (a quiz poll's limit)"
    )


def test_a_name_only_the_right_option_repeats_fails_the_deck() -> None:
    asked = _question(1, ["A scheduler from torch.optim.lr_scheduler", "Adam's betas", "clip"])
    asked["question"] = "Which class of torch.optim.lr_scheduler changes the rate?"
    fair = _question(2, ["OneCycleLR, every batch", "OneCycleLR, every epoch", "Never"])
    fair["question"] = "When does OneCycleLR step?"
    figures, problems = lint_deck(_deck([asked, fair]))
    assert figures.named == (("q-1", ("torch.optim.lr_scheduler",)),)
    assert [p for p in problems if "item" in p] == [
        "made-up: item 'q-1': only the right option repeats torch.optim.lr_scheduler from "
        "the question; name it in a wrong option too, or leave it out of the right one"
    ]


def test_a_right_option_that_alone_hedges_fails_the_deck() -> None:
    lone = _question(1, ["Probably not enough to decide", "The first is better", "They tie"])
    shared = _question(2, ["Usually lower", "Often higher", "The same"])
    figures, problems = lint_deck(_deck([lone, shared]))
    assert figures.hedged == ("q-1",)
    assert [p for p in problems if "item" in p] == [
        "made-up: item 'q-1': the right option is the only one that hedges; hedge a wrong one "
        "too, or state the right one as firmly"
    ]
