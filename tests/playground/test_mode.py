"""Playground mode: ``python -m bot`` with no token runs the real bot against a local Bot
API and serves the chat page, on a database of its own; with a token nothing changes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.__main__ import run
from tests.conftest import ROOT
from tests.e2e.conftest import bot_env
from tests.playground.conftest import PlaygroundProcess, free_port, run_playground
from tutor.config import Settings


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on ``port`` (from /proc/net/tcp*)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":
                found.add(address)
    return found


def send(playground: PlaygroundProcess, chat_id: int, text: str) -> None:
    request = urllib.request.Request(
        f"{playground.url}/api/chats/{chat_id}/messages",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json", "X-Playground": "1"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200


def test_without_a_token_the_bot_runs_in_the_playground_on_its_own_database(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real.db"
    with run_playground(tmp_path, DATABASE_URL=f"sqlite:///{real}") as playground:
        assert playground.first_line == (
            f"No TELEGRAM_BOT_TOKEN: playground at http://127.0.0.1:{playground.port}; "
            "to use Telegram, see README\n"
        )
        # Only localhost: 0100007F is 127.0.0.1 in /proc's byte order.
        assert listening_addresses(playground.port) == {"0100007F"}
        with urllib.request.urlopen(playground.url, timeout=10) as reply:
            assert "<title>" in reply.read().decode()

        first = playground.updates()
        me = first["me"]["id"]
        [greeting] = [v for v in first["messages"] if v["chat_id"] < 0]
        assert greeting["text"].startswith("Hello, Class! I run learning-rate quizzes")
        send(playground, me, "/start")
        deadline = time.monotonic() + 15
        while not any(
            v.get("text", "").startswith("Hi Sam! I'm your learning-rate tutor.")
            for v in playground.updates()["messages"]
        ):
            assert time.monotonic() < deadline, playground.log()
            time.sleep(0.1)
        private = next(chat for chat in playground.updates()["chats"] if chat["id"] == me)
        assert ["review", "Review your due flashcards"] in private["commands"]

        playground.stop()  # Ctrl-C: it exits (test_process checks it ends its long poll)
        assert playground.process.stdout is not None
        rest = playground.process.stdout.read()
    log = playground.log()
    assert playground.process.returncode == 0, log
    assert rest == ""  # the one line, nothing more on stdout
    assert "Traceback" not in log and "started as @lr_tutor_bot" in log
    assert (tmp_path / "data" / "playground.db").is_file()
    assert not real.exists()  # the real database is never touched


def test_a_port_in_use_stops_it_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=tmp_path,
            env=bot_env(TELEGRAM_BOT_TOKEN="", PLAYGROUND_PORT=str(port), PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"cannot start the playground: 127.0.0.1:{port} is in use (stop what uses it, or "
        "set PLAYGROUND_PORT to a free port)\n"
    )
    assert not (tmp_path / "data").exists()


def test_a_listen_address_it_cannot_take_is_named(tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=bot_env(
            TELEGRAM_BOT_TOKEN="",
            PLAYGROUND_LISTEN="192.0.2.1",  # TEST-NET-1: never this machine's
            PLAYGROUND_PORT=str(port),
            PYTHONPATH=str(ROOT),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"cannot start the playground on 192.0.2.1:{port}: ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_where_the_playground_is_not_installed_it_says_how_to_get_a_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Docker image ships bot/ and tutor/ only: no token there stops with the how-to."""
    monkeypatch.setitem(sys.modules, "playground", None)  # import playground fails
    assert run(Settings(_env_file=None, telegram_bot_token=None)) == 1  # type: ignore[call-arg]
    output = capsys.readouterr()
    assert output.err.startswith(
        "TELEGRAM_BOT_TOKEN is not set: open Telegram, talk to @BotFather"
    )
    assert output.out == ""
