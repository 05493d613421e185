"""The homework report's text: figures first, then as many names as one message holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.format import MESSAGE_LIMIT, shown_length
from bot.handlers.homework.due import render_report
from tests.conftest import tiny_deck
from tutor.domain.homework import HomeworkAnswerRow, homework_figures
from tutor.services.homework_due import HomeworkReport

DUE = datetime(2026, 3, 4, 17, 0, tzinfo=UTC)


def report(members: int, finished: int, started: int) -> HomeworkReport:
    items = list(tiny_deck("alpha", cards=10).cards)
    roster = {n: f"Student {n:03d}" for n in range(members)}
    answers = [
        HomeworkAnswerRow(n, position, correct=position % 3 != 0, late=n % 10 == 0)
        for n in range(finished + started)
        for position in range(len(items) if n < finished else 4)
    ]
    return HomeworkReport(
        homework_id=1, chat_id=-1, chat_title="ML 101", recipient=7, title="10 items from Alpha",
        due_at=DUE, zone="Europe/Berlin", figures=homework_figures(items, roster, answers),
    )  # fmt: skip


def plain(text: str) -> str:
    return re.sub(r"</?b>", "", text)


def test_a_small_class_is_named_in_full() -> None:
    text = plain(render_report(report(3, finished=1, started=1)))
    lines = text.splitlines()
    assert lines[:3] == [
        "📚 Homework report: ML 101",
        "10 items from Alpha, due Wed 4 Mar, 18:00 (Europe/Berlin)",
        "1 finished, 1 started, 1 did not start.",
    ]
    assert lines[4:6] == ["1. Question 0 of alpha?", "    0% right (0/2)"]
    assert "Weakest: 1, 4, 7" in text
    assert "Finished: Student 000 (10/10, 6 right, 10 late)" in text
    assert "Started: Student 001 (4/10, 2 right)" in text
    assert text.endswith("Did not start: Student 002")
    assert "more" not in text


def test_a_class_of_300_keeps_every_item_and_shortens_the_lists() -> None:
    shown = render_report(report(300, finished=120, started=40))
    assert shown_length(shown) <= MESSAGE_LIMIT
    text = plain(shown)
    assert "120 finished, 40 started, 140 did not start." in text
    # Every item's figures and the weakest, before any name.
    for number in range(1, 11):
        assert f"\n{number}. Question {number - 1} of alpha?\n" in text
    assert "Weakest: " in text
    lists = text.split("\n\n")[-3:]
    assert [part.split(":")[0] for part in lists] == ["Finished", "Started", "Did not start"]
    for part, count in zip(lists, (120, 40, 140), strict=True):
        named = part.count("Student ")
        assert 0 < named < count
        assert part.endswith(f"… and {count - named} more (/export has every answer)")
