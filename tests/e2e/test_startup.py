"""Start-up of ``python -m bot`` against a database or Bot API it cannot use (yet).

A database the bot cannot write stops it at once with one line naming the path and the
fix; a database server or Bot API that does not answer is tried again with one warning
line per try, then given up on with one line.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from playground.botapi import BotApiStandin
from tests.conftest import ROOT, _pg_admin
from tests.e2e.conftest import TOKEN, bot_env

# Long enough for a slow machine to start Python and load the decks; a bot that has not
# stopped by then has started, which is the failure these tests look for.
STOP_WITHIN_SECONDS = 60


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_up(database_url: str, **env: str) -> tuple[int | None, list[str]]:
    """Run ``python -m bot`` on ``database_url``; its exit code (None: still running after
    STOP_WITHIN_SECONDS, then killed) and its output's non-empty lines.

    The Bot API's address is a closed port: a database check must come first and stop it.
    """
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{closed_port()}",
        "DATABASE_URL": database_url,
    }
    values.update(env)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot"],
            cwd=ROOT, env=bot_env(**values), capture_output=True, text=True,
            timeout=STOP_WITHIN_SECONDS,
        )  # fmt: skip
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"") + (expired.stderr or b"")
        text = output.decode() if isinstance(output, bytes) else output
        return None, [line for line in text.splitlines() if line.strip()]
    lines = (result.stdout + result.stderr).splitlines()
    return result.returncode, [line for line in lines if line.strip()]


def _writable(path: Path) -> bool:
    try:
        if path.is_dir():
            (path / ".write-probe").touch()
            (path / ".write-probe").unlink()
        else:
            path.open("r+b").close()
    except OSError:
        return False
    return True


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` (a file or directory) read-only in a way that holds for this user.

    Root ignores permission bits, so as root the path is also made immutable
    (``chattr +i``); where neither works the test is skipped rather than passed.
    """
    mode = path.stat().st_mode
    path.chmod(mode & ~0o222)
    immutable = False
    if os.geteuid() == 0:
        chattr = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        immutable = chattr.returncode == 0
    try:
        if _writable(path):
            pytest.skip(f"cannot make {path} read-only for this user on this machine")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(mode)


def migrated_sqlite(path: Path) -> str:
    """A SQLite database at ``path`` with the current schema; its URL."""
    url = f"sqlite:///{path}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=ROOT, env=bot_env(DATABASE_URL=url), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return url


def assert_one_line_naming(code: int | None, lines: list[str], *names: str) -> None:
    assert code is not None, "the bot started:\n" + "\n".join(lines[-20:])
    assert code != 0
    assert len(lines) == 1, "\n".join(lines[-20:])
    assert "Traceback" not in lines[0]
    for name in names:
        assert name in lines[0], lines[0]


def test_a_read_only_database_file_stops_start_up_with_one_line(tmp_path: Path) -> None:
    database = tmp_path / "tutor.db"
    url = migrated_sqlite(database)
    with read_only(database):
        code, lines = start_up(url)
    assert_one_line_naming(code, lines, str(database), "writable")


def test_a_read_only_directory_stops_start_up_with_one_line(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    directory.mkdir()
    with read_only(directory):
        code, lines = start_up(f"sqlite:///{directory / 'tutor.db'}")
    assert_one_line_naming(code, lines, str(directory), "writable")


def test_a_directory_that_cannot_be_created_stops_start_up_with_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").write_text("a file where the database's directory should be")
    code, lines = start_up(f"sqlite:///{tmp_path / 'data' / 'tutor.db'}")
    assert_one_line_naming(code, lines, str(tmp_path / "data"), "create")


def test_a_database_opened_read_only_stops_start_up_with_one_line(tmp_path: Path) -> None:
    database = tmp_path / "tutor.db"
    migrated_sqlite(database)
    code, lines = start_up(f"sqlite:///file:{database}?mode=ro&uri=true")
    assert_one_line_naming(code, lines, str(database))


def test_an_unreachable_postgresql_is_retried_then_given_up_with_one_line() -> None:
    port = closed_port()
    code, lines = start_up(
        f"postgresql://tutor:hunter2@127.0.0.1:{port}/tutor", STARTUP_TIMEOUT="3"
    )
    assert code is not None and code != 0, "\n".join(lines)
    assert "Traceback" not in "\n".join(lines)
    *warnings, last = lines
    assert len(warnings) >= 2, lines
    assert all(" WARNING " in line and f"127.0.0.1:{port}" in line for line in warnings), lines
    assert last.startswith("cannot start:") and f"127.0.0.1:{port}" in last, last
    assert "hunter2" not in "\n".join(lines)


async def test_a_bot_api_down_at_start_is_waited_for(tmp_path: Path) -> None:
    port = closed_port()
    env = bot_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
    )
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=ROOT, env=env, stdout=log_file, stderr=log_file
        )
    try:
        deadline = time.monotonic() + STOP_WITHIN_SECONDS
        while "WARNING" not in log_path.read_text() and time.monotonic() < deadline:
            assert process.returncode is None, log_path.read_text()
            await asyncio.sleep(0.2)
        async with BotApiStandin(token=TOKEN, username="lr_tutor_bot", port=port) as server:
            await server.wait_for_request("deleteWebhook", timeout=STOP_WITHIN_SECONDS)
            alice = server.user(1001, "Alice")
            await alice.send("/start")
            greeting = await alice.wait_for_message(timeout=10)
            assert (greeting.text or "").startswith("Hi Alice!")
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=STOP_WITHIN_SECONDS)  # a hang guard
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = log_path.read_text()
    assert "Traceback" not in log, log
    warnings = [line for line in log.splitlines() if " WARNING " in line]
    assert warnings and all(f"127.0.0.1:{port}" in line for line in warnings), log
    assert TOKEN.split(":")[1] not in log


def test_a_read_only_postgresql_database_stops_start_up_with_one_line(postgres_url: str) -> None:
    name = f"lr_tutor_ro_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=ROOT, env=bot_env(DATABASE_URL=url), capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        asyncio.run(_pg_admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        code, lines = start_up(url)
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    assert_one_line_naming(code, lines, f"/{name}", "only reads")


def test_migrate_on_an_unreachable_postgresql_says_so_in_one_line() -> None:
    port = closed_port()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=ROOT, env=bot_env(DATABASE_URL=f"postgresql://tutor:hunter2@127.0.0.1:{port}/t"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert_one_line_naming(result.returncode, lines, f"127.0.0.1:{port}/t", "cannot migrate")
    assert "hunter2" not in lines[0]
