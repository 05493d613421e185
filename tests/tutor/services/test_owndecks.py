"""Own decks in the store, on SQLite and PostgreSQL: import, replace with progress kept,
limits that change nothing, rename, share, delete, group choices, export round trip."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tutor.domain.content import Card, ExplainPrompt, QuizQuestion
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Rating
from tutor.imports import ParsedDeck, export_deck, parse_file
from tutor.services import (
    classroom,
    deckpage,
    groupdecks,
    learners,
    libraries,
    owndecks,
    progress_export,
    quotas,
    reminders,
    sharing,
    stats,
    study,
)
from tutor.store import (
    AddedDeck,
    Database,
    GroupDeck,
    ItemState,
    OwnDeck,
    OwnDeckItem,
    ReviewLog,
    practice,
)
from tutor.store import owndecks as queries
from tutor.store.owndecks import ItemRow

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def card(key: str, front: str, back: str = "An answer.") -> Card:
    return Card(id=key, level="beginner", front=front, back=back, source="deck.csv")


def question(key: str, text: str, explanation: str = "Because it is.") -> QuizQuestion:
    return QuizQuestion.model_validate(
        {
            "id": key,
            "level": "beginner",
            "question": text,
            "options": [
                {"text": "The right one", "correct": True},
                {"text": "A wrong one", "why_wrong": "It is not."},
                {"text": "Another wrong one"},
            ],
            "explanation": explanation,
            "source": "deck.csv",
        }
    )


def prompt(key: str) -> ExplainPrompt:
    return ExplainPrompt.model_validate(
        {
            "id": key,
            "level": "beginner",
            "prompt": "Why does light bend in glass?",
            "hint": "Think of speed.",
            "concepts": [{"name": "slower in glass", "phrases": ["slower", "slows down"]}],
            "misconceptions": [],
            "model_answer": "Light is slower in glass, so the wave front turns.",
            "source": "deck.md",
        }
    )


def parsed(
    name: str,
    cards: Sequence[Card] = (),
    quiz: Sequence[QuizQuestion] = (),
    explain: Sequence[ExplainPrompt] = (),
) -> ParsedDeck:
    return ParsedDeck(
        name=name,
        format="csv",
        cards=tuple(cards),
        quiz=tuple(quiz),
        explain=tuple(explain),
        skipped=(),
        media_skipped=0,
    )


OPTICS = parsed(
    "Optics",
    [card("c1", "What bends light?"), card("c2", "What is a focal length?")],
    [question("q1", "Which lens converges light?")],
)


async def receive(
    database: Database,
    deck: ParsedDeck,
    learner_id: int = 1,
    *,
    file_id: str = "file-1",
    now: datetime = NOW,
) -> owndecks.Imported | owndecks.NeedsConfirm:
    return await database.run(
        owndecks.receive_file, learner_id=learner_id, first_name="Ada", parsed=deck,
        file_id=file_id, file_name="optics.csv", now=now,
    )  # fmt: skip


async def imported(
    database: Database, deck: ParsedDeck, learner_id: int = 1, *, now: datetime = NOW
) -> owndecks.Imported:
    result = await receive(database, deck, learner_id, now=now)
    assert isinstance(result, owndecks.Imported)
    return result


def all_of(session: Session, model: type) -> list[Any]:
    return list(session.execute(select(model)).scalars().all())


async def items_of(database: Database, number: int) -> list[OwnDeckItem]:
    rows = await database.run(all_of, OwnDeckItem)
    return sorted((r for r in rows if r.deck_id == number), key=lambda r: r.position)


async def library_of_learner(database: Database, base: Library, learner_id: int) -> Library:
    return await database.run(libraries.learner_library, library=base, learner_id=learner_id)


async def test_a_file_becomes_a_deck_with_global_ids_beside_the_built_in_ones(
    database: Database, tiny_library: Library
) -> None:
    result = await imported(database, OPTICS)
    n = result.number

    assert (result.deck, result.title, result.cards, result.questions) == (
        f"own{n}",
        "Optics",
        2,
        1,
    )
    rows = await items_of(database, n)
    assert [(r.item_id, r.kind, r.key, r.active) for r in rows] == [
        (f"own{n}-c1", "card", "c1", True),
        (f"own{n}-c2", "card", "c2", True),
        (f"own{n}-q1", "quiz", "q1", True),
    ]
    assert rows[0].data["front"] == "What bends light?" and rows[0].data["id"] == f"own{n}-c1"
    mine = await library_of_learner(database, tiny_library, 1)
    assert list(mine.decks) == ["alpha", "beta", f"own{n}"]
    assert mine.deck_title(f"own{n}-q1") == "Optics"
    assert mine.own[f"own{n}"].owner_id == 1
    assert list((await library_of_learner(database, tiny_library, 2)).decks) == ["alpha", "beta"]

    # Study now: the learner's reviews come from the deck, starting with its first card.
    focused = await database.run(
        deckpage.focus_on, library=tiny_library, learner_id=1, first_name="Ada",
        deck_number=n, now=NOW,
    )  # fmt: skip
    drawn = await database.run(
        study.draw_next, library=tiny_library, learner_id=1, first_name="Ada", now=NOW,
        default_zone="UTC",
    )  # fmt: skip
    # The library's two built-in decks were on: Study now paused them.
    assert focused == deckpage.Focused("Optics", 2, 1, 0, paused=2)
    assert isinstance(drawn.upcoming, study.CardToShow)
    assert (drawn.upcoming.card.id, drawn.upcoming.deck_title) == (f"own{n}-c1", "Optics")


async def test_a_new_deck_is_switched_on_for_a_learner_who_chose_decks(
    database: Database, tiny_library: Library
) -> None:
    await database.run(
        learners.toggle_deck, library=tiny_library, learner_id=1, first_name="Ada",
        deck_id="beta", now=NOW, default_zone="UTC",
    )  # fmt: skip
    result = await imported(database, OPTICS)
    listed = await database.run(
        stats.stats_of, library=tiny_library, learner_id=1, first_name="Ada", now=NOW,
        default_zone="UTC",
    )  # fmt: skip
    assert listed.learner.decks == ["alpha", result.deck]
    assert [d.deck_id for d in listed.stats.decks] == ["alpha", "beta", result.deck]
    assert listed.stats.decks[-1].total == 3


def test_ids_are_kept_by_key_then_by_front_and_unmatched_items_stay_inactive() -> None:
    old = [
        ItemRow("own7-aa", "card", "aa", {"id": "own7-aa", "front": "Alpha?"}, 0),
        ItemRow("own7-bb", "card", "bb", {"id": "own7-bb", "front": "Beta  ?"}, 1),
        ItemRow("own7-cc", "card", "cc", {"id": "own7-cc", "front": "Gamma?"}, 2),
        ItemRow("own7-old", "card", "old", {"id": "own7-old", "front": "Delta?"}, 3, False),
    ]
    new = parsed(
        "Deck",
        [
            card("aa", "Alpha changed?"),  # same key
            card("xx", "beta ?"),  # same front (case and spacing aside)
            card("old", "Delta again?"),  # an inactive item's key comes back
            card("dd", "New?"),
        ],
    )

    rows, kept = owndecks.assign_ids(7, new, old)

    assert [(r.item_id, r.key, r.active, r.position) for r in rows] == [
        ("own7-aa", "aa", True, 0),
        ("own7-bb", "xx", True, 1),
        ("own7-old", "old", True, 2),
        ("own7-dd", "dd", True, 3),
        ("own7-cc", "cc", False, 4),
    ]
    assert rows[1].data["front"] == "beta ?" and rows[1].data["id"] == "own7-bb"
    assert kept == 3


async def test_replacing_after_the_confirm_keeps_progress_and_retires_what_left(
    database: Database, tiny_library: Library
) -> None:
    first = parsed(
        "Optics", [card("c1", "Front one?"), card("c2", "Front two?"), card("c3", "Front three?")]
    )
    n = (await imported(database, first)).number
    mine = await library_of_learner(database, tiny_library, 1)
    learner = await database.run(study.start_learner, learner_id=1, first_name="Ada", now=NOW)
    for item_id in (f"own{n}-c1", f"own{n}-c2"):
        await database.run(
            study.record_rating, library=mine, learner=learner, item=item_id, version=0,
            rating=Rating.GOOD, now=NOW,
        )  # fmt: skip
    second = parsed(
        " optics ",  # the same name, case and spacing aside
        [card("c1", "Front one, reworded?"), card("k9", "FRONT TWO?"), card("c4", "Four?")],
    )

    waiting = await receive(database, second, file_id="file-2")
    assert waiting == owndecks.NeedsConfirm(number=n, title="Optics")
    assert [r.item_id for r in await items_of(database, n) if r.active] == [
        f"own{n}-c1",
        f"own{n}-c2",
        f"own{n}-c3",
    ]  # fmt: skip  (nothing changes before the confirm)
    found = await database.run(owndecks.waiting_file, learner_id=1, deck_number=n, now=NOW)
    assert found == owndecks.WaitingFile("file-2", "optics.csv")

    def confirm(session: Session) -> owndecks.Imported | None:
        return owndecks.replace_confirmed(
            session, learner_id=1, deck_number=n, file_id="file-2", parsed=second, now=NOW
        )

    replaced = await database.run(confirm)
    again = await database.run(confirm)  # a double tap

    assert replaced is not None and again is None
    assert (replaced.replaced, replaced.kept, replaced.retired, replaced.cards) == (True, 2, 1, 3)
    rows = await items_of(database, n)
    assert [(r.item_id, r.key, r.active) for r in rows] == [
        (f"own{n}-c1", "c1", True),
        (f"own{n}-c2", "k9", True),
        (f"own{n}-c4", "c4", True),
        (f"own{n}-c3", "c3", False),
    ]
    after = await library_of_learner(database, tiny_library, 1)
    assert after.item(f"own{n}-c2") is not None and after.item(f"own{n}-c3") is None
    card_two = after.item(f"own{n}-c2")
    assert isinstance(card_two, Card) and card_two.front == "FRONT TWO?"
    states = await database.run(all_of, ItemState)
    assert sorted(s.item_id for s in states) == [f"own{n}-c1", f"own{n}-c2"]  # progress kept
    drawn = await database.run(
        study.draw_next, library=tiny_library, learner_id=1, first_name="Ada",
        now=NOW + timedelta(days=30), default_zone="UTC",
    )  # fmt: skip
    assert isinstance(drawn.upcoming, study.CardToShow)
    assert drawn.upcoming.card.id in (f"own{n}-c1", f"own{n}-c2")
    assert not drawn.upcoming.is_new  # a reviewed card kept its schedule


async def test_a_file_for_a_deck_the_learner_asked_to_replace_needs_no_confirm(
    database: Database,
) -> None:
    n = (await imported(database, OPTICS)).number
    await database.run(deckpage.ask, learner_id=1, deck_number=n, action="replace", now=NOW)
    result = await receive(database, parsed("Another name", [card("zz", "Zed?")]))
    assert isinstance(result, owndecks.Imported)
    assert (result.number, result.title, result.replaced, result.retired) == (n, "Optics", True, 3)
    assert [d.title for d in await database.run(all_of, OwnDeck)] == ["Optics"]


async def test_refused_imports_change_nothing(database: Database, tiny_library: Library) -> None:
    for k in range(owndecks.MAX_DECKS):
        # Spread over hours: the quota on imports per hour is another test's.
        at = NOW + k * quotas.IMPORT_WINDOW / (quotas.IMPORTS_PER_HOUR - 1)
        await imported(database, parsed(f"Deck {k}", [card("cc", f"Front {k}?")]), now=at)
    items_before = len(await database.run(all_of, OwnDeckItem))

    with pytest.raises(owndecks.DeckError, match="You have 50 decks"):
        await receive(database, parsed("One too many", [card("cc", "Front?")]))
    too_big = parsed("Huge", [card(f"c{k}", f"Front {k}?") for k in range(5001)])
    with pytest.raises(owndecks.DeckError, match="at most 5,000 items"):
        await receive(database, too_big, learner_id=2)
    with pytest.raises(owndecks.DeckError, match="no cards or questions"):
        await receive(database, parsed("Empty"), learner_id=2)

    assert len(await database.run(all_of, OwnDeck)) == owndecks.MAX_DECKS
    assert len(await database.run(all_of, OwnDeckItem)) == items_before


async def test_a_replace_that_lost_a_race_writes_nothing(database: Database) -> None:
    n = (await imported(database, OPTICS)).number
    stale = await database.run(lambda session: queries.get_deck(session, deck_id=n))
    assert stale is not None
    await database.run(deckpage.ask, learner_id=1, deck_number=n, action="replace", now=NOW)
    await receive(database, parsed("Optics", [card("c9", "Replaced first?")]))  # wins the race

    def late(session: Session) -> owndecks.Imported:
        return owndecks._replace(
            session, deck=stale, parsed=parsed("Optics", [card("c8", "Too late?")]), now=NOW
        )

    with pytest.raises(owndecks.DeckError, match="changed meanwhile"):
        await database.run(late)
    assert [r.key for r in await items_of(database, n) if r.active] == ["c9"]


async def test_the_next_text_renames_unless_an_explain_prompt_was_asked_since(
    database: Database, tiny_library: Library
) -> None:
    n = (await imported(database, OPTICS)).number
    other = (await imported(database, parsed("Waves", [card("ww", "Wave?")]))).number

    def rename(text: str, at: datetime = NOW) -> Any:
        return database.run(deckpage.rename_from_text, learner_id=1, text=text, now=at)

    assert await rename("Anything") is None  # nothing asked
    await database.run(deckpage.ask, learner_id=1, deck_number=n, action="rename", now=NOW)
    with pytest.raises(owndecks.DeckError, match="already have a deck named 'Waves'"):
        await rename(" waves ")
    with pytest.raises(owndecks.DeckError, match="1 to 60 characters"):
        await rename("x" * 61)
    renamed = await rename("  Light \u200b and  lenses ")
    assert renamed == deckpage.Renamed(number=n, old_title="Optics", title="Light and lenses")
    assert await rename("Once more") is None  # the question was answered
    mine = await library_of_learner(database, tiny_library, 1)
    assert mine.decks[f"own{n}"].title == "Light and lenses"  # a new revision, read again

    await database.run(deckpage.ask, learner_id=1, deck_number=other, action="rename", now=NOW)
    await database.run(
        lambda session: (
            practice.set_pending(
                session, learner_id=1, item_id="x", asked_at=NOW + timedelta(seconds=1)
            ),
            session.commit(),
        )
    )
    assert await rename("Not a name: an answer", NOW + timedelta(seconds=2)) is None
    await database.run(practice.delete_pending, learner_id=1)
    await database.run(lambda session: session.commit())
    assert await rename("After the answer", NOW + timedelta(seconds=3)) is None  # dropped
    await database.run(deckpage.ask, learner_id=1, deck_number=other, action="rename", now=NOW)
    assert await rename("Late", NOW + timedelta(minutes=11)) is None  # expired
    titles = sorted(d.title for d in await database.run(all_of, OwnDeck))
    assert titles == ["Light and lenses", "Waves"]


async def test_a_share_link_adds_the_deck_and_deleting_it_takes_it_from_everyone(
    database: Database, tiny_library: Library
) -> None:
    n = (await imported(database, OPTICS)).number
    code = (await library_of_learner(database, tiny_library, 1)).own[f"own{n}"].share_code
    assert sharing.SHARE_CODE.match(code)

    def open_link(learner_id: int, link_code: str) -> Any:
        return database.run(
            sharing.open_share_link, library=tiny_library, learner_id=learner_id,
            first_name="Bo", code=link_code, now=NOW,
        )  # fmt: skip

    shared = await open_link(2, code)
    again = await open_link(2, code)
    assert await open_link(2, "A" * 12) is None and await open_link(2, "../etc") is None
    assert isinstance(shared, sharing.Shared) and not shared.mine
    assert (shared.deck, shared.title, shared.learner.decks) == (f"own{n}", "Optics", [f"own{n}"])
    assert again is not None and len(await database.run(all_of, AddedDeck)) == 1
    assert f"own{n}-c1" in shared.library.items
    page = await database.run(
        deckpage.deck_page, library=tiny_library, learner_id=2, deck_number=n
    )
    assert page is not None and not page.mine
    # Only the owner deletes; the deck then leaves every library and every group's choice.
    assert await database.run(deckpage.delete_deck, learner_id=2, deck_number=n) is None
    await database.run(
        groupdecks.toggle_group_deck, library=tiny_library, chat_id=-5, deck=f"own{n}",
        admin_id=1,
    )  # fmt: skip
    assert await database.run(deckpage.delete_deck, learner_id=1, deck_number=n) == "Optics"
    assert list((await library_of_learner(database, tiny_library, 2)).decks) == ["alpha", "beta"]
    for table in (OwnDeckItem, AddedDeck):
        assert await database.run(all_of, table) == []
    assert sorted(r.deck for r in await database.run(all_of, GroupDeck)) == ["alpha", "beta"]


async def test_group_quizzes_draw_from_the_chosen_decks_and_only_questions_that_fit_a_poll(
    database: Database, tiny_library: Library
) -> None:
    long_one = question("q-long", "Which one? " + "Really, " * 50)
    n = (
        await imported(database, parsed("Optics", quiz=[question("q1", "Short?"), long_one]))
    ).number
    stranger = (await imported(database, parsed("Not an admin's", [card("cc", "C?")]), 9)).number
    assert (await receive(database, OPTICS, 1)).__class__ is owndecks.NeedsConfirm

    def toggle(deck: str) -> Any:
        return database.run(
            groupdecks.toggle_group_deck, library=tiny_library, chat_id=-5, deck=deck,
            admin_id=1,
        )  # fmt: skip

    choices = await database.run(
        groupdecks.group_deck_choices, library=tiny_library, chat_id=-5, admin_id=1
    )
    assert [(c.deck, c.owner_id, c.chosen, c.poll_questions) for c in choices] == [
        ("alpha", None, True, 0), ("beta", None, True, 0), (f"own{n}", 1, False, 1),
    ]  # fmt: skip
    with pytest.raises(owndecks.DeckError, match="cannot be picked"):
        await toggle(f"own{stranger}")
    with pytest.raises(owndecks.DeckError, match="cannot be picked"):
        await toggle("no-such-deck")
    assert (await toggle(f"own{n}"))[0] is True
    assert (await toggle("alpha"))[0] is False
    now_on, choices = await toggle("beta")
    assert not now_on and [c.deck for c in choices if c.chosen] == [f"own{n}"]
    with pytest.raises(owndecks.DeckError, match="At least one deck"):
        await toggle(f"own{n}")
    assert await database.run(groupdecks.group_decks, library=tiny_library, chat_id=-5) == [
        f"own{n}"
    ]
    assert await database.run(groupdecks.group_decks, library=tiny_library, chat_id=-6) == [
        "alpha", "beta",
    ]  # fmt: skip

    started = await database.run(
        classroom.start_session, library=tiny_library, chat_id=-5, questions=5, seconds=30,
        now=NOW, rng=random.Random(1), admins=[1],
    )  # fmt: skip
    assert started is not None and started.id is not None
    assert started.item_ids == [f"own{n}-q1"]  # the long one never becomes a poll
    poll = await database.run(
        classroom.advance, library=tiny_library, session_id=started.id, from_position=-1,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert isinstance(poll, classroom.PollToSend) and poll.question.question == "Short?"
    await database.run(classroom.record_poll, to_send=poll, poll_id="p1", message_id=5, now=NOW)
    # A member who never added the deck answers: it counts in their own schedule too.
    right = await database.run(
        classroom.record_vote, library=tiny_library, poll_id="p1", user_id=3,
        first_name="Cy", option_ids=[poll.correct_option], now=NOW,
    )  # fmt: skip
    logs = await database.run(all_of, ReviewLog)
    assert right is True and [(r.learner_id, r.item_id, r.source) for r in logs] == [
        (3, f"own{n}-q1", "group")
    ]


async def test_export_sends_progress_and_decks_that_import_back_unchanged(
    database: Database, tiny_library: Library
) -> None:
    deck = parsed(
        "Optics",
        [card("c1", "What bends light?", "A lens, by refraction.")],
        [question("q1", "Which lens converges light?")],
        [prompt("e1")],
    )
    n = (await imported(database, deck)).number
    mine = await library_of_learner(database, tiny_library, 1)
    learner = await database.run(study.start_learner, learner_id=1, first_name="Ada", now=NOW)
    await database.run(
        study.record_rating, library=mine, learner=learner, item=f"own{n}-c1", version=0,
        rating=Rating.HARD, now=NOW,
    )  # fmt: skip
    before = [(r.item_id, r.kind, r.data) for r in await items_of(database, n)]

    export = await database.run(
        progress_export.export_of, library=tiny_library, learner_id=1, first_name="Ada",
        now=NOW + timedelta(days=1),
    )  # fmt: skip
    lines = export.progress_csv.decode("utf-8-sig").splitlines()
    assert lines[0] == "item,deck,front,reviews,last rating,due date,stability,predicted recall"
    fields = lines[1].split(",")
    assert fields[:5] == [f"own{n}-c1", "Optics", "What bends light?", "1", "Hard"]
    assert fields[5].endswith(" UTC") and float(fields[6]) > 0 and 0 < float(fields[7]) < 1
    assert export.rows == 1 and len(export.decks) == 1

    file_name, data = export_deck(export.decks[0])
    back = parse_file(file_name, data)
    assert (back.name, back.skipped) == ("Optics", ())
    waiting = await receive(database, back, file_id="file-export")
    assert isinstance(waiting, owndecks.NeedsConfirm)
    replaced = await database.run(
        owndecks.replace_confirmed, learner_id=1, deck_number=n, file_id="file-export",
        parsed=back, now=NOW,
    )  # fmt: skip
    assert replaced is not None and (replaced.kept, replaced.retired) == (3, 0)
    assert [(r.item_id, r.kind, r.data) for r in await items_of(database, n)] == before


async def test_forget_deletes_the_learners_decks_and_their_shares(
    database: Database, tiny_library: Library
) -> None:
    n = (await imported(database, OPTICS)).number
    code = (await library_of_learner(database, tiny_library, 1)).own[f"own{n}"].share_code
    await database.run(
        sharing.open_share_link, library=tiny_library, learner_id=2, first_name="Bo",
        code=code, now=NOW,
    )  # fmt: skip
    await imported(database, parsed("Bo's deck", [card("bb", "B?")]), learner_id=2)
    await database.run(learners.forget, learner_id=1)

    decks = await database.run(all_of, OwnDeck)
    assert [(d.learner_id, d.title) for d in decks] == [(2, "Bo's deck")]
    assert await database.run(all_of, AddedDeck) == []
    count = await database.run(
        lambda session: session.execute(select(func.count()).select_from(OwnDeckItem)).scalar_one()
    )
    assert count == 1


def test_built_in_decks_may_not_use_the_ids_kept_for_own_decks() -> None:
    from tests.conftest import tiny_deck
    from tutor.domain.content import ContentError

    with pytest.raises(ContentError, match=r"'own1'.*kept for decks sent to the bot"):
        library_of([tiny_deck("own1")])
    library_of([tiny_deck("owner")])  # only "own" and a digit is kept


async def test_reminders_count_the_cards_of_the_learners_own_decks(
    database: Database, tiny_library: Library
) -> None:
    n = (await imported(database, OPTICS)).number

    def counts(decks_of: dict[int, list[str] | None], cap: int) -> Any:
        return database.run(
            reminders.waiting_counts, library=tiny_library, decks_of=decks_of,
            zones=dict.fromkeys(decks_of, "UTC"), caps=dict.fromkeys(decks_of, cap), now=NOW,
        )  # fmt: skip

    # The owner studying only their deck; another learner, who has no such deck, falls back
    # to every deck they have (the built-in twelve cards).
    assert await counts({1: [f"own{n}"], 2: [f"own{n}"]}, 20) == ({}, {1: 2, 2: 12})
    assert await counts({1: None}, 20) == ({}, {1: 14})
    assert await counts({1: None}, 10) == ({}, {1: 10})
