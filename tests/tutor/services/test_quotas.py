"""Per-learner quotas and big libraries, on SQLite and PostgreSQL: each quota refused with
its line and nothing changed; retired items bounded over many replaces with kept items'
progress intact; a big library's next card drawn through ``Database.run`` (built off the
event loop) is the one /review must show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import tiny_deck
from tests.tutor.services.test_owndecks import NOW, card, imported, parsed, receive
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Rating
from tutor.imports import ParsedDeck
from tutor.services import deckpage, libraries, owndecks, quotas, sharing, study
from tutor.store import (
    AddedDeck,
    Database,
    DeckImport,
    ItemState,
    OwnDeck,
    OwnDeckItem,
    ReviewLog,
)
from tutor.store import owndecks as queries


def counts(session: Session) -> dict[str, int]:
    """How many rows the tables an import or a share link writes hold."""
    return {
        model.__name__: int(session.execute(select(func.count()).select_from(model)).scalar_one())
        for model in (OwnDeck, OwnDeckItem, AddedDeck, DeckImport, ItemState)
    }


def cards(prefix: str, count: int) -> list[Any]:
    return [card(f"{prefix}{k}", f"{prefix} front {k}?") for k in range(count)]


async def test_imports_past_the_hourly_quota_are_refused_until_the_hour_moves_on(
    database: Database,
) -> None:
    minute = timedelta(minutes=1)
    first = await imported(database, parsed("Deck 0", cards("a", 1)))
    for k in range(1, quotas.IMPORTS_PER_HOUR - 1):
        await imported(database, parsed(f"Deck {k}", cards("a", 1)), now=NOW + k * minute)
    # A replace counts as an import too: the last one the hour takes.
    at = NOW + 30 * minute
    await database.run(
        deckpage.ask, learner_id=1, deck_number=first.number, action="replace", now=at
    )
    replaced = await imported(database, parsed("Deck 0", cards("b", 2)), now=at)
    assert replaced.replaced
    before = await database.run(counts)

    with pytest.raises(
        owndecks.DeckError,
        match=r"^You sent 30 deck files in the last hour, the most I take\. "
        r"Try again in 29 minutes\.$",
    ):
        await receive(database, parsed("One more", cards("c", 1)), now=at + minute)
    almost = NOW + 59.5 * minute
    await database.run(
        deckpage.ask, learner_id=1, deck_number=first.number, action="replace", now=almost
    )
    with pytest.raises(owndecks.DeckError, match=r"Try again in 1 minute\.$"):
        await receive(database, parsed("Deck 0", cards("d", 1)), now=almost)
    assert await database.run(counts) == before
    # Another learner is not held back; and once the first import is an hour old, the
    # replace still asked for goes.
    await imported(database, parsed("Theirs", cards("e", 1)), learner_id=2, now=at)
    hour_on = NOW + 60 * minute + timedelta(seconds=1)
    later = await imported(database, parsed("Deck 0", cards("d", 1)), now=hour_on)
    assert (later.number, later.replaced, later.cards) == (first.number, True, 1)


async def test_items_past_the_learners_quota_are_refused_on_import_replace_and_share(
    database: Database, tiny_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotas, "MAX_LIBRARY_ITEMS", 10)
    optics = await imported(database, parsed("Optics", cards("o", 6)))
    before = await database.run(counts)

    with pytest.raises(
        owndecks.DeckError,
        match=r"^Your decks would hold 11 items, over the 10 I keep for one person\. "
        r"Delete a deck in /decks to make room\.$",
    ):
        await receive(database, parsed("Waves", cards("w", 5)))
    await database.run(
        deckpage.ask, learner_id=1, deck_number=optics.number, action="replace", now=NOW
    )
    with pytest.raises(owndecks.DeckError, match="would hold 11 items, over the 10"):
        await receive(database, parsed("Optics", cards("p", 11)))
    assert await database.run(counts) == before

    # A replace within the quota goes, counted without the items it replaces.
    await database.run(
        deckpage.ask, learner_id=1, deck_number=optics.number, action="replace", now=NOW
    )
    assert (await imported(database, parsed("Optics", cards("p", 10)))).cards == 10

    # Learner 2 studies 5 items of their own: Optics's 10 would make 15.
    await imported(database, parsed("Mine", cards("m", 5)), learner_id=2)
    deck = await database.run(lambda session: queries.get_deck(session, deck_id=optics.number))
    assert deck is not None
    before = await database.run(counts)
    with pytest.raises(owndecks.DeckError, match="would hold 15 items, over the 10"):
        await database.run(
            sharing.open_share_link, library=tiny_library, learner_id=2, first_name="Bo",
            code=deck.share_code, now=NOW,
        )  # fmt: skip
    assert await database.run(counts) == before
    studied = await database.run(libraries.learner_library, library=tiny_library, learner_id=2)
    assert f"own{optics.number}" not in studied.decks


async def test_a_shared_deck_grown_past_the_quota_is_left_out_of_the_library(
    database: Database, tiny_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotas, "MAX_LIBRARY_ITEMS", 10)
    shared = await imported(database, parsed("Shared", cards("s", 3)))
    own = await imported(database, parsed("Own", cards("o", 5)), learner_id=2)
    deck = await database.run(lambda session: queries.get_deck(session, deck_id=shared.number))
    assert deck is not None
    await database.run(
        sharing.open_share_link, library=tiny_library, learner_id=2, first_name="Bo",
        code=deck.share_code, now=NOW,
    )  # fmt: skip

    async def decks_of_2() -> list[str]:
        found = await database.run(libraries.learner_library, library=tiny_library, learner_id=2)
        return [d for d in found.decks if d.startswith("own")]

    assert await decks_of_2() == [f"own{own.number}", f"own{shared.number}"]
    # Its owner replaces it with 6 items: 5 + 6 is past learner 2's quota, not the owner's.
    await database.run(
        deckpage.ask, learner_id=1, deck_number=shared.number, action="replace", now=NOW
    )
    await imported(database, parsed("Shared", cards("t", 6)))
    assert await decks_of_2() == [f"own{own.number}"]
    owner = await database.run(libraries.learner_library, library=tiny_library, learner_id=1)
    assert len(owner.decks[f"own{shared.number}"].cards) == 6


async def test_retired_items_stay_bounded_over_many_replaces_and_kept_progress_stays(
    database: Database, tiny_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quotas, "MAX_RETIRED_ITEMS", 4)
    kept = [card("k1", "Kept one?"), card("k2", "Kept two?")]

    def version(n: int) -> ParsedDeck:
        return parsed("Optics", [*kept, *cards(f"r{n}x", 3)])

    number = (await imported(database, version(0))).number
    deck = await database.run(lambda session: queries.get_deck(session, deck_id=number))
    assert deck is not None
    await database.run(
        sharing.open_share_link, library=tiny_library, learner_id=2, first_name="Bo",
        code=deck.share_code, now=NOW,
    )  # fmt: skip

    def rate(session: Session, learner_id: int, key: str, now: datetime) -> Any:
        learner = study.start_learner(session, learner_id=learner_id, first_name="A", now=now)
        found = libraries.learner_library(session, library=tiny_library, learner_id=learner_id)
        return study.record_rating(
            session, library=found, learner=learner, item=f"own{number}-{key}", version=0,
            rating=Rating.GOOD, now=now,
        )  # fmt: skip

    for learner_id in (1, 2):
        await database.run(rate, learner_id, "k1", NOW)
        await database.run(rate, learner_id, "r0x0", NOW)
    for n in range(1, 7):
        at = NOW + timedelta(minutes=n)
        await database.run(
            deckpage.ask, learner_id=1, deck_number=number, action="replace", now=at
        )
        replaced = await imported(database, version(n), now=at)
        assert (replaced.kept, replaced.retired) == (2, 3)
        rows = await database.run(lambda session: queries.all_items(session, deck_id=number))
        assert sum(row.active for row in rows) == 5
        assert sum(not row.active for row in rows) == min(4, 3 * n)

    rows = await database.run(lambda session: queries.all_items(session, deck_id=number))
    # The most recently retired stay (the last file's three, then one of the one before).
    assert [row.key for row in rows if not row.active] == ["r5x0", "r5x1", "r5x2", "r4x0"]

    def states(session: Session) -> list[tuple[int, str, int]]:
        found = session.execute(select(ItemState.learner_id, ItemState.item_id, ItemState.reps))
        return sorted((int(a), str(b), int(c)) for a, b, c in found.all())

    # Both learners keep k1's memory; r0x0's went with it, its review history stays.
    assert await database.run(states) == [(1, f"own{number}-k1", 1), (2, f"own{number}-k1", 1)]
    logged = await database.run(
        lambda session: session.execute(select(ReviewLog.learner_id, ReviewLog.item_id)).all()
    )
    assert sorted((int(a), str(b)) for a, b in logged) == [
        (1, f"own{number}-k1"),
        (1, f"own{number}-r0x0"),
        (2, f"own{number}-k1"),
        (2, f"own{number}-r0x0"),
    ]


async def write_deck(database: Database, owner: int, name: str, deck: ParsedDeck) -> int:
    """An own deck written through the store as an import writes it (faster for big ones)."""

    def write(session: Session) -> int:
        study.start_learner(session, learner_id=owner, first_name="H", now=NOW)
        number = queries.insert_deck(
            session, learner_id=owner, name=name, title=name, share_code=name[:12].ljust(12),
            revision=hash(name) & (2**62 - 1), now=NOW,
        )  # fmt: skip
        rows, _ = owndecks.assign_ids(number, deck, [])
        queries.write_items(session, deck_id=number, rows=rows)
        session.commit()
        return number

    return await database.run(write)


async def test_a_big_librarys_next_card_is_the_most_overdue_then_the_first_new_in_order(
    database: Database,
) -> None:
    libraries.clear_caches()
    base = library_of([tiny_deck("tiny", cards=1)])
    numbers = [
        await write_deck(database, 7, f"big{d}", parsed(f"Big {d}", cards(f"d{d}c", 2000)))
        for d in range(3)
    ]
    ids = [f"own{number}" for number in numbers]

    def draw(session: Session) -> study.CardToShow | study.Caught:
        return study.draw_next(
            session, library=base, learner_id=7, first_name="H", now=NOW, default_zone="UTC"
        ).upcoming

    def rate(session: Session, item_id: str, rating: Rating, at: datetime) -> None:
        learner = study.start_learner(session, learner_id=7, first_name="H", now=at)
        found = libraries.learner_library(session, library=base, learner_id=7)
        memory = study.current_memory(session, learner_id=7, item_id=item_id)
        result = study.record_rating(
            session, library=found, learner=learner, item=item_id,
            version=memory.reps if memory else 0, rating=rating, now=at,
        )  # fmt: skip
        assert result.outcome is study.Outcome.RECORDED

    async def shown() -> study.CardToShow:
        upcoming = await database.run(draw)
        assert isinstance(upcoming, study.CardToShow)
        return upcoming

    # Nothing seen yet: the first card of the first deck (the built-in one).
    assert ((await shown()).card.id, (await shown()).is_new) == ("tiny-c0", True)
    # Cards deep in the last deck and in the second, failed days ago: due, most overdue first.
    await database.run(rate, f"{ids[2]}-d2c1500", Rating.AGAIN, NOW - timedelta(days=9))
    await database.run(rate, f"{ids[1]}-d1c42", Rating.AGAIN, NOW - timedelta(days=8))
    await database.run(rate, "tiny-c0", Rating.EASY, NOW)
    first = await shown()
    assert (first.card.id, first.is_new, first.due_count, first.deck_title) == (
        f"{ids[2]}-d2c1500",
        False,
        2,
        "big2",
    )
    await database.run(rate, first.card.id, Rating.GOOD, NOW)
    assert (await shown()).card.id == f"{ids[1]}-d1c42"
    await database.run(rate, f"{ids[1]}-d1c42", Rating.GOOD, NOW)
    # Nothing due: the first new card in deck order.
    assert ((await shown()).card.id, (await shown()).is_new) == (f"{ids[0]}-d0c0", True)
    await database.run(rate, f"{ids[0]}-d0c0", Rating.EASY, NOW)
    assert (await shown()).card.id == f"{ids[0]}-d0c1"

    # A replace gives the deck a new revision: the next draw reads it, not the cached one.
    await database.run(
        deckpage.ask, learner_id=7, deck_number=numbers[0], action="replace", now=NOW
    )
    await imported(database, parsed("Big 0", cards("n", 3)), learner_id=7)
    after = await shown()
    assert (after.card.id, after.card.front) == (f"{ids[0]}-n0", "n front 0?")
