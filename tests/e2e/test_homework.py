"""Homework end to end: an admin assigns it in the group, members do it in private (one in
part, one late, one never), nudges go out once, the admin gets the report at the due date,
and /export has the answers."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from datetime import UTC, datetime

import pytest

from playground.botapi import BotApiStandin, Chat, ChatMessage, UserHandle
from tests.e2e.conftest import FakeClock, RunningBot, rows
from tutor.store import ClassMember, Database, HomeworkAnswer, HomeworkMember, ReviewLog

GROUP_ID = -1005550001
# Monday 08:00 UTC: the homework is due tomorrow at 18:00, and each member's nudge comes
# at their reminder time (09:00, the default) today, the day before.
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TICK = 0.2
NEXT = "Next ▸"
EXPLANATION = (
    "The learning rate scales each step: too large and the loss overshoots and can diverge, "
    "too small and training crawls."
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def teacher(server: BotApiStandin) -> UserHandle:
    return server.user(7000, "Tess")


@pytest.fixture
def members(server: BotApiStandin) -> list[UserHandle]:
    return [server.user(7001 + n, name) for n, name in enumerate(["Bob", "Carol", "Dave"])]


@pytest.fixture
def group(server: BotApiStandin, teacher: UserHandle, members: list[UserHandle]) -> Chat:
    return server.group(GROUP_ID, "ML 101", members=members, admins=[teacher])


async def wait_rows(store: Database, table: object, count: int, **where: object) -> None:
    for _ in range(200):
        if len(await rows(store, table, **where)) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never {count} rows of {table}")


async def join(server: BotApiStandin, group: Chat, members: list[UserHandle]) -> None:
    """The members' join, as Telegram's service message tells the bot."""
    server.inject(
        "message",
        {
            "message_id": 20_000, "date": int(time.time()), "chat": group.api(),
            "from": members[0].info.api(),
            "new_chat_members": [member.info.api() for member in members],
        },
        chat=group,
    )  # fmt: skip


async def assign(
    teacher: UserHandle, group: Chat, *, toast: str | None = None, fixed_clock: bool = True
) -> str:
    """/homework, the first deck, 5 items, tomorrow at 18:00 (the last press answered with
    ``toast``; ``fixed_clock``: on START's clock); the Start link's payload."""
    await teacher.send("/homework", chat=group)
    flow = await teacher.wait_for_message(chat=group)
    assert flow.text == "📚 New homework: what should the class work on?"
    deck = flow.button_labels[0]
    await (await teacher.press(flow, deck)).answered()
    flow = await teacher.wait_for_edit(flow, lambda m: "how many items?" in (m.text or ""))
    await (await teacher.press(flow, "5")).answered()
    flow = await teacher.wait_for_edit(flow, lambda m: "Due when?" in (m.text or ""))
    await (await teacher.press(flow, "Tomorrow")).answered()
    flow = await teacher.wait_for_edit(flow, lambda m: "At what time (UTC)?" in (m.text or ""))
    assert (await (await teacher.press(flow, "18:00")).answered()).text == toast
    announced = await teacher.wait_for_edit(flow, lambda m: m.button_labels == ["Start"])
    assert announced.text is not None
    assert announced.text.startswith(f"📚 Homework: 5 items from {deck}\nDue ")
    assert fixed_clock is False or "\nDue Tue 3 Mar, 18:00 (UTC)." in announced.text
    assert "It goes to the 3 members I know here" in announced.text
    url = announced.button("Start")["url"]
    assert url.startswith("https://t.me/lr_tutor_bot?start=hw-")
    return url.split("?start=", 1)[1]


def current(user: UserHandle) -> ChatMessage:
    """The member's homework message (a daily reminder may have come after it)."""
    return next(
        m
        for m in reversed(user.bot_messages)
        if (m.text or "").startswith(("📚 Homework ·", "✅ Homework done"))
    )


async def do_items(user: UserHandle, count: int) -> None:
    """Answer the next ``count`` items, whatever their kind, as a member would."""
    for _ in range(count):
        message = current(user)
        text = message.text or ""
        assert text.startswith("📚 Homework · ML 101 · "), text
        if message.button_labels == ["Show answer"]:
            await (await user.press(message, "Show answer")).answered()
            back = await user.wait_for_edit(message, lambda m: "Good" in m.button_labels)
            await (await user.press(back, "Good")).answered()
            await user.wait_for_edit(back, lambda m, shown=back.text: m.text != shown)
        elif message.button_labels[:1] == ["1"]:
            await (await user.press(message, "1")).answered()
            verdict = await user.wait_for_edit(message, lambda m: m.button_labels == [NEXT])
            await (await user.press(verdict, NEXT)).answered()
            await user.wait_for_edit(verdict, lambda m: m.button_labels != [NEXT])
        else:
            assert "Explain it in your own words" in text
            await user.send(EXPLANATION)
            graded = await user.wait_for_message(lambda m: "key ideas" in (m.text or ""))
            # Next, or the four ratings where the grader could not tell.
            label = NEXT if graded.button_labels == [NEXT] else "Good"
            await (await user.press(graded, label)).answered()
            await user.wait_for_edit(
                graded, lambda m, pressed=label: pressed not in m.button_labels
            )


def nudges(user: UserHandle) -> list[ChatMessage]:
    return [m for m in user.bot_messages if "your homework is due" in (m.text or "")]


async def test_an_assigned_homework_is_done_nudged_once_and_reported(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    clock: FakeClock,
    teacher: UserHandle,
    members: list[UserHandle],
    group: Chat,
) -> None:
    bob, carol, dave = members
    async with running_bot(clock=clock, reminder_interval=TICK):
        for user in (teacher, *members):
            await user.send("/start")
            await user.wait_for_message()
        await join(server, group, members)
        await wait_rows(store, ClassMember, 3, chat_id=GROUP_ID)
        payload = await assign(teacher, group)
        assert len(await rows(store, HomeworkMember)) == 3
        given = await teacher.wait_for_message(lambda m: "Homework given" in (m.text or ""))
        assert re.fullmatch(
            r"📚 Homework given in ML 101: 5 items from .+, due Tue 3 Mar, 18:00 \(UTC\)\. "
            r"Its report comes here then\.",
            given.text or "",
        )

        # Bob does 3 of the 5 items at once; the homework keeps his place.
        await bob.send(f"/start {payload}")
        first = await bob.wait_for_message()
        assert (first.text or "").startswith("📚 Homework · ML 101 · 1/5")
        await do_items(bob, 3)
        assert (current(bob).text or "").startswith("📚 Homework · ML 101 · 4/5")

        # 09:00, the day before: one nudge to each who has not finished, never a second.
        clock.advance(hours=1, minutes=1)
        for user in members:
            await user.wait_until(lambda user=user: nudges(user), timeout=10)
        clock.advance(hours=3)
        await asyncio.sleep(5 * TICK)
        assert [len(nudges(user)) for user in members] == [1, 1, 1]
        assert (nudges(dave)[0].text or "").startswith(
            "📚 Dave, your homework is due Tue 3 Mar, 18:00 (UTC): 5 items from "
        )
        assert (nudges(bob)[0].text or "").endswith("3/5 done.")

        # Carol's /homework lists it; she starts at the due date's eve but does not finish.
        await carol.send("/homework")
        listed = await carol.wait_for_message()
        assert "0/5 done, due Tue 3 Mar, 18:00 (UTC)" in (listed.text or "")
        await (await carol.press(listed, "1. Go on")).answered()
        await carol.wait_for_edit(listed, lambda m: (m.text or "").startswith("📚 Homework ·"))

        # Past the due date: the report goes to the teacher, in private, once.
        clock.advance(days=1, hours=6)
        report = await teacher.wait_for_message(
            lambda m: (m.text or "").startswith("📚 Homework report"), timeout=10
        )
        text = report.text or ""
        assert text.splitlines()[0] == "📚 Homework report: ML 101"
        assert "0 finished, 1 started, 2 did not start." in text
        assert "Started: Bob (3/5, " in text
        assert "Did not start: Carol, Dave" in text
        chart = await teacher.wait_for_message(lambda m: m.photo is not None, timeout=20)
        assert chart.caption == "Share of members who answered each homework item right."

        # Carol does all of it now: late, and marked so.
        await do_items(carol, 5)
        done = current(carol)
        assert (done.text or "").startswith("✅ Homework done: 5 items from ")
        assert "It came after the due date" in (done.text or "")

        await teacher.send("/export", chat=group)
        document = await teacher.wait_for_message(lambda m: m.document is not None)
        assert document.document is not None
        table = list(csv.reader(io.StringIO(document.document.decode("utf-8-sig"))))
        homework_rows = [row for row in table[1:] if row[-1].startswith("homework")]
        assert sorted((row[6], row[-1]) for row in homework_rows) == sorted(
            [("Bob", "homework")] * 3 + [("Carol", "homework, late")] * 5
        )

        # /report shows it beside the quizzes (there were none here).
        await teacher.send("/report", chat=group)
        summary = await teacher.wait_for_message(
            lambda m: (m.text or "").startswith("📊 Class report")
        )
        lines = (summary.text or "").splitlines()
        assert lines[1] == "Nobody answered a quiz in this time."
        assert lines[3] == "Homework"
        assert re.fullmatch(
            r"5 items from .+, due 3 Mar 2026, 18:00 \(UTC\): 1 finished, 1 started, "
            r"1 did not start · \d+% right · 5 late",
            lines[4],
        ), lines[4]
        await server.settle()
    reports = [m for m in teacher.bot_messages if (m.text or "").startswith("📚 Homework report")]
    assert len(reports) == 1
    assert [len(nudges(user)) for user in members] == [1, 1, 1]
    answers = await rows(store, HomeworkAnswer)
    assert len(answers) == 8 and sum(a.late for a in answers) == 5
    # Every answer is a review in the member's own schedule too.
    reviews = await rows(store, ReviewLog, source="homework")
    assert len(reviews) == 8


async def test_an_admin_the_bot_cannot_write_to_hears_it_when_assigning(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    members: list[UserHandle],
) -> None:
    erin = server.user(7100, "Erin", started=False)
    group = server.group(GROUP_ID, "ML 101", members=members, admins=[erin])
    async with running_bot():
        await join(server, group, members)
        await wait_rows(store, ClassMember, 3, chat_id=GROUP_ID)
        await assign(
            erin,
            group,
            fixed_clock=False,
            toast=(
                "Assigned. I can't write to you in private yet: open a chat with me and "
                "press Start, or its report can't reach you."
            ),
        )
        # A member who is not an admin cannot assign, and a stranger's link does nothing.
        bob = members[0]
        await bob.send("/homework", chat=group)
        assert (await bob.wait_for_message(chat=group)).text == (
            "Only the chat's admins can assign homework."
        )
        await bob.send("/start hw-not-a-code")
        assert (await bob.wait_for_message()).text == (
            "This homework link does not work: it was mistyped, or the homework is gone."
        )
