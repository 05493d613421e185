"""Text formatting as Telegram does it: parse modes to plain text plus entities.

The HTML parser follows tdlib's ``parse_html`` closely (same tags, same entity decoding,
same error texts with UTF-8 byte offsets). MarkdownV2 and legacy Markdown cover the
common constructs with tdlib's error texts. Offsets and lengths of entities are in UTF-16
code units, as in the Bot API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import bad_request


class EntityParseError(Exception):
    """Text that Telegram refuses with ``can't parse entities: ...``."""


@dataclass
class FormattedText:
    """Plain text and its entities, after parsing and trimming."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of entity offsets."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _char_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


class _Output:
    """Collects plain text while tracking the UTF-16 position."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.units = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.units += utf16_len(text) if len(text) > 1 else _char_units(text)

    def text(self) -> str:
        return "".join(self.parts)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


# ---------------------------------------------------------------------------------------
# HTML

_HTML_TAGS = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, index: int) -> tuple[str, int] | None:
    """Decode ``&name;`` or ``&#N;`` at ``index``; None leaves the ``&`` as text (as tdlib)."""
    end = text.find(";", index + 1, index + 12)
    if end == -1:
        return None
    body = text[index + 1 : end]
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
        except ValueError:
            return None
        if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), end + 1
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    return None


def parse_html(text: str) -> FormattedText:
    """Parse Telegram HTML; raise EntityParseError with Telegram's message."""
    out = _Output()
    entities: list[dict[str, Any]] = []
    # (tag, argument, utf16 start, index of the "<")
    stack: list[list[Any]] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            i = _html_end_tag(text, begin, i + 1, stack, entities, out.units)
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        if j >= n:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
            )
        tag = text[i:j].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        argument, i = _html_attributes(text, begin, j, tag)
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        stack.append([tag, argument, out.units, begin])
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return FormattedText(out.text(), entities)


def _html_attributes(text: str, begin: int, i: int, tag: str) -> tuple[str, int]:
    """Read the attributes of a start tag from ``i``; return (argument, index after ">")."""
    n = len(text)
    where = _byte_offset(text, begin)
    argument = ""
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {where}")
        if text[i] == ">":
            return argument, i + 1
        name_start = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[name_start:i]
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {where}'
            )
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {where}')
        if text[i] != "=":
            if tag == "blockquote" and name.lower() == "expandable":
                argument = "expandable"
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {where}"
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {where}")
        if text[i] in "'\"":
            quote = text[i]
            i += 1
            value_parts: list[str] = []
            while i < n and text[i] != quote:
                if text[i] == "&":
                    decoded = _decode_html_entity(text, i)
                    if decoded is not None:
                        value_parts.append(decoded[0])
                        i = decoded[1]
                        continue
                value_parts.append(text[i])
                i += 1
            if i < n:
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {where}")
            value = "".join(value_parts)
        else:
            token_start = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            value = text[token_start:i].lower()
            if i >= n or (not text[i].isspace() and text[i] != ">"):
                where = _byte_offset(text, token_start)
                raise EntityParseError(f"Unexpected end of name token at byte offset {where}")
        lowered = name.lower()
        if tag == "a" and lowered == "href":
            argument = value
        elif tag == "code" and lowered == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and lowered == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and lowered == "emoji-id":
            argument = value


def _html_end_tag(
    text: str,
    begin: int,
    i: int,
    stack: list[list[Any]],
    entities: list[dict[str, Any]],
    position: int,
) -> int:
    """Close the innermost tag; return the index after ``>``."""
    n = len(text)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    j = i
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    end_name = text[i:j].lower()
    while j < n and text[j].isspace():
        j += 1
    if j >= n or text[j] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    tag, argument, start, _ = stack[-1]
    if end_name and end_name != tag:
        raise EntityParseError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{tag}>", found "</{end_name}>"'
        )
    stack.pop()
    length = position - start
    if length > 0:
        entity = _html_entity(tag, argument, start, length)
        parent = stack[-1] if stack else None
        if (
            tag == "code"
            and parent is not None
            and parent[0] == "pre"
            and parent[2] == start
            and argument
        ):
            parent[1] = argument  # <pre><code class="language-x"> is one pre entity
        elif entity is not None:
            entities.append(entity)
    return j + 1


def _html_entity(tag: str, argument: str, offset: int, length: int) -> dict[str, Any] | None:
    kind = _HTML_TAGS[tag]
    entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    if kind == "text_link":
        if not argument:
            return None
        if argument.startswith("tg://user?id="):
            user = {"id": int(argument[13:] or 0), "is_bot": False, "first_name": ""}
            return {**entity, "type": "text_mention", "user": user}
        entity["url"] = argument
    elif kind == "pre" and argument:
        entity["language"] = argument
    elif kind == "blockquote" and argument == "expandable":
        entity["type"] = "expandable_blockquote"
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = argument
    return entity


# ---------------------------------------------------------------------------------------
# MarkdownV2

_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")


@dataclass
class _Open:
    """An entity opened and not yet closed."""

    type: str
    start: int  # UTF-16 offset in the output
    begin: int  # index of the opening character in the input
    language: str = ""


_V2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(text: str) -> FormattedText:
    """Parse MarkdownV2; raise EntityParseError with Telegram's message."""
    out = _Output()
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    quote_start: int | None = None
    n = len(text)
    i = 0

    def close(kind: str) -> None:
        entry = stack.pop()
        length = out.units - entry.start
        if length > 0:
            entity: dict[str, Any] = {"type": kind, "offset": entry.start, "length": length}
            if entry.language:
                entity["language"] = entry.language
            entities.append(entity)

    while i < n:
        char = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char == "\n" and quote_start is not None and not text.startswith(">", i + 1):
            entities.append(
                {"type": "blockquote", "offset": quote_start, "length": out.units - quote_start}
            )
            quote_start = None
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        top = stack[-1].type if stack else None
        if top in ("code", "pre"):
            if top == "pre" and text.startswith("```", i):
                close("pre")
                i += 3
            elif top == "code" and char == "`":
                close("code")
                i += 1
            else:
                out.add(char)
                i += 1
            continue
        if char not in _V2_RESERVED:
            out.add(char)
            i += 1
            continue
        begin = i
        if char == ">" and at_line_start:
            if quote_start is None:
                quote_start = out.units
            i += 1
            continue
        if char == "*":
            if top == "bold":
                close("bold")
            else:
                stack.append(_Open("bold", out.units, begin))
            i += 1
        elif char == "_":
            double = text.startswith("__", i)
            if double and top == "underline":
                close("underline")
                i += 2
            elif top == "italic":
                close("italic")
                i += 1
            elif double:
                stack.append(_Open("underline", out.units, begin))
                i += 2
            else:
                stack.append(_Open("italic", out.units, begin))
                i += 1
        elif char == "~":
            if top == "strikethrough":
                close("strikethrough")
            else:
                stack.append(_Open("strikethrough", out.units, begin))
            i += 1
        elif char == "|" and text.startswith("||", i):
            if top == "spoiler":
                close("spoiler")
            else:
                stack.append(_Open("spoiler", out.units, begin))
            i += 2
        elif char == "`":
            if text.startswith("```", i):
                i += 3
                language = ""
                newline = text.find("\n", i)
                closing = text.find("```", i)
                if newline != -1 and (closing == -1 or newline < closing):
                    candidate = text[i:newline]
                    if candidate and not any(c.isspace() for c in candidate):
                        language = candidate
                    i = newline + 1 if language or not candidate else i
                stack.append(_Open("pre", out.units, begin, language))
            else:
                stack.append(_Open("code", out.units, begin))
                i += 1
        elif char == "[":
            stack.append(_Open("text_link", out.units, begin))
            i += 1
        elif char == "]" and top == "text_link":
            i += 1
            url = ""
            if i < n and text[i] == "(":
                i += 1
                url_parts: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and i + 1 < n:
                        i += 1
                    url_parts.append(text[i])
                    i += 1
                if i >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, begin)}"
                    )
                i += 1
                url = "".join(url_parts)
            link = stack.pop()
            length = out.units - link.start
            if length > 0 and url:
                entities.append(
                    {"type": "text_link", "offset": link.start, "length": length, "url": url}
                )
        else:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
    if stack:
        unclosed = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_V2_NAMES[unclosed.type]} entity at byte offset "
            f"{_byte_offset(text, unclosed.begin)}"
        )
    if quote_start is not None and out.units > quote_start:
        entities.append(
            {"type": "blockquote", "offset": quote_start, "length": out.units - quote_start}
        )
    return FormattedText(out.text(), entities)


# ---------------------------------------------------------------------------------------
# Legacy Markdown

_LEGACY = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}


def parse_markdown(text: str) -> FormattedText:
    """Parse legacy Markdown (``*bold*``, ``_italic_``, ``code``, ``[text](url)``)."""
    out = _Output()
    entities: list[dict[str, Any]] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in _LEGACY:
            out.add(char)
            i += 1
            continue
        begin = i
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                where = _byte_offset(text, begin)
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {where}"
                )
            body = text[i + 3 : end]
            language = ""
            if "\n" in body:
                first, rest = body.split("\n", 1)
                if first and not any(c.isspace() for c in first):
                    language, body = first, rest
            start = out.units
            out.add(body)
            if body:
                pre: dict[str, Any] = {"type": "pre", "offset": start, "length": out.units - start}
                if language:
                    pre["language"] = language
                entities.append(pre)
            i = end + 3
            continue
        closing = "]" if char == "[" else char
        end = text.find(closing, i + 1)
        if end == -1:
            where = _byte_offset(text, begin)
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {where}")
        body = text[i + 1 : end]
        start = out.units
        out.add(body)
        i = end + 1
        entity: dict[str, Any] = {
            "type": _LEGACY[char],
            "offset": start,
            "length": out.units - start,
        }
        if char == "[":
            if i < n and text[i] == "(":
                url_end = text.find(")", i)
                if url_end == -1:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, i)}"
                    )
                entity["url"] = text[i + 1 : url_end]
                i = url_end + 1
            else:
                continue
        if body:
            entities.append(entity)
    return FormattedText(out.text(), entities)


# ---------------------------------------------------------------------------------------
# Entry points


def _trim(formatted: FormattedText) -> FormattedText:
    """Strip leading and trailing whitespace as Telegram does, moving entities along."""
    text = formatted.text
    body = text.strip()
    if body == text:
        return FormattedText(text, _sorted(formatted.entities))
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(body)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(body, _sorted(entities))


def _sorted(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


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
    return FormattedText(text, _sorted([*formatted.entities, *found]))


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


def strip_tags_preview(text: str, limit: int = 60) -> str:
    """A one-line preview of a text for reports."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
