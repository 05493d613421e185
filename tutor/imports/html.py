"""HTML fields (Anki's, or a CSV's with ``#html:true``) reduced to the plain text Telegram
shows: line breaks for br, div, p and the like, bullets for lists, entities unescaped, tags
dropped, images and sounds counted and left out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

BULLET = "• "
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
_SOUND = re.compile(r"\[sound:[^\]]*\]")
_MARKUP = re.compile(r"[<&]|\[sound:")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_NEWLINE = "\n"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.media = 0
        self._hidden = 0
        self._pre = 0
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
            depth = max(len(self._lists) - 1, 0)
            marker = BULLET
            if self._lists and self._lists[-1][0]:
                self._lists[-1][1] += 1
                marker = f"{self._lists[-1][1]}. "
            # No-break spaces: they survive the stripping of each line's outer spaces.
            self.parts.append("\xa0\xa0" * depth + marker)
        elif tag in _BLOCKS:
            self._break()
            if tag == "pre":
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
            if tag == "pre":
                self._pre = max(self._pre - 1, 0)
            self._break()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        data = data.replace("\xa0", " ")
        if not self._pre:
            data = _SPACES.sub(" ", data)
            # Source layout between blocks ("</p>\n<p>") is not a line of its own.
            if data == " " and (not self.parts or self.parts[-1].endswith(_NEWLINE)):
                return
        self.parts.append(data)


def html_to_text(html: str) -> tuple[str, int]:
    """The text of ``html`` as Telegram shows plain text, and how many images and sounds
    (``<img>``, ``[sound:...]``, ...) it left out.

    Text that looks like HTML after unescaping (``&lt;b&gt;``) stays literal text.
    """
    if not _MARKUP.search(html):
        # Plain text (most fields): only its whitespace is HTML's.
        return _SPACES.sub(" ", html).strip(), 0
    sounds = len(_SOUND.findall(html))
    parser = _Text()
    parser.feed(_SOUND.sub(" ", html))
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.parts).split(_NEWLINE)]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return _NEWLINE.join(kept).strip(), parser.media + sounds
