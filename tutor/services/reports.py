"""What a teacher sees of a class: a report after each session, the class over a window of
days, and every answer as a CSV file.

The figures are pure functions of the answers (``session_figures``, ``class_figures``);
the use-cases read the answers, aggregated in SQL where a class is large, and hand them
over. Only the chat's admins see any of it, in private (the handlers check); a member's
``/forget`` deletes their answers, so they drop out of every later report and export, and
a member who left the chat is out of ``/report`` and ``/export`` until they come back.
"""

from __future__ import annotations

import enum
import io
import re
import statistics
import zipfile
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tutor.classroom import HARD_FROM
from tutor.content import Library, QuizQuestion
from tutor.libraries import group_quiz_library
from tutor.scheduling import check_utc, recall_probability
from tutor.spreadsheet import csv_field
from tutor.store import classroom as classroom_queries
from tutor.store import reports as queries
from tutor.store.reports import ExportedVote, MemberItemTotal, PollAsked, SessionVote

NUMBER = re.compile(r"[0-9]{1,4}")
DEFAULT_DAYS, DAYS_RANGE = 30, (1, 365)
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
# About how many answers the export reads per unit of work (whole sessions), so a large
# class never holds the database (or, on SQLite, the event loop) for long.
EXPORT_PAGE = 20_000


class UsageError(ValueError):
    """Arguments out of range; the message says what is allowed."""


def parse_days(args: Sequence[str]) -> int:
    """``/report [days]`` → the window in days, checked against DAYS_RANGE."""
    usage = (
        f"Usage: /report [days {DAYS_RANGE[0]}-{DAYS_RANGE[1]}], for example /report 7 "
        f"(default: the last {DEFAULT_DAYS} days)."
    )
    # ASCII digits only: str.isdigit also takes "²", which int() refuses.
    if len(args) > 1 or not all(NUMBER.fullmatch(arg) for arg in args):
        raise UsageError(usage)
    days = int(args[0]) if args else DEFAULT_DAYS
    if not DAYS_RANGE[0] <= days <= DAYS_RANGE[1]:
        raise UsageError(usage)
    return days


def share(right: int, answered: int) -> float | None:
    """The share answered right, None with no answers."""
    return right / answered if answered else None


# --- a session's report --------------------------------------------------------------------


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


def _asked(poll: PollAsked, library: Library) -> tuple[str, list[str] | None]:
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
        question, options = _asked(poll, library)
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


@dataclass(frozen=True)
class SessionReport:
    """A finished session's report and whom it goes to."""

    session_id: int
    chat_id: int
    chat_title: str
    recipient: int | None
    started_at: datetime
    zone: str
    figures: SessionFigures

    @property
    def local_start(self) -> datetime:
        return self.started_at.astimezone(ZoneInfo(self.zone))


def session_report(
    session: Session, *, library: Library, session_id: int, default_zone: str
) -> SessionReport | None:
    """The report of a session (None: unknown, or it asked nothing); commits."""
    quiz_session = classroom_queries.get_session(session, session_id=session_id)
    polls = queries.session_polls(session, session_id=session_id)
    if quiz_session is None or not polls:
        session.commit()
        return None
    votes = queries.session_votes(session, chat_id=quiz_session.chat_id, session_id=session_id)
    group = classroom_queries.get_group(session, chat_id=quiz_session.chat_id)
    session.commit()
    return SessionReport(
        session_id=session_id,
        chat_id=quiz_session.chat_id,
        chat_title=group.title if group is not None else "",
        recipient=quiz_session.started_by,
        started_at=quiz_session.started_at,
        zone=(group.timezone if group is not None else None) or default_zone,
        figures=session_figures(polls, votes, library=library),
    )


def claim_notice(session: Session, *, chat_id: int, admin_id: int, now: datetime) -> bool:
    """Whether the group is still to be told that the admin must start the bot in private
    (True once per chat and admin, across instances); commits."""
    claimed = classroom_queries.claim_notice(session, chat_id=chat_id, admin_id=admin_id, now=now)
    session.commit()
    return claimed


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


@dataclass(frozen=True)
class ClassReport:
    """/report's figures for a chat over the last ``days`` days."""

    chat_id: int
    chat_title: str
    days: int
    figures: ClassFigures


def class_report(
    session: Session, *, library: Library, chat_id: int, days: int, now: datetime
) -> ClassReport | None:
    """The class in the sessions started in the last ``days`` days (None: nobody answered
    in them); commits."""
    check_utc(now)
    since = now - timedelta(days=days)
    middle = since + (now - since) / 2
    sessions = queries.sessions_since(session, chat_id=chat_id, since=since)
    later = [session_id for session_id, started in sessions if started >= middle]
    item_totals = (
        queries.member_item_totals(
            session,
            chat_id=chat_id,
            from_session=min(session_id for session_id, _ in sessions),
            later_from=min(later) if later else None,
        )
        if sessions
        else []
    )
    gone = queries.left_members(session, chat_id=chat_id)
    item_totals = [total for total in item_totals if total.learner_id not in gone]
    if not item_totals:
        session.commit()
        return None
    members = {total.learner_id for total in item_totals}
    recent = (
        queries.members_in_sessions(
            session,
            chat_id=chat_id,
            session_ids=[session_id for session_id, _ in sessions[:ABSENT_SESSIONS]],
        )
        if len(sessions) >= ABSENT_SESSIONS
        else None
    )
    names = queries.learner_names(session, learner_ids=members)
    studying = queries.private_learners(session, learner_ids=members)
    group = classroom_queries.get_group(session, chat_id=chat_id)
    # The class's decks (own decks the admins chose included) name the questions' decks.
    library, decks = group_quiz_library(session, library=library, chat_id=chat_id)
    class_items = {item.id for deck in decks for item in library.deck_items(deck)}
    recall = member_recall(
        queries.recall_inputs(session, learner_ids=studying, now=now), item_ids=class_items
    )
    session.commit()
    return ClassReport(
        chat_id=chat_id,
        chat_title=group.title if group is not None else "",
        days=days,
        figures=class_figures(item_totals, names, recent, recall, library=library),
    )


# --- the export ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportPlan:
    """What an export needs before its pages: the chat, its zone, every poll it had, its
    sessions in pages of about EXPORT_PAGE answers (first and last session of each), and
    the names of everyone who answered there and is still a member (the others' answers
    are left out)."""

    chat_id: int
    chat_title: str
    zone: str
    polls: dict[str, PollAsked]
    pages: tuple[tuple[int, int], ...]
    members: dict[int, str]


def pages_of(answers: Sequence[tuple[int, int]], size: int) -> tuple[tuple[int, int], ...]:
    """Consecutive sessions grouped into pages of at most ``size`` answers (a bigger
    session is a page of its own): (first, last) session of each page."""
    pages: list[tuple[int, int]] = []
    first, count = None, 0
    previous = None
    for session_id, answered in answers:
        if first is not None and count + answered > size:
            pages.append((first, previous))  # type: ignore[arg-type]
            first, count = None, 0
        if first is None:
            first = session_id
        count += answered
        previous = session_id
    if first is not None:
        pages.append((first, previous))  # type: ignore[arg-type]
    return tuple(pages)


def plan_export(session: Session, *, chat_id: int, default_zone: str) -> ExportPlan | None:
    """The chat's export plan (None: nobody ever answered there); commits."""
    answers = queries.answers_per_session(session, chat_id=chat_id)
    if not answers:
        session.commit()
        return None
    group = classroom_queries.get_group(session, chat_id=chat_id)
    polls = queries.chat_polls(session, chat_id=chat_id)
    gone = queries.left_members(session, chat_id=chat_id)
    members = {
        learner: name
        for learner, name in queries.chat_members(session, chat_id=chat_id).items()
        if learner not in gone
    }
    session.commit()
    return ExportPlan(
        chat_id=chat_id,
        chat_title=group.title if group is not None else "",
        zone=(group.timezone if group is not None else None) or default_zone,
        polls=polls,
        pages=pages_of(answers, EXPORT_PAGE),
        members=members,
    )


def member_left(session: Session, *, chat_id: int, user_id: int, now: datetime) -> None:
    """A member left the chat (or was removed): out of its reports and exports; commits."""
    queries.mark_left(session, chat_id=chat_id, user_id=user_id, now=now)
    session.commit()


def members_back(session: Session, *, chat_id: int, user_ids: Collection[int]) -> None:
    """Members joined the chat (again): in its reports and exports; commits."""
    queries.mark_back(session, chat_id=chat_id, user_ids=user_ids)
    session.commit()


def export_page(
    session: Session, *, chat_id: int, first_session: int, last_session: int
) -> list[ExportedVote]:
    """The chat's answers in one page of sessions (see ``ExportPlan.pages``); commits."""
    page = queries.vote_page(
        session, chat_id=chat_id, first_session=first_session, last_session=last_session
    )
    session.commit()
    return page


EXPORT_COLUMNS = (
    "session",
    "date",
    "time",
    "question id",
    "question",
    "member id",
    "member",
    "option chosen",
    "correct",
    "seconds",
)


class CsvExport:
    """The export's CSV, written page by page: UTF-8 with a byte-order mark (spreadsheet
    programs then read it as UTF-8), a header row, one row per answer, local times; no
    text cell starts a formula (``tutor.spreadsheet``).

    Rows are put together from parts quoted once (a question's text, its options, a
    member's name as it is now) and local times converted once a minute: 300,000 rows
    take a fraction of what the csv module and a datetime per row would.
    """

    def __init__(self, plan: ExportPlan, *, library: Library) -> None:
        self._zone = ZoneInfo(plan.zone)
        self._polls: dict[str, tuple[str, tuple[str, ...]]] = {}
        for poll_id, poll in plan.polls.items():
            question, options = _asked(poll, library)
            self._polls[poll_id] = (
                f"{csv_field(poll.item_id)},{csv_field(question)}",
                tuple(csv_field(o) for o in options or ()),
            )
        self._names = {learner: csv_field(name) for learner, name in plan.members.items()}
        self._minutes: dict[str, str] = {}
        header = list(EXPORT_COLUMNS)
        header[1:3] = [f"date ({plan.zone})", f"time ({plan.zone})"]
        self._parts = [",".join(csv_field(h) for h in header) + "\r\n"]
        self.rows = 0

    def _local_minute(self, utc_minute: str) -> str:
        """ "YYYY-MM-DD HH:MM" in UTC → "YYYY-MM-DD,HH:MM" in the chat's zone."""
        local = datetime.fromisoformat(utc_minute).replace(tzinfo=UTC).astimezone(self._zone)
        return f"{local:%Y-%m-%d,%H:%M}"

    def add(self, votes: Iterable[ExportedVote]) -> None:
        """Write the answers' rows (seconds rounded half up to a tenth)."""
        polls, names, minutes = self._polls, self._names, self._minutes
        unknown: tuple[str, tuple[str, ...]] = (",", ())
        lines: list[str] = []
        append = lines.append
        for session_id, when, poll_id, learner_id, chosen, correct, elapsed in votes:
            member = names.get(learner_id)
            if member is None:  # no longer a member (see ExportPlan.members)
                continue
            question, options = polls.get(poll_id, unknown)
            minute = minutes.get(when[:16])
            if minute is None:
                minute = minutes[when[:16]] = self._local_minute(when[:16])
            tenths = (elapsed + 50) // 100
            append(
                f"{session_id},{minute}{when[16:19]},{question},{learner_id},{member},"
                f"{options[chosen] if chosen is not None and chosen < len(options) else ''},"
                f"{'1' if correct else '0'},{tenths // 10}.{tenths % 10}\r\n"
            )
        self._parts.append("".join(lines))
        self.rows += len(lines)

    def getvalue(self) -> bytes:
        """The whole file."""
        return "".join(self._parts).encode("utf-8-sig")


def zipped(data: bytes, name: str) -> bytes:
    """``data`` as the one file ``name`` in a ZIP archive (for a file too big to send)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()
