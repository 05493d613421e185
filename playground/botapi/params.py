"""Request parameters: query string, JSON body, urlencoded form or multipart, as Telegram.

Telegram accepts every parameter as a string (PTB sends forms: numbers as ``"123"``,
booleans as ``"true"``, objects as JSON strings) or natively typed in a JSON body. The
known parameters are normalised to native values once, so handlers and the request log
see ``chat_id == 1001`` and ``reply_markup == {...}`` whichever way the bot sent them.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request

INT_PARAMS = frozenset(
    {
        "chat_id",
        "message_id",
        "user_id",
        "offset",
        "limit",
        "timeout",
        "reply_to_message_id",
        "cache_time",
        "open_period",
        "close_date",
        "correct_option_id",
        "message_thread_id",
        "from_chat_id",
        "max_connections",
        "until_date",
    }
)
BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "is_anonymous",
        "allows_multiple_answers",
        "is_closed",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "show_caption_above_media",
        "disable_content_type_detection",
        "revoke_messages",
        "only_if_banned",
        "allows_revoting",
        "allow_adding_options",
        "hide_results_until_closes",
        "shuffle_options",
        "members_only",
    }
)
JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "options",
        "entities",
        "caption_entities",
        "question_entities",
        "explanation_entities",
        "menu_button",
        "message_ids",
        "correct_option_ids",
        "description_entities",
        "media",
        "rights",
        "permissions",
    }
)
_INTEGER = re.compile(r"\s*-?\d+\s*")


def to_bool(value: Any) -> bool:
    """Telegram's reading of a boolean parameter: true, yes or 1 (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return False


def normalize(values: dict[str, Any]) -> dict[str, Any]:
    """Turn the string values of known parameters into native ones."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str):
            if name in INT_PARAMS and _INTEGER.fullmatch(value):
                value = int(value)
            elif name in BOOL_PARAMS:
                value = to_bool(value)
            elif name in JSON_PARAMS and value.strip()[:1] in ("[", "{"):
                # Malformed JSON stays a string; the handler reports it with its own text.
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
        result[name] = value
    return result


@dataclass(frozen=True)
class Upload:
    """A file sent in a multipart request."""

    field: str
    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"Upload({self.field!r}, {self.filename!r}, {len(self.data)} bytes)"


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """All parameters of a Bot API request and the files it uploads."""
    values: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    data = json.loads(body)
                except ValueError:
                    raise bad_request("can't parse JSON object") from None
                if not isinstance(data, dict):
                    raise bad_request("JSON object expected")
                values.update(data)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = Upload(
                        name, value.filename, value.content_type, value.file.read()
                    )
                else:
                    values[name] = value
    return normalize(values), files


class Params:
    """Typed access to the parameters of one call, with Telegram's lenient conversions."""

    def __init__(self, values: dict[str, Any], files: dict[str, Upload] | None = None):
        self.values = values
        self.files = files or {}

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        """A string parameter (numbers and booleans as Telegram would print them)."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str, default: int = 0) -> int:
        """An integer parameter; like Telegram, garbage reads as the default."""
        value = self.values.get(name)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value)
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
        return default

    def clamped(self, name: str, default: int, low: int, high: int) -> int:
        """An integer parameter clamped into ``[low, high]`` (Telegram's get_integer_arg)."""
        if name not in self:
            return default
        return max(low, min(high, self.integer(name, default)))

    def flag(self, name: str) -> bool:
        return to_bool(self.values.get(name))

    def json(self, name: str, what: str) -> Any:
        """A JSON-typed parameter; ``can't parse <what> JSON object`` when malformed."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what} JSON object") from None
        return value

    def file(self, name: str) -> Upload | None:
        return self.files.get(name)
