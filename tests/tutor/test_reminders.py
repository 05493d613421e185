"""Reminder slots across time zones and DST, and claiming them once, even with two runners."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from tutor import reminders, study
from tutor.content import Library
from tutor.scheduling import Rating
from tutor.store import Database, ItemState, Learner


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        (date(2026, 3, 28), "Europe/Berlin", utc(2026, 3, 28, 8, 0)),  # CET, UTC+1
        (date(2026, 3, 29), "Europe/Berlin", utc(2026, 3, 29, 7, 0)),  # spring forward day
        (date(2026, 10, 25), "Europe/Berlin", utc(2026, 10, 25, 8, 0)),  # fall back day
        (date(2026, 7, 1), "America/St_Johns", utc(2026, 7, 1, 11, 30)),  # NDT, UTC-2:30
        (date(2026, 1, 15), "America/St_Johns", utc(2026, 1, 15, 12, 30)),  # NST, UTC-3:30
        (date(2026, 3, 2), "Pacific/Kiritimati", utc(2026, 3, 1, 19, 0)),  # UTC+14
    ],
)
def test_nine_oclock_local_is_exact_in_every_zone(
    day: date, zone: str, expected: datetime
) -> None:
    assert reminders.slot_on(day, "09:00", zone) == expected


def test_times_inside_a_dst_switch_still_happen_once() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: it falls at 03:30 CEST (01:30 UTC).
    assert reminders.slot_on(date(2026, 3, 29), "02:30", "Europe/Berlin") == utc(
        2026, 3, 29, 1, 30
    )
    # 02:30 happens twice on 25 October 2026: the first one (CEST) is taken.
    assert reminders.slot_on(date(2026, 10, 25), "02:30", "Europe/Berlin") == utc(
        2026, 10, 25, 0, 30
    )


def test_the_next_slot_is_later_today_or_tomorrow() -> None:
    now = utc(2026, 3, 29, 6, 59)  # 08:59 CEST on the switch day
    assert reminders.first_slot_after("09:00", "Europe/Berlin", now) == utc(2026, 3, 29, 7, 0)
    assert reminders.first_slot_after("08:00", "Europe/Berlin", now) == utc(2026, 3, 30, 6, 0)
    # Already reminded today: a later time set today waits for tomorrow.
    assert reminders.first_slot_after(
        "21:00", "Europe/Berlin", now, not_on_or_before=date(2026, 3, 29)
    ) == utc(2026, 3, 30, 19, 0)
    # At 10:00 UTC on 29 March it is midnight of 30 March in Kiritimati: 09:00 there is
    # 19:00 UTC the same (UTC) day.
    assert reminders.first_slot_after(
        "09:00", "Pacific/Kiritimati", utc(2026, 3, 29, 10, 0)
    ) == utc(2026, 3, 29, 19, 0)


def test_a_missed_slot_is_sent_the_same_local_day_only() -> None:
    berlin = "Europe/Berlin"
    slot = utc(2026, 3, 2, 8, 0)  # 09:00 CET
    same_day = reminders.decide(slot, "09:00", berlin, utc(2026, 3, 2, 15, 0), None)
    assert same_day == reminders.SlotDecision(
        send=True, next_at=utc(2026, 3, 3, 8, 0), reminded_on=date(2026, 3, 2)
    )
    # Back the next morning before 09:00: yesterday's is dropped, today's comes at 09:00.
    next_morning = reminders.decide(slot, "09:00", berlin, utc(2026, 3, 3, 6, 0), None)
    assert next_morning == reminders.SlotDecision(
        send=False, next_at=utc(2026, 3, 3, 8, 0), reminded_on=None
    )
    # Back days later after 09:00: one reminder, for today.
    later = reminders.decide(slot, "09:00", berlin, utc(2026, 3, 5, 10, 0), date(2026, 3, 1))
    assert later.send and later.reminded_on == date(2026, 3, 5)
    # Already reminded today (the time was moved later): nothing more today.
    again = reminders.decide(
        utc(2026, 3, 2, 19, 0), "20:00", berlin, utc(2026, 3, 2, 19, 0), date(2026, 3, 2)
    )
    assert not again.send and again.next_at == utc(2026, 3, 3, 19, 0)


NOW = utc(2026, 3, 2, 9, 0)


async def learners_with_due_cards(database: Database, library: Library, count: int) -> None:
    async with database.session() as session:
        for learner_id in range(1, count + 1):
            learner = await session.run_sync(
                study.start_learner, learner_id=learner_id, first_name=f"L{learner_id}",
                now=NOW - timedelta(days=1),
            )  # fmt: skip
            if learner_id % 5 != 0:  # every fifth has nothing due
                await session.run_sync(
                    study.record_rating, library=library, learner=learner, item="alpha-c0",
                    version=0, rating=Rating.AGAIN, now=NOW - timedelta(hours=1),
                )  # fmt: skip
        while await reminders.schedule_unscheduled(
            session=session, default_zone="UTC", now=NOW - timedelta(hours=1)
        ):
            pass


async def test_claims_send_to_learners_with_due_items_once(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 10)
    async with database.session() as session:
        early, handled = await reminders.claim_due(
            session=session,
            library=tiny_library,
            default_zone="UTC",
            now=NOW - timedelta(minutes=1),
        )
        assert (early, handled) == ([], 0)
        sent, handled = await reminders.claim_due(
            session=session, library=tiny_library, default_zone="UTC", now=NOW
        )
        assert handled == 10
        assert sorted(r.learner_id for r in sent) == [1, 2, 3, 4, 6, 7, 8, 9]
        assert {r.due_count for r in sent} == {1}
        again, handled = await reminders.claim_due(
            session=session, library=tiny_library, default_zone="UTC", now=NOW + timedelta(hours=5)
        )
        assert (again, handled) == ([], 0)
        learner = await session.get(Learner, 1)
        assert learner is not None
        assert learner.next_reminder_at == utc(2026, 3, 3, 9, 0)
        assert learner.last_reminded_on == date(2026, 3, 2)


async def test_inactive_or_off_learners_get_nothing(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 3)
    async with database.session() as session:
        await reminders.mark_unreachable(session=session, learner_id=1)
        await session.execute(
            update(Learner).where(Learner.id == 2).values(reminders_on=False)  # type: ignore[arg-type]
        )
        await session.commit()
        sent, _ = await reminders.claim_due(
            session=session, library=tiny_library, default_zone="UTC", now=NOW
        )
    assert [r.learner_id for r in sent] == [3]


async def test_due_counts_only_the_decks_the_learner_studies(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 4)  # alpha-c0 due for 1-4
    async with database.session() as session:
        for learner_id, item in [(1, "beta-c0"), (2, "beta-c0"), (3, "gone-c9")]:
            session.add(ItemState(learner_id=learner_id, item_id=item, state=2, due=NOW, reps=1))
        # 1 studies both decks, 2 beta only, 3 alpha only (its other item left the decks),
        # 4 beta only: its one due card is in a deck switched off.
        decks = {1: None, 2: ["beta"], 3: ["alpha"], 4: ["beta"]}
        for learner_id, chosen in decks.items():
            await session.execute(
                update(Learner).where(Learner.id == learner_id).values(decks=chosen)  # type: ignore[arg-type]
            )
        await session.commit()
        sent, handled = await reminders.claim_due(
            session=session, library=tiny_library, default_zone="UTC", now=NOW
        )
    assert handled == 4
    assert {r.learner_id: r.due_count for r in sent} == {1: 2, 2: 1, 3: 1}


async def test_two_runners_at_once_send_each_reminder_exactly_once(
    database_url: str, database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 400)
    second = Database(database_url)  # another bot process's connection pool
    try:

        async def runner(db: Database) -> list[int]:
            claimed: list[int] = []
            while True:
                async with db.session() as session:
                    batch, handled = await reminders.claim_due(
                        session=session,
                        library=tiny_library,
                        default_zone="UTC",
                        now=NOW,
                        limit=40,
                    )
                claimed += [r.learner_id for r in batch]
                if handled < 40:
                    return claimed

        first_claims, second_claims = await asyncio.gather(runner(database), runner(second))
    finally:
        await second.close()
    everyone = first_claims + second_claims
    assert sorted(everyone) == [i for i in range(1, 401) if i % 5 != 0]
    if database.dialect == "postgresql":
        # SKIP LOCKED lets both work at once instead of one waiting for the other.
        assert first_claims and second_claims
