"""The review history an Anki collection carries (its ``revlog`` table), read per card the way
Anki's own FSRS reads it to compute a card's memory state.

Anki's rules, from its source (github.com/ankitects/anki, rslib, read at commit c32cb29):

- ``rslib/src/scheduler/fsrs/params.rs``, ``reviews_for_fsrs``, as
  ``rslib/src/scheduler/fsrs/memory_state.rs``, ``fsrs_item_for_memory_state`` calls it
  (``training`` false, no "ignore reviews before" date): working back from a card's latest
  entry, its history starts at the first entry of its last run of graded learning entries;
  without one, at its first graded entry with an interval of a day or more. A reset
  (Forget) ends the search: what came before it is dropped, and a card not graded since has
  no history. Of what is left, only graded entries that are not cramming are kept.
- ``rslib/src/revlog/mod.rs``: ``RevlogReviewKind`` (0 learning, 1 review, 2 relearning,
  3 filtered, 4 manual, 5 rescheduled), ``RevlogEntry::is_reset`` (manual, factor 0),
  ``is_cramming`` (filtered, factor 0: a filtered deck that does not reschedule; a filtered
  review with a factor counts) and ``has_rating_and_affects_scheduling`` (ease 1-4, not
  cramming). Manual (set due date, reset) and rescheduled entries have ease 0, so they are
  never kept, but they end a run of learning entries, as in Anki.
- ``rslib/src/storage/revlog/mod.rs``, ``get_revlog_entries_for_searched_cards_in_card_order``
  and ``get.sql``: entries by card, then by id (the time they were logged, in ms), the
  intervals cast to integers.
- A collection of Anki's first scheduler (V1: ``schedVer`` 1 or unset, ``Collection::
  scheduler_version`` in ``rslib/src/config/mod.rs``) had three buttons in learning and
  relearning, Good and Easy as ease 2 and 3: they are read as 3 and 4, as Anki rewrites them
  when it imports such a package with its scheduling or upgrades such a collection
  (``upgrade_to_v2_scheduler`` in ``rslib/src/scheduler/upgrade.rs``, which runs
  ``rslib/src/storage/revlog/v2_upgrade.sql``).
- The time taken is capped as Anki caps it when it logs an answer (``CardAnswer::
  cap_answer_secs`` in ``rslib/src/scheduler/answering/mod.rs``): at most 7,200 s, the
  largest "Maximum answer seconds" its deck options allow.

Where this differs from Anki, because the file comes from a stranger: rows Anki never writes
(an ease outside 0-4, a kind outside 0-5, values that are not integers, a time before 2006 or
after now) are left out where Anki would fail or guess, and a file holding more than
MAX_REVIEWS_READ rows for its cards carries no history at all. A truncated history (no
learning entries) is kept as it is; Anki would also seed its first state from that review's
interval and ease, which are not carried.

One query reads the table, and one the scheduler's version; a malformed table (missing, or
with other columns) is no history, never a refused file.
"""

from __future__ import annotations

import enum
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from tutor.domain.scheduling import check_utc
from tutor.imports.deck import PastReview

# The most rows of the revlog read for a file's cards: past it, none is carried over.
MAX_REVIEWS_READ = 200_000
# The longest answer time kept: Anki's deck options cap it at 7,200 seconds at most.
MAX_DURATION_MS = 7_200_000
# Anki's first release: a review logged before it is not one.
FIRST_REVIEW_AT = datetime(2006, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Anki's "interday": an interval of a day or more (days when positive, seconds when negative).
_DAY_SECONDS = 86_400

HISTORY_TOO_LONG = (
    "The file's review history is too long to carry over (more than {limit:,} reviews), so "
    "none of it was."
)

# The columns of Anki's get.sql that its FSRS reads; rows Anki never writes are left out. A
# V1 collection's learning and relearning eases are read as v2_upgrade.sql rewrites them.
_QUERY = """
SELECT id, cid,
  CASE WHEN :v1 AND ease IN (2, 3) AND type IN (0, 2) THEN ease + 1 ELSE ease END,
  CAST(ivl AS integer), factor, CAST(time AS integer), type
FROM revlog
WHERE cid IN (SELECT id FROM cards)
  AND typeof(id) = 'integer' AND id BETWEEN :first AND :last
  AND typeof(ease) = 'integer' AND ease BETWEEN 0 AND 4
  AND typeof(type) = 'integer' AND type BETWEEN 0 AND 5
  AND typeof(factor) = 'integer'
ORDER BY cid, id
LIMIT :limit
"""


class ReviewKind(enum.IntEnum):
    """Anki's ``RevlogReviewKind``: the revlog's ``type`` column."""

    LEARNING = 0
    REVIEW = 1
    RELEARNING = 2
    FILTERED = 3  # answered in a filtered deck (factor 0: one that does not reschedule)
    MANUAL = 4  # set due date, or reset to new (factor 0)
    RESCHEDULED = 5  # rescheduled by FSRS when its settings changed


class RevlogEntry(NamedTuple):
    """One row of the revlog, the columns Anki's FSRS reads."""

    id: int  # when it was logged: ms since the epoch
    cid: int  # the card's id
    ease: int  # the button chosen, 1-4; 0 for an entry logged without an answer
    interval: int  # after it: days when positive, seconds when negative
    factor: int  # the ease factor (or FSRS difficulty) after it, 0 for a reset or cramming
    taken_ms: int | None  # the time taken to answer
    kind: int  # a ReviewKind


def read_history(
    connection: sqlite3.Connection, card_keys: Mapping[int, str], *, now: datetime
) -> tuple[dict[str, tuple[PastReview, ...]], str | None]:
    """The reviews of the collection's cards that became items, as Anki's FSRS keeps them.

    Args:
        connection: The collection, open (read-only) on its SQLite database.
        card_keys: Each card that became an item: its Anki card id -> its item key.
        now: The current time, UTC-aware: a review logged after it is left out.

    Returns:
        The kept reviews of each item that has any, oldest first, by item key; and a note for
        the user when the history was too long to read (then there is none).
    """
    check_utc(now)
    history: dict[str, tuple[PastReview, ...]] = {}
    try:
        bounds = {
            "first": _milliseconds(FIRST_REVIEW_AT),
            "last": _milliseconds(now),
            "limit": MAX_REVIEWS_READ + 1,
            "v1": _first_scheduler(connection),
        }
        rows = _Rows(connection.execute(_QUERY, bounds))
        for card_id, entries in groupby(rows, key=attrgetter("cid")):
            key = card_keys.get(card_id)
            kept = kept_reviews(list(entries)) if key is not None else []
            if key is not None and kept:
                history[key] = tuple(_past_review(entry) for entry in kept)
    except sqlite3.Error:
        # A revlog not as Anki writes it (no such table or column, a value past the limits
        # SQLite reads under, or the read's deadline passed): no history, the cards stay.
        return {}, None
    if rows.read > MAX_REVIEWS_READ:
        return {}, HISTORY_TOO_LONG.format(limit=MAX_REVIEWS_READ)
    return history, None


class _Rows(Iterator[RevlogEntry]):
    """The query's rows as entries, counting those read."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor
        self.read = 0

    def __next__(self) -> RevlogEntry:
        id_, cid, ease, interval, factor, taken_ms, kind = next(self._cursor)
        self.read += 1
        return RevlogEntry(id_, cid, ease, interval or 0, factor, taken_ms, kind)


def _first_scheduler(connection: sqlite3.Connection) -> bool:
    """Whether the collection is of Anki's first scheduler (V1), as Anki reads it: its
    ``schedVer`` (the ``config`` table's, else the ``col`` table's JSON) is not 2."""
    tables = {
        row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "config" in tables:
        found = connection.execute("SELECT val FROM config WHERE key = 'schedVer'").fetchone()
        if found is not None:
            return _json(found[0]) != 2
    found = connection.execute("SELECT conf FROM col").fetchone()
    conf = _json(found[0]) if found is not None else None
    return not isinstance(conf, dict) or conf.get("schedVer") != 2


def _json(value: object) -> object:
    """``value`` read as JSON; None where it is not (Anki then takes its default)."""
    try:
        return json.loads(value) if isinstance(value, str | bytes) else None
    except (ValueError, RecursionError):
        return None


def kept_reviews(entries: Sequence[RevlogEntry]) -> list[RevlogEntry]:
    """The entries of one card's revlog (by time) that Anki's FSRS reads as its history.

    Anki's ``reviews_for_fsrs`` (params.rs) for a memory state, with no date before which
    reviews are ignored: see the module's docstring.
    """
    first_learning: int | None = None  # the first entry of the last run of learning entries
    first_graded: int | None = None  # the first graded entry a day or more apart, since reset
    for index in range(len(entries) - 1, -1, -1):
        entry = entries[index]
        if _is_cramming(entry):
            continue
        graded = entry.ease > 0
        if graded and (entry.interval >= 1 or entry.interval <= -_DAY_SECONDS):
            first_graded = index
        if graded and entry.kind == ReviewKind.LEARNING:
            first_learning = index
        elif _is_reset(entry):
            if first_learning is None and first_graded is None:
                return []  # not graded since it was reset: no history
            break
        elif first_learning is not None:
            # Before that run: an older history, reset by an Anki that logged no reset.
            break
    start = first_learning if first_learning is not None else first_graded
    if start is None:
        return []
    return [entry for entry in entries[start:] if entry.ease > 0 and not _is_cramming(entry)]


def _is_reset(entry: RevlogEntry) -> bool:
    return entry.kind == ReviewKind.MANUAL and entry.factor == 0


def _is_cramming(entry: RevlogEntry) -> bool:
    return entry.kind == ReviewKind.FILTERED and entry.factor == 0


def _past_review(entry: RevlogEntry) -> PastReview:
    return PastReview(
        reviewed_at=_EPOCH + timedelta(milliseconds=entry.id),
        rating=entry.ease,
        duration_ms=min(max(entry.taken_ms or 0, 0), MAX_DURATION_MS),
    )


def _milliseconds(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)
