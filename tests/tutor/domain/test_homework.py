"""Homework, the pure part: the due date in the chat's zone, each member's one nudge in
theirs (across a change of clocks too), the items kept as they were assigned, what counts
as right, and the teacher's figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tutor.domain.content import Card, ExplainPrompt, QuizQuestion
from tutor.domain.homework import (
    WEAKEST_SHOWN,
    HomeworkAnswerRow,
    HomeworkItem,
    ItemResult,
    MemberProgress,
    due_instant,
    homework_figures,
    is_right,
    label,
    nudge_instant,
    restore,
    snapshot,
)
from tutor.domain.scheduling import Rating

BERLIN = "Europe/Berlin"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def card(key: str = "d-c1", front: str = "What bends light?") -> Card:
    return Card(id=key, level="beginner", front=front, back="A lens.", source="Made up")


def question(key: str = "d-q1", text: str = "Which lens converges light?") -> QuizQuestion:
    return QuizQuestion.model_validate(
        {
            "id": key,
            "level": "intermediate",
            "question": text,
            "options": [
                {"text": "A concave one", "why_wrong": "It spreads light."},
                {"text": "A convex one", "correct": True},
                {"text": "A flat one"},
            ],
            "explanation": "A convex lens bends rays towards its axis.",
            "note": "Thin lenses only.",
            "source": "Made up",
        }
    )


def prompt(key: str = "d-e1") -> ExplainPrompt:
    return ExplainPrompt.model_validate(
        {
            "id": key,
            "level": "advanced",
            "prompt": "Why does light\n bend in glass?",
            "hint": "Think of speed.",
            "concepts": [
                {
                    "name": "slower in glass",
                    "phrases": ["slower", "slows down"],
                    "relations": [{"cause": ["denser glass"], "effect": ["slower light"]}],
                }
            ],
            "misconceptions": [
                {
                    "name": "glass attracts light",
                    "phrases": ["attracts light"],
                    "correction": "Glass does not pull light; light is slower in it.",
                }
            ],
            "model_answer": "Light is slower in glass, so the wave front turns.",
            "source": "Made up",
        }
    )


# --- the due date and the nudge -----------------------------------------------------------------


def test_the_due_date_is_days_after_today_in_the_chats_zone_at_its_clock() -> None:
    # Monday 23:30 UTC is already Tuesday in Berlin: "tomorrow" is Wednesday there.
    assert due_instant(utc(2026, 3, 2, 23, 30), BERLIN, days=1, clock="18:00") == utc(
        2026, 3, 4, 17, 0
    )
    assert due_instant(utc(2026, 3, 2, 8, 0), "UTC", days=7, clock="09:00") == utc(
        2026, 3, 9, 9, 0
    )
    # Across the change to summer time (Sunday 29 March 2026): 18:00 there is 16:00 UTC.
    assert due_instant(utc(2026, 3, 27, 10, 0), BERLIN, days=3, clock="18:00") == utc(
        2026, 3, 30, 16, 0
    )
    # And back (Sunday 25 October 2026): 09:00 there is 08:00 UTC again.
    assert due_instant(utc(2026, 10, 24, 10, 0), BERLIN, days=2, clock="09:00") == utc(
        2026, 10, 26, 8, 0
    )


def test_the_nudge_is_the_members_reminder_time_the_local_day_before() -> None:
    due = utc(2026, 3, 4, 17, 0)  # Wednesday 18:00 in Berlin
    assigned = utc(2026, 3, 2, 8, 0)
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone=BERLIN, reminder_time="09:00"
    ) == utc(2026, 3, 3, 8, 0)
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone="UTC", reminder_time="21:30"
    ) == utc(2026, 3, 3, 21, 30)
    # In Tokyo the homework is due on Thursday at 02:00: the day before is Wednesday there.
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone="Asia/Tokyo", reminder_time="09:00"
    ) == utc(2026, 3, 4, 0, 0)
    # In New York it is due on Wednesday at 12:00: the day before is Tuesday there.
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone="America/New_York", reminder_time="20:00"
    ) == utc(2026, 3, 4, 1, 0)


def test_a_nudge_already_past_at_assignment_comes_on_the_due_day_if_before_the_due_time() -> None:
    due = utc(2026, 3, 3, 17, 0)  # Tuesday 18:00 in Berlin
    assigned = utc(2026, 3, 2, 12, 0)  # Monday 13:00 there
    # Monday 09:00 has gone: Tuesday 09:00.
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone=BERLIN, reminder_time="09:00"
    ) == utc(2026, 3, 3, 8, 0)
    # Monday 20:00 is still to come: that one.
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone=BERLIN, reminder_time="20:00"
    ) == utc(2026, 3, 2, 19, 0)
    # Monday 13:00 is the very moment of assignment: not after it, so Tuesday 13:00.
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone=BERLIN, reminder_time="13:00"
    ) == utc(2026, 3, 3, 12, 0)


def test_no_nudge_when_both_days_reminder_times_are_past_or_after_the_due_time() -> None:
    due = utc(2026, 3, 3, 17, 0)  # Tuesday 18:00 in Berlin
    # Monday 19:00 had gone at assignment; Tuesday 19:00 is after the due time.
    assert (
        nudge_instant(
            due_at=due, assigned_at=utc(2026, 3, 2, 19, 0), zone=BERLIN, reminder_time="19:00"
        )
        is None
    )
    # Tuesday 18:00 is the due time itself: not before it.
    assert (
        nudge_instant(
            due_at=due, assigned_at=utc(2026, 3, 2, 19, 0), zone=BERLIN, reminder_time="18:00"
        )
        is None
    )
    # Joined on the due day after the reminder time: the assignment was the notice.
    assert (
        nudge_instant(
            due_at=due, assigned_at=utc(2026, 3, 3, 9, 0), zone=BERLIN, reminder_time="09:00"
        )
        is None
    )
    # Assigned after the due date (a late join): never.
    assert (
        nudge_instant(
            due_at=due, assigned_at=utc(2026, 3, 4, 9, 0), zone=BERLIN, reminder_time="09:00"
        )
        is None
    )


def test_the_nudge_keeps_the_local_time_across_a_change_of_clocks() -> None:
    # Due Monday 30 March 2026 09:00 in Berlin (summer time, 07:00 UTC); the day before is
    # the Sunday the clocks went forward: 21:00 that evening is 19:00 UTC, not 20:00.
    due = due_instant(utc(2026, 3, 27, 10, 0), BERLIN, days=3, clock="09:00")
    assert due == utc(2026, 3, 30, 7, 0)
    assigned = utc(2026, 3, 27, 10, 0)
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone=BERLIN, reminder_time="21:00"
    ) == utc(2026, 3, 29, 19, 0)
    # Due Sunday 29 March 18:00 (summer time): the Saturday's 09:00 is still winter time.
    due = due_instant(utc(2026, 3, 27, 10, 0), BERLIN, days=2, clock="18:00")
    assert due == utc(2026, 3, 29, 16, 0)
    assert nudge_instant(
        due_at=due, assigned_at=assigned, zone=BERLIN, reminder_time="09:00"
    ) == utc(2026, 3, 28, 8, 0)
    # And back to winter time on Sunday 25 October: the Sunday's 09:00 is 08:00 UTC.
    due = utc(2026, 10, 26, 8, 0)  # Monday 09:00 in Berlin
    assert nudge_instant(
        due_at=due, assigned_at=utc(2026, 10, 23, 12, 0), zone=BERLIN, reminder_time="09:00"
    ) == utc(2026, 10, 25, 8, 0)
    # The Saturday before it was still summer time: 23:00 there is 21:00 UTC.
    due = utc(2026, 10, 25, 17, 0)  # Sunday 18:00 in Berlin, winter time
    assert nudge_instant(
        due_at=due, assigned_at=utc(2026, 10, 23, 12, 0), zone=BERLIN, reminder_time="23:00"
    ) == utc(2026, 10, 24, 21, 0)


# --- the items kept -----------------------------------------------------------------------------


def test_a_card_a_question_and_a_prompt_come_back_as_they_were_kept() -> None:
    items: list[HomeworkItem] = [card(), question(), prompt()]
    kept = snapshot(items)
    assert [entry["kind"] for entry in kept] == ["card", "quiz", "explain"]
    assert restore(kept) == items
    assert [type(item) for item in restore(kept)] == [Card, QuizQuestion, ExplainPrompt]
    # What the store holds is plain JSON, and reads back the same.
    assert restore(json.loads(json.dumps(kept))) == items
    assert snapshot([]) == [] and restore([]) == []


def test_a_kept_item_is_a_copy_not_the_decks_own() -> None:
    item = card()
    kept = snapshot([item])
    assert kept[0]["item"]["front"] == "What bends light?"
    kept[0]["item"]["front"] = "Changed in the store"
    assert item.front == "What bends light?"


def test_an_items_label_is_its_question_on_one_line() -> None:
    assert label(card(front="What  bends\nlight?")) == "What bends light?"
    assert label(question()) == "Which lens converges light?"
    assert label(prompt()) == "Why does light bend in glass?"


# --- what counts as right ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "right"),
    [(Rating.AGAIN, False), (Rating.HARD, True), (Rating.GOOD, True), (Rating.EASY, True)],
)
def test_a_card_is_right_unless_forgotten(rating: Rating, right: bool) -> None:
    assert is_right(card(), rating) is right


@pytest.mark.parametrize(
    ("rating", "right"),
    [(Rating.AGAIN, False), (Rating.HARD, False), (Rating.GOOD, True), (Rating.EASY, True)],
)
def test_an_explain_answer_is_right_when_graded_good_or_easy(rating: Rating, right: bool) -> None:
    assert is_right(prompt(), rating) is right


def test_a_question_is_right_by_the_option_chosen_whatever_the_rating() -> None:
    assert is_right(question(), Rating.AGAIN, 1)
    assert not is_right(question(), Rating.GOOD, 0)
    assert not is_right(question(), Rating.EASY, 2)
    assert not is_right(question(), Rating.GOOD, None)


# --- the report's figures ------------------------------------------------------------------------


def row(learner: int, position: int, correct: bool, late: bool = False) -> HomeworkAnswerRow:
    return HomeworkAnswerRow(learner, position, correct, late)


ITEMS: list[HomeworkItem] = [
    card("d-c1", "First?"), question("d-q1", "Second?"), card("d-c2", "Third?"), prompt("d-e1"),
]  # fmt: skip


def test_the_figures_of_a_class_finished_started_and_not_started() -> None:
    members = {1: "ann", 2: "Ben", 3: "Cy", 4: "Dee", 5: "Eve", 6: "al"}
    answers = [
        # Ann finished, one wrong and one late.
        row(1, 0, True), row(1, 1, False), row(1, 2, True, late=True), row(1, 3, True),
        # Al finished too, all right.
        row(6, 0, True), row(6, 1, True), row(6, 2, True), row(6, 3, True),
        # Ben answered two (one late), Cy two, Dee one: started.
        row(2, 0, False), row(2, 1, False, late=True),
        row(3, 0, True), row(3, 2, False),
        row(4, 3, False, late=True),
        # Eve never started.
        # Someone no longer on the roster (left, or forgot): ignored everywhere.
        row(99, 0, False, late=True), row(99, 1, False), row(99, 2, False), row(99, 3, False),
        # An answer to a position the homework does not have: ignored.
        row(3, 7, False, late=True),
    ]  # fmt: skip
    figures = homework_figures(ITEMS, members, answers)

    assert figures.finished == [MemberProgress("al", 4, 4, 0), MemberProgress("ann", 4, 3, 1)]
    # Most answered first, then by name.
    assert figures.started == [
        MemberProgress("Ben", 2, 0, 1),
        MemberProgress("Cy", 2, 1, 0),
        MemberProgress("Dee", 1, 0, 1),
    ]
    assert figures.not_started == ["Eve"]
    assert figures.items == [
        ItemResult(1, "First?", 4, 3),
        ItemResult(2, "Second?", 3, 1),
        ItemResult(3, "Third?", 3, 2),
        ItemResult(4, "Why does light bend in glass?", 3, 2),
    ]
    assert [item.share for item in figures.items] == [0.75, 1 / 3, 2 / 3, 2 / 3]
    # Weakest first; equal shares by their number; at most three.
    assert [item.number for item in figures.weakest] == [2, 3, 4]
    assert len(figures.weakest) == WEAKEST_SHOWN
    assert figures.late_answers == 3


def test_an_item_nobody_answered_or_all_got_right_is_not_among_the_weakest() -> None:
    members = {1: "Ann", 2: "Ben"}
    answers = [row(1, 0, True), row(2, 0, True), row(1, 1, False), row(2, 1, True)]
    figures = homework_figures(ITEMS, members, answers)
    assert [(r.number, r.answered, r.right, r.share) for r in figures.items] == [
        (1, 2, 2, 1.0),
        (2, 2, 1, 0.5),
        (3, 0, 0, None),
        (4, 0, 0, None),
    ]
    assert [r.number for r in figures.weakest] == [2]
    assert figures.finished == [] and figures.not_started == []
    assert figures.late_answers == 0


def test_the_figures_of_nobody() -> None:
    figures = homework_figures(ITEMS, {}, [row(1, 0, False, late=True)])
    assert (figures.finished, figures.started, figures.not_started) == ([], [], [])
    assert all(item.answered == 0 for item in figures.items)
    assert figures.weakest == [] and figures.late_answers == 0
