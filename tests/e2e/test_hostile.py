"""The hostile-file corpus (tests/hostile.py) through the bot's own file workers, with their
real deadline and memory limit, and through the running bot: every file is refused in one line
or imported, another learner is answered meanwhile, and the workers serve the next file."""

from __future__ import annotations

import asyncio

import pytest

from playground.botapi import BotApiStandin
from tests.e2e.conftest import RunningBot
from tests.e2e.test_owndecks import OPTICS_CSV, REPLY_TIMEOUT, send_file
from tests.hostile import HostileFile, build_corpus
from tutor.domain.library import Library
from tutor.imports import ImportFailed, ParsedDeck, parse_file
from tutor.runtime import workers

CORPUS = build_corpus()
IDS = [hostile.name for hostile in CORPUS]
# The longest a refusal may be: one line a user reads at a glance.
MESSAGE_MAX = 250


@pytest.mark.parametrize("hostile", CORPUS, ids=IDS)
async def test_a_hostile_file_in_the_file_workers_is_refused_or_imported(
    hostile: HostileFile, worker_pool: workers.Workers
) -> None:
    """The worker's deadline and memory limit are the bot's: a file that needed more would
    come back as a worker error (timed out, out of memory, died), which fails here."""
    try:
        parsed = await worker_pool.files.run(
            parse_file, hostile.name, hostile.data, deadline=workers.FILE_DEADLINE_SECONDS
        )
    except ImportFailed as exc:
        assert hostile.expect == "refused", f"{hostile.attack}: refused with {exc}"
        message = str(exc)
        assert message.startswith(hostile.name) and hostile.says in message
        assert len(message) <= MESSAGE_MAX and "\n" not in message
        return
    assert hostile.expect == "imported", f"{hostile.attack}: imported"
    assert isinstance(parsed, ParsedDeck) and parsed.item_count >= 1
    if hostile.says:
        assert any(hostile.says in row.reason for row in parsed.skipped), parsed.skipped


async def test_the_running_bot_answers_every_hostile_file_and_a_canary_throughout(
    server: BotApiStandin, running_bot: RunningBot, library: Library
) -> None:
    """Each file comes from a learner of its own (no one account's quota is the point here);
    while each is read, a canary's /help is answered. After the whole corpus, a plain deck
    imports as it always does."""
    canary = server.user(999, "Canary")
    async with running_bot(library=library):
        for number, hostile in enumerate(CORPUS):
            sender = server.user(2000 + number, f"Sender {number}")
            reading = asyncio.create_task(send_file(sender, hostile.data, hostile.name))
            await canary.send("/help")
            help_reply = await canary.wait_for_message(timeout=REPLY_TIMEOUT)
            assert "/review" in (help_reply.text or ""), hostile.name
            reply = (await reading).text or ""
            if hostile.expect == "refused":
                assert reply.startswith(hostile.name) and hostile.says in reply, (
                    f"{hostile.attack}: {reply}"
                )
                assert "\n" not in reply
            else:
                assert reply.startswith("Deck "), f"{hostile.attack}: {reply}"
                if hostile.says:
                    assert hostile.says in reply, reply
        last = server.user(3000, "After")
        reply = await send_file(last, OPTICS_CSV.encode(), "optics.csv")
        assert (reply.text or "").startswith("Deck Optics: 3 cards, 1 question."), reply.text
