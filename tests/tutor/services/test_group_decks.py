"""A group's decks: an own deck reaches a class only as offered by its owner, while they
are an admin; a deleted deck (or a forgotten owner's) is named by nothing afterwards, and
its id never names another deck."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.tutor.services.test_owndecks import NOW, all_of, card, imported, parsed, question
from tutor.domain.library import Library
from tutor.services import classroom, deckpage, groupdecks, learners, owndecks, sharing
from tutor.store import AddedDeck, Database, DeckAction, GroupDeck, Learner, OwnDeckItem

GROUP = -5


def deck_with_question(title: str, text: str) -> Any:
    return parsed(title, [card("c1", f"{title} card?")], [question("q1", text)])


def choices(database: Database, library: Library, admin_id: int) -> Any:
    return database.run(
        groupdecks.group_deck_choices, library=library, chat_id=GROUP, admin_id=admin_id
    )


def toggle(database: Database, library: Library, deck: str, admin_id: int) -> Any:
    return database.run(
        groupdecks.toggle_group_deck, library=library, chat_id=GROUP, deck=deck, admin_id=admin_id
    )


async def quiz_items(database: Database, library: Library, admins: list[int]) -> list[str]:
    started = await database.run(
        classroom.start_session, library=library, chat_id=GROUP, questions=5, seconds=30,
        now=NOW, rng=random.Random(1), admins=admins,
    )  # fmt: skip
    assert started is not None and started.id is not None
    await database.run(classroom.stop_session, chat_id=GROUP, now=NOW)
    return list(started.item_ids)


async def test_a_co_admins_deck_reaches_the_class_only_as_its_owner_offers_it(
    database: Database, tiny_library: Library
) -> None:
    ann = (await imported(database, deck_with_question("Ann's", "Ann asks?"), 1)).number
    bob = (await imported(database, deck_with_question("Bob's", "Bob asks?"), 2)).number

    # Bob sees the built-in decks and his own, never Ann's private deck, nor switches it.
    assert [(c.deck, c.owner_id) for c in await choices(database, tiny_library, 2)] == [
        ("alpha", None), ("beta", None), (f"own{bob}", 2),
    ]  # fmt: skip
    with pytest.raises(owndecks.DeckError, match="cannot be picked"):
        await toggle(database, tiny_library, f"own{ann}", 2)

    # Ann offers hers: Bob sees it, offered by Ann, and still cannot switch it.
    now_on, _ = await toggle(database, tiny_library, f"own{ann}", 1)
    assert now_on
    seen_by_bob = {c.deck: c for c in await choices(database, tiny_library, 2)}
    assert seen_by_bob[f"own{ann}"].chosen and seen_by_bob[f"own{ann}"].offered_by == 1
    assert seen_by_bob[f"own{ann}"].owner_id == 1
    with pytest.raises(owndecks.DeckError, match="cannot be picked"):
        await toggle(database, tiny_library, f"own{ann}", 2)
    assert await database.run(groupdecks.group_offerers, chat_id=GROUP) == [1]

    # While Ann is an admin, the quiz asks her question; once she is not, never.
    assert await quiz_items(database, tiny_library, admins=[1]) == [f"own{ann}-q1"]
    assert f"own{ann}-q1" not in await quiz_items(database, tiny_library, admins=[])
    # A choice stored as offered by someone else than the owner counts for nothing.
    await database.run(
        lambda session: (
            session.execute(
                GroupDeck.__table__.update().values(offered_by=2)  # type: ignore[attr-defined]
            ),
            session.commit(),
        )
    )
    assert f"own{ann}-q1" not in await quiz_items(database, tiny_library, admins=[1, 2])


def references(session: Session, decks: list[int]) -> dict[str, list[Any]]:
    """Every row that names one of the decks."""
    names = {f"own{n}" for n in decks}
    found = {
        "groupdeck": [r.deck for r in all_of(session, GroupDeck) if r.deck in names],
        "addeddeck": [r.deck_id for r in all_of(session, AddedDeck) if r.deck_id in decks],
        "deckaction": [r.deck_id for r in all_of(session, DeckAction) if r.deck_id in decks],
        "owndeckitem": [r.deck_id for r in all_of(session, OwnDeckItem) if r.deck_id in decks],
        "learner.decks": [
            (learner.id, learner.decks)
            for learner in session.execute(select(Learner)).scalars()
            if names & set(learner.decks or ())
        ],
    }
    return {table: rows for table, rows in found.items() if rows}


async def test_forget_leaves_nothing_that_names_the_deleted_decks_and_no_id_comes_back(
    database: Database, tiny_library: Library
) -> None:
    first = (await imported(database, deck_with_question("Optics", "Which lens?"), 1)).number
    second = (await imported(database, deck_with_question("Waves", "Which wave?"), 1)).number
    code = (await database.run(all_of, owndecks.OwnDeck))[0].share_code
    await database.run(
        sharing.open_share_link, library=tiny_library, learner_id=2, first_name="Bo",
        code=code, now=NOW,
    )  # fmt: skip
    await toggle(database, tiny_library, f"own{first}", 1)
    await toggle(database, tiny_library, f"own{second}", 1)
    await database.run(deckpage.ask, learner_id=1, deck_number=second, action="rename", now=NOW)
    mine = [first, second]
    assert set(await database.run(references, mine)) == {
        "groupdeck", "addeddeck", "deckaction", "owndeckitem", "learner.decks",
    }  # fmt: skip

    await database.run(learners.forget, learner_id=1)

    assert await database.run(references, mine) == {}
    # The next deck anyone imports takes a new id: the group's quiz cannot reach it.
    stranger = (await imported(database, deck_with_question("Private", "Secret?"), 3)).number
    assert stranger not in mine
    assert await quiz_items(database, tiny_library, admins=[1, 3]) == []


async def test_deleting_a_deck_clears_the_groups_and_learners_that_named_it(
    database: Database, tiny_library: Library
) -> None:
    number = (await imported(database, deck_with_question("Optics", "Which lens?"), 1)).number
    await toggle(database, tiny_library, f"own{number}", 1)
    assert await database.run(deckpage.delete_deck, learner_id=1, deck_number=number)
    assert await database.run(references, [number]) == {}
    again = (await imported(database, deck_with_question("Optics", "Which lens?"), 1)).number
    assert again != number
