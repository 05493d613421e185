"""HTML fields (Anki's, or a CSV's with ``#html:true``) reduced to the plain text Telegram
shows: line breaks for br, div, p and the like, bullets for lists, entities unescaped, tags
dropped, images and sounds counted and left out.

The tokenizer is this module's own, not ``html.parser``: Python 3.11's HTMLParser takes
quadratic time or worse on fields such as ``<a `` repeated, and raises on ``<![``. This one
reads what HTMLParser read from real fields the same (a quoted attribute value may hold
``>``; ``<!...>`` and ``<?...>`` are comments; markup without its end is text), but no
tag runs past the next ``<``: each character is read a bounded number of times, so its
time grows with the field's length, and nothing in a field makes it raise.
"""

from __future__ import annotations

import re
from html import unescape

BULLET = "• "
# A block of code (<pre>) stands between two lines of this, as in Markdown: the bot sends
# it as code (bot.format.card_html).
CODE_FENCE = "```"
# Lists nested deeper are indented as this deep: each level indents every bullet under it,
# so 16,000 nested lists (128 KB) would make a quarter of a billion spaces.
MAX_INDENT = 8
# Tags that start and end a line of their own.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
    }
)  # fmt: skip
_MEDIA = frozenset({"img", "audio", "video", "object", "embed", "svg"})
# Content that is never text to read.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "svg", "math"})
# Their content is raw text up to their end tag, as in a browser.
_RAW_TEXT = frozenset({"script", "style"})
_SOUND = "[sound:"
_MARKUP = re.compile(r"[<&]|\[sound:")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
# A line's leading spaces inside <pre>: after a newline, or at the start of the text.
_INDENT = re.compile(r"(^|(?<=\n))( +)")  # group 2: the spaces
_NEWLINE = "\n"
# A tag from its "<" to its ">": the name, then attributes, where a quoted value after "="
# may hold ">". No part crosses a "<", so no two tries read the same text, and possessive
# quantifiers over alternatives that start differently leave nothing to backtrack into.
_TAG = re.compile(
    r"""<(/?)([a-zA-Z][^\t\n\r\f />\x00<]*+)"""
    r"""((?:[^<>"'=]++|=\s*+(?:"[^"<]*+"|'[^'<]*+')?+|["'])*+)(>?)"""
)
_RAW_TEXT_END = {
    tag: re.compile(rf"</{tag}(?=[\t\n\r\f />]|\Z)", re.IGNORECASE) for tag in _RAW_TEXT
}


class _Text:
    """Collects the text of the tags and data it is handed (the handler half of a parser)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.media = 0
        self._hidden = 0
        self._pre = 0
        self._code_at = 0  # where the open block of code starts in parts
        self._lists: list[list[int]] = []  # per open list: [is ordered, items so far]

    def _break(self) -> None:
        if self.parts and not self.parts[-1].endswith(_NEWLINE):
            self.parts.append(_NEWLINE)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _MEDIA:
            self.media += 1
        if tag in _HIDDEN:
            self._hidden += 1
            return
        if tag == "br":
            self.parts.append(_NEWLINE)
        elif tag in ("ul", "ol"):
            self._break()
            self._lists.append([tag == "ol", 0])
        elif tag == "li":
            self._break()
            depth = min(max(len(self._lists) - 1, 0), MAX_INDENT)
            marker = BULLET
            if self._lists and self._lists[-1][0]:
                self._lists[-1][1] += 1
                marker = f"{self._lists[-1][1]}. "
            # No-break spaces: they survive the stripping of each line's outer spaces.
            self.parts.append("\xa0\xa0" * depth + marker)
        elif tag in _BLOCKS:
            self._break()
            if tag == "pre":
                if not self._pre:
                    self._code_at = len(self.parts)
                    self.parts.append(CODE_FENCE + _NEWLINE)
                self._pre += 1
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _HIDDEN:
            self._hidden -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(self._hidden - 1, 0)
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            self._break()
        elif tag in _BLOCKS:
            self._break()
            if tag == "pre" and self._pre:
                self._pre -= 1
                if not self._pre:
                    self._close_code()

    def end_code(self) -> None:
        """The end of the HTML: a block of code left open ends here."""
        if self._pre:
            self._pre = 0
            self._break()
            self._close_code()

    def _close_code(self) -> None:
        """End a block of code with its fence, or drop an empty block whole."""
        if "".join(self.parts[self._code_at + 1 :]).strip(" \xa0\n"):
            self.parts += [CODE_FENCE, _NEWLINE]
        else:
            del self.parts[self._code_at :]

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if not self._pre:
            data = _SPACES.sub(" ", data)
            # Source layout between blocks ("</p>\n<p>") is not a line of its own.
            if data == " " and (not self.parts or self.parts[-1].endswith(_NEWLINE)):
                return
            # No-break spaces are not layout: each stays a space, as a browser shows it.
            data = data.replace("\xa0", " ")
        else:
            data = data.replace("\xa0", " ")
            # Code keeps its indentation: a line's leading spaces as no-break spaces, which
            # survive the stripping of each line's outer spaces.
            at_start = not self.parts or self.parts[-1].endswith(_NEWLINE)
            data = _INDENT.sub(
                lambda m: "\xa0" * len(m[2]) if m.start() or at_start else m[0], data
            )
        self.parts.append(data)


def _feed(html: str, handler: _Text) -> None:
    """Hand ``html``'s tags and text to ``handler`` in order, as ``html.parser`` does with
    ``convert_charrefs=True``: text between tags unescaped, tag names in lower case,
    comments, declarations and processing instructions left out, and markup that does not
    end (a ``<`` and a letter without a ``>`` before the next ``<``) read as text."""
    at, end = 0, len(html)
    # Where the last ">" and "-->" are: past them nothing closes, and no search is made.
    last_close, last_comment_close = html.rfind(">"), html.rfind("-->")
    while at < end:
        opening = html.find("<", at)
        if opening < 0:
            opening = end
        if opening > at:
            handler.handle_data(unescape(html[at:opening]))
        if opening == end:
            return
        first = html[opening + 1 : opening + 2]
        if opening > last_close:
            read = -1
        elif _letter(first) or (first == "/" and _letter(html[opening + 2 : opening + 3])):
            read = _tag(html, opening, handler)
            if read < 0:
                # No ">" before the next "<": this "<" and what follows it are text.
                read = html.find("<", opening + 1)
                read = end if read < 0 else read
                handler.handle_data(unescape(html[opening:read]))
        elif html.startswith("<!--", opening):
            close = html.find("-->", opening + 4) if opening < last_comment_close else -1
            read = -1 if close < 0 else close + 3
        elif first in ("!", "?", "/"):
            # <!DOCTYPE ...>, <![CDATA[...]]>, <?...?>, </ 3>: read as a comment to ">".
            read = html.find(">", opening + 2) + 1 or -1
        else:
            handler.handle_data("<")
            read = opening + 1
        if read < 0:
            # Markup that does not end: text up to the next ">", else up to the next "<".
            close = html.find(">", opening + 1) + 1 if opening < last_close else 0
            read = close or html.find("<", opening + 1)
            read = read if read > 0 else end
            handler.handle_data(unescape(html[opening:read]))
        at = read


def _letter(text: str) -> bool:
    return text.isascii() and text.isalpha()


def _tag(html: str, opening: int, handler: _Text) -> int:
    """Read the tag at ``opening``: where reading goes on, or -1 when the tag does not end
    (its ``>`` is missing before the next ``<``)."""
    tag = _TAG.match(html, opening)
    assert tag is not None  # "<" and a letter always start one
    if not tag.group(4):
        return -1
    name = tag.group(2).lower()
    if tag.group(1):
        handler.handle_endtag(name)
    elif tag.group(3).endswith("/"):
        handler.handle_startendtag(name, [])
    else:
        handler.handle_starttag(name, [])
        if name in _RAW_TEXT:
            close = _RAW_TEXT_END[name].search(html, tag.end())
            stop = len(html) if close is None else close.start()
            handler.handle_data(html[tag.end() : stop])
            return stop
    return tag.end()


def _cut_sounds(html: str) -> tuple[str, int]:
    """``html`` with each ``[sound:...]`` replaced by a space, and how many there were."""
    parts: list[str] = []
    at = 0
    while (start := html.find(_SOUND, at)) >= 0:
        close = html.find("]", start + len(_SOUND))
        if close < 0:
            break  # no "]" after this one, so none after any later one either
        parts += (html[at:start], " ")
        at = close + 1
    count = len(parts) // 2
    parts.append(html[at:])
    return "".join(parts), count


# An <img> tag, read no further than the next "<" (so a field of "<img " repeated is read
# once, not once per tag), and its src and alt attributes.
_IMAGE_TAG = re.compile(r"<img\b[^<>]*", re.IGNORECASE)
# A value runs at most 1,000 characters: a tag of "src=\"" repeated, none closed, is then
# read a bounded number of times per character.
_ATTRIBUTE = {
    name: re.compile(
        rf"""\s{name}\s*=\s*(?:"([^"]{{0,1000}})"|'([^']{{0,1000}})'|([^\s"'>]{{1,1000}}))""",
        re.IGNORECASE,
    )
    for name in ("src", "alt")
}


def _attribute(tag: str, name: str) -> str | None:
    found = _ATTRIBUTE[name].search(tag)
    if found is None:
        return None
    return unescape(next(part for part in found.groups() if part is not None))


def images_in(html: str) -> list[tuple[str, str]]:
    """Each ``<img>`` of ``html`` with a ``src``, in order: its src and its alt text (what a
    browser shows when the picture is missing; "" without one), entities unescaped."""
    found = []
    for tag in _IMAGE_TAG.finditer(html):
        source = _attribute(tag.group(0), "src")
        if source is not None:
            found.append((source, " ".join((_attribute(tag.group(0), "alt") or "").split())))
    return found


# What a side shows in place of media it cannot show, when it holds nothing else.
PICTURE_LEFT_OUT = "🖼 {name} (a picture not shown here)"
SOUND_LEFT_OUT = "🔊 {name} (a sound not played here)"
_MEDIA_NAME_CHARS = 80


def media_stand_in(html: str) -> str:
    """What a side that is only pictures or sounds shows when they cannot be shown: the
    first alt text (what a browser shows for a picture it cannot load), else the first
    picture's name, else the first sound's; "" for a side with neither."""
    pictures = images_in(html)
    if alt := next((alt for _, alt in pictures if alt), ""):
        return alt
    if pictures:
        return media_left_out(pictures[0][0])
    start = html.find(_SOUND)
    close = html.find("]", start) if start >= 0 else -1
    if close < 0:
        return ""
    return media_left_out(html[start + len(_SOUND) : close], sound=True)


def media_left_out(name: str, *, sound: bool = False) -> str:
    """The stand-in for one picture (or sound) named ``name`` that is not shown."""
    name = " ".join(unescape(name).split())[:_MEDIA_NAME_CHARS] or "?"
    return (SOUND_LEFT_OUT if sound else PICTURE_LEFT_OUT).format(name=name)


def image_sources(html: str) -> list[str]:
    """The ``src`` of each ``<img>`` in ``html``, in order, entities unescaped."""
    return [source for source, _ in images_in(html)]


def html_to_text(html: str) -> tuple[str, int]:
    """The text of ``html`` as Telegram shows plain text, and how many images and sounds
    (``<img>``, ``[sound:...]``, ...) it left out.

    Text that looks like HTML after unescaping (``&lt;b&gt;``) stays literal text. Time
    grows in proportion to the length of ``html``; callers cap that length first
    (``MAX_FIELD_CHARS``).
    """
    if not _MARKUP.search(html):
        # Plain text (most fields): only its whitespace is HTML's.
        return _SPACES.sub(" ", html).strip(), 0
    without_sounds, sounds = _cut_sounds(html)
    parser = _Text()
    _feed(without_sounds, parser)
    parser.end_code()
    return _text_of(parser), parser.media + sounds


def _text_of(parser: _Text) -> str:
    """The text collected, each line's outer spaces stripped, runs of blank lines as one."""
    lines = [line.strip(" ") for line in "".join(parser.parts).split(_NEWLINE)]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return _NEWLINE.join(kept).strip()
