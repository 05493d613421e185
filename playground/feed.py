"""What the playground's user sees in their chats, numbered by change, for the page's polls.

The page asks ``/api/updates?since=N`` and gets every message that changed after change
number N (new, edited, voted on, closed or deleted), the bot's chat actions ("typing...")
and the chats with their command menus. A long poll waits until there is something new.
"""

# The wait takes ``timeout=`` like asyncio.wait_for: it is its public API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any
from urllib.parse import quote

from .botapi import Chat, ChatMessage, PollState, RecordedRequest, StandinBot, UserHandle

FILES_PATH = "/api/files/"
# How long Telegram shows a chat action ("typing...") unless a message comes first.
ACTION_SECONDS = 5.0
# The request log is for tests; a playground that runs for days forgets it now and then.
KEEP_REQUESTS = 2000


def file_url(path: str) -> str:
    """Where the page fetches a stored file (a photo the bot sent, a document)."""
    return FILES_PATH + quote(path)


def _sender(message: ChatMessage) -> dict[str, Any] | None:
    sender = message.data.get("from")
    if sender is None:
        return None
    name = " ".join(part for part in (sender.get("first_name"), sender.get("last_name")) if part)
    return {"id": sender["id"], "name": name, "is_bot": bool(sender.get("is_bot"))}


def _keyboard(markup: dict[str, Any] | None) -> list[list[dict[str, str]]] | None:
    if not markup or "inline_keyboard" not in markup:
        return None
    rows = []
    for row in markup["inline_keyboard"]:
        buttons = []
        for button in row:
            shown = {"text": button["text"]}
            for field in ("callback_data", "url"):
                if field in button:
                    shown[field] = str(button[field])
            buttons.append(shown)
        rows.append(buttons)
    return rows


def poll_view(state: PollState, user_id: int) -> dict[str, Any]:
    """A poll as its voter's client shows it: the right option and the explanation of a
    quiz only once they voted or the poll closed."""
    mine = state.votes.get(user_id) or None
    revealed = state.is_closed or mine is not None
    view: dict[str, Any] = {
        "id": state.id,
        "type": state.type,
        "question": state.question,
        "question_entities": state.question_entities,
        "options": [
            {"text": text, "count": count}
            for text, count in zip(state.options, state.counts, strict=True)
        ],
        "total": sum(1 for ids in state.votes.values() if ids),
        "is_anonymous": state.is_anonymous,
        "is_closed": state.is_closed,
        "allows_multiple_answers": state.allows_multiple_answers,
        "my_vote": mine,
        "closes_at": None if state.is_closed else state.close_date,
    }
    if state.type == "quiz" and revealed:
        view["correct"] = list(state.correct_option_ids)
        if state.explanation:
            view["explanation"] = state.explanation
            view["explanation_entities"] = state.explanation_entities
    return view


def message_view(message: ChatMessage, user_id: int) -> dict[str, Any]:
    """One message as the page draws it (``user_id`` is the page's user)."""
    data = message.data
    view: dict[str, Any] = {"chat_id": message.chat.id, "id": message.message_id}
    if message.deleted:
        view["deleted"] = True
        return view
    sender = _sender(message)
    view.update(
        {
            "from": sender,
            "outgoing": not message.from_bot and sender is not None and sender["id"] == user_id,
            "date": message.date,
            "edited": message.is_edited,
            "text": message.content,
            "entities": message.entities,
        }
    )
    stored = message.file
    if stored is not None and "photo" in data:
        view["photo"] = {
            "url": file_url(stored.file_path),
            "width": stored.width,
            "height": stored.height,
        }
    if stored is not None and "document" in data:
        view["document"] = {
            "url": file_url(stored.file_path),
            "name": stored.file_name or stored.file_path.rsplit("/", 1)[-1],
            "size": stored.file_size,
            "mime_type": stored.mime_type,
        }
    keyboard = _keyboard(message.reply_markup)
    if keyboard:
        view["keyboard"] = keyboard
    replied = data.get("reply_to_message")
    if replied is not None:
        replied_sender = replied.get("from") or {}
        view["reply_to"] = {
            "id": replied["message_id"],
            "name": replied_sender.get("first_name", ""),
            "text": (replied.get("text") or replied.get("caption") or "")[:100],
        }
    if message.poll is not None:
        view["poll"] = poll_view(message.poll, user_id)
    return view


class Feed:
    """The changes in the user's chats, each numbered, and long polls waiting for them."""

    def __init__(self, bot: StandinBot, user: UserHandle, chats: list[Chat]):
        self.bot = bot
        self.user = user
        self.chats = {chat.id: chat for chat in chats}
        #: The number of the latest change.
        self.version = 0
        #: Tells this run from an earlier one: a page open across a restart starts over.
        self.instance = secrets.token_hex(4)
        # (chat id, message id) -> (the view as JSON, its change number, the view)
        self._views: dict[tuple[int, int], tuple[str, int, dict[str, Any]]] = {}
        self._actions: list[tuple[int, dict[str, Any]]] = []
        self._waiters: set[asyncio.Future[None]] = set()
        self._closed = False
        self._bot_up = False
        self._removers = [bot.on_change(self._on_change), bot.on_request(self._on_request)]
        for chat in chats:
            self.refresh(chat)

    # --- changes -------------------------------------------------------------------------
    def refresh(self, chat: Chat) -> None:
        """Number every message of ``chat`` that looks different since the last look."""
        alive = {message.message_id: message for message in chat.messages}
        known = [mid for (cid, mid) in self._views if cid == chat.id and mid not in alive]
        views = [message_view(message, self.user.id) for message in alive.values()]
        views += [{"chat_id": chat.id, "id": mid, "deleted": True} for mid in known]
        changed = False
        for view in views:
            key = (chat.id, view["id"])
            text = json.dumps(view, sort_keys=True, ensure_ascii=False)
            seen = self._views.get(key)
            if seen is None or seen[0] != text:
                self.version += 1
                self._views[key] = (text, self.version, view)
                changed = True
        if changed:
            self._wake()

    def _on_change(self, chat: Chat) -> None:
        if chat.id in self.chats:
            self.refresh(chat)

    def _on_request(self, record: RecordedRequest) -> None:
        chat = self.chats.get(record.chat_id) if isinstance(record.chat_id, int) else None
        if record.method == "sendChatAction" and record.ok and chat is not None:
            self.version += 1
            action = {"chat_id": chat.id, "action": record.params.get("action"), "at": time.time()}
            self._actions = [*self._actions[-20:], (self.version, action)]
            self._wake()
        elif record.method in ("setMyCommands", "deleteMyCommands") and record.ok:
            self.version += 1
            self._wake()
        elif record.method in ("deleteWebhook", "setWebhook") and not self._bot_up:
            # The bot's last step before it takes updates (PTB's, right before polling).
            self._bot_up = True
            self.version += 1
            self._wake()
        elif chat is not None:
            self.refresh(chat)  # what a request set on a message after it was posted
        log = self.bot.log
        if len(log.records) + len(log.polls) > KEEP_REQUESTS:
            self.bot.clear_requests()
            del self.bot.injections[: -KEEP_REQUESTS // 10]

    def _wake(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    # --- what the page asks ------------------------------------------------------------------
    def chat_views(self) -> list[dict[str, Any]]:
        """The user's chats: who is in them and the command menu of each."""
        views = []
        for chat in self.chats.values():
            view: dict[str, Any] = {
                "id": chat.id,
                "type": chat.type,
                "title": chat.title if not chat.is_private else self.bot.first_name,
                "commands": [list(pair) for pair in self.bot.menu_commands(chat, self.user.id)],
            }
            if not chat.is_private:
                view["members"] = [
                    {"id": user_id, "name": chat.users[user_id].full_name, "status": status}
                    for user_id, status in chat.members.items()
                    if chat.is_present(user_id)
                ]
            views.append(view)
        return views

    def since(self, version: int) -> dict[str, Any]:
        """Everything that changed after ``version`` (all of it after a restart)."""
        reset = version > self.version
        if reset:
            version = 0
        messages = sorted(
            (view for _, number, view in self._views.values() if number > version),
            key=lambda view: (view["chat_id"], view["id"]),
        )
        now = time.time()
        actions = [
            action
            for number, action in self._actions
            if number > version and now - action["at"] < ACTION_SECONDS
        ]
        bot = self.bot
        return {
            "instance": self.instance,
            "version": self.version,
            "reset": reset,
            "me": {"id": self.user.id, "name": self.user.info.full_name},
            "bot": {"id": bot.id, "name": bot.first_name, "username": bot.username},
            # Until the bot polls, what the page sends waits for it (as in Telegram).
            "bot_up": self._bot_up or bot.updates.consumed,
            "messages": messages,
            "actions": actions,
            "chats": self.chat_views(),
        }

    async def wait(self, version: int, timeout: float) -> None:
        """Return when there is a change after ``version``, or after ``timeout`` seconds."""
        if self.version != version or self._closed:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)

    def close(self) -> None:
        """End the waiting polls (the server is stopping) and stop watching."""
        self._closed = True
        self._wake()
        for remove in self._removers:
            remove()
        self._removers = []
