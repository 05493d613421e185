"""``python -m bot`` as an operator runs it: a real process, its exit codes and its log."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT
from tests.e2e.conftest import TOKEN, bot_env, spawn_bot
from tests.standin import BotApiStandin

NO_TOKEN_START = "TELEGRAM_BOT_TOKEN is not set: open Telegram, talk to @BotFather"


def resident_kib(pid: int) -> int:
    """A process's resident memory, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


async def test_the_bot_process_answers_and_stops_on_sigterm_within_5_seconds(
    server: BotApiStandin, tmp_path: Path
) -> None:
    env = bot_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=server.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        LOG_LEVEL="DEBUG",
    )
    process = await spawn_bot(env)
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
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=10)
        elapsed = time.monotonic() - stopping
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = output.decode()
    assert process.returncode == 0, log
    assert elapsed <= 5.0, f"took {elapsed:.1f}s to stop"
    assert "started as @" in log and "stopped" in log
    # Lines logged while handling an update name its chat and update.
    assert " [chat 1001 update " in log
    assert "Traceback" not in log
    # The token never shows, not even in DEBUG logs of the HTTP calls.
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


def test_without_a_token_make_run_says_how_to_get_one() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT, env=bot_env(TELEGRAM_BOT_TOKEN=""), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert NO_TOKEN_START in result.stderr
    assert "Traceback" not in result.stderr


def test_check_content_prints_one_line_per_deck() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-content"],
        cwd=ROOT, env=bot_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["lr-basics", "lr-differential"]
    assert all("cards" in line and "quiz questions" in line for line in lines)


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
