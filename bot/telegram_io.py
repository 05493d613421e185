"""One way to talk to Telegram: every Bot API call under one retry policy, every text fitted.

Two pieces, both installed by ``bot.app.build_application``:

* ``RetryingRequest`` wraps the HTTP request object of every call (``getUpdates``
  included). It sees what decides a retry: the method, the HTTP status and body, and the
  network error underneath. Idempotent calls (edits, answers, deletes, gets, sets) are
  retried on 5xx, network errors and timeouts with capped exponential backoff and jitter;
  a 429 is waited out (``retry_after``) for every call. A call that is not idempotent
  (sending a message, a photo, a poll) is retried only when Telegram surely did not carry
  it out: the connection never opened, a 429, or a 5xx that carries the Bot API's own
  ``{"ok": false}`` answer. That answer is Telegram saying the call failed; a dropped
  connection, a read timeout or a bare 5xx from a proxy in front of it (an HTML 502/504)
  says nothing about whether the message went out, and a retry could send it twice.
* ``TutorBot`` (an ``ExtBot``) fits every outgoing text, caption and poll field to
  Telegram's limits with ``bot.format.fit``, takes "message is not modified" and "query
  is too old" as done, and parses ``getUpdates`` answers one update at a time, so an
  update the library cannot parse is skipped (logged once) instead of blocking polling.

Every fault is one WARNING line (method, error, attempt), never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import httpx
from telegram import InlineKeyboardMarkup, InputPollOption, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

from bot.format import (
    CALLBACK_ANSWER_LIMIT,
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    POLL_EXPLANATION_LIMIT,
    POLL_OPTION_LIMIT,
    POLL_QUESTION_LIMIT,
    fit,
)
from bot.metrics import api_method

log = logging.getLogger(__name__)
# Updates parsed between two turns of the event loop (getUpdates returns up to 100).
PARSE_TURN = 10

# Calls that may be repeated without changing the outcome: a second edit, answer, delete
# or setting leaves things as the first did (or fails with "not modified"/"query is too
# old", which count as done). Anything else (send*, copy*, forward*, stopPoll, ...) is
# treated as not idempotent.
IDEMPOTENT_PREFIXES = (
    "get",
    "set",
    "edit",
    "delete",
    "answer",
    "pin",
    "unpin",
    "leave",
    "close",
    "log",
)
# Errors after which the request never reached Telegram: the connection was not opened.
UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# BadRequest texts that mean the call's effect is already there.
DONE_TEXTS = ("message is not modified", "query is too old", "query id is invalid")
# BadRequest texts that mean the message to edit is gone or frozen: re-send instead.
GONE_TEXTS = ("message to edit not found", "message can't be edited", "message not found")


def is_idempotent(method: str) -> bool:
    """Whether calling the Bot API ``method`` twice has the effect of calling it once."""
    return method.startswith(IDEMPOTENT_PREFIXES)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    Attempt ``n`` (from 1) that failed waits ``min(max_delay, base_delay * 2**(n-1))``
    times a jitter factor in [0.5, 1], or ``retry_after`` for a 429 (refused above
    ``max_retry_after``), and at most ``attempts`` calls are made.
    """

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """The pause after failed attempt ``attempt``."""
        delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return float(delay * (0.5 + rng.random() / 2))


@dataclass(frozen=True)
class Fault:
    """Why one attempt failed, and what that says about retrying it."""

    reason: str
    unsent: bool  # Telegram surely did not carry the call out
    transient: bool  # worth another attempt (for an idempotent call at least)
    retry_after: float | None = None


def fault_of_answer(status: int, payload: bytes) -> Fault | None:
    """The fault an HTTP answer is, or None for success or a final answer (4xx)."""
    if 200 <= status < 300:
        return None
    try:
        body = json.loads(payload)
    except ValueError:
        body = None
    described = isinstance(body, dict) and body.get("ok") is False
    description = str(body.get("description", "")) if described else ""
    if status == 429:
        parameters = body.get("parameters") if described else None
        retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
        seconds = float(retry_after) if isinstance(retry_after, int | float) else 1.0
        return Fault(f"HTTP 429 {description}".strip(), True, True, retry_after=seconds)
    if status >= 500:
        return Fault(f"HTTP {status} {description}".strip(), described, True)
    return None


def fault_of_error(error: NetworkError) -> Fault:
    """The fault a network error (or timeout) is."""
    cause = error.__cause__
    name = type(cause).__name__ if cause is not None else type(error).__name__
    return Fault(f"{name}: {error.message}", isinstance(cause, UNSENT_ERRORS), True)


def _as_bot_api_error(status: int, payload: bytes) -> bytes:
    """``payload``, or a Bot API error body in its place when it is not JSON (a proxy's
    HTML page), so the library raises its error without logging a parse traceback."""
    try:
        json.loads(payload)
    except ValueError:
        description = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
        error = {"ok": False, "error_code": status, "description": description or str(status)}
        return json.dumps(error).encode()
    return payload


class RetryingRequest(BaseRequest):
    """A request object that sends through ``inner`` under the retry policy (see module)."""

    def __init__(
        self,
        inner: BaseRequest,
        policy: RetryPolicy | None = None,
        *,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self._rng = rng or random.Random()
        self._sleep = sleep

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request, retrying as the policy allows; the last answer or error."""
        endpoint = api_method(url)
        idempotent = is_idempotent(endpoint)
        attempt = 0
        while True:
            attempt += 1
            error: NetworkError | None = None
            try:
                status, payload = await self.inner.do_request(
                    url,
                    method,
                    request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
            except NetworkError as exc:  # TimedOut included
                error = exc
                fault = fault_of_error(exc)
            else:
                answered = fault_of_answer(status, payload)
                if answered is None:
                    return status, payload
                fault = answered
            delay, why = self._next_delay(fault, idempotent, attempt)
            if delay is None:
                log.warning(
                    "Bot API %s failed: %s (attempt %d); %s",
                    endpoint,
                    fault.reason,
                    attempt,
                    why,
                )
                if error is not None:
                    raise error
                return status, _as_bot_api_error(status, payload)
            log.warning(
                "Bot API %s failed: %s (attempt %d of %d); retrying in %.1f s",
                endpoint,
                fault.reason,
                attempt,
                self.policy.attempts,
                delay,
            )
            await self._sleep(delay)

    def _next_delay(
        self, fault: Fault, idempotent: bool, attempt: int
    ) -> tuple[float | None, str]:
        """How long to wait before the next attempt, or None and why not to make one."""
        if attempt >= self.policy.attempts:
            return None, "giving up"
        if not idempotent and not fault.unsent:
            return None, "not retried: Telegram may have carried it out"
        if fault.retry_after is not None:
            if fault.retry_after > self.policy.max_retry_after:
                return None, f"not waiting {fault.retry_after:g} s"
            return fault.retry_after, ""
        return self.policy.backoff(attempt, self._rng), ""


def _is_html(data: dict[str, Any], field: str = "parse_mode") -> bool:
    return str(data.get(field) or "").upper() == ParseMode.HTML.upper()


def fit_outgoing(endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every text field the method sends cut to Telegram's limit."""
    fitted = dict(data)
    text = fitted.get("text")
    if isinstance(text, str):
        if endpoint == "answerCallbackQuery":
            fitted["text"] = fit(text, CALLBACK_ANSWER_LIMIT, is_html=False)
        else:
            fitted["text"] = fit(text, MESSAGE_LIMIT, is_html=_is_html(fitted))
    caption = fitted.get("caption")
    if isinstance(caption, str):
        fitted["caption"] = fit(caption, CAPTION_LIMIT, is_html=_is_html(fitted))
    if endpoint == "sendPoll":
        question = fitted.get("question")
        if isinstance(question, str):
            html = _is_html(fitted, "question_parse_mode")
            fitted["question"] = fit(question, POLL_QUESTION_LIMIT, is_html=html)
        explanation = fitted.get("explanation")
        if isinstance(explanation, str):
            html = _is_html(fitted, "explanation_parse_mode")
            fitted["explanation"] = fit(explanation, POLL_EXPLANATION_LIMIT, is_html=html)
        options = fitted.get("options")
        if isinstance(options, Sequence) and not isinstance(options, str):
            fitted["options"] = [_fit_option(option) for option in options]
    return fitted


def _fit_option(option: Any) -> Any:
    if isinstance(option, str):
        return fit(option, POLL_OPTION_LIMIT, is_html=False)
    if isinstance(option, InputPollOption):
        html = str(option.text_parse_mode or "").upper() == ParseMode.HTML.upper()
        text = fit(option.text, POLL_OPTION_LIMIT, is_html=html)
        if text != option.text:
            return InputPollOption(
                text,
                text_parse_mode=option.text_parse_mode,
                text_entities=option.text_entities,
            )
    return option


# How many poison update ids are remembered, so each is logged once.
POISON_MEMORY = 1024


class TutorBot(ExtBot[Any]):
    """The bot's ``ExtBot``: fitted texts, calls whose effect is there taken as done, and
    ``getUpdates`` that skips an update it cannot parse."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._skip_through = 0  # the highest poison update id, for the next offset
        self._poison: OrderedDict[object, None] = OrderedDict()

    async def _do_post(
        self,
        endpoint: str,
        data: dict[str, Any],
        *,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> Any:
        try:
            return await super()._do_post(
                endpoint,
                fit_outgoing(endpoint, data),
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except BadRequest as exc:
            text = exc.message.lower()
            if any(done in text for done in DONE_TEXTS):
                # A double tap, or an answer that came late or twice (a retry whose first
                # attempt got through): what the call was for is already the case.
                log.debug("Bot API %s: %s; taken as done", endpoint, exc.message)
                return True
            raise

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: Any = None,  # noqa: ASYNC109 (the Bot API's long-poll parameter)
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        """``getUpdates``, each update parsed on its own: one that cannot be parsed is
        logged once and skipped, and the next offset goes past it."""
        if self._skip_through and (offset is None or offset <= self._skip_through):
            offset = self._skip_through + 1
        if read_timeout is BaseRequest.DEFAULT_NONE:
            read_timeout = self._request[0].read_timeout or 0
        read_timeout = float(read_timeout or 0) + float(timeout or 0)
        data = {"timeout": timeout, "offset": offset, "limit": limit}
        data["allowed_updates"] = allowed_updates
        raw = await self._post(
            "getUpdates",
            data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        updates: list[Update] = []
        for number, item in enumerate(raw or ()):
            if number and number % PARSE_TURN == 0:
                # Up to 100 updates come at once (a class answering a poll): the event
                # loop gets a turn between every few of them, not only after all.
                await asyncio.sleep(0)
            try:
                update = Update.de_json(item, self)
                if not isinstance(update.update_id, int):
                    raise TypeError("update_id is not an integer")
            except Exception as exc:
                self._skip_poison(item, exc)
                continue
            self.insert_callback_data(update)
            updates.append(update)
        return tuple(updates)

    def _skip_poison(self, item: Any, error: Exception) -> None:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            self._skip_through = max(self._skip_through, update_id)
        key = update_id if update_id is not None else repr(item)[:200]
        if key in self._poison:
            return
        self._poison[key] = None
        if len(self._poison) > POISON_MEMORY:
            self._poison.popitem(last=False)
        kinds = sorted(item) if isinstance(item, dict) else type(item).__name__
        log.warning(
            "skipped update %s that cannot be parsed (%s: %s; fields %s)",
            update_id,
            type(error).__name__,
            str(error)[:200],
            kinds,
        )


async def answer_quietly(query: Any, text: str | None = None) -> bool:
    """Answer a callback query; a failure (already logged by the policy) is not raised.

    For answers after the press's work is stored: the learner sees the result in the
    message, and an error notice would say something went wrong when it did not.
    """
    try:
        await query.answer(text)
    except TelegramError:
        return False
    return True


async def show_in_place(
    message: object,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    chat_id: int,
    bot: Any,
) -> Message | bool | None:
    """Edit ``message`` into ``text`` (HTML); when that fails for good (the message is
    gone, or the edit kept failing) send it as a new message, so no old buttons are left
    to press. None when the new message could not be sent either (logged by the policy).
    """
    if isinstance(message, Message):
        try:
            return await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except (BadRequest, NetworkError, TimedOut) as exc:
            if isinstance(exc, BadRequest) and not any(
                gone in exc.message.lower() for gone in GONE_TEXTS
            ):
                raise
            log.info("could not edit message %s (%s); sent anew", message.message_id, exc)
    try:
        sent: Message = await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except TelegramError:
        return None
    return sent
