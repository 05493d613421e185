"""A class's figures, computed from its answers: a session's, and the class's over a window.

Pure functions of the rows the store reads (``PollAsked``, ``SessionVote``,
``MemberItemTotal``): shares right, the weakest questions, the members at risk, the heatmap,
and each member's predicted recall.
"""

from __future__ import annotations

import enum
import statistics
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from tutor.domain.classrating import HARD_FROM
from tutor.domain.content import QuizQuestion
from tutor.domain.library import Library
from tutor.domain.scheduling import recall_probability

# The report lists this many questions, the lowest share right first.
WEAKEST_QUESTIONS = 10
# A member's share right is "falling" when it dropped by at least FALL from the window's
# first half to its second, to under two thirds (what the class's memory counts as
# forgotten), each half with at least TREND_MIN_ANSWERS answers.
FALL = 0.2
FALLEN_BELOW = float(HARD_FROM)
TREND_MIN_ANSWERS = 3
# A member "stopped answering" who answered none of the chat's last ABSENT_SESSIONS sessions.
ABSENT_SESSIONS = 3
# Rows of the heatmap: the members with the lowest share right (a chart of 300 rows is
# unreadable; the text lists everyone it can).
HEATMAP_MEMBERS = 40


@dataclass(frozen=True)
class PollAsked:
    """One question a session asked: its position, item, and what the poll showed."""

    poll_id: str
    position: int
    item_id: str
    question: str | None
    options: list[str] | None
    option_order: list[int] | None
    correct_option: int


@dataclass(frozen=True)
class SessionVote:
    """One member's answer in a session (``chosen`` in the item's own option order)."""

    poll_id: str
    learner_id: int
    name: str
    correct: bool
    chosen: int | None
    elapsed_ms: int


class MemberItemTotal(NamedTuple):
    """One member's answers to one question in the window, and in its later part (a
    tuple: a large class has tens of thousands)."""

    learner_id: int
    item_id: str
    answered: int
    right: int
    later_answered: int = 0
    later_right: int = 0


def share(right: int, answered: int) -> float | None:
    """The share answered right, None with no answers."""
    return right / answered if answered else None


# --- a session's figures -------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    """How the class answered one question of a session."""

    number: int
    item_id: str
    question: str
    answered: int
    right: int
    # The wrong options picked most often, all of a tie in the item's order (none: no wrong
    # answer, or not known), and how often each.
    wrong_options: tuple[str, ...]
    wrong_picks: int
    median_seconds: float | None

    @property
    def share(self) -> float | None:
        return share(self.right, self.answered)


@dataclass(frozen=True)
class MemberScore:
    """A member's right answers out of the session's questions they answered."""

    learner_id: int
    name: str
    right: int
    answered: int


@dataclass(frozen=True)
class SessionFigures:
    """A session's figures: each question, how many took part, who got under half right."""

    questions: tuple[QuestionResult, ...]
    members: int
    struggling: tuple[MemberScore, ...]


def poll_wording(poll: PollAsked, library: Library) -> tuple[str, list[str] | None]:
    """The question's text and its options in the item's order, as asked (older polls did
    not keep them: the deck's current wording, where the item is a deck question)."""
    item = library.item(poll.item_id)
    fallback = item if isinstance(item, QuizQuestion) else None
    question = poll.question or (fallback.question if fallback else poll.item_id)
    options = poll.options or ([o.text for o in fallback.options] if fallback else None)
    return question, options


def session_figures(
    polls: Sequence[PollAsked], votes: Iterable[SessionVote], *, library: Library
) -> SessionFigures:
    """The figures of one session from its polls and their answers.

    Args:
        polls: The questions asked, in order.
        votes: Every answer to them.
        library: For the wording of polls that did not keep it.

    Returns:
        Per question: the share right, the most-picked wrong options (all of a tie, in
        the item's order) and the median answer time; the members who took part;
        those with right answers for fewer than half of the questions asked, fewest first.
    """
    by_poll: dict[str, list[SessionVote]] = defaultdict(list)
    members: dict[int, list[SessionVote]] = defaultdict(list)
    for vote in votes:
        by_poll[vote.poll_id].append(vote)
        members[vote.learner_id].append(vote)
    results = []
    for number, poll in enumerate(polls, start=1):
        question, options = poll_wording(poll, library)
        answers = by_poll.get(poll.poll_id, [])
        wrong = Counter(v.chosen for v in answers if not v.correct and v.chosen is not None)
        most = max(wrong.values(), default=0)
        picked = sorted(option for option, picks in wrong.items() if picks == most)
        results.append(
            QuestionResult(
                number=number,
                item_id=poll.item_id,
                question=question,
                answered=len(answers),
                right=sum(v.correct for v in answers),
                wrong_options=tuple(
                    options[option] for option in picked if options and 0 <= option < len(options)
                ),
                wrong_picks=most,
                median_seconds=(
                    statistics.median(v.elapsed_ms for v in answers) / 1000 if answers else None
                ),
            )
        )
    scores = [
        MemberScore(
            learner_id=learner_id,
            name=answers[0].name,
            right=sum(v.correct for v in answers),
            answered=len(answers),
        )
        for learner_id, answers in members.items()
    ]
    struggling = sorted(
        (s for s in scores if 2 * s.right < len(polls)), key=lambda s: (s.right, s.name)
    )
    return SessionFigures(tuple(results), len(members), tuple(struggling))


# --- the class over a window ---------------------------------------------------------------


@dataclass(frozen=True)
class MemberFigures:
    """A member's answers in the window, and FSRS's predicted recall for those who study
    in private (None for the others)."""

    learner_id: int
    name: str
    answered: int
    right: int
    recall: float | None

    @property
    def share(self) -> float | None:
        return share(self.right, self.answered)


@dataclass(frozen=True)
class ShareRight:
    """The class's answers to a deck or a question."""

    key: str
    label: str
    answered: int
    right: int

    @property
    def share(self) -> float | None:
        return share(self.right, self.answered)


class Risk(enum.Enum):
    """Why a member is at risk."""

    FALLING = "falling"
    ABSENT = "absent"


@dataclass(frozen=True)
class AtRisk:
    """A member at risk: why, and for a falling share, from what to what."""

    learner_id: int
    name: str
    risks: tuple[Risk, ...]
    before: float | None = None
    after: float | None = None


@dataclass(frozen=True)
class Heatmap:
    """Share right per member (rows) and deck (columns); None where a member answered
    nothing of the deck."""

    members: tuple[str, ...]
    decks: tuple[str, ...]
    shares: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True)
class ClassFigures:
    """Everything /report shows."""

    members: tuple[MemberFigures, ...]
    decks: tuple[ShareRight, ...]
    weakest: tuple[ShareRight, ...]
    questions: int
    at_risk: tuple[AtRisk, ...]
    heatmap: Heatmap
    answers: int


def _weakest_first(entries: Iterable[ShareRight]) -> list[ShareRight]:
    return sorted(entries, key=lambda e: (e.right / e.answered, -e.answered, e.key))


def class_figures(
    item_totals: Iterable[MemberItemTotal],
    names: Mapping[int, str],
    recent: Collection[int] | None,
    recall: Mapping[int, float],
    *,
    library: Library,
) -> ClassFigures:
    """The class's figures over a window.

    Args:
        item_totals: Answers per (member, question) in the window's sessions, in all and
            in the later half of the window.
        names: The members' names.
        recent: Who answered in the window's last ABSENT_SESSIONS sessions (None when the
            window has fewer sessions: then nobody counts as missing).
        recall: The mean predicted recall of the members who study in private.
        library: Names the decks and questions; answers to questions no longer in the
            library count for the member and the question, under no deck.

    Returns:
        Members weakest first (lowest share right, then more answers, then name); decks
        in library order; the WEAKEST_QUESTIONS questions with the lowest share right;
        the members at risk (see ``Risk``), by name; the heatmap of the weakest
        HEATMAP_MEMBERS.
    """
    per_member: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    per_item: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_deck: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_cell: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for total in item_totals:
        counts = per_member[total.learner_id]
        counts[0] += total.answered
        counts[1] += total.right
        counts[2] += total.later_answered
        counts[3] += total.later_right
        deck = library.deck_of.get(total.item_id)
        cells = [per_item[total.item_id]]
        if deck is not None:
            cells += [per_deck[deck], per_cell[total.learner_id, deck]]
        for cell in cells:
            cell[0] += total.answered
            cell[1] += total.right
    members = sorted(
        (
            MemberFigures(
                learner_id,
                names.get(learner_id, str(learner_id)),
                answered,
                right,
                recall.get(learner_id),
            )
            for learner_id, (answered, right, _, _) in per_member.items()
        ),
        key=lambda m: (m.right / m.answered, -m.answered, m.name, m.learner_id),
    )
    decks = tuple(
        ShareRight(d, library.decks[d].title, *per_deck[d]) for d in library.decks if d in per_deck
    )
    questions = [
        ShareRight(item_id, _question_text(library, item_id), answered, right)
        for item_id, (answered, right) in per_item.items()
    ]
    at_risk = []
    for member in sorted(members, key=lambda m: (m.name, m.learner_id)):
        answered, right, later_answered, later_right = per_member[member.learner_id]
        risks: list[Risk] = []
        earlier = answered - later_answered
        before = share(right - later_right, earlier)
        after = share(later_right, later_answered)
        falling = (
            earlier >= TREND_MIN_ANSWERS
            and later_answered >= TREND_MIN_ANSWERS
            and before is not None
            and after is not None
            and before - after >= FALL - 1e-9
            and after < FALLEN_BELOW
        )
        if falling:
            risks.append(Risk.FALLING)
        if recent is not None and member.learner_id not in recent:
            risks.append(Risk.ABSENT)
        if risks:
            at_risk.append(
                AtRisk(
                    member.learner_id,
                    member.name,
                    tuple(risks),
                    before if falling else None,
                    after if falling else None,
                )
            )
    shown = members[:HEATMAP_MEMBERS]
    heatmap = Heatmap(
        members=tuple(m.name for m in shown),
        decks=tuple(d.label for d in decks),
        shares=tuple(
            tuple(_cell_share(per_cell, m.learner_id, d.key) for d in decks) for m in shown
        ),
    )
    return ClassFigures(
        members=tuple(members),
        decks=decks,
        weakest=tuple(_weakest_first(questions)[:WEAKEST_QUESTIONS]),
        questions=len(questions),
        at_risk=tuple(at_risk),
        heatmap=heatmap,
        answers=sum(m.answered for m in members),
    )


def _cell_share(
    cells: Mapping[tuple[int, str], list[int]], learner_id: int, deck: str
) -> float | None:
    answered, right = cells.get((learner_id, deck), (0, 0))
    return share(right, answered)


def _question_text(library: Library, item_id: str) -> str:
    item = library.item(item_id)
    return item.question if isinstance(item, QuizQuestion) else item_id


def member_recall(
    inputs: Iterable[tuple[int, str, float, int]], *, item_ids: Collection[str]
) -> dict[int, float]:
    """Each learner's mean FSRS predicted recall, over their memories of ``item_ids``.

    Args:
        inputs: (learner, item, stability, whole days since the last review) of reviewed
            memories.
        item_ids: The items that count (the class's decks).
    """
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
    for learner_id, item_id, stability, days in inputs:
        if item_id in item_ids:
            cell = sums[learner_id]
            cell[0] += recall_probability(stability, days)
            cell[1] += 1
    return {learner_id: total / count for learner_id, (total, count) in sums.items()}
