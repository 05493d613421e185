"""The store on SQLite and PostgreSQL: learners, guarded ratings, UTC times, day counts."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.library import Library
from tutor.domain.scheduling import Memory, Rating
from tutor.services import learners, study
from tutor.store import (
    ChangeableReview,
    ClassMember,
    ClassMemory,
    Database,
    Homework,
    HomeworkMember,
    ItemState,
    Learner,
    MemoryBefore,
    ReviewLog,
)
from tutor.store.columns import (
    MEMORY_FIELDS,
    MemoryColumns,
    memories_after,
    memory_columns,
    memory_of,
    memory_values,
)
from tutor.store.engine import async_url
from tutor.store.typed import table_of

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("sqlite:///data/tutor.db") == "sqlite+aiosqlite:///data/tutor.db"
    assert async_url("postgresql://u:p@h/db") == "postgresql+asyncpg://u:p@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"


def _count_in(session: Session, table: type) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


async def _count(db: Database, table: type) -> int:
    return await db.run(_count_in, table)


def _row(session: Session, learner_id: int, item_id: str) -> ItemState | None:
    return session.get(ItemState, (learner_id, item_id))


async def test_learner_is_created_once_and_renamed(database: Database) -> None:
    await database.run(study.start_learner, learner_id=42, first_name="Ada", now=NOW)
    again = await database.run(study.start_learner, learner_id=42, first_name="Ada L", now=NOW)
    assert again.first_name == "Ada L"
    assert again.created_at == NOW
    assert again.created_at.tzinfo is UTC
    assert await _count(database, Learner) == 1


def _settings_of(session: Session, learner_id: int) -> None:
    learner = session.get(Learner, learner_id)
    assert learner is not None
    learner.timezone, learner.new_per_day, learner.desired_retention = "Asia/Tokyo", 3, 0.85
    learner.decks, learner.fsrs_parameters = ["schedules"], [0.5] * 21
    session.commit()


def _block(session: Session, learner_id: int) -> None:
    learner = session.get(Learner, learner_id)
    assert learner is not None
    learner.active = False
    session.commit()


async def test_a_review_press_reads_the_learner_as_stored_and_keeps_the_row_current(
    database: Database,
) -> None:
    first = await database.run(study.start_studying, learner_id=43, first_name="Ada", now=NOW)
    assert (first.id, first.first_name, first.active, first.new_per_day) == (43, "Ada", True, 10)
    assert await _count(database, Learner) == 1

    await database.run(_settings_of, 43)
    read = await database.run(study.start_studying, learner_id=43, first_name="Ada", now=NOW)
    assert (read.timezone, read.new_per_day, read.desired_retention) == ("Asia/Tokyo", 3, 0.85)
    assert (read.decks, read.fsrs_parameters) == (["schedules"], [0.5] * 21)

    # A new name, or a learner who had blocked the bot writing again, is written first.
    renamed = await database.run(study.start_studying, learner_id=43, first_name="Ada L", now=NOW)
    await database.run(_block, 43)
    back = await database.run(study.start_studying, learner_id=43, first_name="Ada L", now=NOW)
    stored = await database.run(study.start_learner, learner_id=43, first_name="Ada L", now=NOW)
    assert (renamed.first_name, back.active) == ("Ada L", True)
    assert (stored.first_name, stored.active, stored.new_per_day) == ("Ada L", True, 3)
    assert await _count(database, Learner) == 1


def _class_names_kept(session: Session, name: str) -> tuple[str, str]:
    """The name kept for a class member seen in a chat, and for one assigned homework."""
    store.homework.saw_members(session, chat_id=-100, members=[(44, name)], now=NOW)
    homework = Homework(
        chat_id=-100, code="long-name", title="Homework", items=[], created_at=NOW, due_at=NOW
    )
    session.add(homework)
    session.flush()
    assert homework.id is not None
    store.homework.assign_members(
        session,
        homework_id=homework.id,
        members=[{"learner_id": 44, "first_name": name, "nudge_at": None}],
    )
    member = session.get(ClassMember, (-100, 44))
    assigned = session.get(HomeworkMember, (homework.id, 44))
    assert member is not None and assigned is not None
    return member.first_name, assigned.first_name


async def test_a_name_longer_than_its_column_is_stored_cut_and_counts_as_current(
    database: Database,
) -> None:
    long_name = "Å" * 100 + "b" * 100
    kept = "Å" * 100 + "b" * 28
    first = await database.run(study.start_studying, learner_id=44, first_name=long_name, now=NOW)
    again = await database.run(study.start_studying, learner_id=44, first_name=long_name, now=NOW)
    assert first.first_name == again.first_name == kept
    assert store.learners.is_current(again, long_name)
    assert await database.run(_class_names_kept, long_name) == (kept, kept)


async def test_concurrent_first_contact_makes_one_learner(database: Database) -> None:
    async def contact() -> None:
        await database.run(study.start_learner, learner_id=7, first_name="Bo", now=NOW)

    async def unit_of_work() -> None:
        await database.run(study.start_learner, learner_id=7, first_name="Bo", now=NOW)

    await asyncio.gather(*(contact() for _ in range(3)), *(unit_of_work() for _ in range(3)))
    assert await _count(database, Learner) == 1


async def test_rating_is_stored_once_with_its_log(
    database: Database, tiny_library: Library
) -> None:
    card = tiny_library.items_of_kind(study.ItemKind.CARD)[0]
    learner = await database.run(study.start_learner, learner_id=1, first_name="A", now=NOW)

    async def rate(rating: Rating, **shown: datetime) -> study.RatingResult:
        return await database.run(
            study.record_rating,
            library=tiny_library,
            learner=learner,
            item=card.id,
            version=0,
            rating=rating,
            now=NOW,
            **shown,
        )

    first = await rate(Rating.GOOD, shown_at=NOW - timedelta(seconds=4))
    double_tap = await rate(Rating.EASY)
    assert first.outcome is study.Outcome.RECORDED
    assert double_tap.outcome is study.Outcome.ALREADY_RATED
    row = await database.run(_row, 1, card.id)
    logs = await database.run(lambda session: session.execute(select(ReviewLog)).scalars().all())
    assert row is not None
    assert (row.reps, row.due) == (1, NOW + timedelta(minutes=10))
    assert row.due.tzinfo is UTC
    assert [(log.item_id, log.rating, log.duration_ms, log.was_new) for log in logs] == [
        (card.id, 3, 4000, True)
    ]


async def test_second_review_needs_the_version_it_was_drawn_at(
    database: Database, tiny_library: Library
) -> None:
    card = tiny_library.items_of_kind(study.ItemKind.CARD)[0]
    later = NOW + timedelta(minutes=10)
    learner = await database.run(study.start_learner, learner_id=1, first_name="A", now=NOW)
    await database.run(
        study.record_rating,
        library=tiny_library,
        learner=learner,
        item=card.id,
        version=0,
        rating=Rating.GOOD,
        now=NOW,
    )
    outcomes = []
    for version in (0, 1, 1):
        result = await database.run(
            study.record_rating,
            library=tiny_library,
            learner=learner,
            item=card.id,
            version=version,
            rating=Rating.GOOD,
            now=later,
        )
        outcomes.append(result.outcome)
    assert outcomes == [
        study.Outcome.ALREADY_RATED,
        study.Outcome.RECORDED,
        study.Outcome.ALREADY_RATED,
    ]
    row = await database.run(_row, 1, card.id)
    assert row is not None
    assert (row.reps, row.due) == (2, later + timedelta(days=2))
    assert await _count(database, ReviewLog) == 2


async def test_unknown_item_changes_nothing(database: Database, tiny_library: Library) -> None:
    learner = await database.run(study.start_learner, learner_id=1, first_name="A", now=NOW)
    result = await database.run(
        study.record_rating,
        library=tiny_library,
        learner=learner,
        item="no-such-card",
        version=0,
        rating=Rating.GOOD,
        now=NOW,
    )
    assert result.outcome is study.Outcome.UNKNOWN_ITEM
    assert await _count(database, ItemState) == 0


async def test_new_cards_are_capped_per_local_day(
    database: Database, tiny_library: Library
) -> None:
    learner = await database.run(
        learners.update_settings,
        learner_id=5,
        first_name="C",
        default_zone="UTC",
        now=NOW,
        new_per_day=2,
        timezone="America/St_Johns",
    )
    seen = []
    for _ in range(3):
        shown = await database.run(
            study.next_card,
            library=tiny_library,
            learner=learner,
            now=NOW,
            zone="America/St_Johns",
        )
        if isinstance(shown, study.Caught):
            break
        assert shown.is_new
        seen.append(shown.card.id)
        await database.run(
            study.record_rating,
            library=tiny_library,
            learner=learner,
            item=shown.card,
            version=shown.version,
            rating=Rating.EASY,
            now=NOW,
        )
    assert len(seen) == 2
    assert isinstance(shown, study.Caught)
    assert shown.new_cap_reached and shown.reviewed_today == 2
    assert shown.next_due == NOW + timedelta(days=8)
    # 02:30 UTC on the 2nd is 23:00 on the 1st in St John's: still the same local day...
    same_day = await database.run(
        study.next_card,
        library=tiny_library,
        learner=learner,
        now=datetime(2026, 3, 2, 2, 29, tzinfo=UTC),
        zone="America/St_Johns",
    )
    next_day = await database.run(
        study.next_card,
        library=tiny_library,
        learner=learner,
        now=datetime(2026, 3, 2, 3, 31, tzinfo=UTC),
        zone="America/St_Johns",
    )
    assert isinstance(same_day, study.Caught)
    # ...and at 00:01 local on the 2nd the cap starts afresh.
    assert isinstance(next_day, study.CardToShow) and next_day.is_new
    assert next_day.card.id not in seen


async def test_due_card_comes_before_new_ones(database: Database, tiny_library: Library) -> None:
    cards = tiny_library.items_of_kind(study.ItemKind.CARD)
    learner = await database.run(study.start_learner, learner_id=9, first_name="D", now=NOW)
    await database.run(
        study.record_rating,
        library=tiny_library,
        learner=learner,
        item=cards[3],
        version=0,
        rating=Rating.AGAIN,
        now=NOW,
    )
    early = await database.run(
        study.next_card, library=tiny_library, learner=learner, now=NOW, zone="UTC"
    )
    late = await database.run(
        study.next_card,
        library=tiny_library,
        learner=learner,
        now=NOW + timedelta(minutes=1),
        zone="UTC",
    )
    assert isinstance(early, study.CardToShow) and early.card.id == cards[0].id
    assert isinstance(late, study.CardToShow)
    assert (late.card.id, late.is_new, late.version, late.due_count) == (cards[3].id, False, 1, 1)


async def test_the_most_overdue_card_of_the_decks_studied_comes_first(
    database: Database, tiny_library: Library
) -> None:
    alpha = tiny_library.items_of_kind(study.ItemKind.CARD, ["alpha"])
    beta = tiny_library.items_of_kind(study.ItemKind.CARD, ["beta"])
    learner = await database.run(study.start_learner, learner_id=11, first_name="E", now=NOW)
    # Again falls due a minute later: beta's card is the most overdue, then alpha's third,
    # then alpha's fifth.
    for card, when in (
        (beta[0], NOW - timedelta(days=3)),
        (alpha[4], NOW - timedelta(hours=1)),
        (alpha[2], NOW - timedelta(days=2)),
    ):
        await database.run(
            study.record_rating,
            library=tiny_library,
            learner=learner,
            item=card,
            version=0,
            rating=Rating.AGAIN,
            now=when,
        )
    learner.decks = ["alpha"]
    drawn = []
    for _ in range(3):
        shown = await database.run(
            study.next_card, library=tiny_library, learner=learner, now=NOW, zone="UTC"
        )
        assert isinstance(shown, study.CardToShow)
        drawn.append((shown.card.id, shown.is_new, shown.version, shown.due_count))
        await database.run(
            study.record_rating,
            library=tiny_library,
            learner=learner,
            item=shown.card,
            version=shown.version,
            rating=Rating.EASY,
            now=NOW,
        )
    # beta is switched off: its overdue card is neither drawn nor counted.
    assert drawn == [
        (alpha[2].id, False, 1, 2),
        (alpha[4].id, False, 1, 1),
        (alpha[0].id, True, 0, 0),
    ]


# --- units of work on SQLite (Database.run) ------------------------------------------------
async def test_a_unit_of_work_waits_for_a_writer_mid_transaction(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'lock.db'}")
    await database.create_tables()
    try:
        async with AsyncSession(database.engine, expire_on_commit=False) as holder:
            holder.add(Learner(id=1, first_name="Holder", created_at=NOW))
            await holder.flush()  # the write lock is held now, across awaits
            unit = asyncio.ensure_future(
                database.run(study.start_learner, learner_id=2, first_name="Waiter", now=NOW)
            )
            await asyncio.sleep(0.2)
            assert not unit.done()  # waiting, without holding up the holder's loop
            await holder.commit()
        learner = await asyncio.wait_for(unit, 5)
        assert learner.first_name == "Waiter"
        assert await _count(database, Learner) == 2
    finally:
        await database.close()


async def test_a_unit_that_committed_is_not_run_again(tmp_path: Path) -> None:
    path = tmp_path / "lock.db"
    database = Database(f"sqlite:///{path}")
    await database.create_tables()
    runs = 0
    other = sqlite3.connect(path, isolation_level=None)

    def unit(session: Session) -> None:
        nonlocal runs
        runs += 1
        study.start_learner(session, learner_id=3, first_name="Once", now=NOW)  # commits
        other.execute("BEGIN IMMEDIATE")  # another process takes the write lock
        study.start_learner(session, learner_id=4, first_name="Twice?", now=NOW)

    try:
        with pytest.raises(OperationalError, match="locked"):
            await database.run(unit)
        other.execute("ROLLBACK")
        assert runs == 1
        async with AsyncSession(database.engine, expire_on_commit=False) as session:
            names = (await session.execute(select(Learner.first_name))).scalars().all()
        assert names == ["Once"]
    finally:
        other.close()
        await database.close()


def test_a_memory_is_mapped_to_columns_by_name_once() -> None:
    """Memory's fields are the memory columns of every table that holds one, declared once
    (MemoryColumns), and a memory round-trips through them by name."""
    assert MEMORY_FIELDS == (
        "state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses"
    )  # fmt: skip
    for model in (ItemState, ClassMemory, MemoryBefore):
        assert issubclass(model, MemoryColumns)
        names = [column.name for column in memory_columns(table_of(model))]
        assert names == list(MEMORY_FIELDS)
    assert not any(column.name.startswith("before_") for column in table_of(ChangeableReview).c)
    memory = Memory(2, None, 3.5, 6.25, datetime(2026, 3, 1, tzinfo=UTC), None, 4, 1)
    assert memory_of(ItemState(learner_id=1, item_id="x", **memory_values(memory))) == memory
    statement, read = memories_after(table_of(ItemState), table_of(ItemState).c.item_id)
    assert [c.name for c in statement.selected_columns] == ["item_id", *MEMORY_FIELDS]
    assert read(("x", *(getattr(memory, name) for name in MEMORY_FIELDS))) == memory  # type: ignore[arg-type]
