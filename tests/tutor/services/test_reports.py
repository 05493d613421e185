"""What a teacher sees: a session's figures and the class's over a window, on a made-up
class with exact expected values; the export's CSV; the store's side on both databases."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.tutor.services.test_practice import quiz_deck
from tutor import store
from tutor.domain import classreport
from tutor.domain.classreport import (
    AtRisk,
    Heatmap,
    MemberItemTotal,
    MemberScore,
    PollAsked,
    QuestionResult,
    Risk,
    SessionVote,
    ShareRight,
)
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Memory, Rating, retrievability
from tutor.services import classroom, dailies, groupchats, learners, report_export, reports, study
from tutor.services.homework_due import ExportedAnswer
from tutor.store import Database, GroupChat, QuizSession
from tutor.store.reports import ExportedVote

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHAT = -100888


@pytest.fixture
def library() -> Library:
    return library_of([quiz_deck("alpha", 2), quiz_deck("beta", 1)])


@pytest.mark.parametrize(("args", "days"), [([], 30), (["7"], 7), (["1"], 1), (["365"], 365)])
def test_report_days(args: list[str], days: int) -> None:
    assert reports.parse_days(args) == days


@pytest.mark.parametrize("args", [["abc"], ["0"], ["366"], ["9999"], ["7", "8"], ["-3"], ["²"]])
def test_bad_report_days_get_the_usage(args: list[str]) -> None:
    with pytest.raises(reports.UsageError, match=r"Usage: /report \[days 1-365\]"):
        reports.parse_days(args)


def ms(seconds: float) -> int:
    return int(seconds * 1000)


def test_a_session_figures_each_question_and_who_got_under_half_right(library: Library) -> None:
    polls = [
        # Sent before polls kept their wording: the deck's question and options.
        PollAsked("p1", 0, "alpha-q0", None, None, None, 0),
        # A generated question: only the poll knows what it asked.
        PollAsked("p2", 1, "gen-x", "Rate after 3 steps?", ["0.1", "0.01", "0.001"], [2, 0, 1], 1),
        PollAsked("p3", 2, "beta-q0", "Question 0?", ["right", "wrong one", "wrong two"], None, 0),
    ]
    votes = [
        SessionVote("p1", 1, "Ann", True, 0, ms(4)),
        SessionVote("p1", 2, "Ben", False, 2, ms(6)),
        SessionVote("p1", 3, "Cy", False, 2, ms(3)),
        SessionVote("p1", 4, "Di", False, 1, ms(5)),
        SessionVote("p2", 1, "Ann", True, 0, ms(2)),
        SessionVote("p2", 2, "Ben", True, 0, ms(1)),
        SessionVote("p2", 3, "Cy", False, 2, ms(7)),
        SessionVote("p2", 4, "Di", False, 1, ms(9)),
    ]
    figures = classreport.session_figures(polls, votes, library=library)

    assert figures.questions == (
        QuestionResult(1, "alpha-q0", "Question 0?", 4, 1, ("wrong two",), 2, 4.5),
        # Options 1 and 2 were picked once each: both are named, in the item's order.
        QuestionResult(2, "gen-x", "Rate after 3 steps?", 4, 2, ("0.01", "0.001"), 1, 4.5),
        QuestionResult(3, "beta-q0", "Question 0?", 0, 0, (), 0, None),
    )
    assert [q.share for q in figures.questions] == [0.25, 0.5, None]
    assert figures.members == 4
    # Three questions asked: fewer than half right is at most one right.
    assert figures.struggling == (
        MemberScore(3, "Cy", 0, 2),
        MemberScore(4, "Di", 0, 2),
        MemberScore(2, "Ben", 1, 2),
    )


def test_a_session_nobody_answered_has_no_one_struggling(library: Library) -> None:
    polls = [PollAsked("p1", 0, "alpha-q0", None, None, None, 0)]
    figures = classreport.session_figures(polls, [], library=library)
    assert figures.members == 0 and figures.struggling == ()
    assert figures.questions[0].answered == 0


def test_the_class_over_a_window(library: Library) -> None:
    """Ann does well; Ben's share fell from 4/5 to 0/5; Cy did not come to the last
    sessions; one question has left the decks since it was asked."""
    item_totals = [
        # member, question, answered, right; the same in the window's later half
        MemberItemTotal(1, "alpha-q0", 4, 4, 2, 2),
        MemberItemTotal(1, "alpha-q1", 4, 3, 2, 1),
        MemberItemTotal(1, "beta-q0", 2, 2, 1, 1),
        MemberItemTotal(2, "alpha-q0", 4, 2, 2, 0),
        MemberItemTotal(2, "alpha-q1", 4, 1, 2, 0),
        MemberItemTotal(2, "beta-q0", 2, 1, 1, 0),
        MemberItemTotal(3, "alpha-q0", 2, 1),
        MemberItemTotal(3, "gone-q", 1, 0),
    ]
    names = {1: "Ann", 2: "Ben", 3: "Cy"}

    figures = classreport.class_figures(item_totals, names, {1, 2}, {1: 0.9}, library=library)

    assert [(m.name, m.answered, m.right, m.recall) for m in figures.members] == [
        ("Cy", 3, 1, None),
        ("Ben", 10, 4, None),
        ("Ann", 10, 9, 0.9),
    ]
    assert figures.decks == (
        ShareRight("alpha", "Deck alpha", 18, 11),
        ShareRight("beta", "Deck beta", 4, 3),
    )
    assert figures.weakest == (
        ShareRight("gone-q", "gone-q", 1, 0),
        ShareRight("alpha-q1", "Question 1?", 8, 4),
        ShareRight("alpha-q0", "Question 0?", 10, 7),
        ShareRight("beta-q0", "Question 0?", 4, 3),
    )
    assert (figures.questions, figures.answers) == (4, 23)
    # Ann's share fell too, from 5/5 to 4/5: by 20 points, but to 80%, not under 2/3.
    assert figures.at_risk == (
        AtRisk(2, "Ben", (Risk.FALLING,), before=0.8, after=0.0),
        AtRisk(3, "Cy", (Risk.ABSENT,)),
    )
    assert figures.heatmap == Heatmap(
        members=("Cy", "Ben", "Ann"),
        decks=("Deck alpha", "Deck beta"),
        shares=((0.5, None), (0.375, 0.5), (0.875, 1.0)),
    )


def test_few_answers_or_few_sessions_put_nobody_at_risk(library: Library) -> None:
    # Ben's share fell, but on two answers a half: too few to call it a trend; and with
    # fewer than three sessions in the window (recent is None) nobody is missing.
    figures = classreport.class_figures(
        [MemberItemTotal(2, "alpha-q0", 4, 2, 2, 0)], {2: "Ben"}, None, {}, library=library
    )
    assert figures.at_risk == ()


def test_the_heatmap_shows_the_weakest_forty(library: Library) -> None:
    items = [MemberItemTotal(n, "alpha-q0", 10, n % 11) for n in range(50)]
    names = {n: f"M{n:02d}" for n in range(50)}
    figures = classreport.class_figures(items, names, None, {}, library=library)
    assert len(figures.members) == 50
    assert len(figures.heatmap.members) == classreport.HEATMAP_MEMBERS
    assert figures.heatmap.members[:3] == ("M00", "M11", "M22")  # 0 right of 10


@pytest.mark.parametrize(
    ("answers", "pages"),
    [
        ([], ()),
        ([(1, 5), (2, 5), (3, 5)], ((1, 2), (3, 3))),
        ([(1, 12), (4, 3), (9, 10), (10, 1)], ((1, 1), (4, 4), (9, 10))),
    ],
)
def test_export_pages_are_whole_sessions(
    answers: list[tuple[int, int]], pages: tuple[tuple[int, int], ...]
) -> None:
    assert report_export.pages_of(answers, 11) == pages


def test_member_recall_is_fsrs_retrievability_averaged_over_the_class_items() -> None:
    inputs = [
        (1, "alpha-q0", 2.0, 4),
        (1, "alpha-c0", 30.0, 1),
        (1, "elsewhere", 0.5, 4),  # not in the class's decks: left out
        (2, "alpha-q0", 10.0, 4),
    ]
    recall = classreport.member_recall(inputs, item_ids={"alpha-q0", "alpha-c0"})

    def fsrs(stability: float, days: int) -> float:
        reviewed = NOW - timedelta(days=days, hours=3)
        return retrievability(Memory(2, None, stability, 5.0, NOW, reviewed), NOW)

    assert recall == {
        1: pytest.approx((fsrs(2.0, 4) + fsrs(30.0, 1)) / 2),
        2: pytest.approx(fsrs(10.0, 4)),
    }
    assert 0 < recall[1] < recall[2] < 1


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_export_writes_one_row_per_answer_in_the_chat_time_zone(library: Library) -> None:
    plan = report_export.ExportPlan(
        chat_id=CHAT,
        chat_title="ML 101",
        zone="Europe/Berlin",
        polls={
            "p1": PollAsked("p1", 0, "alpha-q0", None, None, None, 0),
            "p2": PollAsked(
                "p2", 1, "gen-x", 'Rate, "now"?', ["0,1", "0.01\nper step"], [1, 0], 1
            ),
        },
        pages=((7, 7),),
        members={11: 'Zoë "Z"', 12: "Al"},
    )
    export = report_export.CsvExport(plan, library=library)
    export.add([(7, "2026-03-29 00:59:30", "p1", 11, 1, False, 4250)])
    # Clocks went forward at 01:00 UTC: 03:00 in Berlin.
    export.add([(7, "2026-03-29 01:00:10", "p2", 11, 0, True, 900)])
    export.add([(7, "2026-03-29 01:00:50", "p2", 12, None, False, 30_000)])

    assert export.rows == 3
    assert read_csv(export.getvalue()) == [
        [
            "session", "date (Europe/Berlin)", "time (Europe/Berlin)", "question id",
            "question", "member id", "member", "option chosen", "correct", "seconds", "source",
        ],
        ["7", "2026-03-29", "01:59:30", "alpha-q0", "Question 0?", "11", 'Zoë "Z"', "wrong one",
         "0", "4.3", "quiz"],
        ["7", "2026-03-29", "03:00:10", "gen-x", 'Rate, "now"?', "11", 'Zoë "Z"', "0,1", "1",
         "0.9", "quiz"],
        ["7", "2026-03-29", "03:00:50", "gen-x", 'Rate, "now"?', "12", "Al", "", "0", "30.0",
         "quiz"],
    ]  # fmt: skip


def test_the_export_quotes_as_the_csv_module_does(library: Library) -> None:
    tricky = ["plain", "a,b", 'say "hi"', "two\nlines", "cr\r", " spaced ", ""]
    plan = report_export.ExportPlan(
        chat_id=CHAT, chat_title="", zone="UTC", pages=(),
        polls={"p": PollAsked("p", 0, "q", "Q", tricky, None, 0)},
        members=dict(enumerate(tricky)),
    )  # fmt: skip
    export = report_export.CsvExport(plan, library=library)
    export.add([(1, "2026-03-02 09:00:00", "p", k, k, True, 0) for k in range(len(tricky))])
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    export.add_homework(
        [
            ExportedAnswer(at, "q", text, k, text, text, correct=False, late=k % 2 == 1)
            for k, text in enumerate(tricky)
        ]
    )
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(["session", "date (UTC)", "time (UTC)", *report_export.EXPORT_COLUMNS[3:]])
    for k, text in enumerate(tricky):
        writer.writerow([1, "2026-03-02", "09:00:00", "q", "Q", k, text, text, 1, "0.0", "quiz"])
    for k, text in enumerate(tricky):
        source = "homework, late" if k % 2 else "homework"
        writer.writerow(["", "2026-03-02", "10:00:00", "q", text, k, text, text, 0, "", source])
    assert export.getvalue() == expected.getvalue().encode("utf-8-sig")
    assert export.rows == 2 * len(tricky)


def test_a_zipped_export_holds_the_csv() -> None:
    data = b"\xef\xbb\xbfsession\r\n" * 1000
    archive = zipfile.ZipFile(io.BytesIO(report_export.zipped(data, "answers.csv")))
    assert archive.namelist() == ["answers.csv"] and archive.read("answers.csv") == data
    assert len(report_export.zipped(data, "answers.csv")) < len(data) // 10


# --- the store's side, on SQLite and PostgreSQL ------------------------------------------------


async def play_session(
    database: Database, library: Library, answers: dict[int, list[bool]], *, at: datetime
) -> int:
    """A session of as many questions as each member has answers; returns its id."""
    questions = len(next(iter(answers.values())))
    started = await database.run(
        classroom.start_session, library=library, chat_id=CHAT, questions=questions,
        seconds=30, now=at, rng=random.Random(2), started_by=1,
    )  # fmt: skip
    assert started is not None and started.id is not None
    for position in range(questions):
        to_send = await database.run(
            classroom.advance, library=library, session_id=started.id,
            from_position=position - 1, now=at, rng=random.Random(position),
        )  # fmt: skip
        assert isinstance(to_send, classroom.PollToSend)
        poll_id = f"s{started.id}-{position}"
        await database.run(
            classroom.record_poll, to_send=to_send, poll_id=poll_id, message_id=1,
            now=at + timedelta(seconds=40 * position),
        )  # fmt: skip
        for member, rights in answers.items():
            option = to_send.correct_option if rights[position] else (
                (to_send.correct_option + 1) % len(to_send.options)
            )  # fmt: skip
            await database.run(
                classroom.record_vote, library=library, poll_id=poll_id, user_id=member,
                first_name=f"M{member}", option_ids=[option],
                now=at + timedelta(seconds=40 * position + member),
            )  # fmt: skip
        closed = at + timedelta(seconds=40 * position + 30)
        await database.run(classroom.poll_closed, poll_id=poll_id, now=closed)
    await database.run(
        classroom.advance, library=library, session_id=started.id,
        from_position=questions - 1, now=at + timedelta(seconds=40 * questions),
        rng=random.Random(0),
    )  # fmt: skip
    return started.id


def memories_of(session: Session, *, learner_id: int, library: Library) -> list[Memory]:
    """The learner's memories of the library's items (a test's read)."""
    return list(
        store.reviews.load_memories(
            session, learner_id=learner_id, item_ids=set(library.items)
        ).values()
    )


async def exported(database: Database) -> list[ExportedVote]:
    """Every answer, page by page as /export reads them."""
    plan = await database.run(report_export.plan_export, chat_id=CHAT, default_zone="UTC")
    assert plan is not None
    rows: list[ExportedVote] = []
    for first, last in plan.pages:
        rows += await database.run(
            report_export.export_page, chat_id=CHAT, first_session=first, last_session=last
        )
    return rows


async def test_reports_and_exports_from_the_store_leave_out_a_forgotten_member(
    database: Database, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="ML 101", now=NOW)
    old = NOW - timedelta(days=20)
    await play_session(database, library, {5: [True, True], 6: [False, True]}, at=old)
    session_id = await play_session(
        database, library, {5: [True, False], 6: [False, False], 7: [True, True]}, at=NOW
    )

    report = await database.run(
        reports.session_report, library=library, session_id=session_id, default_zone="UTC"
    )
    assert report is not None and report.recipient == 1 and report.chat_title == "ML 101"
    assert [(q.answered, q.right) for q in report.figures.questions] == [(3, 2), (3, 1)]
    assert [s.name for s in report.figures.struggling] == ["M6"]

    later = NOW + timedelta(hours=1)
    week = await database.run(
        reports.class_report, library=library, chat_id=CHAT, days=7, now=later, default_zone="UTC"
    )
    month = await database.run(
        reports.class_report, library=library, chat_id=CHAT, days=30, now=later, default_zone="UTC"
    )
    assert week is not None and month is not None
    assert [(m.name, m.answered, m.right) for m in week.figures.members] == [
        ("M6", 2, 0), ("M5", 2, 1), ("M7", 2, 2),
    ]  # fmt: skip
    assert [(m.name, m.answered, m.right) for m in month.figures.members] == [
        ("M6", 4, 1), ("M5", 4, 3), ("M7", 2, 2),
    ]  # fmt: skip
    # Group answers are reviews too, but only members who study in private get a recall.
    assert all(m.recall is None for m in month.figures.members)

    def review_in_private(session: Session) -> None:
        learner = store.learners.get_learner(session, learner_id=7)
        assert learner is not None
        study.record_rating(
            session, library=library, learner=learner, item="alpha-c0", version=0,
            rating=Rating.GOOD, now=NOW, source="review",
        )  # fmt: skip

    await database.run(review_in_private)
    month = await database.run(
        reports.class_report, library=library, chat_id=CHAT, days=30, now=later, default_zone="UTC"
    )
    assert month is not None
    recall = {m.name: m.recall for m in month.figures.members}
    assert recall["M5"] is None and recall["M6"] is None
    assert recall["M7"] == 1.0  # everything reviewed today: FSRS counts whole days
    three_days_on = later + timedelta(days=3)
    month = await database.run(
        reports.class_report,
        library=library,
        chat_id=CHAT,
        days=30,
        now=three_days_on,
        default_zone="UTC",
    )
    assert month is not None
    states = await database.run(memories_of, learner_id=7, library=library)
    recall = {m.name: m.recall for m in month.figures.members}
    assert recall["M7"] == pytest.approx(
        sum(retrievability(m, three_days_on) for m in states) / len(states)
    )
    next_week = later + timedelta(days=8)
    assert await database.run(
        reports.class_report, library=library, chat_id=CHAT, days=7, now=next_week,
        default_zone="UTC",
    ) is None  # fmt: skip

    rows = await exported(database)
    assert len(rows) == 10 == len({(poll_id, member) for _, _, poll_id, member, *_ in rows})
    assert [(r[0], r[3]) for r in rows[:4]] == [(1, 5), (1, 6), (1, 5), (1, 6)]
    assert rows[0][1] == f"{old:%Y-%m-%d %H:%M}:05"  # UTC, to the second (member 5: 5 s)
    monkeypatch.setattr(report_export, "EXPORT_PAGE", 1)  # a page per session
    assert await exported(database) == rows

    await database.run(learners.forget, learner_id=6)
    month = await database.run(
        reports.class_report, library=library, chat_id=CHAT, days=30, now=later, default_zone="UTC"
    )
    assert month is not None and [m.name for m in month.figures.members] == ["M5", "M7"]
    assert {row[3] for row in await exported(database)} == {5, 7}


async def test_the_group_is_told_once_per_admin(database: Database) -> None:
    async def claim(admin: int) -> bool:
        told: bool = await database.run(
            reports.claim_notice, chat_id=CHAT, admin_id=admin, now=NOW
        )
        return told

    assert [await claim(1), await claim(1), await claim(2)] == [True, False, True]
    await database.run(learners.forget, learner_id=1)  # the admin's /forget removes it too
    assert await claim(1) is True


async def test_an_admins_forget_clears_their_id_from_the_chat_and_its_sessions(
    database: Database, library: Library
) -> None:
    await database.run(
        dailies.set_daily, chat_id=CHAT, title="Class", daily_time="08:00", questions=3,
        default_zone="UTC", now=NOW, set_by=1,
    )  # fmt: skip
    session_id = await play_session(database, library, {5: [True]}, at=NOW)

    def who(session: Session) -> tuple[int | None, int | None]:
        group, started = session.get(GroupChat, CHAT), session.get(QuizSession, session_id)
        assert group is not None and started is not None
        return group.daily_set_by, started.started_by

    assert await database.run(who) == (1, 1)
    await database.run(learners.forget, learner_id=1)
    assert await database.run(who) == (None, None)  # the daily still runs, reporting to nobody
