"""The reference itself (Anki's own reading of the real decks), not the project's importer: if
these fail, a comparison with the importer would compare with the wrong thing."""

from __future__ import annotations

import io
import re
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
import zstandard

from tests.tutor.imports.anki_reference import (
    COLLECTION_SUFFIXES,
    PACKAGE_SUFFIXES,
    REALDECKS,
    _anki_view,
    _main,
    anki_view,
    corpus_files,
)

CLOZE_NUMBER = re.compile(r"\{\{c(\d+)::")
# The note types a new Anki profile starts with (the biology deck uses these five).
STOCK_NOTETYPES = frozenset(
    {
        "Basic",
        "Basic (and reversed card)",
        "Basic (optional reversed card)",
        "Basic (type in the answer)",
        "Cloze",
    }
)


def _corpus() -> Path:
    """The corpus folder, or a failed test: a missing corpus must never pass as skipped."""
    if not REALDECKS.is_dir():
        pytest.fail(
            f"the real decks are missing: expected them in {REALDECKS} "
            "(../shared/realdecks beside the project, as on CI)"
        )
    return REALDECKS


def _packages() -> list[Path]:
    """The corpus's Anki packages, or one stand-in that fails in ``_corpus`` when the folder is
    missing (an empty parameter list would be reported as a skip)."""
    if not REALDECKS.is_dir():
        return [REALDECKS / "missing"]
    return [
        p for p in corpus_files() if p.suffix.lower() in PACKAGE_SUFFIXES | COLLECTION_SUFFIXES
    ]


def test_the_corpus_is_the_47_deck_files_sources_md_lists() -> None:
    root = _corpus()
    files = [p.relative_to(root).as_posix() for p in corpus_files()]
    assert len(files) == 47, files
    listed = re.findall(r"^\| `([^`]+)` \|", (root / "SOURCES.md").read_text(), re.MULTILINE)
    assert sorted(listed) == files


@pytest.mark.parametrize("path", _packages(), ids=lambda p: p.name)
def test_every_package_opens_with_cards(path: Path) -> None:
    _corpus()
    view = anki_view(path)
    assert view is not None
    assert view.notes > 0
    assert len(view.cards) >= view.notes
    assert len({card.guid for card in view.cards}) == view.notes


def test_formats_anki_does_not_import_have_no_reference() -> None:
    root = _corpus()
    for name in ("md/kafka-flashcards.md", "afe/chapter4.md", "yaml/norsk-flashcards.yaml"):
        assert anki_view(root / name) is None


def test_the_anki21b_package_and_its_legacy_twin_give_the_same_cards() -> None:
    root = _corpus()
    newer = anki_view(root / "ankiref/biology-anki21b.apkg")
    legacy = anki_view(root / "ankiref/biology-legacy.apkg")
    assert newer is not None and legacy is not None
    assert (newer.notes, len(newer.cards)) == (18, 22)
    assert newer == legacy
    # The collection packages hold the same collection: the same cards, except that a package
    # imported into a new profile renames a note type whose name the profile already uses.
    whole = anki_view(root / "ankiref/biology-anki21b.colpkg")
    assert whole is not None
    assert whole == anki_view(root / "ankiref/biology-legacy.colpkg")
    assert [(c.question, c.answer, c.guid, c.ord, c.deck) for c in whole.cards] == [
        (c.question, c.answer, c.guid, c.ord, c.deck) for c in newer.cards
    ]
    assert [c.notetype for c in newer.cards] == [
        f"{c.notetype}+" if c.notetype in STOCK_NOTETYPES else c.notetype for c in whole.cards
    ]


def test_a_cloze_note_gives_one_card_per_cloze_deletion() -> None:
    view = anki_view(_corpus() / "kedar/spoken-languages__english__Vocab__2023.apkg")
    assert view is not None
    assert (view.notes, len(view.cards)) == (22, 44)
    by_note: dict[str, list[int]] = {}
    for card in view.cards:
        assert card.cloze
        by_note.setdefault(card.guid, []).append(card.ord)
        # The card's own deletion is the one hidden, the others shown.
        assert f'data-ordinal="{card.ord + 1}">[...]</span>' in card.question
        assert "[...]" not in card.answer
    for card in view.cards:
        numbers = {int(n) for n in CLOZE_NUMBER.findall(card.fields[0])}
        assert by_note[card.guid] == sorted(n - 1 for n in numbers)


def test_a_package_is_imported_without_its_scheduling(tmp_path: Path) -> None:
    """Anki's default package import (the desktop's on a new profile) makes every card new:
    the 4 cards suspended in the package are not suspended after the import."""
    path = _corpus() / "pedscoffee/SpanishAnkiExportReal.apkg"
    with zipfile.ZipFile(path) as archive:
        raw = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(archive.read("collection.anki21b"))
        )
        # A file, not sqlite3's deserialize: the collection is in WAL mode, which needs one.
        (tmp_path / "collection.anki21").write_bytes(raw.read())
    connection = sqlite3.connect(tmp_path / "collection.anki21")
    (suspended,) = connection.execute("SELECT count(*) FROM cards WHERE queue = -1").fetchone()
    connection.close()
    assert suspended == 4
    view = anki_view(path)
    assert view is not None
    assert len(view.cards) == 2887
    assert not any(card.suspended for card in view.cards)


def test_a_headerless_text_file_is_basic_notes_in_the_default_deck() -> None:
    view = anki_view(_corpus() / "darragh/flashcards.tsv")
    assert view is not None
    assert (view.notes, len(view.cards)) == (80, 80)
    assert {(c.notetype, c.deck, c.ord) for c in view.cards} == {("Basic", "Default", 0)}
    assert view.cards[0].fields == ("a bed", "un lit")
    assert view.cards[0].question == "a bed"


def test_the_reference_prints_nothing_and_leaves_no_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    path = _corpus() / "bellbot/ComputerSecurityDeck.apkg"  # media and a legacy collection
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # Anki's own temporary files go there too
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    view = _anki_view.__wrapped__(path.resolve())  # not the cached answer: a real import
    assert view is not None and len(view.media) == 17
    assert list(tmp_path.iterdir()) == []
    assert capfd.readouterr() == ("", "")


def test_the_command_line_shows_the_counts_and_the_first_cards(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _corpus() / "ankiref/biology-anki21b.apkg"
    assert _main([str(path), "1"]) == 0
    out = capsys.readouterr().out
    assert "18 notes, 22 cards, 0 suspended" in out
    assert "Q: What is the <b>powerhouse</b> of the cell?" in out
    assert out.count("--- card") == 1
