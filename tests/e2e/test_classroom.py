"""Group quiz sessions end to end: native quiz polls, who may start, leaderboards, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from playground.botapi import BotApiStandin, Chat, ChatMessage, UserHandle
from tests.e2e.conftest import TOKEN, RunningBot, rows
from tutor.store import Database, PollVote, QuizSession, ReviewLog

GROUP_ID = -1001234567890
# Poll timers run 5x faster in the stand-in: a 5 s poll closes after 1 s.
TIME_SCALE = 0.2


@pytest.fixture
async def server() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(
        token=TOKEN, username="lr_tutor_bot", time_scale=TIME_SCALE
    ) as server:
        yield server


@pytest.fixture
def players(server: BotApiStandin) -> dict[str, UserHandle]:
    names = ["Alice", "Bob", "Carol", "Dave"]
    return {name: server.user(2000 + n, name) for n, name in enumerate(names)}


@pytest.fixture
def group(server: BotApiStandin, players: dict[str, UserHandle]) -> Chat:
    alice, *members = players.values()
    return server.group(GROUP_ID, "ML 101", members=members, admins=[alice])


def is_poll(message: ChatMessage) -> bool:
    return message.poll is not None


async def next_poll(
    user: UserHandle, group: Chat, after: ChatMessage | None = None
) -> ChatMessage:
    return await user.wait_for_message(
        lambda m: is_poll(m) and m is not after, chat=group, timeout=10
    )


async def answer(user: UserHandle, poll: ChatMessage, *, right: bool) -> None:
    assert poll.poll is not None
    correct = poll.poll.correct_option_id
    assert correct is not None
    await user.answer_poll(poll, [correct if right else (correct + 1) % len(poll.poll.options)])


async def test_a_member_who_is_not_admin_cannot_start_a_quiz(
    server: BotApiStandin, running_bot: RunningBot, group: Chat, players: dict[str, UserHandle]
) -> None:
    bob = players["Bob"]
    async with running_bot():
        await bob.send("/quiz", chat=group)
        refusal = await bob.wait_for_message(chat=group)
        assert refusal.text == (
            "Only the chat's admins can start a quiz here (an admin can open it to everyone "
            "with /access everyone)."
        )
        await bob.send("/quiz 50", chat=group)
        usage = await bob.wait_for_message(chat=group)
        assert (usage.text or "").startswith("Usage: /quiz [questions 1-20] [seconds 5-600]")
        await server.settle()
    assert server.requests("sendPoll") == []


async def test_a_session_ends_with_a_leaderboard_best_first_ties_by_speed(
    server: BotApiStandin,
    running_bot: RunningBot,
    group: Chat,
    players: dict[str, UserHandle],
    store: Database,
) -> None:
    alice, bob, carol, dave = players.values()
    async with running_bot():
        await alice.send("/quiz 2 5", chat=group)
        start = await alice.wait_for_message(chat=group)
        assert start.text == "Quiz time! 2 questions, 5 s each. Answer in the polls."
        first = await next_poll(alice, group)
        await carol.send("/leaderboard", chat=group)  # anyone may look, even mid-session
        await carol.wait_for_message(chat=group)
        await alice.send("/quiz", chat=group)
        busy = await alice.wait_for_message(chat=group)
        assert busy.text == "A quiz is already running here. /stop ends it."
        assert first.poll is not None
        assert first.poll.type == "quiz" and not first.poll.is_anonymous
        assert first.poll.open_period == 5 and first.poll.explanation
        assert first.poll.question.startswith("[1/2] ")
        await answer(alice, first, right=True)
        await answer(bob, first, right=True)
        # As right as Bob, but slower: by more than the spread that processing votes side by
        # side adds under load (the bot times a vote when it handles it).
        await asyncio.sleep(0.5)
        await answer(dave, first, right=True)
        await answer(carol, first, right=False)

        second = await next_poll(alice, group, after=first)
        assert first.poll.is_closed
        assert second.poll is not None and second.poll.question.startswith("[2/2] ")
        await answer(alice, second, right=True)
        await answer(bob, second, right=False)
        await answer(dave, second, right=False)

        board = await alice.wait_for_message(
            lambda m: "Quiz over" in (m.text or ""), chat=group, timeout=10
        )
        lines = (board.text or "").splitlines()
        assert lines[0] == "🏁 Quiz over! 2 questions"
        assert [line.split(":")[0] for line in lines[1:]] == [
            "🥇 Alice", "🥈 Bob", "🥉 Dave", "4. Carol",
        ]  # fmt: skip
        assert [line.split(": ")[1].split(" ·")[0] for line in lines[1:]] == [
            "2/2", "1/2", "1/2", "0/1",
        ]  # fmt: skip

        await carol.send("/leaderboard", chat=group)
        standings = await carol.wait_for_message(chat=group)
        assert (standings.text or "").splitlines()[1].startswith("🥇 Alice: 2/2")

        # Each answer is a review in the member's own schedule, visible in their /stats.
        await bob.send("/stats")
        stats = await bob.wait_for_message(timeout=20)
        assert "Reviews: 2 today" in (stats.caption or "")
        assert "Quiz accuracy: 50% of 2 answers" in (stats.caption or "")

    votes, logs = await rows(store, PollVote), await rows(store, ReviewLog)
    assert len(votes) == 7
    assert sorted(log.source for log in logs) == ["group"] * 7


async def test_stop_ends_the_session_with_the_leaderboard_so_far(
    server: BotApiStandin, running_bot: RunningBot, group: Chat, players: dict[str, UserHandle]
) -> None:
    alice, bob = players["Alice"], players["Bob"]
    async with running_bot():
        await alice.send("/quiz 3 60", chat=group)
        poll = await next_poll(alice, group)
        await answer(bob, poll, right=True)
        await server.settle()  # the vote is in before the stop
        await bob.send("/stop", chat=group)
        assert "Only the chat's admins can stop" in (
            (await bob.wait_for_message(chat=group)).text or ""
        )
        await alice.send("/stop", chat=group)
        board = await alice.wait_for_message(
            lambda m: "Quiz stopped" in (m.text or ""), chat=group
        )
        assert (board.text or "").splitlines()[1] == "🥇 Bob: 1/1 · " + (
            (board.text or "").splitlines()[1].split(" · ")[1]
        )
        assert poll.poll is not None and poll.poll.is_closed
        await alice.send("/stop", chat=group)
        assert (await alice.wait_for_message(chat=group)).text == (
            "No quiz is running. Start one with /quiz."
        )
        await server.settle()
    assert len(server.requests("sendPoll")) == 1


async def test_a_restart_mid_session_goes_on_and_counts_answers_sent_meanwhile(
    server: BotApiStandin,
    running_bot: RunningBot,
    group: Chat,
    players: dict[str, UserHandle],
    store: Database,
) -> None:
    alice, bob = players["Alice"], players["Bob"]
    async with running_bot():
        await alice.send("/quiz 2 5", chat=group)
        first = await next_poll(alice, group)
    # The bot is down: Bob answers, the poll closes.
    await answer(bob, first, right=True)
    await asyncio.sleep(5 * TIME_SCALE + 0.2)
    assert first.poll is not None and first.poll.is_closed
    async with running_bot():
        second = await next_poll(alice, group, after=first)
        await answer(bob, second, right=True)
        board = await alice.wait_for_message(
            lambda m: "Quiz over" in (m.text or ""), chat=group, timeout=10
        )
        assert (board.text or "").splitlines()[1].startswith("🥇 Bob: 2/2")
    sessions = await rows(store, QuizSession)
    assert [s.finished_at is not None for s in sessions] == [True]


async def test_the_bot_greets_a_group_it_joins(
    server: BotApiStandin, running_bot: RunningBot, group: Chat, players: dict[str, UserHandle]
) -> None:
    alice = players["Alice"]
    async with running_bot():
        server.inject(
            "my_chat_member",
            {
                "chat": {"id": GROUP_ID, "type": "supergroup", "title": "ML 101"},
                "from": alice.api(),
                "date": 1_790_000_000,
                "old_chat_member": {
                    "status": "left",
                    "user": {"id": 4242, "is_bot": True, "first_name": "Tutor"},
                },
                "new_chat_member": {
                    "status": "member",
                    "user": {"id": 4242, "is_bot": True, "first_name": "Tutor"},
                },
            },
        )
        greeting = await alice.wait_for_message(chat=group)
        assert (greeting.text or "").startswith("Hello, ML 101! I run learning-rate quizzes")
        assert "/quiz [questions] [seconds]" in (greeting.text or "")


async def test_an_anonymous_admin_may_start_a_quiz(
    server: BotApiStandin, running_bot: RunningBot, group: Chat, players: dict[str, UserHandle]
) -> None:
    """An admin posting as the group itself ("remain anonymous") is an admin."""
    alice = players["Alice"]
    async with running_bot():
        server.inject(
            "message",
            {
                "message_id": 9001,
                "date": 1_790_000_000,
                "chat": {"id": GROUP_ID, "type": "supergroup", "title": "ML 101"},
                "from": {
                    "id": 1087968824,
                    "is_bot": True,
                    "first_name": "Group",
                    "username": "GroupAnonymousBot",
                },
                "sender_chat": {"id": GROUP_ID, "type": "supergroup", "title": "ML 101"},
                "text": "/quiz 1 5",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
            chat=group,
        )
        start = await alice.wait_for_message(
            lambda m: (m.text or "").startswith("Quiz time!"), chat=group
        )
        assert start.text == "Quiz time! 1 question, 5 s each. Answer in the polls."
        await next_poll(alice, group)
    assert not server.requests("getChatMember")


CLASS_SIZE = 200


async def test_a_class_of_200_sees_the_top_of_the_board_and_each_their_own_place(
    server: BotApiStandin, running_bot: RunningBot, players: dict[str, UserHandle]
) -> None:
    """A board of 200 players does not fit one message: the top, the rest counted, and for
    /leaderboard the asker's own place."""
    alice = players["Alice"]
    crowd = [server.user(10_000 + n, f"Student {n:03d}") for n in range(CLASS_SIZE - 1)]
    group = server.group(GROUP_ID, "Big class", members=crowd, admins=[alice])
    last = crowd[-1]
    async with running_bot():
        await alice.send("/quiz 1 10", chat=group)
        poll = await next_poll(alice, group)
        await answer(alice, poll, right=True)
        for student in crowd[:-1]:
            await answer(student, poll, right=True)
        await answer(last, poll, right=False)  # the only wrong answer: last place
        board = await alice.wait_for_message(
            lambda m: "Quiz over" in (m.text or ""), chat=group, timeout=30
        )
        lines = (board.text or "").splitlines()
        assert lines[0] == "🏁 Quiz over! 1 question"
        assert lines[1].startswith("🥇 ") and ": 1/1 · " in lines[1]
        assert len(lines) == 1 + 20 + 1
        assert lines[-1] == f"… and {CLASS_SIZE - 20} more players"

        await last.send("/leaderboard", chat=group)
        standings = await last.wait_for_message(chat=group, timeout=10)
        text = standings.text or ""
        assert len(text) <= 4096
        assert text.splitlines()[-2:] == [
            f"… and {CLASS_SIZE - 20} more players",
            f"Your place: {CLASS_SIZE}. Student {CLASS_SIZE - 2:03d}: 0/1 · "
            + text.splitlines()[-1].split(" · ")[1],
        ]


BUSY_CLASS = 400


async def test_a_class_answering_does_not_delay_a_private_review(
    server: BotApiStandin,
    running_bot: RunningBot,
    players: dict[str, UserHandle],
    store: Database,
) -> None:
    alice = players["Alice"]
    crowd = [server.user(20_000 + n, f"Pupil {n}") for n in range(BUSY_CLASS)]
    group = server.group(GROUP_ID, "Busy class", members=crowd, admins=[alice])
    learner = server.user(3000, "Lena")
    async with running_bot():
        await learner.send("/start")
        await learner.wait_for_message(timeout=10)
        await server.settle()
        await alice.send("/quiz 1 60", chat=group)
        poll = await next_poll(alice, group)
        for pupil in crowd:
            await answer(pupil, poll, right=True)
        await learner.send("/review")
        # A hang guard: how long the review waited is `python -m bench busyclass`'s figure.
        review = await learner.wait_for_message(timeout=60)
        stored_when_answered = len(await rows(store, PollVote))
        for _ in range(600):
            if len(await rows(store, PollVote)) == BUSY_CLASS:
                break
            await asyncio.sleep(0.1)
    assert review.button_labels == ["Show answer"]
    assert len(await rows(store, PollVote)) == BUSY_CLASS
    # The review went by the class: answered before half its answers were stored (a review
    # queued behind them, as when waiting answers held the update slots or when SQLite's
    # votes were stored on the event loop, came with the last tenth).
    assert stored_when_answered < BUSY_CLASS // 2, (
        store.engine.dialect.name,
        stored_when_answered,
    )


async def test_numbers_in_other_scripts_get_the_usage(
    server: BotApiStandin, running_bot: RunningBot, group: Chat, players: dict[str, UserHandle]
) -> None:
    """``str.isdigit`` takes "²" for a digit, ``int`` does not: only 0-9 are numbers."""
    alice = players["Alice"]
    async with running_bot():
        await alice.send("/quiz ²", chat=group)
        usage = await alice.wait_for_message(chat=group)
        assert (usage.text or "").startswith("Usage: /quiz [questions 1-20] [seconds 5-600]")
        await alice.send("/daily 07:00 ²", chat=group)
        usage = await alice.wait_for_message(chat=group)
        assert (usage.text or "").startswith("Usage: /daily HH:MM [questions 1-20]")
        await server.settle()
    assert server.requests("sendPoll") == []
