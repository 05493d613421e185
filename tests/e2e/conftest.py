"""End-to-end fixtures: the real Application long-polling the Bot API stand-in over HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.services import utc_now
from playground.botapi import BotApiStandin
from tests.conftest import ROOT, _pg_admin
from tutor.config import Settings
from tutor.demo.runner import DemoRunner
from tutor.domain.library import Library
from tutor.runtime import workers
from tutor.store import Database, Learner

TOKEN = "4242:e2e-secret-token-never-logged"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
RunningBot = Callable[..., AbstractAsyncContextManager[AnyApplication]]


def make_settings(server: BotApiStandin, database_url: str, **overrides: Any) -> Settings:
    """Settings for a bot talking to the stand-in; no .env is read."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_url": server.base_url,
        "database_url": database_url,
        "content_dir": ROOT / "content",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class FakeClock:
    """A clock the test moves by hand; the bot reads it for every "now"."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@asynccontextmanager
async def run_application(
    settings: Settings,
    *,
    library: Library | None = None,
    clock: Callable[[], datetime] = utc_now,
    pool: workers.Workers | None = None,
    demos: DemoRunner | None = None,
    reminder_interval: float = 3600.0,
    file_deadline: float = workers.FILE_DEADLINE_SECONDS,
) -> AsyncIterator[AnyApplication]:
    """Start the bot as ``run_polling`` would (short long-poll timeout), stop it after.

    Reminder ticks are rare unless a test asks for them with ``reminder_interval``.
    """
    application = build_application(
        settings,
        library=library,
        clock=clock,
        pool=pool,
        demos=demos,
        reminder_interval=reminder_interval,
        file_deadline=file_deadline,
    )
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES
    )
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


@pytest.fixture
async def server() -> AsyncIterator[BotApiStandin]:
    """A stand-in Bot API server on 127.0.0.1 that knows the bot's token."""
    async with BotApiStandin(token=TOKEN, username="lr_tutor_bot") as server:
        yield server


def bot_env(**values: str) -> dict[str, str]:
    """This process's environment without bot settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(values)
    return env


# How long a test waits for a bot process to end before it fails as hung.
HANG_GUARD_SECONDS = 60


@dataclass
class SpawnedBot:
    """A bot process and its log, read as it comes: a pipe nobody reads stops the bot at
    its next line once 64 KiB wait in it (a DEBUG start-up writes more than that)."""

    process: asyncio.subprocess.Process
    reading: asyncio.Task[bytes]

    async def log(self) -> str:
        """The whole log once the process has ended (a 60 s hang guard, not a bound)."""
        await asyncio.wait_for(self.process.wait(), HANG_GUARD_SECONDS)
        return (await self.reading).decode()


async def spawn_bot(env: dict[str, str]) -> SpawnedBot:
    """``python -m bot`` as an operator runs it, its log on stdout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    return SpawnedBot(process, asyncio.create_task(process.stdout.read()))


@pytest.fixture(params=["sqlite", "postgresql"])
def e2e_database_url(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database per test: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'e2e.db'}"
        return
    server: str = request.getfixturevalue("postgres_url")  # skips when no server runs
    name = f"lr_tutor_e2e_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield f"{server.rsplit('/', 1)[0]}/{name}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def worker_pool() -> Iterator[workers.Workers]:
    """The bot's worker pools (files, charts), started once for the whole run (it takes a
    second)."""
    pool = workers.start_workers()
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def demo_runner() -> Iterator[DemoRunner]:
    """The demo worker process, started once for the whole run."""
    runner = DemoRunner("cpu")
    asyncio.run(runner.start())
    yield runner
    asyncio.run(runner.close())


@pytest.fixture
def running_bot(
    server: BotApiStandin,
    e2e_database_url: str,
    worker_pool: workers.Workers,
    demo_runner: DemoRunner,
) -> RunningBot:
    """``async with running_bot(library=..., clock=...) as app``: the bot, up and polling."""

    def start(**kwargs: Any) -> AbstractAsyncContextManager[AnyApplication]:
        settings = make_settings(server, e2e_database_url, **kwargs.pop("settings", {}))
        kwargs.setdefault("pool", worker_pool)
        kwargs.setdefault("demos", demo_runner)
        return run_application(settings, **kwargs)

    return start


async def rows(store: Database, table: Any, **where: Any) -> list[Any]:
    """The rows of ``table`` (where each named column has the given value)."""
    async with AsyncSession(store.engine, expire_on_commit=False) as session:
        query = select(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return list((await session.execute(query)).scalars().all())


async def set_new_per_day(store: Database, learner_id: int, count: int) -> None:
    """Give a learner ``count`` new cards a day, as /settings would."""
    async with AsyncSession(store.engine, expire_on_commit=False) as session:
        learner = await session.get(Learner, learner_id)
        assert learner is not None
        learner.new_per_day = count
        session.add(learner)
        await session.commit()


@pytest.fixture
async def store(e2e_database_url: str) -> AsyncIterator[Database]:
    """A second handle on the bot's database, for asserting what it holds."""
    database = Database(e2e_database_url)
    yield database
    await database.close()
