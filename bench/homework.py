"""Homework figures: an assignment for a class of 300, its due-date nudges delivered by the
real bot's reminder tick through a stand-in Bot API enforcing Telegram's flood limits, and
the admin's report at the due date, on SQLite and PostgreSQL.

The class (300 members who each started the bot in private, with the default reminder
time) and the answers of about half of it are made through the store and the services;
then the bot runs in-process on a fake clock (as the reminders bench does), the clock is
moved to the nudge time (the members' reminder time the day before the due date, when
their daily reminders fall due too), to the next day's reminders, and past the due date.
Targets (the issue's "Done when"): every nudge delivered with no 429, and the report
ready within 1 s.

    python -m bench homework
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.loopwatch import LoopWatch, stall_line
from bench.reminders import _Clock, scratch_pg
from bench.report import _timed
from bot.app import ALLOWED_UPDATES, build_application
from bot.format import ELLIPSIS, MESSAGE_LIMIT
from playground.botapi import BotApiStandin, RateLimits, RecordedRequest
from tutor import store
from tutor.catalog import load_library
from tutor.config import Settings
from tutor.domain.content import Card, ExplainPrompt, QuizQuestion
from tutor.domain.homework import HomeworkItem, nudge_instant, restore
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating
from tutor.services import homework, homework_due, homework_steps
from tutor.services.libraries import settle_heap
from tutor.store import Database, Learner, schema

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "778:bench-homework"
ZONE = "Europe/Berlin"
MEMBERS = 300
FIRST_MEMBER = 10_000
ADMIN = 1
CHAT = -1_001_600_000_000
CHAT_TITLE = "Bench class"
ITEMS, DAYS, DUE_CLOCK = 10, 2, "18:00"
# Assigned on Monday 2 March 2026 at 10:00 in Berlin: due Wednesday at 18:00 there, each
# member nudged at 09:00 on Tuesday (their reminder time), when their daily reminder is due.
ASSIGNED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Of the class, FINISHERS do every item and PARTIAL some; the rest do nothing before the nudge.
FINISHERS, PARTIAL = 120, 40
REPORT_RUNS = 7
TICK_SECONDS = 0.5
TIMEOUT = 120.0
# How the nudges (bot.handlers.homework.NUDGE) and the report (REPORT_TITLE) are told apart.
NUDGE_MARK = "your homework is due"
REPORT_MARK = "Homework report"


def _members() -> list[tuple[int, str]]:
    return [(FIRST_MEMBER + n, f"Student {n + 1:03d}") for n in range(MEMBERS)]


# --- the store, through its use-cases ---------------------------------------------------------


def seed_class(session: Session, *, members: list[tuple[int, str]], now: datetime) -> None:
    """Every member a learner (as after /start in private) and seen in the group."""
    for user, name in members:
        store.learners.ensure_learner(session, learner_id=user, first_name=name, now=now)
    store.classroom.ensure_group(session, chat_id=CHAT, title=CHAT_TITLE, now=now)
    store.homework.saw_members(session, chat_id=CHAT, members=members, now=now)
    session.commit()


def homework_items(session: Session, *, homework_id: int) -> list[HomeworkItem]:
    found = store.homework.get_homework(session, homework_id=homework_id)
    assert found is not None
    return restore(found.items)


def scheduled_learners(session: Session) -> int:
    """How many learners have their next reminder set (the tick schedules new ones)."""
    statement = select(func.count()).where(Learner.next_reminder_at.is_not(None))  # type: ignore[union-attr]
    return int(session.execute(statement).scalar_one())


async def _answer_all(
    database: Database, library: Library, homework_id: int, items: list[HomeworkItem]
) -> tuple[int, int]:
    """FINISHERS members answer every item, PARTIAL members the first few, mostly right;
    (answers given, explain answers among them)."""
    rng = random.Random(7)
    members = _members()
    now = ASSIGNED + timedelta(hours=1)
    given = explained = 0
    for n, (user, name) in enumerate(members[: FINISHERS + PARTIAL]):
        count = ITEMS if n < FINISHERS else 1 + n % (ITEMS - 1)
        ability = rng.uniform(0.4, 0.95)
        for position, item in enumerate(items[:count]):
            right = rng.random() < ability
            if isinstance(item, ExplainPrompt):
                asked = await database.run(
                    homework_steps.ask_prompt,
                    homework_id=homework_id,
                    learner_id=user,
                    position=position,
                    now=now,
                )
                assert asked
                done = await database.run(
                    homework_steps.answer_prompt,
                    library=library,
                    homework_id=homework_id,
                    learner_id=user,
                    first_name=name,
                    text=item.model_answer if right else "I am not sure, something like that.",
                    now=now,
                )
                outcome = done.answered.outcome
                explained += 1
            elif isinstance(item, QuizQuestion):
                correct = next(i for i, o in enumerate(item.options) if o.correct)
                wrong = [i for i in range(len(item.options)) if i != correct]
                answered = await database.run(
                    homework_steps.answer,
                    library=library,
                    homework_id=homework_id,
                    learner_id=user,
                    first_name=name,
                    position=position,
                    chosen_option=correct if right else rng.choice(wrong),
                    now=now,
                )
                outcome = answered.outcome
            else:
                assert isinstance(item, Card)
                answered = await database.run(
                    homework_steps.answer,
                    library=library,
                    homework_id=homework_id,
                    learner_id=user,
                    first_name=name,
                    position=position,
                    rating=rng.choice((Rating.HARD, Rating.GOOD, Rating.EASY))
                    if right
                    else Rating.AGAIN,
                    now=now,
                )
                outcome = answered.outcome
            assert outcome is homework_steps.Outcome.RECORDED, (user, position, outcome)
            given += 1
    return given, explained


# --- the bot on the fake clock --------------------------------------------------------------


def _sent(server: BotApiStandin, method: str = "sendMessage") -> list[RecordedRequest]:
    """The bot's calls of ``method`` that Telegram carried out."""
    return [r for r in server.requests(method) if r.done_at is not None and r.error is None]


def _nudges(server: BotApiStandin) -> list[RecordedRequest]:
    return [r for r in _sent(server) if NUDGE_MARK in str(r.params.get("text", ""))]


async def _until(condition: Callable[[], bool], within: float = TIMEOUT) -> bool:
    """Wait until ``condition()`` holds (checked every 50 ms); whether it did in time."""
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > within:
            return False
        await asyncio.sleep(0.05)
    return True


async def _quiet(server: BotApiStandin, quiet: float, within: float = TIMEOUT) -> None:
    """Wait until the bot has sent no message or photo for ``quiet`` s (several ticks)."""

    def count() -> int:
        return len(_sent(server)) + len(_sent(server, "sendPhoto"))

    started = time.perf_counter()
    seen, since = count(), time.perf_counter()
    while time.perf_counter() - since < quiet and time.perf_counter() - started < within:
        await asyncio.sleep(0.1)
        if count() != seen:
            seen, since = count(), time.perf_counter()


@dataclass
class Delivery:
    """What the stand-in saw: the nudge morning, the next morning, the due time."""

    nudges: int
    reminders: int
    # Seconds from the clock reaching the nudge time: the first nudge asked, the last one
    # answered, and the last of the morning's messages (nudges and reminders) answered.
    first_nudge: float
    last_nudge: float
    morning_done: float
    refused_at_nudges: int
    next_day_reminders: int
    nudged_twice: int
    refused: int
    report_done: float | None  # seconds from the clock passing the due time to the text
    chart_done: float | None
    report_text: str
    # The event loop's worst stall from the nudge time to the report (seconds); the stand-in
    # runs in this process too, so its work counts in it.
    worst_stall: float


async def _deliver(
    url: str, library: Library, database: Database, assigned: homework.Assigned, expected: int
) -> Delivery:
    """Run the real bot on a fake clock against a stand-in with Telegram's flood limits."""
    nudge_at = nudge_instant(
        due_at=assigned.due_at, assigned_at=ASSIGNED, zone=ZONE, reminder_time="09:00"
    )
    assert nudge_at is not None
    async with BotApiStandin(token=TOKEN, rate_limits=RateLimits()) as server:
        crowd = [server.user(user, name) for user, name in _members()]
        admin = server.user(ADMIN, "Teacher")
        server.group(CHAT, CHAT_TITLE, members=crowd, admins=[admin])
        settings = Settings(
            _env_file=None, telegram_bot_token=TOKEN, telegram_api_url=server.base_url,
            database_url=url, default_timezone=ZONE,
        )  # fmt: skip
        clock = _Clock(ASSIGNED + timedelta(hours=2))
        application = build_application(
            settings, library=library, clock=clock, reminder_interval=TICK_SECONDS
        )
        await application.initialize()
        assert application.post_init is not None and application.updater is not None
        await application.post_init(application)
        await application.updater.start_polling(timeout=1, allowed_updates=ALLOWED_UPDATES)
        await application.start()
        try:
            # The first ticks give the new learners their first reminder (09:00 tomorrow).
            started = time.perf_counter()
            while await database.run(scheduled_learners) < MEMBERS:
                assert time.perf_counter() - started < TIMEOUT, "the learners were not scheduled"
                await asyncio.sleep(0.2)
            assert not _sent(server), "the bot sent something before the nudge time"

            # From here on, the bot's event loop is watched (its start-up is not the figure).
            watch = LoopWatch()
            await watch.__aenter__()
            # The day before the due date at 09:00: the nudges, and the daily reminders.
            clock.now = nudge_at + timedelta(seconds=5)
            moved = time.perf_counter()
            await _until(lambda: len(_nudges(server)) >= expected)
            await _quiet(server, 2.0)
            nudges, morning = _nudges(server), _sent(server)
            refused_at_nudges = server.rate_limited_count

            # The due day at 09:00: the daily reminders again, and no nudge twice.
            clock.now = nudge_at + timedelta(days=1, seconds=5)
            await _quiet(server, 3.0)
            next_day = _sent(server)
            nudged_twice = len(_nudges(server)) - len(nudges)

            # Past the due time: the report to the admin, then its chart.
            clock.now = assigned.due_at + timedelta(seconds=5)
            reported = time.perf_counter()
            await _until(lambda: bool(server.requests("sendPhoto", chat_id=ADMIN)), 60.0)
            await _quiet(server, 1.0)
            await watch.__aexit__(None, None, None)
            report = next(
                (r for r in _sent(server) if r.chat_id == ADMIN
                 and REPORT_MARK in str(r.params.get("text", ""))), None,
            )  # fmt: skip
            photos = _sent(server, "sendPhoto")
            charts = [m for m in admin.chat.messages if m.file is not None]
            shown = [m.text for m in admin.chat.messages if REPORT_MARK in (m.text or "")]
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
        refused = server.rate_limited_count
    return Delivery(
        nudges=len(nudges),
        reminders=len(morning) - len(nudges),
        first_nudge=min((r.at for r in nudges), default=moved) - moved,
        last_nudge=max((r.done_at or 0.0 for r in nudges), default=moved) - moved,
        morning_done=max((r.done_at or 0.0 for r in morning), default=moved) - moved,
        refused_at_nudges=refused_at_nudges,
        next_day_reminders=len(next_day) - len(morning) - nudged_twice,
        nudged_twice=nudged_twice,
        refused=refused,
        report_done=None if report is None else (report.done_at or 0.0) - reported,
        chart_done=(photos[0].done_at or 0.0) - reported if photos and charts else None,
        report_text=(shown[0] or "") if shown else "",
        worst_stall=watch.worst,
    )


# --- the figures ------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def _figures(url: str, label: str, library: Library) -> None:
    database = Database(url)
    try:
        await schema.upgrade(database)
        members = _members()
        started = time.perf_counter()
        await database.run(seed_class, members=members, now=ASSIGNED - timedelta(days=7))
        seeded = time.perf_counter() - started
        print(f"  {label} (the class of {MEMBERS} made in {seeded:.1f} s)")

        started = time.perf_counter()
        assigned = await database.run(
            homework.assign, library=library, chat_id=CHAT, chat_title=CHAT_TITLE,
            admin_id=ADMIN, source=homework.ALL_DECKS, count=ITEMS, days=DAYS,
            clock=DUE_CLOCK, default_zone=ZONE, now=ASSIGNED,
        )  # fmt: skip
        took = time.perf_counter() - started
        assert assigned.members == MEMBERS and assigned.items == ITEMS, assigned
        print(f"    assign {ITEMS} items to {assigned.members} members, due "
              f"{assigned.due_at.astimezone(ZoneInfo(ZONE)):%a %d %b %H:%M} ({ZONE}): "
              f"{_ms(took)}")  # fmt: skip

        items = await database.run(homework_items, homework_id=assigned.homework_id)
        started = time.perf_counter()
        given, explained = await _answer_all(database, library, assigned.homework_id, items)
        took = time.perf_counter() - started
        print(f"    {FINISHERS + PARTIAL} members answer ({FINISHERS} all, {PARTIAL} some): "
              f"{given} answers ({explained} explained) in {took:.1f} s, "
              f"{took / given * 1000:.1f} ms each")  # fmt: skip

        expected = MEMBERS - FINISHERS
        # What lives on from here is settled as the bot settles its start-up heap.
        settle_heap()
        done = await _deliver(url, library, database, assigned, expected)
        sent = done.nudges + done.reminders
        rate = sent / done.morning_done if done.morning_done else float("nan")
        print(f"    nudges (the day before, at 09:00): {done.nudges} of {expected} sent "
              f"(the members who had not finished), beside {done.reminders} daily reminders "
              f"due the same minute; {done.refused_at_nudges} answered 429 (target: every "
              f"nudge, no 429)")  # fmt: skip
        print(f"      all {sent} sent within {done.morning_done:.1f} s of the clock reaching "
              f"09:00 ({rate:.1f} a second; Telegram allows 30), the nudges from "
              f"{done.first_nudge:.1f} s to {done.last_nudge:.1f} s")  # fmt: skip
        print(f"    the due day at 09:00: {done.next_day_reminders} daily reminders, "
              f"{done.nudged_twice} nudges sent again (target: 0)")  # fmt: skip
        print(f"    while the bot sent them and the report: {stall_line(done.worst_stall)}")

        async def report() -> homework_due.HomeworkReport | None:
            return await database.run_long(
                homework_due.homework_report, homework_id=assigned.homework_id, default_zone=ZONE
            )

        times, stall, computed = await _timed(report, runs=REPORT_RUNS)
        assert computed is not None
        figures = computed.figures
        print(f"    the report computed ({len(figures.finished)} finished, "
              f"{len(figures.started)} started, {len(figures.not_started)} did not start): "
              f"median {_ms(statistics.median(times))}, worst {_ms(max(times))} over "
              f"{REPORT_RUNS} runs (target: under 1 s); " + stall_line(stall))  # fmt: skip
        if done.report_done is None:
            print("    the report did not reach the admin")
        else:
            shown = done.report_text
            chart = "no chart" if done.chart_done is None else f"chart {done.chart_done:.2f} s"
            cut = ", cut (ending in an ellipsis)" if shown.endswith(ELLIPSIS) else ""
            print(f"    the report delivered by the tick (every {TICK_SECONDS} s): text "
                  f"{done.report_done:.2f} s, {chart} after the due time; {len(shown):,} "
                  f"characters shown (Telegram's limit {MESSAGE_LIMIT:,}){cut}")  # fmt: skip
            results = shown.count("% right (") + shown.count("no answers")
            print(f"      it names {shown.count('Student ')} of {MEMBERS} members and shows "
                  f"{results} of {ITEMS} items' results; the weakest items "
                  f"{'shown' if 'Weakest:' in shown else 'not shown'}")  # fmt: skip
        print(f"    429s in all: {done.refused} (target: 0)")
    finally:
        await database.close()


async def run() -> None:
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores when it began)")
    print(f"Homework: {ITEMS} items for a class of {MEMBERS}, due-date nudges through a stand-in "
          "enforcing 30 messages a second, the report at the due date")  # fmt: skip
    library = load_library(ROOT / "content")
    with tempfile.TemporaryDirectory() as directory:
        await _figures(f"sqlite:///{directory}/homework.db", "SQLite", library)
    async with scratch_pg() as pg:
        if pg is not None:
            await _figures(pg, "PostgreSQL", library)


def main() -> int:
    asyncio.run(run())
    return 0


if __name__ == "__main__":
    main()
