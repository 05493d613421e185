"""Group sessions in the store: one running per chat, one step per position, migrations."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.tutor.domain.test_memorymodel import FORGETFUL, simulate
from tests.tutor.services.test_practice import quiz_deck
from tutor import store
from tutor.domain import classrating
from tutor.domain.fsrsfit import refit
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Memory, Rating, schedule_review
from tutor.services import classmemory, classroom, dailies, fitting, groupchats
from tutor.store import ClassFit, Database, GroupChat, PollVote
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


@pytest.mark.parametrize(
    "args",
    [["0"], ["21"], ["5", "4"], ["5", "601"], ["x"], ["1", "2", "3"], ["²"], ["5", "3²"], ["٣"]],
)
def test_bad_session_arguments_get_the_usage(args: list[str]) -> None:
    with pytest.raises(classroom.UsageError, match="Usage: /quiz"):
        classroom.parse_session_args(args)


async def test_one_session_per_chat_and_one_step_per_position(
    database: Database, quiz_library: Library
) -> None:
    rng = random.Random(3)
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="Class", now=NOW)
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


async def test_a_question_longer_than_a_poll_is_left_out_of_group_sessions(
    database: Database,
) -> None:
    """An own deck may hold a question too long for a quiz poll (question, an option or the
    explanation): a group session never draws it, whatever the draw."""
    deck = quiz_deck("own", 4)
    too_long = [
        deck.quiz[0].model_copy(update={"question": "Q" * 301}),
        deck.quiz[1].model_copy(
            update={
                "options": [
                    deck.quiz[1].options[0].model_copy(update={"text": "r" * 101}),
                    *deck.quiz[1].options[1:],
                ]
            }
        ),
        deck.quiz[2].model_copy(update={"explanation": "E" * 201}),
    ]
    library = library_of([deck.model_copy(update={"quiz": [*too_long, deck.quiz[3]]})])
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="Class", now=NOW)
    started = await database.run(
        classroom.start_session, library=library, chat_id=CHAT, questions=10, seconds=30,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert started is not None
    assert started.item_ids == ["own-q3"]


def get_group(session: Session, *, chat_id: int) -> GroupChat | None:
    """The group's row as stored now (a test's read)."""
    return store_classroom.get_group(session, chat_id=chat_id)


async def test_a_migrated_group_keeps_its_settings_and_sessions(
    database: Database, quiz_library: Library
) -> None:
    await database.run(groupchats.ensure_group, chat_id=-5, title="Old", now=NOW)
    await database.run(
        dailies.set_daily, chat_id=-5, title="Old", daily_time="10:00", questions=3,
        default_zone="UTC", now=NOW,
    )  # fmt: skip
    await database.run(
        classroom.start_session, library=quiz_library, chat_id=-5, questions=1, seconds=30,
        now=NOW, rng=random.Random(0),
    )  # fmt: skip
    await database.run(groupchats.migrate_chat, old_id=-5, new_id=-1005, now=NOW)
    assert await database.run(get_group, chat_id=-5) is None
    moved = await database.run(get_group, chat_id=-1005)
    assert moved is not None and (moved.daily_time, moved.daily_questions) == ("10:00", 3)
    assert await database.run(classroom.running_session, chat_id=-1005) is not None


async def test_daily_quizzes_are_claimed_once_a_local_day(database: Database) -> None:
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="C", now=NOW)
    await database.run(
        dailies.set_group_zone, chat_id=CHAT, title="C", zone="Asia/Kolkata",  # UTC+5:30
        default_zone="UTC", now=NOW,
    )  # fmt: skip
    group = await database.run(
        dailies.set_daily, chat_id=CHAT, title="C", daily_time="15:00", questions=4,
        default_zone="UTC", now=NOW,
    )  # fmt: skip
    assert group.next_daily_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    async def claim(now: datetime) -> list[dailies.DailyQuiz]:
        return await database.run(dailies.claim_dailies, default_zone="UTC", now=now)

    assert await claim(NOW) == []
    later = NOW + timedelta(minutes=31)
    assert await claim(later) == [dailies.DailyQuiz(chat_id=CHAT, questions=4)]
    assert await claim(later) == []
    stored = await database.run(get_group, chat_id=CHAT)
    assert stored is not None and stored.last_daily_on == date(2026, 3, 2)
    await database.run(groupchats.leave_chat, chat_id=CHAT, now=later)
    assert await claim(later + timedelta(days=1)) == []
    left = await database.run(get_group, chat_id=CHAT)
    assert left is not None and not left.active


async def test_a_vote_counts_when_a_review_of_the_same_item_races_it(
    database: Database, quiz_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The member reviews the question privately just as their group vote is stored: the
    private review wins the item (ALREADY_RATED for the vote's review), the vote stays."""
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="Class", now=NOW)
    started = await database.run(
        classroom.start_session, library=quiz_library, chat_id=CHAT, questions=1, seconds=30,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert started is not None and started.id is not None
    to_send = await database.run(
        classroom.advance, library=quiz_library, session_id=started.id, from_position=-1,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert isinstance(to_send, classroom.PollToSend)
    await database.run(classroom.record_poll, to_send=to_send, poll_id="p1", message_id=7, now=NOW)

    save_review = store.reviews.save_review

    def raced(session: Session, **review: Any) -> int | None:
        if review["source"] == "group":
            # Another review of the item lands between the vote's read and its write.
            assert save_review(session, **{**review, "source": "review"})
        return save_review(session, **review)

    monkeypatch.setattr(store.reviews, "save_review", raced)
    correct = await database.run(
        classroom.record_vote, library=quiz_library, poll_id="p1", user_id=31,
        first_name="Ann", option_ids=[to_send.correct_option], now=NOW + timedelta(seconds=3),
    )  # fmt: skip
    assert correct is True
    monkeypatch.undo()

    def stored(session: Session) -> tuple[list[store_classroom.Standing], int]:
        votes = store_classroom.vote_totals(session, session_id=started.id)
        return votes, store.reviews.reviews_since(
            session, learner_id=31, since=NOW, source="group"
        )

    votes, group_reviews = await database.run(stored)
    assert [(v.learner_id, v.score, v.answered) for v in votes] == [(31, 1, 1)]
    assert group_reviews == 0  # the racing review took the item; the vote's review did not


@pytest.mark.parametrize("supergroup_seen", [False, True])
async def test_a_migration_moves_the_running_session_whichever_message_comes_first(
    database: Database, quiz_library: Library, supergroup_seen: bool
) -> None:
    """Both service messages (in the old group and the new supergroup) migrate the chat, in
    either order or at once, and the supergroup may have been seen already: the running
    session, its polls and votes and the daily quiz all follow it to the new id."""
    old, new = -5, -1005
    await database.run(groupchats.ensure_group, chat_id=old, title="Class", now=NOW)
    await database.run(
        dailies.set_daily, chat_id=old, title="Class", daily_time="10:00", questions=3,
        default_zone="UTC", now=NOW,
    )  # fmt: skip
    started = await database.run(
        classroom.start_session, library=quiz_library, chat_id=old, questions=2, seconds=30,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert started is not None and started.id is not None
    to_send = await database.run(
        classroom.advance, library=quiz_library, session_id=started.id, from_position=-1,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert isinstance(to_send, classroom.PollToSend)
    await database.run(classroom.record_poll, to_send=to_send, poll_id="p1", message_id=7, now=NOW)
    assert await database.run(
        classroom.record_vote, library=quiz_library, poll_id="p1", user_id=31,
        first_name="Ann", option_ids=[to_send.correct_option], now=NOW + timedelta(seconds=3),
    )  # fmt: skip
    if supergroup_seen:  # before its migration message was handled
        await database.run(groupchats.ensure_group, chat_id=new, title="Class", now=NOW)

    async def migrate() -> None:
        await database.run(groupchats.migrate_chat, old_id=old, new_id=new, now=NOW)

    # Open connections first, so that the migrations below run at the same time.
    await asyncio.gather(*(database.run(get_group, chat_id=old) for _ in range(4)))
    await asyncio.gather(*(migrate() for _ in range(4)))  # both messages, on two instances
    await migrate()  # and one handled again later
    assert await database.run(get_group, chat_id=old) is None
    moved = await database.run(get_group, chat_id=new)
    assert moved is not None and moved.active
    assert (moved.daily_time, moved.daily_questions) == ("10:00", 3)
    running = await database.run(classroom.running_session, chat_id=new)
    assert running is not None and running.id == started.id
    standings = await database.run(classroom.chat_standings, chat_id=new)
    assert [(s.learner_id, s.score) for s in standings] == [(31, 1)]
    assert await database.run(classroom.chat_standings, chat_id=old) == ()
    # The session goes on in the new chat: its poll closes, the next question goes there.
    closed = await database.run(classroom.poll_closed, poll_id="p1", now=NOW)
    assert closed is not None and closed.chat_id == new
    following = await database.run(
        classroom.advance, library=quiz_library, session_id=started.id, from_position=0,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert isinstance(following, classroom.PollToSend) and following.chat_id == new


# --- the class's memory ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "right", "rating"),
    [
        (0, 0, None),
        (3, 1, Rating.AGAIN),
        (30, 19, Rating.AGAIN),  # 63%: under two thirds
        (3, 2, Rating.HARD),  # exactly two thirds
        (20, 16, Rating.HARD),  # 80%
        (20, 17, Rating.GOOD),  # 85%
        (100, 94, Rating.GOOD),
        (20, 19, Rating.EASY),  # 95%
        (3, 3, Rating.EASY),
    ],
)
def test_the_class_rates_a_question_by_its_share_answered_right(
    answered: int, right: int, rating: Rating | None
) -> None:
    assert classrating.class_rating(answered, right) == rating


def memory_due(due: datetime) -> Memory:
    return Memory(state=2, step=None, stability=3.0, difficulty=5.0, due=due, last_review=NOW)


def test_a_session_draws_the_class_due_questions_first_then_new_then_the_rest() -> None:
    pool = ["a", "b", "c", "d", "e"]
    memories = {
        "b": memory_due(NOW - timedelta(days=1)),
        "c": memory_due(NOW - timedelta(days=2)),
        "d": memory_due(NOW + timedelta(days=1)),
    }
    drawn = classmemory.draw_questions(pool, memories, 5, now=NOW, rng=random.Random(0))
    assert drawn[:2] == ["c", "b"]  # most overdue first
    assert sorted(drawn[2:4]) == ["a", "e"] and drawn[4] == "d"
    assert classmemory.draw_questions(pool, memories, 2, now=NOW, rng=random.Random(0)) == [
        "c",
        "b",
    ]
    assert classmemory.draw_questions(["x"], {}, 5, now=NOW, rng=random.Random(0)) == ["x"]


async def open_first_poll(
    database: Database, library: Library, *, chat_id: int = CHAT, poll_id: str = "p1"
) -> classroom.PollToSend:
    """Start a one-question session in the chat and send its poll."""
    started = await database.run(
        classroom.start_session, library=library, chat_id=chat_id, questions=1, seconds=30,
        now=NOW, rng=random.Random(1), started_by=99,
    )  # fmt: skip
    assert started is not None and started.id is not None and started.started_by == 99
    to_send = await database.run(
        classroom.advance, library=library, session_id=started.id, from_position=-1,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert isinstance(to_send, classroom.PollToSend)
    await database.run(
        classroom.record_poll, to_send=to_send, poll_id=poll_id, message_id=7, now=NOW
    )
    return to_send


async def vote(
    database: Database, library: Library, poll_id: str, user_id: int, option: int
) -> bool | None:
    correct: bool | None = await database.run(
        classroom.record_vote, library=library, poll_id=poll_id, user_id=user_id,
        first_name=f"M{user_id}", option_ids=[option], now=NOW + timedelta(seconds=5),
    )  # fmt: skip
    return correct


def stored_votes(session: Session) -> list[tuple[int, bool, int | None]]:
    rows = session.execute(select(PollVote)).scalars().all()
    return sorted((v.learner_id, v.correct, v.chosen_option) for v in rows)


async def test_a_closing_poll_reviews_its_question_in_the_class_memory(
    database: Database, quiz_library: Library
) -> None:
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="Class", now=NOW)
    to_send = await open_first_poll(database, quiz_library)
    # The poll shows the options shuffled; the vote keeps the item's own index.
    wrong_two = to_send.order.index(2)
    assert await vote(database, quiz_library, "p1", 1, to_send.correct_option) is True
    assert await vote(database, quiz_library, "p1", 2, to_send.correct_option) is True
    assert await vote(database, quiz_library, "p1", 3, wrong_two) is False
    assert await database.run(stored_votes) == [(1, True, 0), (2, True, 0), (3, False, 2)]

    closed_at = NOW + timedelta(seconds=31)
    assert await database.run(classroom.poll_closed, poll_id="p1", now=closed_at) is not None
    assert await database.run(classroom.poll_closed, poll_id="p1", now=closed_at) is None

    memories = await database.run(store_classroom.class_memories, chat_id=CHAT)
    # Two of three right: exactly two thirds, Hard; reviewed once, by the call that closed it.
    assert memories == {to_send.question.id: schedule_review(None, Rating.HARD, closed_at)}


async def test_stop_reviews_the_open_poll_and_the_next_session_skips_what_is_not_due(
    database: Database,
) -> None:
    library = library_of([quiz_deck("alpha", 2)])
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="Class", now=NOW)
    to_send = await open_first_poll(database, library)
    await vote(database, library, "p1", 1, to_send.correct_option)
    stopped = await database.run(classroom.stop_session, chat_id=CHAT, now=NOW)
    assert stopped is not None
    memory = (await database.run(store_classroom.class_memories, chat_id=CHAT))[
        to_send.question.id
    ]
    assert memory == schedule_review(None, Rating.EASY, NOW) and memory.due > NOW

    # Not due yet: the other question (new to the class) comes first, then this one.
    again = await database.run(
        classroom.start_session, library=library, chat_id=CHAT, questions=2, seconds=30,
        now=NOW, rng=random.Random(5),
    )  # fmt: skip
    assert again is not None
    other = next(q for q in ("alpha-q0", "alpha-q1") if q != to_send.question.id)
    assert again.item_ids == [other, to_send.question.id]


async def test_the_class_memory_and_the_daily_quiz_setter_follow_a_migrated_chat(
    database: Database, quiz_library: Library
) -> None:
    await database.run(groupchats.ensure_group, chat_id=-5, title="Old", now=NOW)
    await database.run(
        dailies.set_daily, chat_id=-5, title="Old", daily_time="10:00", questions=3,
        default_zone="UTC", now=NOW, set_by=42,
    )  # fmt: skip
    memory = schedule_review(None, Rating.GOOD, NOW)

    def remember(session: Session) -> None:
        store_classroom.save_class_memory(session, chat_id=-5, item_id="alpha-q1", memory=memory)
        session.commit()

    await database.run(remember)
    await database.run(groupchats.migrate_chat, old_id=-5, new_id=-1005, now=NOW)
    assert await database.run(store_classroom.class_memories, chat_id=-1005) == {
        "alpha-q1": memory
    }
    assert await database.run(store_classroom.class_memories, chat_id=-5) == {}
    claimed = await database.run(
        dailies.claim_dailies, default_zone="UTC", now=NOW + timedelta(hours=2)
    )
    assert claimed == [dailies.DailyQuiz(chat_id=-1005, questions=3, set_by=42)]


async def test_a_class_memory_model_fits_its_polls_and_schedules_with_what_it_adopts(
    database: Database, quiz_library: Library
) -> None:
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="Class", now=NOW)
    to_send = await open_first_poll(database, quiz_library)
    for member in (1, 2, 3):
        await vote(database, quiz_library, "p1", member, to_send.correct_option)
    await database.run(classroom.poll_closed, poll_id="p1", now=NOW + timedelta(seconds=31))
    # The class's history is its closed polls, rated as its memory was: three of three, Easy.
    history = await database.run(fitting.class_history, chat_id=CHAT)
    assert [(r.item_id, r.rating) for r in history] == [(to_send.question.id, int(Rating.EASY))]
    # A class with a handful of polls is not due a fit.
    assert await database.run(fitting.classes_due, now=NOW) == []

    # A fit that predicts better (of a forgetful learner's simulated reviews, standing in
    # for a class's) is adopted: the class is scheduled with it from now on.
    reviews = simulate(FORGETFUL, items=120, reviews=10, seed=1)
    worked = refit(reviews, None, 0.9)
    assert worked.fit is not None and worked.fit.better
    recorded = await database.run(
        fitting.record_class, chat_id=CHAT, refit=worked, now=NOW + timedelta(days=1)
    )
    assert recorded.adopted
    group = await database.run(get_group, chat_id=CHAT)
    assert group is not None and group.fsrs_parameters == list(worked.fit.parameters)
    fit = await database.run(lambda session: session.get(ClassFit, CHAT))
    assert fit is not None and fit.adopted and fit.reviews == len(reviews)
