"""A bot's text, by its parse mode or entities, as users see it (commands and links found)."""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import bad_request
from .html import parse_html
from .markdown import parse_markdown, parse_markdown_v2
from .text import EntityParseError, FormattedText, sorted_entities, utf16_len


def _trim(formatted: FormattedText) -> FormattedText:
    """Strip leading and trailing whitespace as Telegram does, moving entities along."""
    text = formatted.text
    body = text.strip()
    if body == text:
        return FormattedText(text, sorted_entities(formatted.entities))
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(body)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(body, sorted_entities(entities))


def format_text(text: str, parse_mode: str | None = None, entities: Any = None) -> FormattedText:
    """Text as a bot sends it (with ``parse_mode`` or explicit ``entities``) → what users see.

    Raises ``ApiError`` 400 with Telegram's texts: ``unsupported parse_mode`` and
    ``can't parse entities: ...``.
    """
    mode = (parse_mode or "").strip().lower()
    try:
        if mode == "html":
            parsed = parse_html(text)
        elif mode == "markdownv2":
            parsed = parse_markdown_v2(text)
        elif mode == "markdown":
            parsed = parse_markdown(text)
        elif mode in ("", "none"):
            parsed = FormattedText(text, _explicit_entities(entities))
        else:
            raise bad_request("unsupported parse_mode")
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    return _with_detected(_trim(parsed))


# A link Telegram finds in a message's text: http(s) up to a space, not its closing
# punctuation.
_URL = re.compile(r"https?://[^\s<>\"]*[^\s<>\".,;:!?)\]'*]")
# Entities whose text Telegram finds no command or link in.
_OPAQUE = frozenset({"pre", "code", "text_link", "url", "email", "bot_command"})


def _with_detected(formatted: FormattedText) -> FormattedText:
    """The commands and links Telegram finds in a message's text and makes tappable, as in
    the bot's own messages (outside code and links the bot marked itself)."""
    text = formatted.text
    taken = [
        (e["offset"], e["offset"] + e["length"])
        for e in formatted.entities
        if e["type"] in _OPAQUE
    ]
    found = []
    links = [
        {
            "type": "url",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _URL.finditer(text)
    ]
    for entity in [*links, *command_entities(text)]:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        if not any(low < end and start < high for low, high in taken):
            found.append(entity)
            taken.append((start, end))
    if not found:
        return formatted
    return FormattedText(text, sorted_entities([*formatted.entities, *found]))


def _explicit_entities(entities: Any) -> list[dict[str, Any]]:
    if entities in (None, ""):
        return []
    if isinstance(entities, str):
        try:
            entities = json.loads(entities)
        except ValueError:
            raise bad_request("can't parse entities JSON object") from None
    if not isinstance(entities, list):
        raise bad_request("can't parse entities: expected an Array of MessageEntity")
    result = []
    for entity in entities:
        if (
            not isinstance(entity, dict)
            or not isinstance(entity.get("type"), str)
            or not isinstance(entity.get("offset"), int)
            or not isinstance(entity.get("length"), int)
        ):
            raise bad_request("can't parse MessageEntity: expected an Object")
        result.append(dict(entity))
    return result


_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


def command_entities(text: str) -> list[dict[str, Any]]:
    """The ``bot_command`` entities Telegram adds to a user's text (``/start``, ``/quiz@bot``)."""
    result = []
    for match in _COMMAND.finditer(text):
        end = match.end()
        if end < len(text) and not (text[end].isspace() or text[end] in ".,;:!?)"):
            continue
        result.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return result
