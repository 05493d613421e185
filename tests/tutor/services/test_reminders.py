"""Reminder slots across time zones and DST, and claiming them once, even with two runners."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from tutor.domain.library import Library
from tutor.domain.scheduling import Rating, slot_on
from tutor.services import learners, reminders, study
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
    assert slot_on(day, "09:00", zone) == expected


def test_times_inside_a_dst_switch_still_happen_once() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: it falls at 03:30 CEST (01:30 UTC).
    assert slot_on(date(2026, 3, 29), "02:30", "Europe/Berlin") == utc(2026, 3, 29, 1, 30)
    # 02:30 happens twice on 25 October 2026: the first one (CEST) is taken.
    assert slot_on(date(2026, 10, 25), "02:30", "Europe/Berlin") == utc(2026, 10, 25, 0, 30)


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


def seed(session: Session, *, library: Library, count: int) -> None:
    """Learners 1..count; every fifth is done for today (one new card a day, reviewed Easy),
    the others have alpha-c0 due."""
    for learner_id in range(1, count + 1):
        learner = study.start_learner(
            session, learner_id=learner_id, first_name=f"L{learner_id}",
            now=NOW - timedelta(days=1),
        )  # fmt: skip
        done = learner_id % 5 == 0
        if done:
            learner.new_per_day = 1
            session.add(learner)
        study.record_rating(
            session, library=library, learner=learner, item="alpha-c0", version=0,
            rating=Rating.EASY if done else Rating.AGAIN, now=NOW - timedelta(hours=1),
        )  # fmt: skip
    while reminders.schedule_unscheduled(
        session, default_zone="UTC", now=NOW - timedelta(hours=1)
    ):
        pass


async def learners_with_due_cards(database: Database, library: Library, count: int) -> None:
    await database.run(seed, library=library, count=count)


def claim(database: Database, library: Library, now: datetime, limit: int = 500) -> object:
    return database.run(
        reminders.claim_due, library=library, default_zone="UTC", now=now, limit=limit
    )


def get_learner(database: Database, learner_id: int) -> object:
    return database.run(lambda session: session.get(Learner, learner_id))


def execute(session: Session, statement: object) -> None:
    session.execute(statement)  # type: ignore[call-overload]
    session.commit()


async def test_claims_send_to_learners_with_something_waiting_once(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 10)
    assert await claim(database, tiny_library, NOW - timedelta(minutes=1)) == ([], 0)
    sent, handled = await claim(database, tiny_library, NOW)  # type: ignore[misc]
    assert handled == 10
    assert sorted(r.learner_id for r in sent) == [1, 2, 3, 4, 6, 7, 8, 9]
    # One card due; of the cap of 10 new cards a day, one was used, 11 cards are unseen.
    assert {(r.due_count, r.new_count) for r in sent} == {(1, 9)}
    assert await claim(database, tiny_library, NOW + timedelta(hours=5)) == ([], 0)
    learner = await get_learner(database, 1)
    assert isinstance(learner, Learner)
    assert learner.next_reminder_at == utc(2026, 3, 3, 9, 0)
    assert learner.last_reminded_on == date(2026, 3, 2)


async def test_a_new_learner_is_reminded_of_the_new_cards_waiting(
    database: Database, tiny_library: Library
) -> None:
    # /start and /remind 07:30, nothing reviewed yet: the day's new cards are waiting.
    await database.run(study.start_learner, learner_id=1, first_name="New", now=NOW)
    await database.run(
        learners.update_settings, learner_id=1, first_name="New", default_zone="UTC", now=NOW,
        reminder_time="09:30",
    )  # fmt: skip
    sent, _ = await claim(database, tiny_library, NOW + timedelta(minutes=30))  # type: ignore[misc]
    assert [(r.learner_id, r.due_count, r.new_count) for r in sent] == [(1, 0, 10)]
    # Studying one deck of six cards: six are waiting, fewer than the cap.
    await database.run(
        execute,
        update(Learner).where(Learner.id == 1).values(decks=["beta"]),  # type: ignore[arg-type]
    )
    counts = await database.run(
        reminders.waiting_counts, library=tiny_library, decks_of={1: ["beta"]},
        zones={1: "UTC"}, caps={1: 10}, now=NOW,
    )  # fmt: skip
    assert counts == ({}, {1: 6})


async def test_the_new_cards_cap_counts_from_the_local_midnight(
    database: Database, tiny_library: Library
) -> None:
    learner = await database.run(study.start_learner, learner_id=1, first_name="A", now=NOW)
    # 02:00 UTC on 2 March is 23:00 on 1 March in St John's (UTC-3): yesterday there.
    for n, when in enumerate([utc(2026, 3, 2, 2, 0), utc(2026, 3, 2, 4, 0)]):
        await database.run(
            study.record_rating, library=tiny_library, learner=learner, item=f"alpha-c{n}",
            version=0, rating=Rating.EASY, now=when,
        )  # fmt: skip
    due, new = await database.run(
        reminders.waiting_counts, library=tiny_library, decks_of={1: None},
        zones={1: "America/St_Johns"}, caps={1: 3}, now=NOW,
    )  # fmt: skip
    assert (due, new) == ({}, {1: 2})


async def test_inactive_or_off_learners_get_nothing(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 3)
    await database.run(reminders.mark_unreachable, learner_id=1)
    await database.run(
        execute,
        update(Learner).where(Learner.id == 2).values(reminders_on=False),  # type: ignore[arg-type]
    )
    sent, _ = await claim(database, tiny_library, NOW)  # type: ignore[misc]
    assert [r.learner_id for r in sent] == [3]


async def test_due_counts_only_the_decks_the_learner_studies(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 4)  # alpha-c0 due for 1-4

    def arrange(session: Session) -> None:
        for learner_id, item in [(1, "beta-c0"), (2, "beta-c0"), (3, "gone-c9")]:
            session.add(ItemState(learner_id=learner_id, item_id=item, state=2, due=NOW, reps=1))
        # 1 studies both decks, 2 beta only, 3 alpha only (its other item left the decks),
        # 4 beta only: its one due card is in a deck switched off.
        decks = {1: None, 2: ["beta"], 3: ["alpha"], 4: ["beta"]}
        for learner_id, chosen in decks.items():
            session.execute(
                update(Learner).where(Learner.id == learner_id).values(decks=chosen)  # type: ignore[arg-type]
            )
        session.commit()

    await database.run(arrange)
    sent, handled = await claim(database, tiny_library, NOW)  # type: ignore[misc]
    assert handled == 4
    assert {r.learner_id: r.due_count for r in sent} == {1: 2, 2: 1, 3: 1, 4: 0}


async def test_a_reminder_not_sent_is_given_back_for_later_the_same_day(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 1)
    (reminder,), _ = await claim(database, tiny_library, NOW)  # type: ignore[misc]
    # Telegram kept answering 429: the claim is undone, the slot five minutes on.
    retry_at = await database.run(reminders.give_back, reminder=reminder, now=NOW)
    assert retry_at == NOW + reminders.RETRY_LATER
    learner = await get_learner(database, 1)
    assert isinstance(learner, Learner)
    assert (learner.next_reminder_at, learner.last_reminded_on) == (retry_at, None)
    assert await claim(database, tiny_library, NOW + timedelta(minutes=4)) == ([], 0)
    again, _ = await claim(database, tiny_library, NOW + timedelta(minutes=5))  # type: ignore[misc]
    assert [r.learner_id for r in again] == [1]
    # Sent this time: nothing more that day, the next one tomorrow at 09:00.
    assert await claim(database, tiny_library, NOW + timedelta(hours=10)) == ([], 0)
    learner = await get_learner(database, 1)
    assert isinstance(learner, Learner)
    assert learner.next_reminder_at == utc(2026, 3, 3, 9, 0)
    assert learner.last_reminded_on == date(2026, 3, 2)


async def test_a_reminder_is_not_given_back_onto_the_next_day_or_twice(
    database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 1)
    (reminder,), _ = await claim(database, tiny_library, NOW)  # type: ignore[misc]
    # 23:57 UTC: five minutes on is tomorrow; the reminder is skipped, the claim stands.
    late = utc(2026, 3, 2, 23, 57)
    assert await database.run(reminders.give_back, reminder=reminder, now=late) is None
    learner = await get_learner(database, 1)
    assert isinstance(learner, Learner)
    assert learner.next_reminder_at == utc(2026, 3, 3, 9, 0)
    assert learner.last_reminded_on == date(2026, 3, 2)
    # Given back once; a second give-back of the same claim changes nothing.
    assert await database.run(reminders.give_back, reminder=reminder, now=NOW) is not None
    assert await database.run(reminders.give_back, reminder=reminder, now=NOW) is None


async def test_two_runners_at_once_send_each_reminder_exactly_once(
    database_url: str, database: Database, tiny_library: Library
) -> None:
    await learners_with_due_cards(database, tiny_library, 400)
    second = Database(database_url)  # another bot process's connection pool
    try:

        async def runner(db: Database) -> list[int]:
            claimed: list[int] = []
            while True:
                batch, handled = await claim(db, tiny_library, NOW, limit=40)  # type: ignore[misc]
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
