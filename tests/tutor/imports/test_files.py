"""Whole files: size and item limits, encodings, binary and empty files, the format chosen
by name or content, poll limits, and HTML reduced to text."""

from __future__ import annotations

import codecs
import io
import re
import zipfile

import pytest

from tests.hostile import png
from tutor.domain.content import ID_PATTERN, IMAGE_ONLY, QuizQuestion
from tutor.imports import (
    KEY_MAX,
    MAX_FILE_BYTES,
    MAX_ITEMS,
    NAME_MAX,
    ImportFailed,
    export_deck,
    fits_poll,
    parse_file,
)
from tutor.imports.encoding import LATIN_1_NOTE
from tutor.imports.html import html_to_text

ROWS = "Größe?,Size\nCafé?,Coffee\n"


def test_a_file_over_2_mb_is_refused() -> None:
    data = b"a,b\n" * (MAX_FILE_BYTES // 4 + 1)
    with pytest.raises(ImportFailed, match=r"^big.csv is 2.0 MB; I take files of up to 2 MB.$"):
        parse_file("big.csv", data)


@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_an_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(ImportFailed, match=r"^empty.csv is empty.$"):
        parse_file("empty.csv", data)


def test_5000_items_are_taken_and_5001_refused() -> None:
    rows = "".join(f"Front {n},Back {n}\n" for n in range(MAX_ITEMS))
    assert len(parse_file("max.csv", rows.encode()).cards) == MAX_ITEMS
    with pytest.raises(ImportFailed, match=r"^more.csv holds more than 5,000 items; split it"):
        parse_file("more.csv", (rows + "One more,Back\n").encode())


def test_rows_left_out_count_toward_the_limit() -> None:
    rows = "".join(f"Front {n}\n" for n in range(MAX_ITEMS + 1))
    with pytest.raises(ImportFailed, match="holds more than 5,000 items"):
        parse_file("bad.csv", rows.encode())


@pytest.mark.parametrize(
    "data",
    [
        ROWS.encode("utf-8"),
        codecs.BOM_UTF8 + ROWS.encode("utf-8"),
        codecs.BOM_UTF16_LE + ROWS.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + ROWS.encode("utf-16-be"),
        ROWS.encode("utf-16-le"),  # no byte-order mark: known by its zero bytes
        ROWS.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + ROWS.encode("utf-32-le"),
    ],
    ids=[
        "utf-8",
        "utf-8-bom",
        "utf-16-le-bom",
        "utf-16-be-bom",
        "utf-16-le",
        "utf-16-be",
        "utf-32",
    ],
)
def test_unicode_encodings_are_read(data: bytes) -> None:
    deck = parse_file("words.csv", data)
    assert [c.front for c in deck.cards] == ["Größe?", "Café?"]
    assert deck.notes == ()


def test_latin_1_is_read_with_a_note() -> None:
    deck = parse_file("words.csv", ROWS.encode("latin-1"))
    assert [c.front for c in deck.cards] == ["Größe?", "Café?"]
    assert deck.notes == (LATIN_1_NOTE,)


def test_bytes_no_encoding_reads_are_named() -> None:
    # 0x81 and 0x8d are undefined in Windows-1252, and not UTF-8.
    with pytest.raises(ImportFailed, match="not in a text encoding I can read"):
        parse_file("odd.csv", b"front \x81\x8d,back\n")
    with pytest.raises(ImportFailed, match="not in a text encoding I can read"):
        parse_file("odd.csv", codecs.BOM_UTF8 + b"front \xff,back\n")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"%PDF-1.4\n\x00\x01\x02binary",
        bytes(range(1, 32)) * 10,
    ],
    ids=["png", "pdf", "controls"],
)
def test_binary_files_are_refused(data: bytes) -> None:
    with pytest.raises(ImportFailed, match=r"^photo.csv is not a text file\."):
        parse_file("photo.csv", data)


@pytest.mark.parametrize(
    ("name", "data", "format"),
    [
        ("deck", b"title: T\ncards:\n  - {front: a, back: b}\n", "yaml"),
        ("deck.txt", b"a\tb\n", "csv"),
        ("deck.TSV", b"a\tb\n", "csv"),
        ("notes", b"# T\n\n## Front\nBack\n", "markdown"),
        ("data.dat", b"a;b\n", "csv"),
        ("deck.YML", b"cards:\n  - {front: a, back: b}\n", "yaml"),
        ("deck.MD", b"## a\nb\n", "markdown"),
    ],
)
def test_the_format_follows_the_name_else_the_content(name: str, data: bytes, format: str) -> None:
    assert parse_file(name, data).format == format


def test_a_zip_without_a_known_extension_is_read_as_an_anki_package() -> None:
    with pytest.raises(ImportFailed, match="holds no Anki collection"):
        parse_file("deck.zip", b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    with pytest.raises(ImportFailed, match="is not an Anki package"):
        parse_file("deck.zip", b"PK\x03\x04broken")


def test_export_names_the_file_after_the_deck() -> None:
    deck = parse_file("a.csv", b"#deck:Optics / Lenses 2\nQ,A\n")
    name, data = export_deck(deck)
    assert name == "Optics-Lenses-2.yaml"
    assert data.startswith(b"# A deck for the learning-rate tutor")


def _question(question: str, option: str, explanation: str) -> QuizQuestion:
    return QuizQuestion.model_validate(
        {
            "id": "q1",
            "level": "beginner",
            "question": question,
            "options": [{"text": option, "correct": True}, {"text": "wrong"}],
            "explanation": explanation,
            "source": "s",
        }
    )


@pytest.mark.parametrize(
    ("question", "option", "explanation", "fits"),
    [
        (300, 100, 200, True),
        (301, 100, 200, False),
        (300, 101, 200, False),
        (300, 100, 201, False),
    ],
)
def test_fits_poll_at_telegrams_limits(
    question: int, option: int, explanation: int, fits: bool
) -> None:
    assert fits_poll(_question("q" * question, "o" * option, "e" * explanation)) is fits


@pytest.mark.parametrize(
    ("html", "text", "media"),
    [
        ("one<br>two<br/>three", "one\ntwo\nthree", 0),
        ("<div>one</div><div>two</div>", "one\ntwo", 0),
        ("<p>one</p>\n<p>two   words</p>", "one\ntwo words", 0),
        ("a<br><br><br><br>b", "a\n\nb", 0),
        ("<ul><li>one</li><li>two</li></ul>", "• one\n• two", 0),
        ("<ol><li>one</li><li>two</li></ol>", "1. one\n2. two", 0),
        ("<ul><li>a<ul><li>b</li></ul></li></ul>", "• a\n\xa0\xa0• b", 0),
        ("&lt;b&gt; &amp; &quot;x&quot; &eacute;&nbsp;&#x1F525;", '<b> & "x" é 🔥', 0),
        ('<b>bold</b> <span style="color:red">red</span>', "bold red", 0),
        ('cat <img src="cat.jpg"> [sound:meow.mp3]', "cat", 2),
        ("<script>alert(1)</script>safe<style>p {}</style>", "safe", 0),
        ("<table><tr><td>a</td><td>b</td></tr></table>", "a b", 0),
    ],
)
def test_html_becomes_the_text_telegram_shows(html: str, text: str, media: int) -> None:
    assert html_to_text(html) == (text, media)


def test_every_key_fits_an_item_id_once_the_store_prefixes_it() -> None:
    """Keys made from ids of any shape and from fronts: at most KEY_MAX characters of the
    ItemId alphabet, so "<deck id>-<key>" stays a valid id of 24 characters at most."""
    rows = [
        "Id,Front,Back",
        "1,one,a",
        "A Very Long Identifier Indeed,two,b",
        "ÜBER-größe,three,c",
        "---,four,d",
        ",five,e",
        "x y,six,f",
    ]
    deck = parse_file("ids.csv", "\n".join(rows).encode())
    keys = [card.id for card in deck.cards]
    assert len(keys) == 6 and len(set(keys)) == 6
    for key in keys:
        assert 2 <= len(key) <= KEY_MAX and re.match(ID_PATTERN, key), key
    assert (keys[0], keys[2], keys[5]) == ("i-1", "uber-grosse", "x-y")


def test_a_long_deck_name_is_cut_to_the_limit() -> None:
    deck = parse_file("a.csv", f"#deck:{'Optics ' * 20}\nQ,A\n".encode())
    assert deck.name == ("Optics " * 20)[:NAME_MAX].strip()
    assert len(deck.name) <= NAME_MAX


def _zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_markdown_deck_in_a_zip_brings_its_images() -> None:
    text = (
        "# Leaves\n\n## What does an oak leaf look like?\n![an oak leaf](oak.png)\n\n"
        "## ![](beech.png)\nA beech leaf\n\n## Where is the picture?\n![gone](missing.png)\n"
    )
    oak, beech = png(4, 3), png(5, 2)
    files = {"leaves.md": text.encode(), "oak.png": oak, "beech.png": beech}
    deck = parse_file("leaves.zip", _zipped(files))
    gone = "🖼 missing.png (a picture not shown here)"
    assert [(c.front, c.back, c.image, c.back_image) for c in deck.cards] == [
        ("What does an oak leaf look like?", IMAGE_ONLY, None, "oak.png"),
        (IMAGE_ONLY, "A beech leaf", "beech.png", None),
        ("Where is the picture?", gone, None, None),
    ]
    assert deck.skipped == () and deck.notes == ()
    assert deck.media == {"oak.png": oak, "beech.png": beech}
    # The same file alone holds no images: each side of only a picture names it, counted
    # as left out (the reply says how to bring pictures).
    alone = parse_file("leaves.md", text.encode())
    assert [(c.front, c.back) for c in alone.cards] == [
        ("What does an oak leaf look like?", "🖼 oak.png (a picture not shown here)"),
        ("🖼 beech.png (a picture not shown here)", "A beech leaf"),
        ("Where is the picture?", gone),
    ]
    assert alone.media == {} and alone.media_skipped == 3 and alone.skipped == ()
    assert alone.notes == ()


def test_a_csv_in_a_zip_brings_the_images_its_html_names() -> None:
    text = '#separator:tab\n#html:true\n<img src="cell.png">\tA cell\nWhat is ATP?\tEnergy\n'
    cell = png(3, 3)
    deck = parse_file("cells.zip", _zipped({"cells.txt": text.encode(), "cell.png": cell}))
    assert [(c.front, c.image) for c in deck.cards] == [
        (IMAGE_ONLY, "cell.png"),
        ("What is ATP?", None),
    ]
    assert deck.media == {"cell.png": cell}
