"""The learner's last word on an explain grade, on SQLite and PostgreSQL: the suggested
rating is the review at once, and one tap on another rating replaces that same review."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tutor.domain.library import Library
from tutor.domain.scheduling import Memory, Rating, schedule_review
from tutor.services import explain
from tutor.services.explain import Change, ExplainResult
from tutor.store import Database, ReviewLog, rerating
from tutor.store.reviews import load_memory

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def answer_prompt(
    database: Database, library: Library, *, now: datetime, learner_id: int = 1
) -> ExplainResult:
    """/explain, then the prompt's model answer as the learner's reply: the graded result."""
    shown = await database.run(
        explain.ask, library=library, learner_id=learner_id, first_name="Ada", now=now
    )
    assert shown is not None
    replied = await database.run(
        explain.reply,
        library=library,
        learner_id=learner_id,
        first_name="Ada",
        answer=shown.prompt.model_answer,
        now=now,
    )
    assert replied.result is not None and replied.result.prompt.id == shown.prompt.id
    return replied.result


def other_than(rating: Rating) -> Rating:
    return Rating.AGAIN if rating is not Rating.AGAIN else Rating.GOOD


def explain_log(session: Session, learner_id: int = 1) -> list[tuple[int, str, int]]:
    """(id, item_id, rating) of the learner's explain reviews, oldest first."""
    statement = (
        select(ReviewLog.id, ReviewLog.item_id, ReviewLog.rating)
        .where(ReviewLog.learner_id == learner_id, ReviewLog.source == "explain")  # type: ignore[arg-type]
        .order_by(ReviewLog.id)  # type: ignore[arg-type]
    )
    return [(int(row[0]), str(row[1]), int(row[2])) for row in session.execute(statement)]


async def stored(database: Database, item_id: str) -> tuple[list[Any], Memory | None]:
    """The explain log and the learner's memory of ``item_id``."""

    def read(session: Session) -> tuple[list[Any], Memory | None]:
        return explain_log(session), load_memory(session, learner_id=1, item_id=item_id)

    return await database.run(read)


async def test_the_suggested_rating_is_the_review_at_once(
    database: Database, library: Library
) -> None:
    result = await answer_prompt(database, library, now=NOW)

    log, memory = await stored(database, result.prompt.id)
    assert log == [(result.review_id, result.prompt.id, int(result.rating))]
    assert memory == schedule_review(None, result.rating, NOW)
    assert result.due == memory.due


async def test_another_rating_replaces_the_same_review_from_the_memory_before_it(
    database: Database, library: Library
) -> None:
    first = await answer_prompt(database, library, now=NOW - timedelta(days=40))
    _, before = await stored(database, first.prompt.id)
    # Forty days on, the prompt is due and asked again: a review with a memory before it.
    second = await answer_prompt(database, library, now=NOW)
    assert second.prompt.id == first.prompt.id and before is not None
    new = other_than(second.rating)

    rerated = await database.run(
        explain.change_rating, learner_id=1, review_id=second.review_id, rating=new
    )

    log, memory = await stored(database, second.prompt.id)
    expected = schedule_review(before, new, NOW)
    assert rerated == explain.Rerated(Change.CHANGED, rating=new, due=expected.due)
    # The same review row, with the new rating; the one before it untouched.
    assert log == [
        (first.review_id, first.prompt.id, int(first.rating)),
        (second.review_id, second.prompt.id, int(new)),
    ]
    assert memory == expected
    assert memory.reps == 2


async def test_a_rating_is_changed_once(database: Database, library: Library) -> None:
    result = await answer_prompt(database, library, now=NOW)
    new = other_than(result.rating)
    third = next(r for r in Rating if r not in (new, result.rating))

    changed = await database.run(
        explain.change_rating, learner_id=1, review_id=result.review_id, rating=new
    )
    again = await database.run(
        explain.change_rating, learner_id=1, review_id=result.review_id, rating=third
    )
    back = await database.run(
        explain.change_rating, learner_id=1, review_id=result.review_id, rating=result.rating
    )

    assert changed.outcome is Change.CHANGED
    assert again == back == explain.Rerated(Change.ALREADY_CHANGED)
    log, memory = await stored(database, result.prompt.id)
    assert log == [(result.review_id, result.prompt.id, int(new))]
    assert memory == schedule_review(None, new, NOW)


async def test_the_suggested_rating_is_kept_and_leaves_the_change_open(
    database: Database, library: Library
) -> None:
    result = await answer_prompt(database, library, now=NOW)

    kept = await database.run(
        explain.change_rating, learner_id=1, review_id=result.review_id, rating=result.rating
    )
    log, memory = await stored(database, result.prompt.id)
    changed = await database.run(
        explain.change_rating,
        learner_id=1,
        review_id=result.review_id,
        rating=other_than(result.rating),
    )

    assert kept == explain.Rerated(Change.KEPT, rating=result.rating, due=result.due)
    assert log == [(result.review_id, result.prompt.id, int(result.rating))]
    assert memory == schedule_review(None, result.rating, NOW)
    assert changed.outcome is Change.CHANGED


async def test_a_stale_button_changes_nothing(database: Database, library: Library) -> None:
    first = await answer_prompt(database, library, now=NOW - timedelta(days=40))
    second = await answer_prompt(database, library, now=NOW)
    assert second.prompt.id == first.prompt.id
    log_before, memory_before = await stored(database, first.prompt.id)

    old_reply = await database.run(
        explain.change_rating, learner_id=1, review_id=first.review_id, rating=Rating.HARD
    )
    someone_else = await database.run(
        explain.change_rating, learner_id=2, review_id=second.review_id, rating=Rating.HARD
    )
    unknown = await database.run(
        explain.change_rating, learner_id=1, review_id=10**6, rating=Rating.HARD
    )

    assert old_reply == someone_else == unknown == explain.Rerated(Change.STALE)
    assert await stored(database, first.prompt.id) == (log_before, memory_before)
    # The latest reply's buttons still work.
    latest = await database.run(
        explain.change_rating,
        learner_id=1,
        review_id=second.review_id,
        rating=other_than(second.rating),
    )
    assert latest.outcome is Change.CHANGED


async def test_double_taps_change_the_review_once(database: Database, library: Library) -> None:
    result = await answer_prompt(database, library, now=NOW)
    taps = [r for r in Rating if r is not result.rating]

    outcomes = await asyncio.gather(
        *(
            database.run(
                explain.change_rating, learner_id=1, review_id=result.review_id, rating=rating
            )
            for rating in taps
        )
    )

    changed = [o for o in outcomes if o.outcome is Change.CHANGED]
    assert len(changed) == 1
    assert sorted(o.outcome.value for o in outcomes if o not in changed) == ["already_changed"] * (
        len(taps) - 1
    )
    assert changed[0].rating is not None
    log, memory = await stored(database, result.prompt.id)
    assert log == [(result.review_id, result.prompt.id, int(changed[0].rating))]
    assert memory == schedule_review(None, changed[0].rating, NOW)


async def test_a_change_that_lands_between_read_and_write_wins_alone(
    database: Database, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another instance claims the change after this tap has read the review unchanged.
    result = await answer_prompt(database, library, now=NOW)
    claim = rerating.claim_change

    def raced(session: Session, **key: Any) -> bool:
        assert claim(session, **key)
        return claim(session, **key)

    monkeypatch.setattr(rerating, "claim_change", raced)
    outcome = await database.run(
        explain.change_rating,
        learner_id=1,
        review_id=result.review_id,
        rating=other_than(result.rating),
    )

    assert outcome == explain.Rerated(Change.ALREADY_CHANGED)
    log, memory = await stored(database, result.prompt.id)
    assert log == [(result.review_id, result.prompt.id, int(result.rating))]
    assert memory == schedule_review(None, result.rating, NOW)
