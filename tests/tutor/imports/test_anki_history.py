"""The review history an Anki package carries becomes its deck's history, as Anki's FSRS reads
it: what each real package carries over, checked against the memory state Anki itself computes
from it; a reset starts a card afresh, cramming and set due dates are not reviews, as in decks
Anki wrote and in Anki's own tests; and a revlog written to hurt (garbage values, millions of
rows, odd tables) is read within bounds or not at all, never refusing the deck."""

from __future__ import annotations

import os
import pickle
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from anki.consts import MODEL_CLOZE
from anki.decks import DeckId

from tests.hostile import HostileFile, parse_in_child
from tests.tutor.imports.anki_files import (
    BASIC,
    REVLOG_SCHEMA,
    collection,
    newer_package,
    unicase,
)
from tests.tutor.imports.anki_reference import (
    COLLECTION_SUFFIXES,
    PACKAGE_SUFFIXES,
    REALDECKS,
    anki_collection,
    corpus_files,
)
from tutor.imports import ParsedDeck, parse_file
from tutor.imports.anki import _card_key
from tutor.imports.anki_history import (
    HISTORY_TOO_LONG,
    MAX_DURATION_MS,
    MAX_REVIEWS_READ,
    ReviewKind,
    RevlogEntry,
    kept_reviews,
)
from tutor.imports.deck import PastReview

if TYPE_CHECKING:
    # Imported first, anki.cards meets a circular import of Anki's own.
    from anki.cards import Card as AnkiCard

PACKAGES = [p for p in corpus_files() if p.suffix in PACKAGE_SUFFIXES | COLLECTION_SUFFIXES]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# What each real package carries over: (reviews, items with a history); any other, none.
# Their revlogs hold more rows where some belong to cards that are not items (empty cards,
# duplicates), or where Anki's FSRS leaves rows out: BarRonPcAp's cards were reset (Forget)
# and set due, so 209 of its 4,240 rows count; SpanishAnkiExportReal crammed twice.
CARRIED = {
    "kedar/collection.apkg": (1598, 619),  # 1,601 rows over 621 cards
    "chia/collection.colpkg": (237, 40),
    "pypaut/collection.colpkg": (51, 20),
    "kedar/spoken-languages__english__Vocab__2023.apkg": (94, 38),
    "ankidroid/templates.apkg": (92, 15),  # 102 rows over 18 cards
    "bellbot/ComputerSecurityDeck.apkg": (10, 8),
    "hckrtst/All Decks-1-23-23.apkg": (72, 22),
    "hckrtst/collection.colpkg": (8, 4),
    "kedar/BarRonPcAp.colpkg": (209, 202),  # 4,240 rows over 1,502 cards
    "pedscoffee/SpanishAnkiExportReal.apkg": (31361, 2878),  # 31,363 rows over 2,878 cards
}
WITH_HISTORY = [p for p in PACKAGES if p.relative_to(REALDECKS).as_posix() in CARRIED]


def _name(path: Path) -> str:
    return path.relative_to(REALDECKS).as_posix()


def _ms(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(milliseconds=1)


def _at(ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=ms)


def _reviews(deck: ParsedDeck) -> int:
    return sum(len(reviews) for reviews in deck.history.values())


def _check_history(deck: ParsedDeck) -> None:
    """Every history is an item's, oldest first, rated 1-4, in UTC, with a duration in range."""
    assert set(deck.history) <= {card.id for card in deck.cards}
    for reviews in deck.history.values():
        assert reviews
        times = [review.reviewed_at for review in reviews]
        assert times == sorted(times)
        assert all(moment.utcoffset() == timedelta(0) for moment in times)
        assert {review.rating for review in reviews} <= {1, 2, 3, 4}
        assert all(0 <= review.duration_ms <= MAX_DURATION_MS for review in reviews)


# --- the real packages ------------------------------------------------------------------


@pytest.mark.parametrize("path", PACKAGES, ids=[_name(p) for p in PACKAGES])
def test_a_real_package_carries_its_review_history(path: Path) -> None:
    deck = parse_file(path.name, path.read_bytes())
    carried = (_reviews(deck), len(deck.history))
    assert carried == CARRIED.get(_name(path), (0, 0))
    _check_history(deck)
    assert not any("review history" in note for note in deck.notes)


def test_every_package_said_to_carry_a_history_is_in_the_corpus() -> None:
    assert sorted(_name(p) for p in WITH_HISTORY) == sorted(CARRIED)


@pytest.mark.parametrize("path", WITH_HISTORY, ids=[_name(p) for p in WITH_HISTORY])
def test_a_carried_history_is_what_ankis_fsrs_reads(path: Path) -> None:
    """Anki computes each card's FSRS memory state from the package's whole revlog, then again
    from only the reviews carried over: the two agree for every item. Where the history starts
    with a learning step (Anki reads it as complete), the carried reviews are written as plain
    learning entries, which Anki's FSRS reads one and all, so a review carried that Anki would
    leave out, or one left out that it reads, changes the state; a truncated history (no
    learning step) keeps its rows as they were, Anki seeding its first state from them."""
    deck = parse_file(path.name, path.read_bytes())
    with anki_collection(path, with_scheduling=True) as (col, _):
        assert col.db is not None
        # What Anki asks of a collection of its first scheduler before it is studied (its
        # import has done it for a package): a no-op on the others.
        col.upgrade_to_v2_scheduler()
        rows = {row[0]: row for row in col.db.all("SELECT * FROM revlog")}
        card_ids = col.db.list(
            "SELECT DISTINCT cid FROM revlog WHERE cid IN (SELECT id FROM cards)"
        )
        keys = {card_id: _key(col.get_card(card_id)) for card_id in card_ids}
        items = {card.id for card in deck.cards}
        card_ids = [card_id for card_id in card_ids if keys[card_id] in items]
        before = {card_id: _memory_state(col, card_id) for card_id in card_ids}
        assert sum(state is not None for state in before.values()) >= len(deck.history) // 2

        col.db.execute("DELETE FROM revlog")
        for card_id in card_ids:
            carried = [
                rows[_ms(review.reviewed_at)] for review in deck.history.get(keys[card_id], ())
            ]
            assert all(row[1] == card_id for row in carried)
            reviews = deck.history.get(keys[card_id], ())
            assert [row[3] for row in carried] == [review.rating for review in reviews]
            assert [min(row[7], MAX_DURATION_MS) for row in carried] == [
                review.duration_ms for review in reviews
            ]
            complete = bool(carried) and carried[0][8] == ReviewKind.LEARNING
            for row in carried:
                # id, cid, usn, ease, ivl, lastIvl, factor, time, type
                plain = (*row[:6], 2500, row[7], ReviewKind.LEARNING) if complete else row
                col.db.execute("INSERT INTO revlog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", *plain)
        after = {card_id: _memory_state(col, card_id) for card_id in card_ids}
    assert {c: s for c, s in after.items() if s != before[c]} == {}


def _key(card: AnkiCard) -> str:
    note = card.note()
    notetype = note.note_type()
    assert notetype is not None
    return _card_key(note.guid, card.ord, notetype["type"] == MODEL_CLOZE)


def _memory_state(col: Collection, card_id: int) -> tuple[float, float] | None:
    state = col.compute_memory_state(card_id)  # type: ignore[arg-type]
    if state.stability is None or state.difficulty is None:
        return None
    return (state.stability, state.difficulty)


def test_a_real_card_reset_in_anki_starts_afresh() -> None:
    """BarRonPcAp's cards were learnt and reviewed, then all reset (Forget) and set due: a card
    reviewed once since keeps that review alone, one never reviewed since keeps none."""
    path = REALDECKS / "kedar" / "BarRonPcAp.colpkg"
    deck = parse_file(path.name, path.read_bytes())
    # Good in learning, Good, Good, Hard; reset; Good in learning; set due.
    assert deck.history["nc4a149bd"] == (PastReview(_at(1759863858628), 3, 11776),)
    # Good in learning, Good, Good; reset; set due.
    assert "nbd2b2654" not in deck.history
    assert "nbd2b2654" in {card.id for card in deck.cards}


def test_a_history_survives_the_trip_to_another_process() -> None:
    path = REALDECKS / "chia" / "collection.colpkg"
    deck = parse_file(path.name, path.read_bytes())
    again = pickle.loads(pickle.dumps(deck))
    assert again.history == deck.history and _reviews(again) == 237


def test_other_formats_carry_no_history() -> None:
    deck = parse_file("words.csv", b"lens;glass that bends light\nprism;splits light\n")
    assert deck.item_count == 2 and deck.history == {}


# --- a deck Anki wrote ------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """Packages Anki exported from one collection, and the history each must carry."""

    files: tuple[Path, ...]
    history: dict[str, tuple[PastReview, ...]]
    items: frozenset[str]  # every card's key


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    """A collection reviewed in Anki, with a reset, cramming and a set due date, exported as
    a .colpkg and as .apkg with scheduling (newer and legacy formats)."""
    out = tmp_path_factory.mktemp("anki-history")
    with tempfile.TemporaryDirectory(prefix="anki-history-") as scratch:
        col = Collection(os.path.join(scratch, "collection.anki2"))
        try:
            history, items = _review_in_anki(col)
            files = []
            for name, legacy in (("newer.apkg", False), ("legacy.apkg", True)):
                options = ExportAnkiPackageOptions(
                    with_scheduling=True, with_deck_configs=True, with_media=False, legacy=legacy
                )
                col.export_anki_package(out_path=str(out / name), options=options, limit=None)
                files.append(out / name)
            col.export_collection_package(str(out / "whole.colpkg"), False, False)
            files.append(out / "whole.colpkg")
        finally:
            col.close()
    return Written(tuple(files), history, items)


def _review_in_anki(col: Collection) -> tuple[dict[str, tuple[PastReview, ...]], frozenset[str]]:
    deck_id = col.decks.id("Optics")
    assert deck_id is not None

    def add(notetype: str, **fields: str) -> list[AnkiCard]:
        model = col.models.by_name(notetype)
        assert model is not None
        note = col.new_note(model)
        for field, value in fields.items():
            note[field] = value
        col.add_note(note, deck_id)
        return note.cards()

    def answer(card: AnkiCard, ease: int, seconds: float = 0.0) -> PastReview:
        card.load()
        card.start_timer()
        assert card.timer_started is not None
        card.timer_started -= seconds
        col.sched.answerCard(card, ease)  # type: ignore[arg-type]
        assert col.db is not None
        logged = col.db.first(
            "SELECT id, time FROM revlog WHERE cid = ? ORDER BY id DESC", card.id
        )
        assert logged is not None
        return PastReview(_at(logged[0]), ease, logged[1])

    lens, lens_reversed = add("Basic (and reversed card)", Front="lens", Back="bends light")
    snell, refraction = add("Cloze", Text="{{c1::Snell}}'s law of {{c2::refraction}}")
    (prism,) = add("Basic", Front="prism", Back="splits light")

    # Learnt, reviewed, reset (Forget), then forgotten: the history starts at the reset.
    answer(lens, 3)
    answer(lens, 3)
    answer(lens, 4)
    col.sched.schedule_cards_as_new([lens.id])
    lens_again = answer(lens, 1, seconds=7.5)
    # Learnt, then reset and never seen again: no history.
    answer(lens_reversed, 3)
    col.sched.schedule_cards_as_new([lens_reversed.id])
    # Learnt, then set due in five days (a manual entry): one review.
    prism_easy = answer(prism, 4, seconds=2)
    col.sched.set_due_date([prism.id], "5")
    # Learnt, then crammed in a filtered deck that does not reschedule: one review.
    snell_good = answer(snell, 3)
    cram = col.sched.get_or_create_filtered_deck(deck_id=DeckId(0))
    cram.name = "Cram"
    cram.config.reschedule = False
    cram.config.search_terms[0].search = f"cid:{snell.id}"
    cram_id = col.sched.add_or_update_filtered_deck(cram).id
    snell.load()
    assert snell.did == cram_id
    answer(snell, 1)
    col.sched.empty_filtered_deck(DeckId(cram_id))

    history: dict[str, tuple[PastReview, ...]] = {
        _key(lens): (lens_again,),
        _key(prism): (prism_easy,),
        _key(snell): (snell_good,),
    }
    items = frozenset(_key(card) for card in (lens, lens_reversed, snell, refraction, prism))
    return history, items


def test_a_package_anki_wrote_carries_the_history_anki_reads(written: Written) -> None:
    assert [path.suffix for path in written.files] == [".apkg", ".apkg", ".colpkg"]
    # The 7.5 s the reset card was shown for (plus however long answering took here).
    assert written.history[next(iter(written.history))][0].duration_ms >= 7500
    for path in written.files:
        deck = parse_file(path.name, path.read_bytes())
        assert {card.id for card in deck.cards} == written.items, path.name
        assert deck.history == written.history, path.name


# --- Anki's own tests of reviews_for_fsrs ------------------------------------------------

# rslib/src/scheduler/fsrs/params.rs, mod tests: entries "days ago" before the next day starts.
_NEXT_DAY_AT = 86_400 * 1000


def revlog(kind: ReviewKind, days_ago: int, **changes: int) -> RevlogEntry:
    """Anki's test helper ``revlog``: Good (none for manual and rescheduled entries), an
    interval of one day, factor 0."""
    ease = 0 if kind in (ReviewKind.MANUAL, ReviewKind.RESCHEDULED) else 3
    entry = RevlogEntry(
        id=(_NEXT_DAY_AT - days_ago * 86_400) * 1000,
        cid=1,
        ease=ease,
        interval=1,
        factor=0,
        taken_ms=0,
        kind=kind,
    )
    return entry._replace(**changes)


L, R, X = ReviewKind.LEARNING, ReviewKind.REVIEW, ReviewKind.RELEARNING
RESET = revlog(ReviewKind.MANUAL, 7)  # Forget: manual, factor 0
SET_DUE = revlog(ReviewKind.MANUAL, 7, factor=100)

# (entries, the indices Anki's FSRS keeps), from Anki's tests with ``training`` false, and
# the cases of those run with it true that read the same either way.
ANKIS_CASES = {
    "cram_is_filtered": (
        [revlog(L, 10), revlog(R, 9), revlog(ReviewKind.FILTERED, 7), revlog(R, 4)],
        [0, 1, 3],
    ),
    "set_due_date_is_filtered": ([revlog(L, 10), revlog(R, 9), SET_DUE, revlog(R, 4)], [0, 1, 3]),
    "reset_between_learning_steps": ([revlog(L, 10), RESET, revlog(L, 4), revlog(R, 0)], [2, 3]),
    "reset_then_only_manual_entries": ([revlog(L, 10), revlog(R, 9), RESET, SET_DUE], []),
    "reset_then_reviews": (
        [revlog(L, 10), revlog(R, 9), RESET, revlog(R, 1), revlog(X, 0)],
        [3, 4],
    ),
    "reset_then_reviews_no_learning": ([revlog(R, 9), RESET, revlog(R, 1), revlog(X, 0)], [2, 3]),
    "single_learning_step": ([revlog(L, 1)], [0]),
    "zero_history": ([], []),
    # memory_state.rs, bypassed_learning_is_handled: a truncated history is read as it is.
    "bypassed_learning": ([revlog(R, 99, factor=2500, interval=100), revlog(R, 0)], [0, 1]),
    # Older Ankis logged no reset: a run of learning steps after reviews starts afresh.
    "unlogged_reset": ([revlog(L, 9), revlog(R, 8), revlog(L, 4), revlog(L, 3)], [2, 3]),
    # Without learning steps, the history starts at the first review a day or more apart.
    "intraday_first": ([revlog(X, 9, interval=-600), revlog(R, 8), revlog(R, 1)], [1, 2]),
}


@pytest.mark.parametrize("case", ANKIS_CASES)
def test_kept_as_in_ankis_own_tests(case: str) -> None:
    entries, kept = ANKIS_CASES[case]
    assert kept_reviews(entries) == [entries[index] for index in kept]


# --- revlogs written to hurt -----------------------------------------------------------

NOW_MS = _ms(datetime.now(UTC))
DAY_MS = 86_400_000
KEY = _card_key("g1", 0, False)  # the key of the first note's card (card id 1)
# Anki's columns, typed as nothing: any value goes in.
LOOSE = "CREATE TABLE revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type);"


def _package(
    rows: list[tuple[object, ...]] | None = None, *, table: str = REVLOG_SCHEMA, script: str = ""
) -> bytes:
    """An .apkg of one Basic note (its card's id is 1) whose revlog, made by ``table``, holds
    ``rows`` (id, cid, ease, ivl, factor, time, type), after ``script`` (SQL a sender wrote)."""
    data = collection(
        note_types=[BASIC],
        decks={1: "Default", 7: "Optics"},
        notes=[(1, "g1", BASIC.id, ["lens", "bends light"])],
        cards=[(1, 7, 0)],
    )
    connection = sqlite3.connect(":memory:")
    connection.create_collation("unicase", unicase)
    connection.deserialize(data)
    connection.executescript(table)
    if rows:
        insert = "INSERT INTO revlog VALUES (?, ?, 0, ?, ?, 0, ?, ?, ?)"
        connection.executemany(insert, rows)
    connection.executescript(script)
    connection.commit()
    data = connection.serialize()
    connection.close()
    return newer_package(data)


def _parse(data: bytes) -> ParsedDeck:
    return parse_file("hostile.apkg", data)


def _flood(rows: int, ease: int) -> str:
    """SQL adding ``rows`` reviews of card 1 with ``ease``, a millisecond apart, 100 days ago
    (without Anki's indexes, which would not compress to what Telegram delivers)."""
    return (
        "DROP INDEX ix_revlog_cid; DROP INDEX ix_revlog_usn; "
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < "
        f"{rows - 1}) INSERT INTO revlog SELECT {NOW_MS - 100 * DAY_MS} + i, 1, 0, {ease}, "
        "-60, 0, 0, 4000, 0 FROM n;"
    )


def test_garbage_rows_are_left_out_and_times_capped() -> None:
    """Rows no Anki writes are left out; a time out of range is capped, as Anki caps it."""
    day = NOW_MS - 10 * DAY_MS
    rows: list[tuple[object, ...]] = [
        (day, 1, 3, -600, 0, 5000, 0),  # kept
        (day + 1, 1, 7, 1, 0, 5000, 1),  # ease 7
        (day + 2, 1, -1, 1, 0, 5000, 1),  # ease -1
        (day + 3, 1, 3, 1, 0, 5000, 9),  # kind 9
        (day + 4, 1, "3", 1, 0, 5000, 1),  # ease as text
        (day + 5, 1, 3, 1, None, 5000, 1),  # no factor
        (1_000, 1, 3, 1, 0, 5000, 1),  # in 1970
        (NOW_MS + DAY_MS, 1, 3, 1, 0, 5000, 1),  # tomorrow
        (str(day + 6), 1, 3, 1, 0, 5000, 1),  # id as text
        (day + 7, 99, 3, 1, 0, 5000, 1),  # a card the file lacks
        (day + 8, 1, 3, 1, 2500, 10**15, 1),  # kept: an answer of 30,000 years
        (day + 9, 1, 2, "two", 2500, -5, 1),  # kept: no interval, a time below zero
        (day + 10, 1, 4, 1.5, 2500, None, 1),  # kept: no time
        (day + 11, 1, 3, 2, 2500, b"\x00" * 100, 1),  # kept: a blob of a time
    ]
    deck = _parse(_package(rows, table=LOOSE))
    assert deck.history == {
        KEY: (
            PastReview(_at(day), 3, 5000),
            PastReview(_at(day + 8), 3, MAX_DURATION_MS),
            PastReview(_at(day + 9), 2, 0),
            PastReview(_at(day + 10), 4, 0),
            PastReview(_at(day + 11), 3, 0),
        )
    }
    assert deck.notes == ()


# One review a day ago (id, cid, usn, ease, ivl, lastIvl, factor, time), Good in learning.
ONE = f"{NOW_MS - DAY_MS}, 1, 0, 3, -600, 0, 0, 5000"
COLUMNS = "id, cid, usn, ease, ivl, lastIvl, factor, time"
MALFORMED = {
    "no revlog": ("", ""),
    "no type column": (
        f"CREATE TABLE revlog ({COLUMNS});",
        f"INSERT INTO revlog VALUES ({ONE});",
    ),
    "a view": (
        f"CREATE VIEW revlog AS SELECT {NOW_MS - DAY_MS} AS id, 1 AS cid, 0 AS usn, 3 AS ease,"
        " -600 AS ivl, 0 AS lastIvl, 0 AS factor, 5000 AS time, 0 AS type;",
        "",
    ),
    "a generated column": (
        f"CREATE TABLE revlog ({COLUMNS}, type AS (length(zeroblob(900000000)) * 0));",
        f"INSERT INTO revlog ({COLUMNS}) VALUES ({ONE});",
    ),
}


def test_one_review_in_ankis_revlog_is_carried() -> None:
    deck = _parse(_package(script=f"INSERT INTO revlog VALUES ({ONE}, 0);"))
    assert deck.history == {KEY: (PastReview(_at(NOW_MS - DAY_MS), 3, 5000),)}


def test_a_first_scheduler_collection_has_its_learning_buttons_read_as_anki_reads_them() -> None:
    """Anki's first scheduler (V1, no ``schedVer``) had Again, Good and Easy as 1-3 in
    learning and relearning: Anki reads them as 1, 3 and 4 (a review's Hard stays 2)."""
    day = NOW_MS - 10 * DAY_MS
    rows: list[tuple[object, ...]] = [
        (day, 1, 1, -60, 0, 1000, ReviewKind.LEARNING),  # Again
        (day + 1, 1, 2, -600, 0, 1000, ReviewKind.LEARNING),  # Good
        (day + 2, 1, 3, 4, 0, 1000, ReviewKind.LEARNING),  # Easy
        (day + 3, 1, 2, 5, 2500, 1000, ReviewKind.REVIEW),  # Hard
        (day + 4, 1, 1, -600, 2300, 1000, ReviewKind.REVIEW),  # Again
        (day + 5, 1, 2, 1, 2300, 1000, ReviewKind.RELEARNING),  # Good
    ]
    ratings = {
        "V2": [1, 2, 3, 2, 1, 2],
        "V1": [1, 3, 4, 2, 1, 3],
    }
    for version, script in (("V2", ""), ("V1", "DELETE FROM config;")):
        deck = _parse(_package(rows, script=script))
        assert [review.rating for review in deck.history[KEY]] == ratings[version], version


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_revlog_is_no_history_never_a_refusal(case: str) -> None:
    """The same review, in a revlog not as Anki writes it: the card is read, without it."""
    table, script = MALFORMED[case]
    deck = _parse(_package(table=table, script=script))
    assert deck.item_count == 1 and deck.history == {} and deck.notes == ()


def test_reviews_up_to_the_limit_are_carried() -> None:
    deck = _parse(_package(script=_flood(MAX_REVIEWS_READ, ease=3)))
    assert _reviews(deck) == MAX_REVIEWS_READ and deck.notes == ()
    _check_history(deck)


def test_millions_of_reviews_carry_none_and_say_so() -> None:
    data = _package(script=_flood(2_000_000, ease=3))
    assert len(data) < 2 * 1024 * 1024  # what Telegram delivers
    deck = _parse(data)
    assert deck.item_count == 1 and deck.history == {}
    assert deck.notes == (HISTORY_TOO_LONG.format(limit=MAX_REVIEWS_READ),)
    assert "200,000" in deck.notes[0]
    # Parsed where the bot parses files: in a child under a memory limit and a deadline.
    outcome = parse_in_child(HostileFile("reviews.apkg", data, "two million reviews", "imported"))
    assert (outcome.kind, outcome.items) == ("imported", 1)


def test_millions_of_garbage_rows_are_read_past() -> None:
    data = _package(script=f"INSERT INTO revlog VALUES ({ONE}, 0);" + _flood(2_000_000, ease=9))
    deck = _parse(data)
    assert _reviews(deck) == 1 and deck.notes == ()
