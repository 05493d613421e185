"""Quiz rounds, settings, deck choice, /forget and statistics, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tutor.domain.content import Deck
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Rating
from tutor.services import learners, quiz, stats, study
from tutor.store import Database, ItemState, Learner, QuizRound, ReviewLog

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def quiz_deck(deck_id: str, questions: int) -> Deck:
    return Deck.model_validate(
        {
            "id": deck_id,
            "title": f"Deck {deck_id}",
            "description": "Made up for tests.",
            "cards": [
                {
                    "id": f"{deck_id}-c0",
                    "level": "beginner",
                    "front": "F",
                    "back": "B",
                    "source": "S",
                },
            ],
            "quiz": [
                {
                    "id": f"{deck_id}-q{n}",
                    "level": "beginner",
                    "question": f"Question {n}?",
                    "options": [
                        {"text": "right", "correct": True},
                        {"text": "wrong one", "why_wrong": "Because."},
                        {"text": "wrong two"},
                    ],
                    "explanation": "Why.",
                    "source": "S",
                }
                for n in range(questions)
            ],
        }
    )


@pytest.fixture
def quiz_library() -> Library:
    return library_of([quiz_deck("alpha", 7), quiz_deck("beta", 2)])


async def learner_in(database: Database, learner_id: int = 1) -> Learner:
    return await database.run(
        study.start_learner, learner_id=learner_id, first_name="Ada", now=NOW
    )


def rate(
    session: Session, *, library: Library, learner: Learner, item: str, rating: Rating,
    now: datetime, source: str = "review",
) -> None:  # fmt: skip
    study.record_rating(
        session, library=library, learner=learner, item=item, version=0, rating=rating,
        now=now, source=source,
    )  # fmt: skip


def read(database: Database, model: type, key: object) -> object:
    return database.run(lambda session: session.get(model, key))


def all_of(session: Session, model: type) -> list[object]:
    return list(session.execute(select(model)).scalars().all())


async def test_a_round_takes_due_questions_first_then_new_ones(
    database: Database, quiz_library: Library
) -> None:
    learner = await learner_in(database)
    # alpha-q5 was answered wrong yesterday: it is due now and leads the round.
    await database.run(
        rate, library=quiz_library, learner=learner, item="alpha-q5", rating=Rating.AGAIN,
        now=NOW - timedelta(days=1), source="quiz",
    )  # fmt: skip
    first = await database.run(
        quiz.start_round, library=quiz_library, learner_id=1, first_name="Ada", now=NOW,
        rng=random.Random(1),
    )  # fmt: skip
    assert first is not None
    round_ = await read(database, QuizRound, first.round_id)
    assert isinstance(round_, QuizRound)
    assert round_.item_ids == ["alpha-q5", "alpha-q0", "alpha-q1", "alpha-q2", "alpha-q3"]
    assert (first.index, first.total, first.question.id) == (0, 5, "alpha-q5")
    assert sorted(first.order) == [0, 1, 2]


async def test_answers_score_review_and_refuse_replays(
    database: Database, quiz_library: Library
) -> None:
    await learner_in(database)
    rng = random.Random(7)
    shown = await database.run(
        quiz.start_round, library=quiz_library, learner_id=1, first_name="Ada", now=NOW,
        rng=rng, size=2,
    )  # fmt: skip
    assert shown is not None

    def answer(round_id: int, index: int, chosen: int, learner_id: int = 1) -> object:
        return database.run(
            quiz.answer_question, library=quiz_library, learner_id=learner_id,
            first_name="Ada", round_id=round_id, index=index, chosen=chosen, now=NOW, rng=rng,
        )  # fmt: skip

    result = await answer(shown.round_id, 0, 1)
    assert isinstance(result, quiz.AnswerResult)
    assert (result.outcome, result.correct, result.score) == (
        quiz.AnswerOutcome.RECORDED, False, 0,
    )  # fmt: skip
    assert result.next_question is not None and result.next_question.index == 1
    replay = await answer(shown.round_id, 0, 0)
    last = await answer(shown.round_id, 1, 0)
    assert isinstance(replay, quiz.AnswerResult) and isinstance(last, quiz.AnswerResult)
    assert replay.outcome is quiz.AnswerOutcome.ALREADY_ANSWERED
    assert (last.correct, last.score, last.total, last.finished) == (True, 1, 2, True)
    logs = await database.run(all_of, ReviewLog)
    assert [(log.item_id, log.rating, log.source) for log in logs] == [  # type: ignore[attr-defined]
        ("alpha-q0", 1, "quiz"), ("alpha-q1", 3, "quiz"),
    ]  # fmt: skip
    # A new round ends the old one: its buttons are refused.
    await database.run(
        quiz.start_round, library=quiz_library, learner_id=1, first_name="Ada", now=NOW, rng=rng
    )
    stale = await answer(shown.round_id, 1, 0)
    assert isinstance(stale, quiz.AnswerResult)
    assert stale.outcome is quiz.AnswerOutcome.ROUND_OVER
    await learner_in(database, learner_id=2)
    foreign = await answer(shown.round_id + 1, 0, 0, learner_id=2)
    assert isinstance(foreign, quiz.AnswerResult)
    assert foreign.outcome is quiz.AnswerOutcome.UNKNOWN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:30", "07:30"),
        ("07:30", "07:30"),
        ("23.59", "23:59"),
        ("0:00", "00:00"),
        ("19h05", "19:05"),
    ],
)
def test_clock_times_are_normalised(text: str, expected: str) -> None:
    assert learners.parse_clock(text) == expected


@pytest.mark.parametrize("text", ["25:99", "24:00", "7", "7:5", "noon", "", "-1:30"])
def test_bad_clock_times_are_refused(text: str) -> None:
    with pytest.raises(learners.SettingError, match="HH:MM"):
        learners.parse_clock(text)


def test_time_zones_are_iana_names_in_any_case() -> None:
    assert learners.parse_zone("europe/berlin") == "Europe/Berlin"
    assert learners.parse_zone("America/St Johns") == "America/St_Johns"
    with pytest.raises(learners.SettingError, match="Europe/Berlin"):
        learners.parse_zone("Mars/Olympus")
    with pytest.raises(learners.SettingError):
        learners.parse_zone("../../etc/passwd")


@pytest.mark.parametrize(
    "text", ["localtime", "Factory", "posixrules", "EST5EDT", "Etc/GMT+5", "posix/Europe/Berlin"]
)
def test_only_place_names_and_utc_are_time_zones(text: str) -> None:
    # The tz database holds these too, but none is a place a learner lives in.
    with pytest.raises(learners.SettingError, match="Europe/Berlin"):
        learners.parse_zone(text)
    assert learners.parse_zone("utc") == "UTC"


async def test_settings_out_of_range_change_nothing(database: Database) -> None:
    await learner_in(database)
    for change in (
        {"new_per_day": 0},
        {"new_per_day": 51},
        {"desired_retention": 0.99},
        {"timezone": "Factory", "new_per_day": 20},
    ):
        with pytest.raises(learners.SettingError):
            await database.run(
                learners.update_settings, learner_id=1, first_name="Ada", default_zone="UTC",
                now=NOW, **change,
            )  # fmt: skip
    stored = await read(database, Learner, 1)
    assert isinstance(stored, Learner)
    assert (stored.new_per_day, stored.desired_retention, stored.timezone) == (10, 0.9, None)


async def test_one_deck_always_stays_on(database: Database, quiz_library: Library) -> None:
    await learner_in(database)

    def toggle(deck_id: str) -> object:
        return database.run(
            learners.toggle_deck, library=quiz_library, learner_id=1, first_name="Ada",
            deck_id=deck_id, now=NOW, default_zone="UTC",
        )  # fmt: skip

    off = await toggle("alpha")
    assert isinstance(off, learners.Toggled) and not off.now_on
    assert off.decks.learner.decks == ["beta"]
    with pytest.raises(learners.LastDeckError):
        await toggle("beta")
    on = await toggle("alpha")
    assert isinstance(on, learners.Toggled) and on.now_on
    stored = await read(database, Learner, 1)
    assert isinstance(stored, Learner) and stored.decks is None  # all on again


async def test_forget_deletes_every_row_of_one_learner(
    database: Database, quiz_library: Library
) -> None:
    for learner_id in (1, 2):
        learner = await learner_in(database, learner_id)
        await database.run(
            quiz.start_round, library=quiz_library, learner_id=learner_id, first_name="Ada",
            now=NOW, rng=random.Random(0),
        )  # fmt: skip
        await database.run(
            rate, library=quiz_library, learner=learner, item="alpha-c0", rating=Rating.GOOD,
            now=NOW,
        )  # fmt: skip
    before = await database.run(learners.count_rows, learner_id=1)
    assert before == {
        "reviewlog": 1, "itemstate": 1, "quizround": 1, "pendingexplain": 0, "pollvote": 0,
        "changeablereview": 0, "memorybefore": 0, "owndeck": 0, "addeddeck": 0,
        "deckaction": 0, "reportnotice": 0, "deckimport": 0, "leftmember": 0, "memoryfit": 0,
        "classmember": 0, "homeworkmember": 0, "homeworkanswer": 0, "learner": 1,
    }  # fmt: skip
    forgotten = await database.run(learners.forget, learner_id=1)
    assert forgotten.total == sum(before.values())
    assert set((await database.run(learners.count_rows, learner_id=1)).values()) == {0}
    assert await database.run(learners.count_rows, learner_id=2) == before
    remaining = await database.run(
        lambda session: session.execute(select(func.count()).select_from(ItemState)).scalar_one()
    )
    assert remaining == 1


def test_streak_counts_consecutive_days_ending_today_or_yesterday() -> None:
    today = date(2026, 3, 10)
    days = {date(2026, 3, d) for d in (5, 7, 8, 9)}
    assert stats.streak(days, today) == 3  # 7, 8, 9: today has no review yet
    assert stats.streak(days | {today}, today) == 4
    assert stats.streak({date(2026, 3, 1)}, today) == 0


async def test_stats_count_in_the_learners_time_zone(
    database: Database, quiz_library: Library
) -> None:
    learner = await learner_in(database)
    zone = "America/St_Johns"  # UTC-3:30 in March
    # 02:00 UTC on 1 March is still 28 February, 22:30, in St John's.
    for item, when, rating in [
        ("alpha-q0", NOW - timedelta(hours=7), Rating.GOOD),
        ("alpha-q1", NOW, Rating.AGAIN),
        ("alpha-c0", NOW, Rating.EASY),
    ]:
        await database.run(
            rate, library=quiz_library, learner=learner, item=item, rating=rating, now=when,
            source="quiz" if "-q" in item else "review",
        )  # fmt: skip
    await database.run(
        learners.update_settings, learner_id=1, first_name="Ada", default_zone="UTC", now=NOW,
        timezone=zone,
    )  # fmt: skip
    numbers = (
        await database.run(
            stats.stats_of,
            library=quiz_library,
            learner_id=1,
            first_name="Ada",
            now=NOW,
            default_zone="UTC",
        )
    ).stats
    assert (numbers.reviews_today, numbers.reviews_week, numbers.reviews_all) == (2, 3, 3)
    assert numbers.streak_days == 2
    assert (numbers.quiz_answers, numbers.quiz_correct) == (2, 1)
    assert numbers.retention == pytest.approx(2 / 3)
    # Good and Again keep the quiz questions in learning steps (due today); Easy: 8 days.
    assert (numbers.due_today, numbers.due_tomorrow) == (2, 0)
    assert dict(numbers.forecast)[date(2026, 3, 9)] == 1
    assert [(p.deck_id, p.total, p.seen, p.learned) for p in numbers.decks] == [
        ("alpha", 8, 3, 1), ("beta", 3, 0, 0),
    ]  # fmt: skip
    assert len(numbers.history) == 30 and numbers.history[-1] == (date(2026, 3, 1), 2)
    assert 0.0 < (numbers.predicted_recall or 0) <= 1.0
