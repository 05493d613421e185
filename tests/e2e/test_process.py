"""``python -m bot`` as an operator runs it: a real process, its exit codes and its log."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from playground.botapi import BotApiStandin
from tests.conftest import ROOT
from tests.e2e.conftest import TOKEN, bot_env, spawn_bot


def resident_kib(pid: int) -> int:
    """A process's resident memory, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


async def test_the_bot_process_answers_and_stops_on_sigterm_hanging_up_its_long_poll(
    server: BotApiStandin, tmp_path: Path
) -> None:
    env = bot_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=server.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        LOG_LEVEL="DEBUG",
    )
    bot = await spawn_bot(env)
    process = bot.process
    try:
        alice = server.user(1001, "Alice")
        # Requests are logged when answered: deleteWebhook comes just before polling starts.
        await server.wait_for_request("deleteWebhook", timeout=30)
        await alice.send("/start")
        greeting = await alice.wait_for_message(timeout=10)
        assert (greeting.text or "").startswith("Hi Alice!")
        # Torch and matplotlib live in the worker processes, not in the bot's.
        rss = resident_kib(process.pid)
        assert rss < 200 * 1024, f"the bot process uses {rss // 1024} MiB"
        await asyncio.sleep(0.3)  # so that a long poll is in flight when the signal comes
        stopping = time.perf_counter()  # the clock of the stand-in's request records
        process.send_signal(signal.SIGTERM)
        # A hang guard only: how soon it stops is `python -m bench startup`'s figure; that it
        # did not wait out its long poll is the 499 below.
        log = await bot.log()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, log
    # It stops without waiting out its 10-s long poll: the poll in flight at SIGTERM ends
    # with the bot hanging up (499), and one last poll that waits for nothing (timeout 0)
    # confirms what was handled.
    polls = server.requests("getUpdates")
    in_flight = [r for r in polls if r.at < stopping <= (r.done_at or stopping)]
    assert [(r.params.get("timeout"), r.status) for r in in_flight] == [(10, 499)]
    assert (polls[-1].params.get("timeout"), polls[-1].status) == (0, 200)
    assert "started as @" in log and "stopped" in log
    # Lines logged while handling an update name its chat and update.
    assert " [chat 1001 update " in log
    assert "Traceback" not in log
    # The token never shows, not even in DEBUG logs of the HTTP calls.
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


def test_check_content_prints_one_line_per_deck() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-content"],
        cwd=ROOT, env=bot_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    decks = sorted(p.stem for p in (ROOT / "content").glob("*.yaml") if p.stem != "lexicon")
    assert {"lr-basics", "lr-differential"} <= set(decks)
    assert [line.split(":")[0] for line in lines] == decks
    assert all("cards" in line and "quiz questions" in line for line in lines)
    assert all("longest option correct in" in line for line in lines)
    assert all("absolute words in" in line for line in lines)


def test_a_bad_deck_stops_start_up_naming_file_item_and_field(tmp_path: Path) -> None:
    deck = (ROOT / "content" / "lr-basics.yaml").read_text()
    broken = deck.replace("level: beginner", "level: wizard", 1)
    (tmp_path / "lr-basics.yaml").write_text(broken)
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=ROOT, env=bot_env(TELEGRAM_BOT_TOKEN=TOKEN, CONTENT_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "invalid content:" in result.stderr
    assert "lr-basics.yaml" in result.stderr and "field 'level'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_lexicon_fails_check_content_and_start_up_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "lr-basics.yaml").write_text((ROOT / "content" / "lr-basics.yaml").read_text())
    lexicon = (ROOT / "content" / "lexicon.yaml").read_text()
    # A pair of opposites with three sides: every /explain answer would fail to grade.
    (tmp_path / "lexicon.yaml").write_text(lexicon + "  - [up, down, sideways]\n")
    for command, extra in (["check-content"], {}), ([], {"TELEGRAM_BOT_TOKEN": TOKEN}):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *command],
            cwd=ROOT, env=bot_env(CONTENT_DIR=str(tmp_path), **extra),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 1, command
        assert result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("invalid content: ") and "lexicon.yaml" in result.stderr
        assert "field 'opposites" in result.stderr


def _start_time(pid: int) -> str | None:
    """A process's start time (to tell it from a later one with its pid), None if it is gone.

    A zombie counts as gone: it holds no memory, and only its new parent can reap it.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def descendants(pid: int) -> dict[int, str]:
    """Every live process below ``pid`` (children, their children, ...), with start times."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    level = {pid}
    while level:
        level = {child for child, parent in parents.items() if parent in level}
        for child in level:
            started = _start_time(child)
            if started is not None:
                found[child] = started
    return found


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "while-a-demo-trains"])
async def test_kill_9_of_the_bot_leaves_no_worker_process(
    server: BotApiStandin, tmp_path: Path, busy: bool
) -> None:
    env = bot_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=server.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )
    # The log goes to a file: orphans would hold a pipe open, and waiting on it would hang.
    with (tmp_path / "bot.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=log, stderr=log
        )
    workers: dict[int, str] = {}
    try:
        # The chart and demo workers are started and warm before polling starts.
        await server.wait_for_request("deleteWebhook", timeout=60)
        workers = descendants(process.pid)
        if busy:
            # A worker deep in torch's C code cannot run Python to notice its parent died.
            await server.user(1001, "Alice").send("/demo lr 0.0001 0.1 9")
            await server.wait_for_request("sendChatAction", timeout=10)
        log_text = (tmp_path / "bot.log").read_text()
        assert len(workers) >= 2, f"no chart and demo workers: {workers}\n{log_text}"
        process.kill()
        await process.wait()
        # A hang guard, not a bound on how soon they go: the kernel kills them with the bot.
        deadline = time.monotonic() + 60
        alive = workers
        while alive and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            alive = {pid: t for pid, t in workers.items() if _start_time(pid) == t}
        assert not alive, f"still running 60 s after kill -9 of the bot: {sorted(alive)}"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        for pid, started in workers.items():  # leave nothing behind if the test failed
            if _start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)


async def test_an_in_memory_database_works_as_written(server: BotApiStandin) -> None:
    # DATABASE_URL=sqlite:///:memory: once crashed at start: each pooled connection had a
    # database of its own, and the schema was made in another.
    env = bot_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=server.base_url,
        DATABASE_URL="sqlite:///:memory:",
    )
    bot = await spawn_bot(env)
    process = bot.process
    try:
        alice = server.user(1001, "Alice")
        await server.wait_for_request("deleteWebhook", timeout=30)
        await alice.send("/start")
        greeting = await alice.wait_for_message(timeout=10)
        assert (greeting.text or "").startswith("Hi Alice!")
        await alice.send("/review")
        card = await alice.wait_for_message(timeout=10)
        assert card.buttons == [["Show answer"]]
        process.send_signal(signal.SIGTERM)
        log = await bot.log()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert "Traceback" not in log
