"""``python -m bot`` without a token, as someone trying the tutor runs it: the playground."""

from __future__ import annotations

import json
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.e2e.conftest import bot_env

# Start-up spawns the chart and demo workers (torch) before the bot polls.
START_SECONDS = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PlaygroundProcess:
    """A running ``python -m bot`` in playground mode."""

    process: subprocess.Popen[str]
    port: int
    first_line: str
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def updates(self, since: int = 0) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/api/updates?since={since}", timeout=10) as reply:
            payload: dict[str, Any] = json.load(reply)
        return payload

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> float:
        """Ctrl-C; the seconds it took to exit (``python -m bench startup`` prints them)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=60)  # a hang guard, not a bound on how soon it stops
        return time.monotonic() - started


def _read_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return process.stdout.readline()


@contextmanager
def run_playground(directory: Path, **env: str) -> Iterator[PlaygroundProcess]:
    """``python -m bot`` with no token in ``directory`` (its ``data/`` goes there), on a free
    port; yields once the bot has greeted the class group, i.e. polls. Killed after."""
    port = free_port()
    values = {
        "TELEGRAM_BOT_TOKEN": "",
        "PLAYGROUND_PORT": str(port),
        "CONTENT_DIR": str(ROOT / "content"),
        "PYTHONPATH": str(ROOT),
        "DEMO_DEVICE": "cpu",
    }
    values.update(env)
    log_path = directory / "bot.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"],
            cwd=directory,
            env=bot_env(**values),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        line = _read_line(process, START_SECONDS)
        running = PlaygroundProcess(process, port, line, log_path)
        assert line, f"no line on stdout; the log:\n{running.log()}"
        deadline = time.monotonic() + START_SECONDS
        while not any(v["chat_id"] < 0 for v in running.updates()["messages"]):
            assert process.poll() is None, f"it stopped:\n{running.log()}"
            assert time.monotonic() < deadline, f"no greeting in the class:\n{running.log()}"
            time.sleep(0.2)
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
