"""Telegram's MarkdownV2 and legacy Markdown: the common constructs, tdlib's error texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .text import EntityParseError, FormattedText, TextBuilder, byte_offset

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
    out = TextBuilder()
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
                        f"Can't find end of a URL at byte offset {byte_offset(text, begin)}"
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
            f"{byte_offset(text, unclosed.begin)}"
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
    out = TextBuilder()
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
                where = byte_offset(text, begin)
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
            where = byte_offset(text, begin)
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
                        f"Can't find end of a URL at byte offset {byte_offset(text, i)}"
                    )
                entity["url"] = text[i + 1 : url_end]
                i = url_end + 1
            else:
                continue
        if body:
            entities.append(entity)
    return FormattedText(out.text(), entities)
