"""A chat's answers exported: read page by page, written as one CSV file, zipped if big."""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.classreport import PollAsked, poll_wording
from tutor.domain.library import Library
from tutor.domain.spreadsheet import csv_field
from tutor.services.homework_due import ExportedAnswer, exported_answers
from tutor.store import Database
from tutor.store.reports import ExportedVote

# About how many answers the export reads per unit of work (whole sessions), so a large
# class never holds the database (or, on SQLite, the event loop) for long.
EXPORT_PAGE = 20_000


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
    # The homework answers, after the polls' (a class's homework is hundreds of rows).
    homework: tuple[ExportedAnswer, ...] = ()


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
    answers = store.reports.answers_per_session(session, chat_id=chat_id)
    homework = tuple(exported_answers(session, chat_id=chat_id))
    if not answers and not homework:
        session.commit()
        return None
    group = store.classroom.get_group(session, chat_id=chat_id)
    polls = store.reports.chat_polls(session, chat_id=chat_id)
    gone = store.reports.left_members(session, chat_id=chat_id)
    members = {
        learner: name
        for learner, name in store.reports.chat_members(session, chat_id=chat_id).items()
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
        homework=homework,
    )


def export_page(
    session: Session, *, chat_id: int, first_session: int, last_session: int
) -> list[ExportedVote]:
    """The chat's answers in one page of sessions (see ``ExportPlan.pages``); commits."""
    page = store.reports.vote_page(
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
    "source",
)
# The source cell of a poll's answer, and of a homework answer (late: after its due date).
FROM_POLL, FROM_HOMEWORK, LATE = "quiz", "homework", "homework, late"


class CsvExport:
    """The export's CSV, written page by page: UTF-8 with a byte-order mark (spreadsheet
    programs then read it as UTF-8), a header row, one row per answer, local times; no
    text cell starts a formula (``tutor.domain.spreadsheet``).

    Rows are put together from parts quoted once (a question's text, its options, a
    member's name as it is now) and local times converted once a minute: 300,000 rows
    take a fraction of what the csv module and a datetime per row would.
    """

    def __init__(self, plan: ExportPlan, *, library: Library) -> None:
        self._zone = ZoneInfo(plan.zone)
        self._polls: dict[str, tuple[str, tuple[str, ...]]] = {}
        for poll_id, poll in plan.polls.items():
            question, options = poll_wording(poll, library)
            self._polls[poll_id] = (
                f"{csv_field(poll.item_id)},{csv_field(question)}",
                tuple(csv_field(o) for o in options or ()),
            )
        self._names = {learner: csv_field(name) for learner, name in plan.members.items()}
        self._minutes: dict[str, str] = {}
        header = list(EXPORT_COLUMNS)
        header[1:3] = [f"date ({plan.zone})", f"time ({plan.zone})"]
        # Each page encoded as it is added (UTF-8, the byte-order mark first): one encode of
        # the whole 70 MB at the end would hold the interpreter for a tenth of a second.
        self._parts = [(",".join(csv_field(h) for h in header) + "\r\n").encode("utf-8-sig")]
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
                f"{'1' if correct else '0'},{tenths // 10}.{tenths % 10},{FROM_POLL}\r\n"
            )
        self._parts.append("".join(lines).encode())
        self.rows += len(lines)

    def add_homework(self, answers: Iterable[ExportedAnswer]) -> None:
        """Write the homework answers' rows: no session, no time taken, marked as homework
        (and late, where they came after the due date)."""
        lines = []
        for answer in answers:
            local = answer.answered_at.astimezone(self._zone)
            cells = [
                "", f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}", csv_field(answer.item_id),
                csv_field(answer.question), str(answer.learner_id), csv_field(answer.name),
                csv_field(answer.option), "1" if answer.correct else "0", "",
                csv_field(LATE if answer.late else FROM_HOMEWORK),
            ]  # fmt: skip
            lines.append(",".join(cells) + "\r\n")
        self._parts.append("".join(lines).encode())
        self.rows += len(lines)

    def getvalue(self) -> bytes:
        """The whole file."""
        return b"".join(self._parts)


def zipped(data: bytes, name: str) -> bytes:
    """``data`` as the one file ``name`` in a ZIP archive (for a file too big to send)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


async def write_export(database: Database, library: Library, plan: ExportPlan) -> CsvExport:
    """Every page of the plan into the CSV, each page a short unit of work (a class of
    300,000 answers never holds the database, or SQLite's event loop, for long), the next
    page read by the database while this one is written."""
    export = CsvExport(plan, library=library)

    def read(first: int, last: int) -> asyncio.Task[list[ExportedVote]]:
        return asyncio.create_task(
            database.run_long(
                export_page,
                chat_id=plan.chat_id,
                first_session=first,
                last_session=last,
            )
        )

    following = read(*plan.pages[0]) if plan.pages else None
    try:
        for number in range(len(plan.pages)):
            assert following is not None
            page = await following
            following = read(*plan.pages[number + 1]) if number + 1 < len(plan.pages) else None
            # Tens of thousands of rows joined into text: in a thread, off the event loop.
            await asyncio.to_thread(export.add, page)
    finally:
        if following is not None and not following.done():
            following.cancel()
    await asyncio.to_thread(export.add_homework, plan.homework)
    return export
