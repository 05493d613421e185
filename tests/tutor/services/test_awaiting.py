"""What the learner's next message answers, and /cancel, on SQLite and PostgreSQL: one order
over the explain prompt and the deck actions, dead renames dropped, everything cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tests.tutor.services.test_owndecks import OPTICS, imported
from tutor.services import deckpage
from tutor.services.awaiting import (
    DeckRename,
    DeckReplace,
    ExplainAnswer,
    awaiting,
    cancel_awaiting,
)
from tutor.store import Database, practice

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(seconds=5)


async def _ask_prompt(database: Database, at: datetime) -> None:
    def ask(session: Session) -> None:
        practice.set_pending(session, learner_id=1, item_id="basics-e1", asked_at=at)
        session.commit()

    await database.run(ask)


async def _ask_deck(database: Database, number: int, action: str, at: datetime) -> None:
    await database.run(deckpage.ask, learner_id=1, deck_number=number, action=action, now=at)


async def test_the_latest_of_a_rename_and_a_prompt_takes_the_next_text(
    database: Database,
) -> None:
    n = (await imported(database, OPTICS)).number
    assert await database.run(awaiting, learner_id=1, now=NOW) is None

    await _ask_prompt(database, NOW)
    await _ask_deck(database, n, "rename", LATER)
    assert await database.run(awaiting, learner_id=1, now=LATER) == DeckRename(n, LATER)

    # A prompt asked after the rename: the prompt answers, and the rename is gone for good.
    await _ask_prompt(database, LATER + timedelta(seconds=1))
    answers = await database.run(awaiting, learner_id=1, now=LATER + timedelta(seconds=2))
    assert answers == ExplainAnswer("basics-e1", LATER + timedelta(seconds=1))
    await database.run(cancel_awaiting, learner_id=1, now=LATER + timedelta(seconds=3))
    assert await database.run(awaiting, learner_id=1, now=LATER + timedelta(seconds=4)) is None


async def test_a_prompt_comes_before_a_replace_and_an_expired_rename_is_dropped(
    database: Database,
) -> None:
    n = (await imported(database, OPTICS)).number
    await _ask_deck(database, n, "replace", LATER)
    await _ask_prompt(database, NOW)
    found = await database.run(awaiting, learner_id=1, now=LATER)
    assert found == ExplainAnswer("basics-e1", NOW)  # a file answers the replace, not a text

    await database.run(cancel_awaiting, learner_id=1, now=LATER)
    await _ask_deck(database, n, "rename", NOW)
    late = NOW + timedelta(minutes=11)
    assert await database.run(awaiting, learner_id=1, now=late) is None
    # Dropped, not only ignored: nothing is left for /cancel to name.
    assert await database.run(cancel_awaiting, learner_id=1, now=late) == ()


async def test_cancel_drops_everything_and_says_what_was_open(database: Database) -> None:
    n = (await imported(database, OPTICS)).number
    await _ask_prompt(database, NOW)
    await _ask_deck(database, n, "replace", LATER)
    dropped = await database.run(cancel_awaiting, learner_id=1, now=LATER)
    assert dropped == (ExplainAnswer("basics-e1", NOW), DeckReplace(n, LATER))
    assert await database.run(awaiting, learner_id=1, now=LATER) is None
    assert await database.run(cancel_awaiting, learner_id=1, now=LATER) == ()

    # After /cancel a text is no new name: the deck keeps its name.
    await _ask_deck(database, n, "rename", LATER)
    assert await database.run(cancel_awaiting, learner_id=1, now=LATER) == (DeckRename(n, LATER),)
    assert (
        await database.run(deckpage.rename_from_text, learner_id=1, text="Lenses", now=LATER)
        is None
    )
