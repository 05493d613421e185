"""Daily reminders: when each learner's next one falls, and claiming the ones due now.

The schedule lives in the learner rows (``next_reminder_at`` in UTC and the local date of
the last reminder), so a restart loses nothing. A reminder is claimed, by moving the row
to its next slot with a compare-and-set, before it is sent: two bot processes on one
database never send the same one, and a crash between claim and send loses that day's
reminder rather than sending it twice. A reminder Telegram kept refusing is given back
(``give_back``) and tried again later the same local day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import ItemKind
from tutor.domain.library import Library
from tutor.domain.scheduling import check_utc, slot_on, start_of_local_day
from tutor.services.libraries import learner_libraries
from tutor.store import Learner
from tutor.store.reminders import SlotQuery, SlotTable

CLAIM_BATCH = 500
LEARNER: SlotTable = store.reminders.LEARNER
# A reminder that could not be sent (Telegram kept refusing) is tried again this much later,
# the same local day.
RETRY_LATER = timedelta(minutes=5)


def first_slot_after(
    reminder_time: str, zone: str, now: datetime, *, not_on_or_before: date | None = None
) -> datetime:
    """The next reminder instant after ``now`` on a local day after ``not_on_or_before``."""
    check_utc(now)
    day = now.astimezone(ZoneInfo(zone)).date()
    if not_on_or_before is not None and day <= not_on_or_before:
        day = not_on_or_before + timedelta(days=1)
    while (slot := slot_on(day, reminder_time, zone)) <= now:
        day += timedelta(days=1)
    return slot


@dataclass(frozen=True)
class SlotDecision:
    """What to do with a learner whose reminder slot has come."""

    send: bool
    next_at: datetime
    reminded_on: date | None


def decide(
    slot: datetime,
    reminder_time: str,
    zone: str,
    now: datetime,
    last_reminded_on: date | None,
) -> SlotDecision:
    """Decide on a slot at or before ``now``: send today's reminder, or move on.

    A slot from an earlier local day (the bot was down) stands for today's slot: sent if
    today's time has passed, else kept for later today. Never two on one local day.
    """
    check_utc(now)
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    if slot.astimezone(tz).date() < today:
        todays = slot_on(today, reminder_time, zone)
        if todays > now:
            return SlotDecision(send=False, next_at=todays, reminded_on=last_reminded_on)
    tomorrow = slot_on(today + timedelta(days=1), reminder_time, zone)
    if last_reminded_on is not None and last_reminded_on >= today:
        return SlotDecision(send=False, next_at=tomorrow, reminded_on=last_reminded_on)
    return SlotDecision(send=True, next_at=tomorrow, reminded_on=today)


def reschedule(learner: Learner, *, default_zone: str, now: datetime) -> None:
    """Set the learner's next reminder after a change of time, zone or on/off (no commit)."""
    if not learner.reminders_on:
        learner.next_reminder_at = None
        return
    learner.next_reminder_at = first_slot_after(
        learner.reminder_time,
        learner.timezone or default_zone,
        now,
        not_on_or_before=learner.last_reminded_on,
    )


@dataclass(frozen=True)
class Reminder:
    """A claimed reminder, to be sent: what is waiting, and what undoes the claim."""

    learner_id: int
    first_name: str
    due_count: int
    new_count: int = 0
    zone: str = "UTC"
    reminded_on: date | None = None
    previous_reminded_on: date | None = None
    claimed_next_at: datetime | None = None


def schedule_unscheduled(
    session: Session, *, default_zone: str, now: datetime, limit: int = CLAIM_BATCH
) -> int:
    """Give learners with reminders on but no next slot (new ones) their first, and commit."""
    rows = store.reminders.unscheduled_learners(session, limit=limit)
    for learner in rows:
        reschedule(learner, default_zone=default_zone, now=now)
    session.commit()
    return len(rows)


def claim_slots(
    session: Session,
    *,
    query: SlotQuery,
    table: SlotTable,
    slot_time: str,
    next_at: str,
    last_on: str,
    default_zone: str,
    now: datetime,
) -> tuple[list[tuple[Any, ...]], int]:
    """Move every row of ``query`` (a ``store.reminders.slots_query``) to its next slot, with a
    compare-and-set on the slot it had; no commit.

    Reminders and daily class quizzes share this: the schedule lives in the row, and
    whoever moves the slot on is the one who serves it.

    Returns:
        The rows to serve now (claimed here, and due today by ``decide``), and how many
        rows were handled in all; fewer than the query's limit means none is left for now.
    """
    check_utc(now)
    rows = store.reminders.slot_rows(session, query=query)
    claimed_rows: list[tuple[Any, ...]] = []
    for row in rows:
        key, zone, local_time, slot, last = row[:5]
        decision = decide(slot, local_time, zone or default_zone, now, last)
        claimed = store.reminders.move_slot(
            session,
            table=table,
            key=key,
            next_at=next_at,
            last_on=last_on,
            slot=slot,
            new_slot=decision.next_at,
            served_on=decision.reminded_on,
        )
        if claimed and decision.send:
            claimed_rows.append(row)
    return claimed_rows, len(rows)


def claim_due(
    session: Session,
    *,
    library: Library,
    default_zone: str,
    now: datetime,
    limit: int = CLAIM_BATCH,
) -> tuple[list[Reminder], int]:
    """Claim the reminder slots that have come, move each to its next slot, and commit.

    Returns:
        The reminders to send now (learners with something due, or new cards waiting
        under today's cap, in the decks they study), and how many slots were handled in
        all; fewer than ``limit`` means none is left for now.
    """
    rows, handled = claim_slots(
        session,
        query=store.reminders.reminder_slots(now, limit, lock=store.reminders.locks_rows(session)),
        table=LEARNER,
        slot_time="reminder_time",
        next_at="next_reminder_at",
        last_on="last_reminded_on",
        default_zone=default_zone,
        now=now,
    )
    zones = {int(row[0]): str(row[1] or default_zone) for row in rows}
    decks = {int(row[0]): row[6] for row in rows}
    caps = {int(row[0]): int(row[7]) for row in rows}
    due, new = waiting_counts(
        session, library=library, decks_of=decks, zones=zones, caps=caps, now=now
    )
    session.commit()
    reminders = []
    for row in rows:
        learner_id, zone = int(row[0]), zones[int(row[0])]
        if not (due.get(learner_id) or new.get(learner_id)):
            continue
        today = now.astimezone(ZoneInfo(zone)).date()
        reminders.append(
            Reminder(
                learner_id=learner_id,
                first_name=str(row[5]),
                due_count=due.get(learner_id, 0),
                new_count=new.get(learner_id, 0),
                zone=zone,
                # What the claim wrote (decide's "send"): today, and tomorrow's slot.
                reminded_on=today,
                previous_reminded_on=row[4],
                claimed_next_at=slot_on(today + timedelta(days=1), str(row[2]), zone),
            )
        )
    return reminders, handled


def waiting_counts(
    session: Session,
    *,
    library: Library,
    decks_of: Mapping[int, Collection[str] | None],
    zones: Mapping[int, str],
    caps: Mapping[int, int],
    now: datetime,
) -> tuple[dict[int, int], dict[int, int]]:
    """For each learner, how many items are due at ``now`` and how many new cards wait
    under today's cap, in the decks they have switched on (``decks_of``: learner id to
    their deck list, None for all) of their own library (``library`` with their own decks
    and those shared with them). Learners with none are left out of each. Items no longer
    in the library do not count.

    The new cards are the unseen cards of those decks, at most the daily cap
    (``caps``) less the new cards of those decks reviewed since the learner's local
    midnight.
    """
    if not decks_of:
        return {}, {}
    # Each learner's own library: the built-in decks, their own, and those shared with them.
    libraries = learner_libraries(session, library=library, learner_ids=list(decks_of))
    wanted = {
        learner_id: set(libraries[learner_id].chosen_decks(d))
        for learner_id, d in decks_of.items()
    }
    due: Counter[int] = Counter()
    seen: dict[int, set[str]] = {learner_id: set() for learner_id in decks_of}
    for learner_id, item_id, due_at in store.reminders.item_due_dates(
        session, learner_ids=decks_of
    ):
        seen[learner_id].add(item_id)
        if due_at <= now and libraries[learner_id].deck_of.get(item_id) in wanted[learner_id]:
            due[learner_id] += 1
    day_starts = {
        learner_id: start_of_local_day(now, zones[learner_id]) for learner_id in decks_of
    }
    # Today's new cards of the decks switched on: the cap is theirs (as in /review).
    new_today: Counter[int] = Counter(
        learner_id
        for learner_id, item_id, reviewed_at in store.reminders.first_reviews_since(
            session, learner_ids=decks_of, since=min(day_starts.values())
        )
        if reviewed_at >= day_starts[learner_id]
        and libraries[learner_id].deck_of.get(item_id) in wanted[learner_id]
    )
    new: dict[int, int] = {}
    for learner_id in wanted:
        left = max(0, caps[learner_id] - new_today[learner_id])
        if not left:
            continue
        studied = libraries[learner_id]
        cards = studied.ids_of_kind(ItemKind.CARD, studied.chosen_decks(decks_of[learner_id]))
        unseen = sum(1 for card_id in cards if card_id not in seen[learner_id])
        if min(left, unseen):
            new[learner_id] = min(left, unseen)
    return dict(due), new


def give_back(
    session: Session, *, reminder: Reminder, now: datetime, delay: timedelta = RETRY_LATER
) -> datetime | None:
    """A claimed reminder could not be sent: undo its claim so that it is tried again
    ``delay`` later, and commit. Never onto the next local day (the day's reminder would
    come a day late), and never if the slot moved meanwhile (another instance, a change of
    settings): then it is not given back.

    Returns:
        When it will be tried again, or None if it was not given back (skipped).
    """
    check_utc(now)
    retry_at = now + delay
    if (
        reminder.claimed_next_at is None
        or reminder.reminded_on is None
        or retry_at.astimezone(ZoneInfo(reminder.zone)).date() != reminder.reminded_on
    ):
        return None
    given = store.reminders.give_back_reminder(
        session,
        learner_id=reminder.learner_id,
        claimed_next_at=reminder.claimed_next_at,
        reminded_on=reminder.reminded_on,
        previous_reminded_on=reminder.previous_reminded_on,
        retry_at=retry_at,
    )
    session.commit()
    return retry_at if given else None


def mark_unreachable(session: Session, *, learner_id: int) -> None:
    """The learner blocked the bot: no more reminders until they write again; commit."""
    store.reminders.set_inactive(session, learner_id=learner_id)
    session.commit()
