"""A stand-in for Telegram's Bot API server, for end-to-end tests and benchmarks.

The real python-telegram-bot Application long-polls (or takes webhooks from) this server
over real HTTP on 127.0.0.1, while the test plays the users::

    async with BotApiStandin(token="123:ABC") as server:
        alice = server.user(1001, "Alice")
        application = build_application(settings_with(api_url=server.base_url))
        ...
        await alice.send("/start")
        greeting = await alice.wait_for_message()
        press = await alice.press(greeting, "Start reviewing")
        answer = await press.answered()

See ``BotApiStandin`` (the server and shortcuts to its default bot), ``StandinBot`` (one
bot's users, chats, queue and request log), ``UserHandle`` (what a user does), ``Chat``
and ``ChatMessage`` (what users see, edits applied).

Behaviour worth knowing:

* Errors have Telegram's texts and HTTP codes. PTB strips ``Bad Request: `` and
  capitalises only the first letter of what is left (``str(exc)`` of a 400 ``message is
  not modified: ...`` is ``Message is not modified: ...``); the exact text is in the
  request log: ``server.last_request("editMessageText").error``.
* A second getUpdates ends the waiting one with 409 (the earlier one loses, as in
  Telegram); setWebhook ends it with ``Conflict: terminated by setWebhook request``.
* Updates stay queued until a later getUpdates confirms them with ``offset``; a webhook
  gets them one at a time, in order, and a non-2xx answer is retried after
  ``webhook_retry_delay`` seconds. http:// webhook URLs are accepted (Telegram wants https).
* Groups follow privacy mode unless the bot is an admin or ``privacy_mode=False``: only
  commands (``/cmd`` or ``/cmd@this_bot``), replies to the bot and mentions reach it.
* Polls follow Bot API 10.0 as PTB 22.8 does: 1-12 options, ``correct_option_ids``,
  ``allows_revoting``, ``persistent_id``, open_period 5-2628000 s. ``time_scale`` shrinks
  the stand-in's poll timers without changing what the bot sees.
* ``server.faults.inject(method, rate=..., kinds=...)`` makes calls fail (5xx, 429,
  dropped before or after the call is carried out, answered late) and
  ``await server.outage(seconds)`` refuses connections; see ``playground.botapi.faults``.
* The stand-in is stricter than Telegram in one place: an inline button with two action
  fields (say url and callback_data) is refused; Telegram silently keeps the first.
"""

from .actors import UserHandle
from .bot import StandinBot
from .chat import CallbackAnswer, Chat, ChatMessage, PollState, Press, UserInfo
from .errors import ApiError, StandinTimeout
from .faults import KINDS as FAULT_KINDS
from .faults import Faults
from .formatting import FormattedText, format_text
from .markup import ReplyMarkup, parse_reply_markup
from .media import StoredFile, image_size
from .ratelimit import RateLimits
from .records import Injection, RecordedRequest, RequestLog
from .server import BotApiStandin
from .updates import DEFAULT_ALLOWED_UPDATES, UpdateQueue, WebhookConfig

__all__ = [
    "DEFAULT_ALLOWED_UPDATES",
    "FAULT_KINDS",
    "ApiError",
    "BotApiStandin",
    "CallbackAnswer",
    "Chat",
    "ChatMessage",
    "Faults",
    "FormattedText",
    "Injection",
    "PollState",
    "Press",
    "RateLimits",
    "RecordedRequest",
    "ReplyMarkup",
    "RequestLog",
    "StandinBot",
    "StandinTimeout",
    "StoredFile",
    "UpdateQueue",
    "UserHandle",
    "UserInfo",
    "WebhookConfig",
    "format_text",
    "image_size",
    "parse_reply_markup",
]
