"""The readers rewritten to run in linear time give what the code they replace gave: the
HTML tokenizer what Python's HTMLParser gave, the Markdown heading, id and image readers and
the sound reader what its regular expression gave, on every field,
line and template of the real decks in REALDECKS and on edge cases written here. (Their
time on hostile input is printed by ``python -m bench imports``; tests/hostile.py holds
those files and test_hostile.py their outcomes.)"""

from __future__ import annotations

import csv
import os
import re
import sqlite3
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tutor.imports.anki_package import unpack
from tutor.imports.csv_layout import read_header, sniff_separator
from tutor.imports.encoding import decode_text
from tutor.imports.html import _cut_sounds, _Text, _text_of, html_to_text
from tutor.imports.markdown import _cut_images, _explicit_id, _heading

# Deck files people made (their origins in SOURCES.md there), read in place from the shared
# folder beside the project (CI has it at the same place), never copied.
REALDECKS = Path(
    os.environ.get("TUTOR_REALDECKS", Path(__file__).resolve().parents[4] / "shared" / "realdecks")
)
real = pytest.mark.skipif(not REALDECKS.is_dir(), reason=f"no real decks at {REALDECKS}")

# The patterns replaced, as they were.
OLD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
OLD_ID = re.compile(r"\s*\{#([^}\s]+)\}\s*$")
OLD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
OLD_SOUND = re.compile(r"\[sound:[^\]]*\]")


class _StdlibText(_Text, HTMLParser):
    """The same text collector driven by Python's HTMLParser, as html_to_text was."""

    def __init__(self) -> None:
        _Text.__init__(self)
        HTMLParser.__init__(self, convert_charrefs=True)


def _old_html_to_text(html: str) -> tuple[str, int]:
    parser = _StdlibText()
    parser.feed(OLD_SOUND.sub(" ", html))
    parser.close()
    return _text_of(parser), parser.media + len(OLD_SOUND.findall(html))


def _old_words(line: str) -> tuple[int, str]:
    found = OLD_HEADING.match(line)
    return (len(found.group(1)), found.group(2)) if found else (0, "")


def _old_id(words: str) -> tuple[str, str | None]:
    given = OLD_ID.search(words)
    return OLD_ID.sub("", words).strip(), given.group(1) if given else None


def _collection(path: Path) -> sqlite3.Connection:
    raw = bytearray(unpack(path.name, path.read_bytes())[0])
    raw[18:20] = b"\x01\x01"  # newer collections are in WAL mode; read them as a plain file
    connection = sqlite3.connect(":memory:")
    connection.deserialize(bytes(raw))
    connection.create_collation("unicase", lambda a, b: (a > b) - (a < b))
    return connection


@cache
def _real_fields() -> list[str]:
    """Every field of every real package's notes."""
    fields: list[str] = []
    for path in sorted(REALDECKS.rglob("*.*pkg")):
        connection = _collection(path)
        for (flds,) in connection.execute("SELECT flds FROM notes"):
            fields.extend(str(flds).split("\x1f"))
        connection.close()
    return fields


@cache
def _real_texts() -> dict[str, str]:
    """Every real text file (CSV, TSV, TXT, Markdown, YAML), decoded as the importer does."""
    texts = {}
    for path in sorted(REALDECKS.rglob("*")):
        if path.suffix in (".csv", ".tsv", ".txt", ".md", ".yaml") and path.name != "SOURCES.md":
            texts[str(path)] = decode_text(path.name, path.read_bytes())[0]
    return texts


HTML_CASES = [
    "one<br>two<br/>three",
    "<div>one</div>\n<div>two</div>",
    '<a href="x>y">link</a> after',
    "<img src='a.png' alt=\"a > b\"> cat [sound:meow.mp3] [sound:open",
    "<!-- a comment --> text <!DOCTYPE html> more <?php x ?> end",
    "a < b and c > d, 3 <4, x<y",
    "Fx<dYq2!#",
    "broken <b unclosed",
    "<script>if (a < b) { x = '<b>' }</script>after<style>p>b {}</style>",
    "<ul><li>a<ul><li>b</li></ul></li></ul><ol><li>one</li><li>two</li></ol>",
    "&lt;b&gt; &amp;amp; &nbsp;&#x1F525;&eacute &notanentity; &",
    "<table><tr><td>a</td><td>b</td></tr></table><pre>  keep   this\n  layout</pre>",
    "<B>Caps</B><BR><P>para</P>",
    "</>empty end</ b>x",
    "<p>\n\n  spaced  \n\n</p>\n\n<p>next</p>",
]


@pytest.mark.parametrize("html", HTML_CASES)
def test_html_reads_as_htmlparser_did(html: str) -> None:
    assert html_to_text(html) == _old_html_to_text(html)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("a <b and <i>c</i>", "a <b and c"),
        ("x <a y <a z", "x <a y <a z"),
        ("<![if x]> y", "y"),
        ("<![CDATA[ z", "<![CDATA[ z"),
    ],
)
def test_markup_that_never_ends_is_text(html: str, text: str) -> None:
    """Where the old reader differed, and took quadratic time or raised: a tag does not run
    past the next "<" (HTMLParser hid "and <i" as a tag's attributes), and "<![" is a
    comment to its ">" (HTMLParser raised)."""
    assert html_to_text(html) == (text, 0)


def _real_cells() -> list[str]:
    """Every cell of the real CSV, TSV and TXT files, split as the importer splits them."""
    cells = []
    for name, text in _real_texts().items():
        if name.endswith((".csv", ".tsv", ".txt")):
            lines = [line + "\n" for line in text.replace("\r\n", "\n").split("\n")]
            header = read_header(name, lines)
            separator = header.separator or sniff_separator(lines, header.lines)
            rows = csv.reader(lines[header.lines :], delimiter=separator)
            cells.extend(cell for row in rows for cell in row)
    return cells


@real
def test_html_reads_every_real_field_as_htmlparser_did() -> None:
    fields = _real_fields()
    marked = [text for text in [*fields, *_real_cells()] if re.search(r"[<&]|\[sound:", text)]
    assert len(marked) > 1000  # the decks hold HTML: this compares something
    different = [text for text in marked if html_to_text(text) != _old_html_to_text(text)]
    assert different == []


SOUND_CASES = ["[sound:a.mp3]", "x [sound:a] y [sound:b", "[sound:[sound:a]]", "[sound:\n]"]


@pytest.mark.parametrize("text", SOUND_CASES)
def test_sounds_are_cut_as_the_pattern_did(text: str) -> None:
    assert _cut_sounds(text) == (OLD_SOUND.sub(" ", text), len(OLD_SOUND.findall(text)))


HEADINGS = [
    "# Title",
    "## Front",
    "## C#",
    "## a ##",
    "## a # b #  ",
    "####### seven",
    "######\tsix",
    "##",
    "## ",
    "## #",
    "#x",
    " ## indented",
    "##\u00a0no-break",
    "## a" + " " * 50 + "b",
    "## Front {#id-1}",
    "## Front {#id} ##",
    "## {#}",
    "## a {#b{#c}",
    "## a {{#b}",
    "## a {#b} c",
    "## a{#b}",
    "## a {#b}}",
    "## a {#b }",
]


@pytest.mark.parametrize("line", HEADINGS)
def test_headings_and_ids_read_as_the_patterns_did(line: str) -> None:
    assert _heading(line) == _old_words(line)
    level, words = _heading(line)
    if level:
        assert _explicit_id(words) == _old_id(words)


@real
def test_every_real_line_reads_as_the_heading_pattern_did() -> None:
    lines = [line for text in _real_texts().values() for line in text.split("\n")]
    headings = [line for line in lines if _old_words(line)[0]]
    assert len(headings) > 20
    assert [_heading(line) for line in lines] == [_old_words(line) for line in lines]
    words = [_heading(line)[1] for line in headings]
    assert [_explicit_id(w) for w in words] == [_old_id(w) for w in words]


IMAGE_TEXTS = [
    "![alt](a.png) text ![](b.png)",
    "![a![b](c)",
    "![a] no path ![b](c.png)",
    "![a](unclosed ![b](c.png)",
    "![multi\nline](x\ny)",
    "![",
    "!![x](y)",
]


@pytest.mark.parametrize("text", IMAGE_TEXTS)
def test_images_are_cut_as_the_pattern_did(text: str) -> None:
    assert _cut_images(text) == (OLD_IMAGE.sub("", text), len(OLD_IMAGE.findall(text)))
