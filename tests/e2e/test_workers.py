"""The worker pools in the running bot: a file past its deadline is refused in one line while
other users are answered, and a killed worker is replaced for the next import and chart."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

from bot.metrics import metrics_of
from bot.services import Services
from playground.botapi import BotApiStandin
from tests.e2e.conftest import RunningBot, rows
from tests.e2e.test_owndecks import GROUP_ID, OPTICS_CSV, send_file
from tests.tutor.imports.anki_files import BASIC, collection, newer_package
from tutor.domain.library import Library
from tutor.store import Database, DeckImport, OwnDeck

PROBE_DEADLINE = 10.0


def rich_package(notes: int = 5000) -> bytes:
    """A real, valid .apkg (75 KB): 5,000 notes with 1.4 KB of HTML in each field. It took
    7 s to read on the development machine, far past the tiny deadline these tests give
    the bot (and well within the real one)."""
    para = "<div><b>Step</b> the rate, <i>then</i> the loss &amp; its curve.</div>" * 20
    rows_ = [
        (n, f"guid{n}", BASIC.id, [f"Front {n}{para}", f"Back {n}{para}"])
        for n in range(1, notes + 1)
    ]
    data = collection(
        note_types=[BASIC],
        decks={1: "Default", 9: "Rich"},
        notes=rows_,
        cards=[(n, 9, 0) for n, *_ in rows_],
    )
    return newer_package(data)


async def until(condition: Callable[[], bool], within: float = 20.0) -> None:
    """Wait until ``condition()`` holds (checked every 10 ms); fail after ``within`` s."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 (a state of the bot, not an event)
            await asyncio.sleep(0.01)


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited and been reaped (or is a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


async def test_a_file_past_its_deadline_is_refused_in_one_line_and_others_are_answered_first(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    alice, bob = server.user(1001, "Alice"), server.user(1002, "Bob")
    group = server.group(
        GROUP_ID, "Physics 101", members=[bob], admins=[alice], bot_status="administrator"
    )
    async with running_bot(library=library, file_deadline=0.5) as application:
        files = application.bot_data["services"].pool.files
        sent = await alice.send_document(rich_package(), "rich.apkg")
        # Once Alice's file is in the reader, Bob asks for /help.
        await until(lambda: files.is_busy(alice.id))
        await bob.send("/help")
        help_reply = await bob.wait_for_message(timeout=20)
        refusal = await alice.wait_for_message(
            lambda m: m.message_id > sent.message_id, timeout=20
        )
        assert refusal.text == (
            "rich.apkg took too long to read, so I stopped; check that it is a deck file, or "
            "split it into smaller ones."
        )
        assert "/review" in (help_reply.text or "")
        sent_messages = server.requests("sendMessage")
        assert sent_messages.index(help_reply.request) < sent_messages.index(refusal.request)

        # A learner's files in one chat are read in turn; one sent from a group while her
        # private file is being read gets a short line, not a second reader.
        await alice.send("/help", chat=group)
        greeting = await alice.wait_for_message(chat=group)
        slow = asyncio.create_task(send_file(alice, rich_package(), "again.apkg"))
        await until(lambda: files.is_busy(alice.id))
        third = await send_file(
            alice, OPTICS_CSV.encode(), "optics.csv", chat=group, reply_to=greeting
        )
        assert (
            third.text
            == "I am still reading your last file; send optics.csv when I have answered."
        )
        await slow

        # The reader is usable again at once: a small file imports.
        reply = await send_file(alice, OPTICS_CSV.encode(), "optics.csv")
        assert (reply.text or "").startswith("Deck Optics: 3 cards, 1 question.")
        metrics = metrics_of(application)
        assert (
            metrics.value("tutor_worker_jobs_refused_total", pool="files", reason="deadline") == 2
        )
        assert metrics.value("tutor_worker_jobs_refused_total", pool="files", reason="busy") == 1
        assert metrics.value("tutor_worker_restarts_total", pool="files", reason="deadline") == 2
    assert [d.title for d in await rows(store, OwnDeck)] == ["Optics"]
    # The two files stopped at the deadline count against the hourly quota, as the import.
    assert len(await rows(store, DeckImport)) == 3


async def test_killed_workers_are_replaced_and_the_next_import_and_chart_work(
    server: BotApiStandin, running_bot: RunningBot, library: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=library) as application:
        shared: Services = application.bot_data["services"]
        assert shared.pool is not None
        killed = [
            await shared.pool.files.run(os.getpid, deadline=PROBE_DEADLINE),
            await shared.pool.charts.run(os.getpid, deadline=PROBE_DEADLINE),
        ]
        for pid in killed:  # as an OOM killer would
            os.kill(pid, signal.SIGKILL)
        await until(lambda: all(gone(pid) for pid in killed))

        reply = await send_file(alice, OPTICS_CSV.encode(), "optics.csv")
        assert (reply.text or "").startswith("Deck Optics: 3 cards, 1 question."), reply.text
        await alice.send("/stats")
        stats = await alice.wait_for_message(timeout=20)
        assert stats.photo is not None and stats.photo.startswith(b"\x89PNG")
        assert "Your progress" in (stats.caption or "")
        after = await shared.pool.charts.run(os.getpid, deadline=PROBE_DEADLINE)
        assert after not in killed
