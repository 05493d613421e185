"""A session report's text: each question's line names the wrong options most picked."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.handlers.reports import render_session_report
from tutor.domain.classreport import QuestionResult, SessionFigures
from tutor.services.reports import SessionReport


def test_a_tie_for_most_picked_wrong_names_every_option_of_it() -> None:
    figures = SessionFigures(
        (
            QuestionResult(1, "q1", "Rate after 3 steps?", 4, 2, ("0.01", "0.001"), 1, 4.5),
            QuestionResult(2, "q2", "What does warm-up do?", 3, 1, ("Raises <lr>",), 2, 3.0),
        ),
        members=4,
        struggling=(),
    )
    report = SessionReport(
        1, -100, "Class", 7, datetime(2026, 12, 7, 9, tzinfo=UTC), "UTC", figures
    )
    text = render_session_report(report)
    assert "most picked wrong, tied: “0.01” and “0.001” (1 each)" in text
    assert "most picked wrong: “Raises &lt;lr&gt;” (2)" in text
