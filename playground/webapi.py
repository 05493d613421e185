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
another origin without asking first, so no other web page can act as the user.
"""

from __future__ import annotations

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
_IMAGE_TYPES = {b"\x89PNG": "image/png", b"GIF8": "image/gif", b"RIFF": "image/webp"}


class PageError(Exception):
    """A request of the page that cannot be carried out: 400 (or ``status``) and why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class PageApi:
    """Routes for the page, acting as ``user`` in the chats of ``feed``."""

    def __init__(self, bot: StandinBot, user: UserHandle, feed: Feed):
        self.bot = bot
        self.user = user
        self.feed = feed

    def setup(self, app: web.Application) -> None:
        """Add the page's routes to the server's application."""
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
