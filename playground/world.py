"""The playground: a Bot API server with one user, a class group and its classmates, and
the chat page the user plays in; run in the caller's event loop or in a thread of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from types import TracebackType

from .botapi import BotApiStandin, Chat, UserHandle
from .classmates import CLASSMATES, Classmate, Classmates
from .feed import Feed
from .webapi import PageApi

USER_ID = 1001
USER_NAME = "Sam"
GROUP_ID = -1001000000001
GROUP_TITLE = "Class"
DEFAULT_PORT = 8080
# How long stop() waits for the server thread to end.
STOP_SECONDS = 5.0


def host_port(host: str, port: int) -> str:
    """``host:port``, an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def page_url(host: str, port: int) -> str:
    """``http://host:port`` for a listen address."""
    return f"http://{host_port(host, port)}"


def client_host(host: str) -> str:
    """Where a client on this machine reaches a server listening on ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


class Playground:
    """A Bot API server for one bot, with the world the page's user lives in.

    The world: the user (``USER_NAME``) in a private chat with the bot, and the group
    ``GROUP_TITLE`` where the user is an admin, the bot a member, and the ``classmates``
    answer the bot's polls. The bot is added to the group at start (it gets
    ``my_chat_member``). ``url`` is the page once started.
    """

    def __init__(
        self,
        token: str,
        *,
        bot_name: str = "Tutor",
        bot_username: str = "tutor_bot",
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        classmates: tuple[Classmate, ...] = CLASSMATES,
        seed: int | None = None,
        time_scale: float = 1.0,
    ):
        self.server = BotApiStandin(
            token=token,
            username=bot_username,
            first_name=bot_name,
            host=host,
            port=port,
            time_scale=time_scale,
        )
        bot = self.server.bot
        self.user: UserHandle = bot.user(USER_ID, USER_NAME, username=USER_NAME.lower())
        mates = [(mate, bot.user(mate.user_id, mate.name)) for mate in classmates]
        self.group: Chat = bot.group(
            GROUP_ID,
            GROUP_TITLE,
            admins=[self.user],
            members=[handle for _, handle in mates],
            bot_status="left",  # until the user adds it, at start
        )
        self.feed = Feed(bot, self.user, [self.user.chat, self.group])
        self.page = PageApi(bot, self.user, self.feed, listen=host)
        self.server.extend(self.page.setup)
        self.classmates = Classmates(bot, self.group, mates, seed=seed, time_scale=time_scale)

    @property
    def url(self) -> str:
        """The chat page, once the server listens."""
        return page_url(self.server.host, self.server.port)

    @property
    def api_url(self) -> str:
        """The Bot API root for the bot (``TELEGRAM_API_URL``)."""
        return page_url(client_host(self.server.host), self.server.port)

    async def start(self) -> Playground:
        """Listen (OSError when the port is taken), then add the bot to the group."""
        await self.server.start()
        self.group.add_bot(self.user)
        return self

    async def stop(self) -> None:
        self.classmates.close()
        self.feed.close()
        await self.server.stop()

    async def __aenter__(self) -> Playground:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def start_in_thread(self, timeout: float = 30.0) -> PlaygroundThread:
        """Run the playground in a thread with its own event loop; returns once it listens.

        Raises what ``start`` raised (OSError for a port in use).
        """
        thread = PlaygroundThread(self)
        thread.start(timeout)
        return thread


class PlaygroundThread:
    """A playground running in a daemon thread; ``stop()`` ends it."""

    def __init__(self, playground: Playground):
        self.playground = playground
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, name="playground", daemon=True)

    @property
    def url(self) -> str:
        return self.playground.url

    def start(self, timeout: float) -> None:
        self._thread.start()
        self._started.result(timeout)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            try:
                loop.run_until_complete(self.playground.start())
            except BaseException as exc:
                self._started.set_exception(exc)
                return
            self._started.set_result(None)
            loop.run_forever()
            loop.run_until_complete(self.playground.stop())
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self) -> None:
        """Stop the server and wait (a few seconds at most) for the thread to end."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(STOP_SECONDS)
