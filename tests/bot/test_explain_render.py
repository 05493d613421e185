"""The graded explain reply's text: the rating line always whole, its change, and the
misconceptions' corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.format import MESSAGE_LIMIT, shown_length
from bot.handlers.explain import render_changed, render_reply
from bot.views import render_grade
from tutor.domain.content import ExplainPrompt
from tutor.domain.grading import Caution, Grade, grade_explanation
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating
from tutor.services.explain import ExplainResult

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def a_prompt(library: Library) -> ExplainPrompt:
    return next(p for p in library.items.values() if isinstance(p, ExplainPrompt))


def test_the_rating_line_survives_a_reply_cut_to_telegram_limit(library: Library) -> None:
    prompt = a_prompt(library)
    grade = grade_explanation(prompt, prompt.model_answer, library.lexicon)
    huge = prompt.model_copy(update={"model_answer": "word " * 2000})
    result = ExplainResult(prompt=huge, grade=grade, review_id=7, due=NOW + timedelta(days=3))

    text = render_reply(result, now=NOW)

    assert shown_length(text) <= MESSAGE_LIMIT
    assert text.endswith(
        f"\n\nRated <b>{result.rating.name.title()}</b>: next review in 3 days. "
        "<i>Disagree? Tap another rating (once).</i>"
    )


def test_a_change_replaces_the_rating_line_only() -> None:
    shown = "<b>You covered 1/3 key ideas.</b>\n\n<b>A model answer</b>\nIt is.\n\nRated Good."

    changed = render_changed(shown, rating=Rating.HARD, delta="2 days")

    assert changed == (
        "<b>You covered 1/3 key ideas.</b>\n\n<b>A model answer</b>\nIt is.\n\n"
        "Changed to <b>Hard</b>: next review in 2 days."
    )


def test_misconceptions_and_a_capped_list_are_explained_in_the_reply() -> None:
    grade = Grade(
        covered=("Too high overshoots",),
        missed=("Too low is slow",),
        cautions=(
            Caution("stable", "a higher rate does not make training more stable."),
            Caution("never", "a lower rate <never> overshoots."),
        ),
        note="A list of terms is not yet an explanation.",
    )

    text = render_grade(grade, "Model.")

    assert text.splitlines()[1:4] == [
        "⚠️ <b>Careful:</b> a higher rate does not make training more stable.",
        "⚠️ <b>Careful:</b> a lower rate &lt;never&gt; overshoots.",
        "ℹ️ A list of terms is not yet an explanation.",
    ]


def test_an_idea_said_the_other_way_round_is_marked_and_explained() -> None:
    grade = Grade(
        covered=("Start high",),
        missed=("Lower it as training goes on", "A scheduler does it"),
        contradicted=("Lower it as training goes on",),
    )

    lines = render_grade(grade, "Model.").splitlines()

    assert lines[1] == (
        "⚠️ <b>Careful:</b> part of your answer says the opposite of a key idea (marked ❌)."
    )
    assert "❌ Lower it as training goes on <i>(your answer says otherwise)</i>" in lines
    assert "➖ A scheduler does it <i>(missed)</i>" in lines
    assert grade.rating is Rating.AGAIN and not grade.unsure


def test_an_answer_the_grader_cannot_tell_asks_the_learner_to_rate(library: Library) -> None:
    prompt = library.item("b-explain-why-lr")
    assert isinstance(prompt, ExplainPrompt)
    # Right, in an analogy the grader has no words for: nothing found, nothing contradicted.
    grade = grade_explanation(
        prompt,
        "Think of a hiker who picks the length of every stride on a foggy hillside.",
        library.lexicon,
    )
    assert grade.unsure and grade.score == 0
    result = ExplainResult(prompt=prompt, grade=grade, review_id=7, due=NOW + timedelta(days=1))

    text = render_reply(result, now=NOW)

    assert "I could not tell how much of this is right" in text
    assert f"➖ {prompt.concepts[0].name} <i>(not found)</i>" in text
    assert text.endswith(
        "Counted as <b>Again</b> (next review in a day) until you tap your own rating (once)."
    )
