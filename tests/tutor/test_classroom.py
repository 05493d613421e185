"""Group sessions in the store: one running per chat, one step per position, migrations."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from tests.tutor.test_practice import quiz_deck
from tutor import classroom
from tutor.content import Library, library_of
from tutor.store import Database, GroupChat
from tutor.store import classroom as store_classroom

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CHAT = -100777


@pytest.fixture
def quiz_library() -> Library:
    return library_of([quiz_deck("alpha", 7)])


@pytest.mark.parametrize(
    ("args", "expected"), [([], (5, 30)), (["3"], (3, 30)), (["20", "600"], (20, 600))]
)
def test_session_arguments(args: list[str], expected: tuple[int, int]) -> None:
    assert classroom.parse_session_args(args) == expected


@pytest.mark.parametrize("args", [["0"], ["21"], ["5", "4"], ["5", "601"], ["x"], ["1", "2", "3"]])
def test_bad_session_arguments_get_the_usage(args: list[str]) -> None:
    with pytest.raises(classroom.UsageError, match="Usage: /quiz"):
        classroom.parse_session_args(args)


async def test_one_session_per_chat_and_one_step_per_position(
    database: Database, quiz_library: Library
) -> None:
    rng = random.Random(3)
    await database.run(classroom.ensure_group, chat_id=CHAT, title="Class", now=NOW)
    started = await database.run(
        classroom.start_session, library=quiz_library, chat_id=CHAT, questions=2, seconds=30,
        now=NOW, rng=rng,
    )  # fmt: skip
    assert started is not None and started.id is not None
    session_id = started.id
    again = await database.run(
        classroom.start_session, library=quiz_library, chat_id=CHAT, questions=2, seconds=30,
        now=NOW, rng=rng,
    )  # fmt: skip
    assert again is None

    async def step(from_position: int) -> object:
        return await database.run(
            classroom.advance, library=quiz_library, session_id=session_id,
            from_position=from_position, now=NOW, rng=rng,
        )  # fmt: skip

    # The closed-poll update and the timer race to move on: one wins.
    first = await asyncio.gather(step(-1), step(-1))
    sent = [s for s in first if s is not None]
    assert len(sent) == 1 and isinstance(sent[0], classroom.PollToSend)
    assert sent[0].position == 0 and sent[0].total == 2
    assert sent[0].options[sent[0].correct_option] == "right"
    assert isinstance(await step(0), classroom.PollToSend)
    over = await step(1)
    assert isinstance(over, classroom.SessionOver) and over.standings == ()
    assert await step(1) is None
    # Finished: a new session may start.
    assert await database.run(
        classroom.start_session, library=quiz_library, chat_id=CHAT, questions=1, seconds=30,
        now=NOW, rng=rng,
    ) is not None  # fmt: skip


def get_group(session: Session, *, chat_id: int) -> GroupChat | None:
    """The group's row as stored now (a test's read)."""
    return store_classroom.get_group(session, chat_id=chat_id)


async def test_a_migrated_group_keeps_its_settings_and_sessions(
    database: Database, quiz_library: Library
) -> None:
    await database.run(classroom.ensure_group, chat_id=-5, title="Old", now=NOW)
    await database.run(
        classroom.set_daily, chat_id=-5, title="Old", daily_time="10:00", questions=3,
        default_zone="UTC", now=NOW,
    )  # fmt: skip
    await database.run(
        classroom.start_session, library=quiz_library, chat_id=-5, questions=1, seconds=30,
        now=NOW, rng=random.Random(0),
    )  # fmt: skip
    await database.run(classroom.migrate_chat, old_id=-5, new_id=-1005, now=NOW)
    assert await database.run(get_group, chat_id=-5) is None
    moved = await database.run(get_group, chat_id=-1005)
    assert moved is not None and (moved.daily_time, moved.daily_questions) == ("10:00", 3)
    assert await database.run(classroom.running_session, chat_id=-1005) is not None


async def test_daily_quizzes_are_claimed_once_a_local_day(database: Database) -> None:
    await database.run(classroom.ensure_group, chat_id=CHAT, title="C", now=NOW)
    await database.run(
        classroom.set_group_zone, chat_id=CHAT, title="C", zone="Asia/Kolkata",  # UTC+5:30
        default_zone="UTC", now=NOW,
    )  # fmt: skip
    group = await database.run(
        classroom.set_daily, chat_id=CHAT, title="C", daily_time="15:00", questions=4,
        default_zone="UTC", now=NOW,
    )  # fmt: skip
    assert group.next_daily_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    async def claim(now: datetime) -> list[classroom.DailyQuiz]:
        return await database.run(classroom.claim_dailies, default_zone="UTC", now=now)

    assert await claim(NOW) == []
    later = NOW + timedelta(minutes=31)
    assert await claim(later) == [classroom.DailyQuiz(chat_id=CHAT, questions=4)]
    assert await claim(later) == []
    stored = await database.run(get_group, chat_id=CHAT)
    assert stored is not None and stored.last_daily_on == date(2026, 3, 2)
    await database.run(classroom.leave_chat, chat_id=CHAT, now=later)
    assert await claim(later + timedelta(days=1)) == []
    left = await database.run(get_group, chat_id=CHAT)
    assert left is not None and not left.active
