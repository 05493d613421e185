"""Webhook mode end to end: the stand-in POSTs updates to the bot's own HTTP server."""

from __future__ import annotations

import json
import logging
import signal
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import ALLOWED_UPDATES, build_application
from bot.callbacks import CallbackCodec
from bot.logs import RedactSecrets
from bot.services import Services
from bot.webhook import SECRET_HEADER, Health, WebhookError, check_health, webhook_server
from playground.botapi import BotApiStandin
from tests.bot.test_metrics import parse_exposition, sample
from tests.e2e.conftest import TOKEN, AnyApplication, bot_env, make_settings, spawn_bot
from tutor.config import Settings
from tutor.demo.runner import DemoRunner
from tutor.domain.library import Library, library_of
from tutor.runtime.workers import Workers
from tutor.store import Database

SECRET = "webhook-secret_42"
WEBHOOK_PATH = "/telegram/updates"
# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE_DATABASE = "postgresql://nobody@127.0.0.1:1/none"


def bound_socket() -> socket.socket:
    """A socket bound to a free port on 127.0.0.1, for the server to listen on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    with bound_socket() as sock:
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def webhook_bot(
    server: BotApiStandin, database_url: str, pool: Workers, demos: DemoRunner
) -> AsyncIterator[tuple[AnyApplication, str]]:
    """The bot in webhook mode on a free port: ``(application, "http://127.0.0.1:PORT")``."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    settings = make_settings(
        server,
        database_url,
        webhook_url=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=SECRET,
    )
    application = build_application(settings, pool=pool, demos=demos, reminder_interval=3600.0)
    async with webhook_server(application, settings, sock=sock):
        yield application, f"http://127.0.0.1:{port}"


@pytest.fixture
def production_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture everything at DEBUG through the filter and levels ``configure_logging`` sets."""
    caplog.set_level(logging.WARNING, logger="httpx")
    caplog.set_level(logging.WARNING, logger="apscheduler")
    caplog.set_level(logging.DEBUG)  # last: set_level also sets the handler's own level
    redact = RedactSecrets([TOKEN, SECRET])
    caplog.handler.addFilter(redact)
    yield caplog
    caplog.handler.removeFilter(redact)


def forged_start(user_id: int = 6666) -> dict[str, Any]:
    """A well-formed /start update, as someone who is not Telegram would POST it."""
    person = {"id": user_id, "is_bot": False, "first_name": "Mallory"}
    return {
        "update_id": 900_000,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Mallory"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def get_metrics(http: aiohttp.ClientSession, base: str) -> dict[Any, float]:
    async with http.get(f"{base}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return parse_exposition(await response.text())


async def test_start_over_the_webhook_greets_and_is_counted(
    server: BotApiStandin,
    e2e_database_url: str,
    worker_pool: Workers,
    demo_runner: DemoRunner,
    production_logging: pytest.LogCaptureFixture,
) -> None:
    alice = server.user(1001, "Alice")
    async with (
        webhook_bot(server, e2e_database_url, worker_pool, demo_runner) as (_, base),
        aiohttp.ClientSession() as http,
    ):
        webhook = server.webhook
        assert webhook is not None
        assert webhook.url == f"{base}{WEBHOOK_PATH}" and webhook.secret_token == SECRET
        assert webhook.allowed_updates == ALLOWED_UPDATES

        await alice.send("/start")
        greeting = await alice.wait_for_message()
        samples = await get_metrics(http, base)

    assert (greeting.text or "").startswith("Hi Alice!")
    assert webhook.deliveries >= 1 and webhook.failures == 0
    assert sample(samples, "tutor_updates_total", kind="message") == 1
    assert sample(samples, "tutor_updates_total", kind="callback_query") == 0
    # The webhook stays set when the bot stops: another instance may be serving it.
    assert server.webhook is not None and not server.requests("deleteWebhook")
    log = production_logging.text
    assert "webhook set; serving updates" in log and "queued update" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert SECRET not in log


async def test_posts_without_the_right_secret_are_refused_and_never_handled(
    server: BotApiStandin, e2e_database_url: str, worker_pool: Workers, demo_runner: DemoRunner
) -> None:
    alice = server.user(1001, "Alice")
    body = json.dumps(forged_start()).encode()
    async with (
        webhook_bot(server, e2e_database_url, worker_pool, demo_runner) as (_, base),
        aiohttp.ClientSession() as http,
    ):
        url = f"{base}{WEBHOOK_PATH}"
        statuses = []
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with http.post(url, data=body, headers=headers) as response:
                statuses.append((response.status, await response.text()))
        async with http.post(url, data=b"{not json", headers={SECRET_HEADER: SECRET}) as response:
            malformed = response.status
        # The real /start comes after the forged ones, in the same queue.
        await alice.send("/start")
        await alice.wait_for_message()
        samples = await get_metrics(http, base)

    assert statuses == [(403, "forbidden")] * 3
    assert malformed == 400
    assert sample(samples, "tutor_updates_total", kind="message") == 1
    assert sample(samples, "tutor_webhook_refused_total", reason="secret") == 3
    assert sample(samples, "tutor_webhook_refused_total", reason="malformed") == 1
    assert not server.requests(chat_id=6666)


async def test_healthz_reports_the_database_and_the_decks(
    server: BotApiStandin,
    e2e_database_url: str,
    worker_pool: Workers,
    demo_runner: DemoRunner,
    library: Library,
) -> None:
    async with (
        webhook_bot(server, e2e_database_url, worker_pool, demo_runner) as (application, base),
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"{base}/healthz") as response:
            healthy = (response.status, await response.json())
        shared: Services = application.bot_data["services"]
        database, shared.database = shared.database, Database(UNREACHABLE_DATABASE)
        try:
            async with http.get(f"{base}/healthz") as response:
                unreachable = (response.status, await response.json())
        finally:
            await shared.database.close()
            shared.database = database

    assert healthy == (200, {"status": "ok", "database": True, "decks": len(library.decks)})
    expected = {"status": "unavailable", "database": False, "decks": len(library.decks)}
    assert unreachable == (503, expected)


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        ("port taken", "cannot listen on 127.0.0.1:"),
        ("secret refused", "Telegram refused setWebhook: Secret token contains unallowed"),
    ],
)
async def test_a_server_that_cannot_start_says_why_and_shuts_the_bot_down(
    server: BotApiStandin,
    e2e_database_url: str,
    worker_pool: Workers,
    demo_runner: DemoRunner,
    problem: str,
    message: str,
) -> None:
    with bound_socket() as taken:
        taken.listen()
        port = taken.getsockname()[1] if problem == "port taken" else free_port()
        settings = make_settings(
            server,
            e2e_database_url,
            webhook_url=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
            webhook_listen="127.0.0.1",
            webhook_port=port,
            webhook_secret="not allowed!" if problem == "secret refused" else SECRET,
        )
        application = build_application(
            settings, pool=worker_pool, demos=demo_runner, reminder_interval=3600.0
        )
        with pytest.raises(WebhookError) as refused:
            async with webhook_server(application, settings):
                pytest.fail("the server should not have started")
    assert str(refused.value).startswith(message)
    assert not application.running and server.webhook is None


async def test_health_without_content_is_not_ok(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'health.db'}")
    shared = Services(
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        library=library_of([]),
        database=database,
        codec=CallbackCodec(b"health"),
    )
    try:
        health = await check_health(shared)
    finally:
        await database.close()
    assert health == Health(database=True, decks=0)
    assert not health.ok and health.as_json()["status"] == "unavailable"


async def test_python_m_bot_serves_the_webhook_and_stops_cleanly_on_sigterm(
    server: BotApiStandin, tmp_path: Path
) -> None:
    port = free_port()
    env = bot_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=server.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        WEBHOOK_URL=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_SECRET=SECRET,
        LOG_LEVEL="DEBUG",
    )
    bot = await spawn_bot(env)
    process = bot.process
    try:
        alice = server.user(1001, "Alice")
        await server.wait_for_request("setWebhook", timeout=30)
        await alice.send("/start")
        greeting = await alice.wait_for_message(timeout=10)
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            health = response.status
        process.send_signal(signal.SIGTERM)
        # A hang guard only: how soon it stops is `python -m bench startup`'s figure.
        log = await bot.log()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert (greeting.text or "").startswith("Hi Alice!")
    assert health == 200
    assert process.returncode == 0, log
    assert "webhook set; serving updates" in log and "stopped" in log
    assert "Traceback" not in log and not server.requests("getUpdates")
    assert TOKEN not in log and TOKEN.split(":")[1] not in log and SECRET not in log


async def test_a_redelivered_update_is_applied_once(
    server: BotApiStandin, e2e_database_url: str, worker_pool: Workers, demo_runner: DemoRunner
) -> None:
    alice = server.user(1001, "Alice")
    start = {
        "update_id": 900,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": alice.id, "type": "private", "first_name": "Alice"},
            "from": {"id": alice.id, "is_bot": False, "first_name": "Alice"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    body = json.dumps(start).encode()
    async with (
        webhook_bot(server, e2e_database_url, worker_pool, demo_runner) as (_, base),
        aiohttp.ClientSession() as http,
    ):
        statuses = []
        for _ in range(2):  # Telegram got no 200 in time and sent it again
            async with http.post(
                f"{base}{WEBHOOK_PATH}", data=body, headers={SECRET_HEADER: SECRET}
            ) as response:
                statuses.append(response.status)
        await server.settle(quiet=0.5)

    assert statuses == [200, 200]
    greetings = server.requests("sendMessage", chat_id=alice.id)
    assert len(greetings) == 1


@pytest.mark.parametrize(
    "body", [{"update_id": "x"}, {"update_id": True}, {"update_id": -1}, {"message": {}}]
)
async def test_a_body_without_an_integer_update_id_is_refused_with_400_and_logged_once(
    server: BotApiStandin,
    e2e_database_url: str,
    worker_pool: Workers,
    demo_runner: DemoRunner,
    caplog: pytest.LogCaptureFixture,
    body: dict[str, Any],
) -> None:
    caplog.set_level(logging.INFO)
    async with (
        webhook_bot(server, e2e_database_url, worker_pool, demo_runner) as (_, base),
        aiohttp.ClientSession() as http,
    ):
        async with http.post(
            f"{base}{WEBHOOK_PATH}",
            data=json.dumps(body).encode(),
            headers={SECRET_HEADER: SECRET},
        ) as response:
            status = response.status
        await server.settle(quiet=0.3)

    assert status == 400
    refused = [r for r in caplog.records if "refused a body that is not an update" in r.message]
    assert len(refused) == 1 and refused[0].exc_info is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
