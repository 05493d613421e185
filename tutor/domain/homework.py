"""Homework, the pure part: the items an assignment holds (kept as they were assigned),
its due date and each member's nudge, and what its report says.

An assignment keeps a copy of its items, so it works on when its deck is changed or
deleted. A member's answer is right when a quiz question's option was the right one, a
card was remembered (any rating but Again) and an explain answer was graded Good or Easy.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tutor.domain.content import Card, ExplainPrompt, ItemKind, QuizQuestion
from tutor.domain.scheduling import Rating, slot_on

HomeworkItem = Card | QuizQuestion | ExplainPrompt
_MODELS: dict[str, type[HomeworkItem]] = {
    ItemKind.CARD: Card,
    ItemKind.QUIZ: QuizQuestion,
    ItemKind.EXPLAIN: ExplainPrompt,
}

# What an admin picks from: how many items, due in how many days, at what local time.
ITEM_COUNTS = (3, 5, 10, 20)
DUE_DAYS = (1, 2, 3, 7)
DUE_TIMES = ("09:00", "12:00", "18:00", "21:00")
# The report names at most this many weakest items.
WEAKEST_SHOWN = 3


def snapshot(items: Sequence[HomeworkItem]) -> list[dict[str, Any]]:
    """The items as an assignment keeps them: each one's kind and content."""
    return [{"kind": str(item.kind), "item": item.model_dump(mode="json")} for item in items]


def restore(kept: Sequence[Mapping[str, Any]]) -> list[HomeworkItem]:
    """The items an assignment kept, as content again."""
    return [_MODELS[entry["kind"]].model_validate(entry["item"]) for entry in kept]


def is_right(item: HomeworkItem, rating: Rating, chosen_option: int | None = None) -> bool:
    """Whether an answer counts as right in the teacher's report."""
    if isinstance(item, QuizQuestion):
        return chosen_option is not None and item.options[chosen_option].correct
    if isinstance(item, ExplainPrompt):
        return rating >= Rating.GOOD
    return rating > Rating.AGAIN


def label(item: HomeworkItem) -> str:
    """What an item asks, in one line."""
    if isinstance(item, Card):
        text = item.front
    elif isinstance(item, QuizQuestion):
        text = item.question
    else:
        text = item.prompt
    return " ".join(text.split())


def due_instant(now: datetime, zone: str, *, days: int, clock: str) -> datetime:
    """``days`` after today (in ``zone``) at ``clock`` there, in UTC."""
    day = now.astimezone(ZoneInfo(zone)).date() + timedelta(days=days)
    return slot_on(day, clock, zone)


def nudge_instant(
    *, due_at: datetime, assigned_at: datetime, zone: str, reminder_time: str
) -> datetime | None:
    """When a member who has not finished is reminded: at their own reminder time on the
    day before the due date, in their time zone. Where that moment was already past when
    the homework was assigned, at that time on the due day if it comes before the due
    time; else never (the assignment itself was the notice)."""
    due_day = due_at.astimezone(ZoneInfo(zone)).date()
    for day in (due_day - timedelta(days=1), due_day):
        moment = slot_on(day, reminder_time, zone)
        if assigned_at < moment < due_at:
            return moment
    return None


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberProgress:
    """How far one member got: items answered (late ones among them), and right."""

    name: str
    answered: int
    right: int
    late: int


@dataclass(frozen=True)
class ItemResult:
    """One assigned item: answered by how many members, right by how many."""

    number: int
    label: str
    answered: int
    right: int

    @property
    def share(self) -> float | None:
        return self.right / self.answered if self.answered else None


@dataclass(frozen=True)
class HomeworkFigures:
    """What the teacher reads: who finished, who started, who did not, and each item."""

    finished: list[MemberProgress]
    started: list[MemberProgress]
    not_started: list[str]
    items: list[ItemResult]
    weakest: list[ItemResult]
    late_answers: int


@dataclass(frozen=True)
class HomeworkAnswerRow:
    """One stored answer: whose, to which item (its position), whether right and late."""

    learner_id: int
    position: int
    correct: bool
    late: bool


def homework_figures(
    items: Sequence[HomeworkItem],
    members: Mapping[int, str],
    answers: Collection[HomeworkAnswerRow],
) -> HomeworkFigures:
    """The report's figures from the members assigned (id → name) and their answers."""
    per_member: dict[int, list[HomeworkAnswerRow]] = {member: [] for member in members}
    answered = [0] * len(items)
    right = [0] * len(items)
    for answer in answers:
        if answer.learner_id not in per_member or not 0 <= answer.position < len(items):
            continue
        per_member[answer.learner_id].append(answer)
        answered[answer.position] += 1
        right[answer.position] += answer.correct
    finished: list[MemberProgress] = []
    started: list[MemberProgress] = []
    not_started: list[str] = []
    for member, rows in per_member.items():
        name = members[member]
        if not rows:
            not_started.append(name)
            continue
        progress = MemberProgress(
            name, len(rows), sum(r.correct for r in rows), sum(r.late for r in rows)
        )
        (finished if len(rows) == len(items) else started).append(progress)
    results = [
        ItemResult(number, label(item), answered[number - 1], right[number - 1])
        for number, item in enumerate(items, 1)
    ]
    weakest = sorted(
        (r for r in results if r.answered and r.right < r.answered),
        key=lambda r: (r.right / r.answered, r.number),
    )[:WEAKEST_SHOWN]
    return HomeworkFigures(
        finished=sorted(finished, key=lambda p: p.name.lower()),
        started=sorted(started, key=lambda p: (-p.answered, p.name.lower())),
        not_started=sorted(not_started, key=str.lower),
        items=results,
        weakest=weakest,
        late_answers=sum(a.late for rows in per_member.values() for a in rows),
    )
