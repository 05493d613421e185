"""A bot's update queue: getUpdates long polling, offsets, allowed_updates, webhooks."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .records import Injection

UPDATE_KINDS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
#: What a bot gets when it never set allowed_updates (or set an empty list).
DEFAULT_ALLOWED_UPDATES = frozenset(UPDATE_KINDS) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


@dataclass
class WebhookConfig:
    """A webhook set with setWebhook, and how delivery to it goes."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0
    failures: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event, repr=False)


class UpdateQueue:
    """Updates waiting for one bot, handed out by getUpdates or POSTed to its webhook.

    As in Telegram, an update stays queued until a later getUpdates confirms it with its
    ``offset`` (or a webhook answers 2xx), and a newer getUpdates ends a waiting one.
    """

    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession],
        *,
        retry_delay: Callable[[], float],
        request_timeout: Callable[[], float],
    ):
        self._session = session
        self._retry_delay = retry_delay
        self._request_timeout = request_timeout
        self.queue: deque[Injection] = deque()
        self.next_update_id = 1
        self.undelivered = 0
        self.allowed_updates: list[str] | None = None
        self.webhook: WebhookConfig | None = None
        self.poller: asyncio.Future[str] | None = None
        self.last_poll_at: float | None = None
        #: Every update injected for the bot, in order (dropped ones included).
        self.injections: list[Injection] = []

    # --- filling -----------------------------------------------------------------------------
    def add(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        chat_id: int | None,
        request_mark: int,
        dropped: str | None = None,
    ) -> Injection:
        """An update for the bot, queued unless ``dropped`` (or allowed_updates) keeps it out.

        ``request_mark`` is the request log's ``seq`` now (waits for the bot's answer
        start there).
        """
        dropped = dropped or self.refusal(kind)
        update_id = 0 if dropped else self.next_update_id
        injection = Injection(
            update_id=update_id,
            kind=kind,
            update={"update_id": update_id, kind: payload},
            at=time.perf_counter(),
            chat_id=chat_id,
            request_mark=request_mark,
            dropped=dropped,
        )
        self.injections.append(injection)
        if not dropped:
            self.next_update_id += 1
            self.push(injection)
        return injection

    def refusal(self, kind: str) -> str | None:
        """Why an update of this kind would not be queued (allowed_updates), or None."""
        allowed = frozenset(self.allowed_updates or ()) or DEFAULT_ALLOWED_UPDATES
        if kind in allowed:
            return None
        return f"{kind!r} is not in the bot's allowed_updates {sorted(allowed)}"

    def push(self, injection: Injection) -> None:
        self.queue.append(injection)
        self.undelivered += 1
        if self.poller is not None and not self.poller.done():
            self.poller.set_result("updates")
        if self.webhook is not None:
            self.webhook.wakeup.set()

    def set_allowed_updates(self, value: Any) -> None:
        """Remember allowed_updates (a list; unknown kinds ignored, empty = the default)."""
        if isinstance(value, list):
            self.allowed_updates = [kind for kind in value if kind in UPDATE_KINDS] or None

    # --- getUpdates --------------------------------------------------------------------------
    @property
    def consumed(self) -> bool:
        """Whether anything takes updates (a getUpdates was seen, or a webhook is set)."""
        return self.last_poll_at is not None or self.webhook is not None

    def take(self, limit: int) -> list[dict[str, Any]]:
        """The oldest ``limit`` updates (they stay queued until confirmed)."""
        now = time.perf_counter()
        batch = []
        for injection in itertools.islice(self.queue, limit):
            if injection.delivered_at is None:
                injection.delivered_at = now
                self.undelivered -= 1
            batch.append(injection.update)
        return batch

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: forget earlier updates (negative: keep the last -offset)."""
        if offset > 0:
            while self.queue and self.queue[0].update_id < offset:
                self._drop_head()
        elif offset < 0:
            while len(self.queue) > -offset:
                self._drop_head()

    def drop_all(self) -> None:
        """drop_pending_updates."""
        while self.queue:
            self._drop_head()

    def _drop_head(self) -> None:
        injection = self.queue.popleft()
        if injection.delivered_at is None:
            self.undelivered -= 1
            injection.dropped = "dropped from the queue before delivery"

    async def wait(self, duration: float) -> str:
        """Long-poll: ``updates``, ``timeout``, or why the poll was ended early."""
        self.abort_long_poll("terminated")
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.poller = waiter
        try:
            return await asyncio.wait_for(waiter, duration)
        except TimeoutError:
            return "timeout"
        finally:
            if self.poller is waiter:
                self.poller = None
            self.last_poll_at = time.perf_counter()

    def abort_long_poll(self, reason: str) -> None:
        """End a waiting getUpdates (``terminated``, ``webhook`` or ``shutdown``)."""
        if self.poller is not None and not self.poller.done():
            self.poller.set_result(reason)

    # --- webhook -----------------------------------------------------------------------------
    def start_webhook(self, config: WebhookConfig) -> None:
        self.stop_webhook()
        self.webhook = config
        self.abort_long_poll("webhook")
        config.task = asyncio.get_running_loop().create_task(self._deliver(config))

    def stop_webhook(self) -> asyncio.Task[None] | None:
        config, self.webhook = self.webhook, None
        if config is None or config.task is None:
            return None
        config.task.cancel()
        return config.task

    async def _deliver(self, config: WebhookConfig) -> None:
        """POST queued updates to the webhook one by one, retrying after a failure."""
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        while self.webhook is config:
            if not self.queue:
                config.wakeup.clear()
                await config.wakeup.wait()
                continue
            injection = self.queue[0]
            error: str | None = None
            try:
                async with self._session().post(
                    config.url,
                    data=json.dumps(injection.update, ensure_ascii=False).encode(),
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=self._request_timeout()),
                ) as response:
                    await response.read()
                    if not 200 <= response.status < 300:
                        error = (
                            f"Wrong response from the webhook: {response.status} {response.reason}"
                        )
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                error = f"Connection failed: {exc or type(exc).__name__}"
            if self.webhook is not config:
                return
            if error is None:
                config.deliveries += 1
                if injection.delivered_at is None:
                    injection.delivered_at = time.perf_counter()
                    self.undelivered -= 1
                if self.queue and self.queue[0] is injection:
                    self.queue.popleft()
            else:
                config.failures += 1
                config.last_error_date = int(time.time())
                config.last_error_message = error
                await asyncio.sleep(self._retry_delay())
