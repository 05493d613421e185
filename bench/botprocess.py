"""A bot under benchmark as a subprocess: its environment, started until it polls the
stand-in Bot API, stopped with SIGTERM, and the errors its log shows."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from playground.botapi import StandinBot

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def bot_environment(**values: str) -> dict[str, str]:
    """This environment without any bot setting of the caller's, plus ``values``."""
    prefixes = ("TELEGRAM_", "DATABASE_", "CONTENT_", "LOG_", "WEBHOOK_", "DEMO_", "DEFAULT_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(values)
    return env


@dataclass
class BotProcess:
    """A bot running as a subprocess, with its log file."""

    name: str
    process: asyncio.subprocess.Process
    log_path: Path

    def problems(self) -> list[str]:
        """Log lines at ERROR or worse, each with the exception its traceback ends in."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        found: list[str] = []
        in_traceback = False
        for line in text.splitlines():
            if " ERROR " in line or " CRITICAL " in line:
                found.append(line)
            elif line.startswith("Traceback"):
                in_traceback = True
            elif in_traceback and line and not line[0].isspace():
                found.append(f"  {line}")  # the exception that ends the traceback
                in_traceback = False
        return found


@asynccontextmanager
async def run_bot(
    name: str,
    module_args: list[str],
    *,
    standin_bot: StandinBot,
    env: dict[str, str],
    workdir: Path,
    profile: Path | None,
) -> AsyncIterator[BotProcess]:
    """Start a bot subprocess, wait until it polls, and stop it with SIGTERM afterwards."""
    log_path = workdir / f"{name}.log"
    command = [sys.executable]
    if profile is not None:
        command += ["-m", "cProfile", "-o", str(profile)]
    command += module_args
    # The workdir holds no .env, so only the variables given here configure the bot.
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=workdir, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
    running = BotProcess(name, process, log_path)
    try:
        # PTB deletes any webhook right before its first getUpdates.
        ready = asyncio.ensure_future(
            standin_bot.wait_for_request("deleteWebhook", timeout=START_TIMEOUT, since=0)
        )
        exited = asyncio.ensure_future(process.wait())
        await asyncio.wait({ready, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            ready.cancel()
            tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"{name} exited with {process.returncode} at start-up:\n{tail}")
        exited.cancel()
        ready.result()
        yield running
    except BaseException:
        # The temp dir goes with the run: show what the bot said before it does.
        tail = "\n".join(running.log_path.read_text(errors="replace").splitlines()[-40:])
        print(f"--- the last lines of {name}'s log ---\n{tail}\n---", file=sys.stderr)
        raise
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()
