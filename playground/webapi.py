"""The chat page and the small JSON API it uses, on the Bot API server's port.

The page acts as the playground's user through the same actions the tests use
(``UserHandle.send``, ``press``, ``answer_poll``, ``send_document``):

=========================================================  ===============================
``GET /``                                                  the page (``playground/web``)
``GET /api/updates?since=N&timeout=S``                     what changed after N (long poll)
``POST /api/chats/{chat}/messages`` ``{"text"}``           send a text or a command
``POST /api/chats/{chat}/documents`` (multipart ``file``)  send a file
``POST /api/chats/{chat}/messages/{id}/press`` ``{"data"}``  press an inline button; the answer
``POST /api/chats/{chat}/messages/{id}/vote`` ``{"option_ids"}``  vote in a poll
``GET /api/files/{path}``                                  a photo or document (``?download=1``)
=========================================================  ===============================

Every POST must carry the ``X-Playground`` header: a browser sends no custom header to
another origin without asking first, so no other web page can act as the user. Every
request must name the playground itself in its ``Host`` (its listen address, the address
it was reached at, or a loopback name, with its port): a page on another domain whose
name was made to point here (DNS rebinding) is refused, and so cannot read the chats.
Every response forbids framing (clickjacking).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from .botapi import ApiError, Chat, StandinBot, StandinTimeout, UserHandle
from .feed import FILES_PATH, Feed

WEB_DIR = Path(__file__).with_name("web")
CSRF_HEADER = "X-Playground"
LONG_POLL_SECONDS = 25.0
# How long a press waits for the bot's answerCallbackQuery before the page stops waiting.
PRESS_ANSWER_SECONDS = 15.0
MAX_TEXT = 4096
# The names that always mean this machine (RFC 6761: *.localhost too).
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})
WRONG_HOST = "This playground answers only at its own address, such as http://{where}/."
NO_FRAMING = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}
_IMAGE_TYPES = {b"\x89PNG": "image/png", b"GIF8": "image/gif", b"RIFF": "image/webp"}


class PageError(Exception):
    """A request of the page that cannot be carried out: 400 (or ``status``) and why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _split_host(header: str) -> tuple[str, int | None] | None:
    """``Host`` → (name, port or None), the name lower-case and an IPv6 address without
    its brackets; None when it is not a host with an optional port."""
    if header.startswith("["):
        name, bracket, rest = header[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    elif header.count(":") <= 1:
        name, _, port = header.partition(":")
    else:
        return None
    if not name or (port and not port.isdigit()):
        return None
    return name.lower().rstrip("."), int(port) if port else None


def own_host(header: str, *, listen: str, reached: tuple[str, int]) -> bool:
    """Whether a request's ``Host`` names this server: a loopback name, its listen
    address, or the address it was reached at, each with the port it was reached at.

    Args:
        header: The request's ``Host``.
        listen: The address the server listens on (a wildcard listens on all of the
            machine's addresses: then the one the request came in at counts).
        reached: The local address and port of the request's connection.
    """
    split = _split_host(header)
    if split is None:
        return False
    name, port = split
    local, local_port = reached
    if (port or 80) != local_port:
        return False
    names = {*LOOPBACK_NAMES, local.lower()}
    if listen.lower() not in WILDCARD_ADDRESSES:
        names.add(listen.lower().strip("[]"))
    if name in names or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name) == ipaddress.ip_address(local)
    except ValueError:
        return False


class PageApi:
    """Routes for the page, acting as ``user`` in the chats of ``feed``."""

    def __init__(self, bot: StandinBot, user: UserHandle, feed: Feed, *, listen: str):
        self.bot = bot
        self.user = user
        self.feed = feed
        self.listen = listen

    def setup(self, app: web.Application) -> None:
        """Add the page's routes to the server's application (the ``Host`` check first:
        the Bot API's routes on this server answer only there too)."""
        app.middlewares.insert(0, self.host_check)
        app.on_response_prepare.append(self._no_framing)
        app.middlewares.append(self.middleware)
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", WEB_DIR)
        app.router.add_get("/api/updates", self._updates)
        app.router.add_post("/api/chats/{chat}/messages", self._send)
        app.router.add_post("/api/chats/{chat}/documents", self._send_document)
        app.router.add_post("/api/chats/{chat}/messages/{message}/press", self._press)
        app.router.add_post("/api/chats/{chat}/messages/{message}/vote", self._vote)
        app.router.add_get(FILES_PATH + "{path:.+}", self._file)

    # --- helpers ---------------------------------------------------------------------------
    def _chat(self, request: web.Request) -> Chat:
        try:
            chat_id = int(request.match_info["chat"])
        except ValueError:
            raise PageError("no such chat", 404) from None
        chat = self.feed.chats.get(chat_id)
        if chat is None:
            raise PageError("no such chat", 404)
        return chat

    def _message(self, request: web.Request) -> Any:
        chat = self._chat(request)
        try:
            message = chat.message(int(request.match_info["message"]))
        except ValueError:
            message = None
        if message is None:
            raise PageError("this message was deleted")
        return message

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise PageError("the body must be a JSON object") from None
        if not isinstance(body, dict):
            raise PageError("the body must be a JSON object")
        return body

    @staticmethod
    def _reply(payload: Any, status: int = 200) -> web.Response:
        return web.json_response(
            payload, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False)
        )

    @web.middleware
    async def host_check(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse a request that does not name this server in its ``Host`` (421)."""
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        reached = (str(sockname[0]), int(sockname[1])) if sockname else ("", 0)
        if not own_host(request.headers.get("Host", ""), listen=self.listen, reached=reached):
            where = f"127.0.0.1:{reached[1]}"
            return web.Response(status=421, text=WRONG_HOST.format(where=where))
        return await handler(request)

    @staticmethod
    async def _no_framing(request: web.Request, response: web.StreamResponse) -> None:
        """No other page may show this one in a frame (clickjacking)."""
        response.headers.update(NO_FRAMING)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse POSTs without the header; turn PageError and ApiError into JSON."""
        if not request.path.startswith("/api/"):
            return await handler(request)
        if request.method == "POST" and request.headers.get(CSRF_HEADER) != "1":
            return self._reply({"error": f"the {CSRF_HEADER} header is missing"}, 403)
        try:
            return await handler(request)
        except PageError as exc:
            return self._reply({"error": str(exc)}, exc.status)
        except ApiError as exc:
            return self._reply({"error": exc.description}, 400)

    # --- routes ------------------------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def _updates(self, request: web.Request) -> web.Response:
        try:
            since = int(request.query.get("since", "0"))
            timeout = min(float(request.query.get("timeout", "0")), LONG_POLL_SECONDS)
        except ValueError:
            raise PageError("since is a number, timeout a number of seconds") from None
        if timeout > 0:
            await self.feed.wait(since, timeout)
        return self._reply(self.feed.since(since))

    async def _send(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        text = (await self._json(request)).get("text")
        if not isinstance(text, str) or not text.strip():
            raise PageError("the message is empty")
        if len(text) > MAX_TEXT:
            raise PageError(f"the message is longer than {MAX_TEXT} characters")
        message = await self.user.send(text, chat=chat)
        return self._reply({"id": message.message_id})

    async def _send_document(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        try:
            form = await request.post()
        except ValueError:
            raise PageError("send the file as multipart/form-data") from None
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise PageError("no file was sent")
        data = upload.file.read()
        caption = form.get("caption")
        message = await self.user.send_document(
            data,
            upload.filename or "file",
            mime_type=upload.content_type,
            caption=caption if isinstance(caption, str) and caption else None,
            chat=chat,
        )
        return self._reply({"id": message.message_id})

    async def _press(self, request: web.Request) -> web.Response:
        message = self._message(request)
        data = (await self._json(request)).get("data")
        if not isinstance(data, str) or not data:
            raise PageError("the button has no callback data")
        press = await self.user.press(message, data=data)
        try:
            answer = await press.answered(timeout=PRESS_ANSWER_SECONDS)
        except StandinTimeout:
            return self._reply({"answer": None})
        return self._reply(
            {"answer": {"text": answer.text, "show_alert": answer.show_alert, "url": answer.url}}
        )

    async def _vote(self, request: web.Request) -> web.Response:
        message = self._message(request)
        option_ids = (await self._json(request)).get("option_ids")
        if not isinstance(option_ids, list) or not all(
            isinstance(option, int) and not isinstance(option, bool) for option in option_ids
        ):
            raise PageError("option_ids is a list of option numbers")
        if message.poll is None:
            raise PageError("this message is not a poll")
        try:
            await self.user.answer_poll(message, option_ids)
        except (AssertionError, ValueError) as exc:
            raise PageError(str(exc).replace("AssertionError: ", "")) from None
        return self._reply({"ok": True})

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.bot.file_by_path(request.match_info["path"])
        if stored is None:
            raise PageError("no such file", 404)
        headers = {"Cache-Control": "private, max-age=86400"}
        if request.query.get("download"):
            name = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        content_type = stored.mime_type or "application/octet-stream"
        if stored.kind == "photo":  # kept as uploaded, not re-encoded as Telegram does
            content_type = _IMAGE_TYPES.get(stored.data[:4], content_type)
        return web.Response(body=stored.data, content_type=content_type, headers=headers)
