"""Anki packages: classic ones built with genanki, newer ones (zstd) built by hand; Basic and
reversed notes as cards, other note types named, media counted, bad packages refused."""

from __future__ import annotations

import io
import sqlite3
import zipfile

import genanki
import pytest

from tests.hostile import zip_bomb, zstd_bomb
from tests.tutor.imports.anki_files import (
    BASIC,
    CLOZE,
    REVERSED,
    NoteType,
    collection,
    newer_package,
    zip_package,
)
from tutor.imports import MAX_ITEMS, ImportFailed, Skipped, parse_file

THREE_WAYS = genanki.Model(
    1607392319,
    "Three ways",
    fields=[{"name": "A"}, {"name": "B"}, {"name": "C"}],
    templates=[
        {"name": f"Card {n}", "qfmt": f"{{{{{side}}}}}", "afmt": "{{FrontSide}}"}
        for n, side in enumerate("ABC", start=1)
    ],
)


def _classic(deck: genanki.Deck) -> bytes:
    out = io.BytesIO()
    genanki.Package(deck).write_to_file(out, timestamp=1_700_000_000)
    return out.getvalue()


def _note_ids(package: bytes) -> list[int]:
    """The package's note ids in the order the notes were added (as Anki shows them)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        raw = archive.read("collection.anki2")
    connection = sqlite3.connect(":memory:")
    connection.deserialize(raw)
    ids = [row[0] for row in connection.execute("SELECT id FROM notes ORDER BY id")]
    connection.close()
    return ids


def _note(model: genanki.Model, fields: list[str], guid: str) -> genanki.Note:
    return genanki.Note(model=model, fields=fields, guid=guid)


@pytest.fixture
def classic_deck() -> genanki.Deck:
    deck = genanki.Deck(2059400110, "Science::Optics")
    for note in [
        _note(genanki.BASIC_MODEL, ["What is <b>a lens</b>?", "Glass that<br>bends light"], "g1"),
        _note(genanki.BASIC_AND_REVERSED_CARD_MODEL, ["red", "rot [sound:rot.mp3]"], "g2"),
        _note(genanki.CLOZE_MODEL, ["{{c1::Paris}} is the capital of France", ""], "g3"),
        _note(genanki.BASIC_OPTIONAL_REVERSED_CARD_MODEL, ["blue", "blau", ""], "g4"),
        _note(genanki.BASIC_OPTIONAL_REVERSED_CARD_MODEL, ["green", "grün", "y"], "g5"),
        _note(genanki.BASIC_TYPE_IN_THE_ANSWER_MODEL, ["yellow", "gelb"], "g6"),
        _note(THREE_WAYS, ["a", "b", "c"], "g7"),
        _note(genanki.BASIC_MODEL, ['<img src="eye.png">', "An eye"], "g8"),
        _note(
            genanki.BASIC_MODEL, ["<ul><li>one</li><li>two</li></ul>", "&lt;tag&gt; &amp;"], "g9"
        ),
    ]:
        deck.add_note(note)
    return deck


def test_a_classic_package_built_with_genanki(classic_deck: genanki.Deck) -> None:
    data = _classic(classic_deck)
    parsed = parse_file("optics.apkg", data)
    assert parsed.name == "Optics"
    assert parsed.format == "apkg"
    assert [(c.front, c.back) for c in parsed.cards] == [
        ("What is a lens?", "Glass that\nbends light"),
        ("red", "rot"),
        ("rot", "red"),  # Basic (and reversed card): both ways
        ("blue", "blau"),  # optional reverse left empty: one way
        ("green", "grün"),
        ("grün", "green"),
        ("yellow", "gelb"),
        ("• one\n• two", "<tag> &"),
    ]
    assert [c.source for c in parsed.cards] == ["optics.apkg"] * 8
    notes = _note_ids(data)
    assert parsed.skipped == (
        Skipped(f"note {notes[2]}", "a Cloze note (only Basic notes are imported)"),
        Skipped(
            f"note {notes[6]}", "note type 'Three ways' is not Basic or Basic (and reversed card)"
        ),
        Skipped(
            f"note {notes[7]}", "its front is only an image or a sound (media is not imported)"
        ),
    )
    assert parsed.media_skipped == 2  # the sound of g2, the image of g8


def test_notes_keep_their_keys_when_edited(classic_deck: genanki.Deck) -> None:
    """A key comes from the note's guid: edit a note in Anki, export again, and its card is
    the same item (the reverse card has its own key)."""
    before = parse_file("optics.apkg", _classic(classic_deck)).cards
    classic_deck.notes[0].fields = ["What is a convex lens?", "Glass thicker in the middle"]
    after = parse_file("optics.apkg", _classic(classic_deck)).cards
    assert after[0].id == before[0].id and after[0].front == "What is a convex lens?"
    assert [c.id for c in after] == [c.id for c in before]
    assert len({c.id for c in after}) == len(after)
    assert before[1].id[1:] == before[2].id[1:] and before[1].id != before[2].id


def _newer() -> bytes:
    decks = {1: "Default", 77: "Languages\x1fGerman"}
    notes = [
        (101, "ga", BASIC.id, ["Hund", "dog"]),
        (102, "gb", REVERSED.id, ["Katze", "<div>cat</div>"]),
        (103, "gc", CLOZE.id, ["{{c1::Berlin}} is the capital", ""]),
        (104, "gd", 9999, ["orphan", "note"]),
        (105, "ge", BASIC.id, ["Hund", "hound"]),
    ]
    cards = [(101, 77, 0), (102, 77, 0), (102, 77, 1), (103, 77, 0), (104, 77, 0), (105, 77, 0)]
    data = collection(note_types=[BASIC, REVERSED, CLOZE], decks=decks, notes=notes, cards=cards)
    return newer_package(data)


def test_a_newer_package_reads_the_zstd_collection() -> None:
    parsed = parse_file("german.apkg", _newer())
    assert parsed.name == "German"
    assert [(c.front, c.back) for c in parsed.cards] == [
        ("Hund", "dog"),
        ("Katze", "cat"),
        ("cat", "Katze"),
    ]
    assert parsed.skipped == (
        Skipped("note 103", "a Cloze note (only Basic notes are imported)"),
        Skipped("note 104", "its note type is missing from the package"),
        Skipped("note 105", "same front as note 101"),
    )


def test_a_colpkg_is_read_like_an_apkg() -> None:
    assert len(parse_file("collection.colpkg", _newer()).cards) == 3


def test_a_note_type_is_basic_by_its_templates_not_its_name() -> None:
    renamed = NoteType(
        2001, "Vokabeln", ("Wort", "Bedeutung"), ("<b>{{Wort}}</b>", "{{Bedeutung}}")
    )
    backwards = NoteType(2002, "Basic", ("Front", "Back"), ("{{Back}}",))
    data = collection(
        note_types=[renamed, backwards],
        decks={5: "Words"},
        notes=[(1, "a", 2001, ["Haus", "house"]), (2, "b", 2002, ["x", "y"])],
        cards=[(1, 5, 0), (1, 5, 1), (2, 5, 0)],
    )
    parsed = parse_file("w.apkg", newer_package(data))
    assert [(c.front, c.back) for c in parsed.cards] == [("Haus", "house"), ("house", "Haus")]
    assert parsed.skipped == (
        Skipped("note 2", "note type 'Basic' is not Basic or Basic (and reversed card)"),
    )


def test_more_than_5000_notes_are_refused() -> None:
    notes = [(n, f"g{n}", BASIC.id, [f"front {n}", "back"]) for n in range(1, MAX_ITEMS + 2)]
    data = collection(
        note_types=[BASIC], decks={1: "Big"}, notes=notes, cards=[(n, 1, 0) for n, *_ in notes]
    )
    with pytest.raises(ImportFailed, match=r"big\.apkg holds more than 5,000 items"):
        parse_file("big.apkg", newer_package(data))


EMPTY_COLLECTION = collection(note_types=[], decks={}, notes=[], cards=[])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "x.apkg is not an Anki package: it is not a zip file"),
        (zip_package({"readme.txt": b"hi"}), "x.apkg is not an Anki package: it holds no Anki"),
        (
            zip_package({"collection.anki2": b"SQLite format 3\x00 but garbage"}),
            "x.apkg is a damaged",
        ),
        (zip_package({"collection.anki2": b"\x00" * 4096}), "x.apkg is a damaged"),
        (zip_package({"collection.anki21b": b"not zstd"}), "x.apkg is a damaged"),
        (zip_package({"collection.anki2": EMPTY_COLLECTION[:5000]}), "x.apkg is a damaged"),
    ],
    ids=["not-zip", "no-collection", "not-sqlite", "zeros", "not-zstd", "truncated"],
)
def test_damaged_packages_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ImportFailed) as caught:
        parse_file("x.apkg", data)
    assert str(caught.value).startswith(message)


def test_a_collection_that_is_not_ankis_is_refused() -> None:
    connection = sqlite3.connect(":memory:")
    connection.deserialize(EMPTY_COLLECTION)
    connection.execute("DROP TABLE cards")
    with pytest.raises(ImportFailed, match=r"x\.apkg is a damaged Anki package"):
        parse_file("x.apkg", zip_package({"collection.anki2": connection.serialize()}))


def test_a_zip_bomb_is_refused_by_its_declared_size() -> None:
    bomb = zip_bomb()
    assert len(bomb) < 200_000
    with pytest.raises(ImportFailed, match=r"x\.apkg unpacks to more than 64 MB"):
        parse_file("x.apkg", bomb)


def test_a_zstd_bomb_is_refused_by_its_actual_size() -> None:
    """The zstd frame does not declare its size: reading stops at the cap."""
    bomb = zstd_bomb()
    assert len(bomb) < 200_000
    with pytest.raises(ImportFailed, match=r"x\.apkg unpacks to more than 64 MB"):
        parse_file("x.apkg", bomb)
