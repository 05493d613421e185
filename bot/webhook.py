"""Webhook mode: an aiohttp server for Telegram's POSTs, ``/healthz`` and ``/metrics``.

With ``WEBHOOK_URL`` set, ``python -m bot`` runs ``serve_webhook`` instead of long polling:
the application starts as ``run_polling`` would start it, the server listens on
``WEBHOOK_LISTEN:WEBHOOK_PORT``, then ``setWebhook`` tells Telegram where to POST. The
webhook is left set on shutdown: another instance may still be serving it, and Telegram
keeps updates queued while none answers.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES
from bot.metrics import CONTENT_TYPE, Metrics, instrument, metrics_of
from bot.services import Services
from tutor.config import Settings
from tutor.services import inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
#: How long ``/healthz`` waits for ``SELECT 1`` before calling the database unreachable.
HEALTH_TIMEOUT = 2.0
#: Grace for requests in flight when the server stops; an update is queued in microseconds.
SHUTDOWN_GRACE = 1.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class WebhookError(RuntimeError):
    """The webhook server could not start (port taken, or Telegram refused the URL)."""


@dataclass(frozen=True)
class Health:
    """What ``/healthz`` reports: whether the database answers and how many decks are loaded."""

    database: bool
    decks: int

    @property
    def ok(self) -> bool:
        """Healthy when the database answers and there is content to teach."""
        return self.database and self.decks > 0

    def as_json(self) -> dict[str, object]:
        """The JSON body of ``/healthz``."""
        status = "ok" if self.ok else "unavailable"
        return {"status": status, "database": self.database, "decks": self.decks}


async def check_health(shared: Services) -> Health:
    """Ask the database for ``SELECT 1`` (within ``HEALTH_TIMEOUT``) and count the decks.

    Args:
        shared: The application's services (database and library).

    Returns:
        The database's answer and the number of decks.
    """
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT):
            await shared.database.ping()
        database = True
    except Exception as exc:  # whatever the driver raises, the answer is "not reachable"
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        database = False
    return Health(database=database, decks=len(shared.library.decks))


def webhook_path(url: str) -> str:
    """The path Telegram POSTs to: the path of ``WEBHOOK_URL`` (``/`` when it has none)."""
    return urlsplit(url).path or "/"


def make_web_app(application: AnyApplication, secret: str, path: str) -> web.Application:
    """The aiohttp app: ``POST path`` takes updates, ``GET /healthz`` and ``GET /metrics``.

    Args:
        application: The bot; updates go to its ``update_queue``.
        secret: The ``WEBHOOK_SECRET`` every POST must carry in ``SECRET_HEADER``.
        path: Where Telegram POSTs (the path of ``WEBHOOK_URL``).

    Returns:
        The web application, ready for an ``AppRunner``.
    """
    expected = secret.encode()
    metrics: Metrics = metrics_of(application)

    async def take_update(request: web.Request) -> web.Response:
        offered = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(offered, expected):
            # Nothing of the request is read or kept: it did not come from Telegram.
            metrics.count_webhook_refused("secret")
            log.warning("webhook: refused a request without the right secret token")
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            update_id = data.get("update_id")
            if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
                raise TypeError("update_id is not a non-negative integer")
            update = Update.de_json(data, application.bot)
        except web.HTTPException:  # a body over the size limit: aiohttp's own 413
            raise
        except Exception as exc:  # malformed input of any kind is the sender's fault: 400
            metrics.count_webhook_refused("malformed")
            log.warning("webhook: refused a body that is not an update (%s)", type(exc).__name__)
            return web.Response(status=400, text="not an update")
        shared: Services = application.bot_data["services"]
        fresh = await shared.database.run(
            inbox.take_update, update_id=update.update_id, now=shared.clock()
        )
        if not fresh:
            # Telegram redelivers an update it got no 200 for in time; some instance
            # already took this one.
            log.info("webhook: update %s was delivered again; skipped", update.update_id)
            return web.Response(status=200)
        log.debug("webhook: queued update %s", update.update_id)
        await application.update_queue.put(update)
        return web.Response(status=200)

    async def healthz(request: web.Request) -> web.Response:
        shared: Services = application.bot_data["services"]
        health = await check_health(shared)
        return web.json_response(health.as_json(), status=200 if health.ok else 503)

    async def metrics_text(request: web.Request) -> web.Response:
        return web.Response(body=metrics.render().encode(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_post(path, take_update)
    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(METRICS_PATH, metrics_text)
    return app


@asynccontextmanager
async def webhook_server(
    application: AnyApplication, settings: Settings, *, sock: socket.socket | None = None
) -> AsyncIterator[int]:
    """Start the bot, its HTTP server and the webhook; stop the server and the bot on exit.

    The order mirrors ``Application.run_polling``: ``initialize``, ``post_init``, ``start``;
    then the server listens, and only then ``setWebhook`` (Telegram POSTs at once). On exit:
    the server stops taking updates, then ``stop``, ``post_stop``, ``shutdown`` and
    ``post_shutdown``. The webhook itself is not deleted.

    Args:
        application: The bot from ``build_application``.
        settings: ``webhook_url``, ``webhook_secret``, ``webhook_listen``, ``webhook_port``.
        sock: A bound socket to serve on instead of ``webhook_listen:webhook_port``
            (tests bind port 0 first, so the port is free and known).

    Yields:
        The port the server listens on.

    Raises:
        WebhookError: The port could not be bound or Telegram refused ``setWebhook``.
    """
    if not settings.webhook_url or settings.webhook_secret is None:
        raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    instrument(application, metrics_of(application), update_kinds=ALLOWED_UPDATES)
    runner = web.AppRunner(
        make_web_app(application, secret, webhook_path(settings.webhook_url)),
        access_log=None,
        handler_cancellation=True,
        shutdown_timeout=SHUTDOWN_GRACE,
    )
    try:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        await runner.setup()
        site: web.BaseSite
        if sock is not None:
            site = web.SockSite(runner, sock)
        else:
            site = web.TCPSite(runner, settings.webhook_listen, settings.webhook_port)
        try:
            await site.start()
        except OSError as exc:
            where = f"{settings.webhook_listen}:{settings.webhook_port}"
            raise WebhookError(f"cannot listen on {where}: {exc.strerror or exc}") from None
        port = int(runner.addresses[0][1])
        try:
            await application.bot.set_webhook(
                url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            )
        except TelegramError as exc:
            raise WebhookError(f"Telegram refused setWebhook: {exc.message}") from None
        log.info("webhook set; serving updates on port %d", port)
        yield port
    finally:
        await runner.cleanup()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def run_webhook(application: AnyApplication, settings: Settings) -> None:
    """Serve updates over the webhook until SIGINT or SIGTERM.

    Args:
        application: The bot from ``build_application``.
        settings: The webhook settings (see ``webhook_server``).

    Raises:
        WebhookError: The server could not start.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for signum in STOP_SIGNALS:
        with suppress(NotImplementedError, RuntimeError):  # no signals off the main thread
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    try:
        async with webhook_server(application, settings):
            await stop.wait()
            log.info("stopping")
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


def serve_webhook(application: AnyApplication, settings: Settings) -> int:
    """Run ``run_webhook`` in a new event loop; the process exit code.

    Args:
        application: The bot from ``build_application``.
        settings: The webhook settings.

    Returns:
        0 after a clean stop, 1 when the server could not start.
    """
    log.info(
        "starting: webhook server on %s:%d for %s",
        settings.webhook_listen,
        settings.webhook_port,
        settings.webhook_url,
    )
    try:
        asyncio.run(run_webhook(application, settings))
    except WebhookError as exc:
        log.error("%s", exc)
        return 1
    except TelegramError as exc:  # getMe at start-up: a wrong token, Telegram unreachable
        log.error("could not start: %s", exc)
        return 1
    log.info("stopped")
    return 0
