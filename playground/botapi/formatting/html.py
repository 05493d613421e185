"""Telegram's HTML parse mode, after tdlib's parse_html (its tags, errors and offsets)."""

from __future__ import annotations

from typing import Any

from .text import EntityParseError, FormattedText, TextBuilder, byte_offset

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
    out = TextBuilder()
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
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(text, begin)}")
        tag = text[i:j].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {byte_offset(text, begin)}'
            )
        argument, i = _html_attributes(text, begin, j, tag)
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{byte_offset(text, begin)}"
            )
        stack.append([tag, argument, out.units, begin])
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return FormattedText(out.text(), entities)


def _html_attributes(text: str, begin: int, i: int, tag: str) -> tuple[str, int]:
    """Read the attributes of a start tag from ``i``; return (argument, index after ">")."""
    n = len(text)
    where = byte_offset(text, begin)
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
                where = byte_offset(text, token_start)
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
        raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(text, begin)}")
    j = i
    while j < n and not text[j].isspace() and text[j] != ">":
        j += 1
    end_name = text[i:j].lower()
    while j < n and text[j].isspace():
        j += 1
    if j >= n or text[j] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(text, begin)}")
    tag, argument, start, _ = stack[-1]
    if end_name and end_name != tag:
        raise EntityParseError(
            f"Unmatched end tag at byte offset {byte_offset(text, begin)}, "
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
