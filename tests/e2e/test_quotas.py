"""Quotas end to end: a learner past the hourly quota of deck files gets its one line from
the running bot, and nothing is stored (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

from playground.botapi import BotApiStandin
from tests.e2e.conftest import RunningBot, rows
from tests.e2e.test_owndecks import basics, send_file
from tutor.domain.library import Library
from tutor.services import quotas
from tutor.store import Database, DeckImport, OwnDeck

__all__ = ["basics"]  # the fixture, used by name


async def test_the_file_past_the_hourly_quota_gets_its_line_and_changes_nothing(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        for k in range(quotas.IMPORTS_PER_HOUR):
            data = f"#deck:Deck {k}\nFront {k}?,Back {k}\n".encode()
            reply = await send_file(alice, data, f"deck{k}.csv")
            assert (reply.text or "").startswith(f"Deck Deck {k}: 1 card."), reply.text
        refused = await send_file(alice, b"#deck:One more\nFront 99?,Back 99\n", "more.csv")
    assert re.fullmatch(
        r"You sent 30 deck files in the last hour, the most I take\. "
        r"Try again in (59|60) minutes\.",
        refused.text or "",
    ), refused.text
    assert refused.button_labels == []
    # Refused before it was downloaded: no worker read it.
    assert len(server.requests("getFile")) == quotas.IMPORTS_PER_HOUR
    assert len(await rows(store, OwnDeck)) == quotas.IMPORTS_PER_HOUR
    assert len(await rows(store, DeckImport)) == quotas.IMPORTS_PER_HOUR
