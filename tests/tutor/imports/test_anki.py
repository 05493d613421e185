"""Anki packages: classic ones built with genanki, newer ones (zstd) built by hand; every
card rendered from its note type's templates (cloze deletions one card each), suspended and
empty cards left out and named, media counted, bad packages refused. Real packages are
checked against Anki's own rendering in test_realdecks."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import zipfile
from pathlib import Path

import genanki
import pytest

from tests.hostile import PNG, zip_bomb, zstd_bomb
from tests.tutor.imports.anki_files import (
    BASIC,
    CLOZE,
    REVERSED,
    NoteType,
    collection,
    newer_package,
    zip_package,
)
from tutor.domain.content import IMAGE_ONLY
from tutor.imports import MAX_ITEMS, ImportFailed, Skipped, export_deck, parse_file

THREE_WAYS = genanki.Model(
    1607392319,
    "Three ways",
    fields=[{"name": "A"}, {"name": "B"}, {"name": "C"}],
    templates=[
        {
            "name": f"Card {n}",
            "qfmt": f"{{{{{side}}}}}",
            "afmt": f"{{{{FrontSide}}}}<hr id=answer>{{{{{after}}}}}",
        }
        for n, (side, after) in enumerate(zip("ABC", "BCA", strict=True), start=1)
    ],
)


def _classic(deck: genanki.Deck, media: list[str] | None = None) -> bytes:
    out = io.BytesIO()
    genanki.Package(deck, media_files=media or []).write_to_file(out, timestamp=1_700_000_000)
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


def test_a_classic_package_built_with_genanki(
    classic_deck: genanki.Deck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "eye.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)
    data = _classic(classic_deck, ["eye.png"])
    parsed = parse_file("optics.apkg", data)
    assert parsed.name == "Optics"
    assert parsed.format == "apkg"
    assert [(c.front, c.back) for c in parsed.cards] == [
        ("What is a lens?", "Glass that\nbends light"),
        ("red", "rot"),
        ("rot", "red"),  # Basic (and reversed card): both ways
        ("[...] is the capital of France", "Paris is the capital of France"),  # cloze
        ("blue", "blau"),  # optional reverse left empty: one way
        ("green", "grün"),
        ("grün", "green"),
        ("yellow", "gelb"),  # type in the answer: no box on the front, the answer on the back
        ("a", "b"),  # a note type of three card types, each as its template says
        ("b", "c"),
        ("c", "a"),
        (IMAGE_ONLY, "An eye"),  # an image alone on the front: the image comes with it
        ("• one\n• two", "<tag> &"),
    ]
    assert [c.source for c in parsed.cards] == ["optics.apkg"] * 13
    assert [c.image for c in parsed.cards] == [None] * 11 + ["eye.png", None]
    assert parsed.media == {"eye.png": PNG}
    assert parsed.skipped == ()
    assert parsed.media_skipped == 1  # the sound of g2 (on both its cards)


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
    # A cloze card's key is its note's and its number; the three card types' are apart.
    assert before[3].id.startswith("c") and before[3].id.endswith("1")
    assert len({c.id for c in before[8:11]}) == 3


def _newer() -> bytes:
    decks = {1: "Default", 77: "Languages\x1fGerman"}
    notes = [
        (101, "ga", BASIC.id, ["Hund", "dog"]),
        (102, "gb", REVERSED.id, ["Katze", "<div>cat</div>"]),
        (103, "gc", CLOZE.id, ["{{c1::Berlin}} is the {{c2::capital::what}}", "Germany"]),
        (104, "gd", 9999, ["orphan", "note"]),
        (105, "ge", BASIC.id, ["Hund", "hound"]),
        (106, "gf", BASIC.id, ["Maus", "mouse"]),
        (107, "gg", BASIC.id, ["<br>", "empty front"]),
    ]
    cards = [
        (101, 77, 0),
        (102, 77, 0),
        (102, 77, 1),
        (103, 77, 0),
        (103, 77, 1),
        (104, 77, 0),
        (105, 77, 0),
        (106, 77, 0, -1),  # suspended
        (107, 77, 0),
    ]
    data = collection(
        note_types=[BASIC, REVERSED, CLOZE], decks=decks, notes=notes, cards=cards, wal=True
    )
    return newer_package(data)


def test_a_newer_package_reads_the_zstd_collection_in_wal_mode() -> None:
    """Anki's own exports (2.1.50+) write the collection in WAL mode."""
    parsed = parse_file("german.apkg", _newer())
    assert parsed.name == "German"
    assert [(c.front, c.back) for c in parsed.cards] == [
        ("Hund", "dog"),
        ("Katze", "cat"),
        ("cat", "Katze"),
        ("[...] is the capital", "Berlin is the capital\nGermany"),
        ("Berlin is the [what]", "Berlin is the capital\nGermany"),  # the deletion's hint
        ("Hund", "hound"),  # the same front as another note's: Anki shows both
        ("Maus", "mouse"),  # suspended, but Anki's package import makes every card new
    ]
    assert parsed.skipped == (
        Skipped("note 104", "its note type is missing from the package"),
        Skipped(
            "note 107",
            "an empty card: its front shows no field (Anki's Check Empty Cards lists it)",
        ),
    )


def test_a_colpkg_is_a_whole_collection_restored_with_its_suspended_cards_out() -> None:
    parsed = parse_file("collection.colpkg", _newer())
    assert "Maus" not in [c.front for c in parsed.cards]
    assert Skipped("note 106", "suspended in Anki") in parsed.skipped


def test_a_card_shows_what_its_templates_say_not_the_second_field() -> None:
    """A hint field, an id or a part of speech is never the answer because it comes second:
    each side is its template, with Anki's conditionals, hints and FrontSide."""
    vocab = NoteType(
        2001,
        "Vokabeln",
        ("Id", "Wort", "Bedeutung", "Hinweis"),
        ("<b>{{Wort}}</b>{{#Hinweis}}<br>{{hint:Hinweis}}{{/Hinweis}}", "{{Bedeutung}}"),
        (
            "{{FrontSide}}<hr id=answer>{{Bedeutung}}{{^Hinweis}} (no hint){{/Hinweis}}",
            "{{FrontSide}}<hr id=answer>{{Wort}}",
        ),
    )
    backwards = NoteType(
        2002, "Basic", ("Front", "Back"), ("{{Back}}",), ("{{FrontSide}}<hr id=answer>{{Front}}",)
    )
    data = collection(
        note_types=[vocab, backwards],
        decks={5: "Words"},
        notes=[
            (1, "a", 2001, ["17", "Haus", "house", "a building"]),
            (2, "b", 2002, ["x", "y"]),
            (3, "c", 2001, ["18", "Baum", "tree", ""]),
        ],
        cards=[(1, 5, 0), (1, 5, 1), (2, 5, 0), (3, 5, 0)],
    )
    parsed = parse_file("w.apkg", newer_package(data))
    assert [(c.front, c.back) for c in parsed.cards] == [
        ("Haus\na building", "house"),  # a hint Anki keeps behind a link: on its own line
        ("house", "Haus"),
        ("y", "x"),
        ("Baum", "tree (no hint)"),
    ]
    assert parsed.skipped == ()


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


def test_a_deck_with_images_exports_as_a_zip_that_imports_back_with_them(
    classic_deck: genanki.Deck, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "eye.png").write_bytes(PNG)
    monkeypatch.chdir(tmp_path)
    deck = parse_file("optics.apkg", _classic(classic_deck, ["eye.png"]))
    name, data = export_deck(deck)
    assert name == "Optics.zip"
    again = parse_file(name, data)
    assert again.cards == deck.cards
    assert again.media == {"eye.png": PNG}
    # Without images, the export is the YAML file itself.
    plain = dataclasses.replace(deck, media={})
    assert export_deck(plain)[0] == "Optics.yaml"
