"""The HTTP server: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` on 127.0.0.1."""

# The waits take ``timeout=`` like asyncio.wait_for: it is their public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from .actors import UserHandle
from .bot import StandinBot, settle_bots
from .chat import Chat, ChatMessage, PollState
from .errors import NOT_FOUND, UNAUTHORIZED, ApiError
from .faults import Faults
from .methods import METHODS, Call, Described
from .params import Params, read_request
from .ratelimit import RateLimits
from .records import Injection, RecordedRequest
from .updates import WebhookConfig

log = logging.getLogger(__name__)


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


class BotApiStandin:
    """A stand-in for Telegram's Bot API server, for tests and benchmarks.

    ``token`` makes the default bot (``server.bot``); more bots join with ``add_bot``.
    The test-side shortcuts on the server (``user``, ``group``, ``requests``,
    ``wait_for_request``, ...) act on the default bot.

    ``rate_limits=True`` turns on Telegram's flood limits (or pass a ``RateLimits``).
    ``callback_timeout`` is how long a callback query can be answered. ``time_scale``
    multiplies the stand-in's own timers (poll ``open_period``/``close_date``) so a test can
    send ``open_period=5`` as Telegram demands and see the poll close after
    ``5 * time_scale`` seconds; the values the bot sees stay as sent.
    """

    def __init__(
        self,
        token: str | None = "123:ABC",
        *,
        username: str | None = None,
        first_name: str = "Stand-in Bot",
        privacy_mode: bool = True,
        rate_limits: bool | RateLimits = False,
        callback_timeout: float = 15.0,
        time_scale: float = 1.0,
        webhook_retry_delay: float = 1.0,
        webhook_timeout: float = 10.0,
        host: str = "127.0.0.1",
        port: int = 0,
        fault_seed: int | None = None,
    ):
        #: Fault injection per method (see ``playground.botapi.faults``).
        self.faults = Faults(seed=fault_seed)
        self._site: web.TCPSite | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self.rate_limits = RateLimits() if rate_limits is True else (rate_limits or None)
        self.callback_timeout = callback_timeout
        self.time_scale = time_scale
        self.webhook_retry_delay = webhook_retry_delay
        self.webhook_timeout = webhook_timeout
        self.host = host
        self.port = port
        self._bots: dict[str, StandinBot] = {}
        self._default: StandinBot | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._hooks: list[Callable[[RecordedRequest], None]] = []
        self._setups: list[Callable[[web.Application], None]] = []
        if token is not None:
            self._default = self.add_bot(
                token, username=username, first_name=first_name, privacy_mode=privacy_mode
            )

    # --- life cycle ------------------------------------------------------------------------
    async def start(self) -> BotApiStandin:
        """Listen on ``host:port`` (port 0: a free one); sets ``base_url``."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        for setup in self._setups:
            setup(app)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self._site = site
        self.port = int(self._runner.addresses[0][1])
        return self

    def extend(self, setup: Callable[[web.Application], None]) -> None:
        """Have ``setup(app)`` add to the aiohttp application when the server starts (more
        routes on the same port, such as the playground's page)."""
        if self._runner is not None:
            raise RuntimeError("extend() the server before it starts")
        self._setups.append(setup)

    async def outage(self, seconds: float) -> None:
        """Be unreachable for ``seconds``: connections are refused, and a request on a
        connection kept open from before is dropped unanswered. Returns at once."""
        self.faults.outage_until = time.perf_counter() + seconds
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self._runner is not None and self._runner.server is not None:
            for connection in list(self._runner.server.connections):
                connection.force_close()
                if connection.transport is not None:
                    connection.transport.abort()

        async def restore() -> None:
            await asyncio.sleep(seconds)
            if self._runner is not None and self._site is None:
                site = web.TCPSite(self._runner, self.host, self.port)
                await site.start()
                self._site = site

        task = asyncio.get_running_loop().create_task(restore())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def stop(self) -> None:
        """Stop timers, webhooks and long polls, then the server."""
        for pending in list(self._background):
            pending.cancel()
        tasks = [task for bot in self._bots.values() if (task := bot.shutdown()) is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiStandin:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; the bot's base_url is ``f"{base_url}/bot"``."""
        if self._runner is None:
            raise RuntimeError("the stand-in is not started; await server.start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.base_url}/file/bot"

    def client_session(self) -> aiohttp.ClientSession:
        """The HTTP client the bots' webhooks are called with (made on first use)."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    # --- bots --------------------------------------------------------------------------------
    def add_bot(
        self,
        token: str,
        *,
        username: str | None = None,
        first_name: str = "Stand-in Bot",
        privacy_mode: bool = True,
        rate_limits: RateLimits | None = None,
    ) -> StandinBot:
        """Another bot on this server (its own users, chats, queue and log)."""
        if token in self._bots:
            raise ValueError(f"a bot with token {token!r} exists already")
        bot = StandinBot(
            self,
            token,
            username=username,
            first_name=first_name,
            privacy_mode=privacy_mode,
            rate_limits=rate_limits or self.rate_limits,
        )
        self._bots[token] = bot
        if self._default is None:
            self._default = bot
        return bot

    @property
    def bot(self) -> StandinBot:
        """The default bot."""
        if self._default is None:
            raise RuntimeError("no bot yet: add_bot(token) first")
        return self._default

    @property
    def bots(self) -> list[StandinBot]:
        return list(self._bots.values())

    # --- shortcuts to the default bot ------------------------------------------------------------
    def user(self, user_id: int, first_name: str, **kwargs: Any) -> UserHandle:
        """A user with a private chat with the default bot; see StandinBot.user."""
        return self.bot.user(user_id, first_name, **kwargs)

    def group(self, chat_id: int, title: str, **kwargs: Any) -> Chat:
        """A group of the default bot; see StandinBot.group."""
        return self.bot.group(chat_id, title, **kwargs)

    def chat(self, target: Any) -> Chat:
        return self.bot.chat(target)

    def block(self, user: UserHandle | int) -> None:
        self.bot.block(user)

    def unblock(self, user: UserHandle | int) -> None:
        self.bot.unblock(user)

    def requests(self, method: str | None = None, chat_id: Any = None) -> list[RecordedRequest]:
        return self.bot.requests(method, chat_id=chat_id)

    def last_request(
        self, method: str | None = None, chat_id: Any = None
    ) -> RecordedRequest | None:
        return self.bot.last_request(method, chat_id=chat_id)

    async def wait_for_request(
        self,
        method: str | None = None,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        *,
        chat_id: Any = None,
        timeout: float = 5.0,
        since: RecordedRequest | Injection | int | str | None = None,
    ) -> RecordedRequest:
        return await self.bot.wait_for_request(
            method, predicate, chat_id=chat_id, timeout=timeout, since=since
        )

    def on_request(self, callback: Callable[[RecordedRequest], None]) -> Callable[[], None]:
        """Call ``callback(record)`` after each request of any bot; returns a remover."""
        self._hooks.append(callback)

        def remove() -> None:
            self._hooks.remove(callback)

        return remove

    def request_finished(self, record: RecordedRequest) -> None:
        """Run the ``on_request`` hooks (after the bot's own); a failing hook is logged."""
        for hook in list(self._hooks):
            try:
                hook(record)
            except Exception:
                log.exception("on_request hook failed for %r", record)

    def close_poll(self, poll: ChatMessage | PollState | str) -> PollState:
        return self.bot.close_poll(poll)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        return self.bot.commands(scope, language_code)

    def inject(self, kind: str, payload: dict[str, Any], *, chat: Chat | None = None) -> Injection:
        return self.bot.inject(kind, payload, chat=chat)

    @property
    def webhook(self) -> WebhookConfig | None:
        return self.bot.webhook

    @property
    def rate_limited_count(self) -> int:
        """How many calls (of all bots) got 429."""
        return sum(bot.rate_limited_count for bot in self._bots.values())

    async def settle(self, quiet: float = 0.2, *, timeout: float = 10.0) -> None:
        """Wait until every bot is idle: updates delivered, no request for ``quiet`` s."""
        await settle_bots(self._bots.values(), quiet, timeout)

    # --- HTTP ------------------------------------------------------------------------------------
    @staticmethod
    def _error(error: ApiError) -> web.Response:
        return web.Response(
            body=_dumps(error.payload()), status=error.code, content_type="application/json"
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        bot = self._bots.get(request.match_info["token"])
        if bot is None:
            return self._error(UNAUTHORIZED)
        entry = METHODS.get(request.match_info["method"].lower())
        if entry is None:
            return self._error(NOT_FOUND)
        name, handler, is_async = entry
        try:
            values, files = await read_request(request)
        except ApiError as exc:
            record = bot.begin_request(name, {}, {})
            bot.finish_request(record, exc.code, _dumps(exc.payload()))
            return self._error(exc)
        if self.faults.in_outage:
            self._drop(request)
            return web.Response(status=503)
        fault = self.faults.pick(name)
        kind = fault[0] if fault is not None else None
        record = bot.begin_request(name, values, files)
        if fault is not None and kind in ("500", "502", "429", "drop_before"):
            return self._refuse(request, bot, record, *fault)
        if fault is not None and kind == "delay":
            # Telegram carries the call out late, whether or not the client still waits.
            async def late() -> tuple[int, bytes]:
                await asyncio.sleep(fault[1].delay)
                return await self._answer(bot, record, handler, is_async, name)

            work = asyncio.ensure_future(late())
            self._background.add(work)
            work.add_done_callback(self._background.discard)
            status, body = await asyncio.shield(work)
            return web.Response(body=body, status=status, content_type="application/json")
        status, body = await self._answer(bot, record, handler, is_async, name)
        if kind == "drop_after":
            self._drop(request)
        return web.Response(body=body, status=status, content_type="application/json")

    @staticmethod
    def _drop(request: web.Request) -> None:
        """Close the connection without an answer (the client sees it dropped)."""
        if request.transport is not None:
            request.transport.abort()

    def _refuse(
        self,
        request: web.Request,
        bot: StandinBot,
        record: RecordedRequest,
        kind: str,
        rule: Any,
    ) -> web.Response:
        """Fail a call without carrying it out, as the fault ``kind`` says."""
        if kind == "drop_before":
            bot.finish_request(record, 0, b"")
            self._drop(request)
            return web.Response(status=503)
        if kind == "502":
            body = b"<html><head><title>502 Bad Gateway</title></head></html>"
            bot.finish_request(record, 502, body)
            return web.Response(body=body, status=502, content_type="text/html")
        if kind == "429":
            error = ApiError(
                429,
                f"Too Many Requests: retry after {rule.retry_after}",
                {"retry_after": rule.retry_after},
            )
        else:
            error = ApiError(500, "Internal Server Error")
        body = _dumps(error.payload())
        bot.finish_request(record, error.code, body)
        return web.Response(body=body, status=error.code, content_type="application/json")

    async def _answer(
        self,
        bot: StandinBot,
        record: RecordedRequest,
        handler: Any,
        is_async: bool,
        name: str,
    ) -> tuple[int, bytes]:
        """Carry out the call and log it; its HTTP status and JSON body."""
        values, files = record.params, record.files
        try:
            result = handler(Call(bot, Params(values, files), record, name))
            if is_async:
                result = await result
            if isinstance(result, Described):
                payload: dict[str, Any] = {
                    "ok": True,
                    "result": result.result,
                    "description": result.description,
                }
            else:
                payload = {"ok": True, "result": result}
            status = 200
        except ApiError as exc:
            payload, status = exc.payload(), exc.code
        except asyncio.CancelledError:
            bot.finish_request(record, 499, b"")  # the client went away
            raise
        except Exception as exc:
            log.exception("stand-in failed on %s", name)
            record.exception = exc
            status = 500
            payload = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: the stand-in failed: {exc!r}",
            }
        body = _dumps(payload)
        bot.finish_request(record, status, body)
        return status, body

    async def _handle_file(self, request: web.Request) -> web.Response:
        bot = self._bots.get(request.match_info["token"])
        if bot is None:
            return self._error(UNAUTHORIZED)
        stored = bot.file_by_path(request.match_info["path"])
        if stored is None:
            return self._error(NOT_FOUND)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    def __repr__(self) -> str:
        where = f"{self.host}:{self.port}" if self._runner else "not started"
        return f"<BotApiStandin {where} bots={[b.username for b in self._bots.values()]}>"
