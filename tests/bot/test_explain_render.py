"""The graded explain reply's text: the rating line always whole, its change, and the
misconceptions' corrections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.format import MESSAGE_LIMIT, shown_length
from bot.handlers.explain import render_changed, render_grade, render_reply
from tutor.content import ExplainPrompt, Library
from tutor.explain import ExplainResult
from tutor.grading import Caution, Grade, grade_explanation
from tutor.scheduling import Rating

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def a_prompt(library: Library) -> ExplainPrompt:
    return next(p for p in library.items.values() if isinstance(p, ExplainPrompt))


def test_the_rating_line_survives_a_reply_cut_to_telegram_limit(library: Library) -> None:
    prompt = a_prompt(library)
    grade = grade_explanation(prompt, prompt.model_answer)
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
