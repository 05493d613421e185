"""What Anki itself shows for a deck file: the reference the importer's tests compare with.

The file is opened with Anki's own library (PyPI ``anki``, the code Anki desktop runs) the way
the desktop app opens it on a fresh profile, and every card Anki then holds is rendered by
Anki. Nothing here is tuned per file: a difference from the project's importer is a finding,
not something to smooth over in the reference.

- ``.apkg``: a new, empty collection imports the package with the default options (the same as
  the desktop dialog's presets on a new profile: no scheduling, no deck options, notes and note
  types updated only if newer). Without scheduling Anki makes every imported card new, so
  nothing an .apkg brings in is suspended.
- ``.colpkg``: Anki's "replace the collection" import, which keeps the cards as they were
  (suspended ones included).
- ``.csv`` / ``.tsv`` / ``.txt``: Anki's text import with the metadata its import dialog
  proposes (delimiter guessed, ``#`` header lines honoured, Basic for a file that names no
  note type, the Default deck, columns mapped in order).
- Markdown and YAML: Anki has no importer for them, so there is no reference (None).

Run it on a file to read a deck as Anki shows it::

    python -m tests.tutor.imports.anki_reference FILE [N]
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from anki._backend import RustBackend
from anki.collection import Collection, ImportAnkiPackageRequest, ImportCsvRequest
from anki.consts import MODEL_CLOZE, QUEUE_TYPE_SUSPENDED
from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportResponse
from anki.media import media_paths_from_col_path
from anki.sound import SoundOrVideoTag
from anki.template import TemplateRenderOutput

ROOT = Path(__file__).resolve().parents[3]
# Kept beside the project, never in it: real decks carry other people's licences.
REALDECKS = (ROOT / ".." / "shared" / "realdecks").resolve()

PACKAGE_SUFFIXES = frozenset({".apkg"})
COLLECTION_SUFFIXES = frozenset({".colpkg"})
TEXT_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
# Formats the project imports and Anki does not: there is nothing to compare with.
NOT_ANKI_SUFFIXES = frozenset({".md", ".markdown", ".yaml", ".yml"})
DECK_SUFFIXES = PACKAGE_SUFFIXES | COLLECTION_SUFFIXES | TEXT_SUFFIXES | NOT_ANKI_SUFFIXES


@dataclass(frozen=True)
class AnkiCard:
    """One card as Anki shows it in the reviewer (the HTML, without the note type's CSS)."""

    question: str  # card.question() less its <style>: [[type:...]] kept, a sound as
    # [sound:name], a button of text to speech as [anki:play:...]
    answer: str  # card.answer() less its <style>
    suspended: bool  # queue == -1
    deck: str  # the full deck name (the home deck of a card in a filtered deck)
    notetype: str
    ord: int  # the card template's ordinal, or the cloze number - 1
    guid: str  # the note's
    fields: tuple[str, ...]  # the note's raw field values
    field_names: tuple[str, ...]  # their names, in the same order
    cloze: bool  # the note type is Anki's cloze kind (one card per cloze number)


@dataclass(frozen=True)
class AnkiView:
    """Everything Anki holds after importing one file."""

    cards: tuple[AnkiCard, ...]  # in note id order, then ord
    notes: int
    media: tuple[str, ...]  # names of the media files the import brought in, sorted
    # What Anki's import log reports besides the new notes, as "kind: count" (e.g.
    # "duplicate: 3", "empty_first_field: 1"): rows or notes Anki did not add as new.
    log: tuple[str, ...] = ()


def anki_view(path: Path) -> AnkiView | None:
    """The cards Anki shows for the deck file at ``path``; None for a format Anki does not
    import (Markdown, YAML). Anki's own errors (a package it refuses) are raised as they are.

    Cached per file: each test that asks pays for the import once per session."""
    return _anki_view(Path(path).resolve())


@functools.cache
def _anki_view(path: Path) -> AnkiView | None:
    suffix = path.suffix.lower()
    if suffix in NOT_ANKI_SUFFIXES:
        return None
    if suffix not in PACKAGE_SUFFIXES | COLLECTION_SUFFIXES | TEXT_SUFFIXES:
        raise ValueError(f"{path.name}: not a deck file Anki or the project knows")
    with anki_collection(path) as (col, log):
        return AnkiView(
            cards=_cards(col),
            notes=col.note_count(),
            media=tuple(sorted(os.listdir(col.media.dir()))),
            log=log,
        )


@contextlib.contextmanager
def anki_collection(
    path: Path, *, with_scheduling: bool = False
) -> Iterator[tuple[Collection, tuple[str, ...]]]:
    """A fresh collection holding the deck file at ``path`` as Anki imports it (see the
    module's docstring), and Anki's import log; closed and deleted on leaving.

    ``with_scheduling``: an .apkg is imported with its scheduling and review history (the
    import dialog's "Import any learning progress"), as a .colpkg always is."""
    path = Path(path).resolve()
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileNotFoundError(path)
    with tempfile.TemporaryDirectory(prefix="anki-reference-") as scratch:
        col_path = os.path.join(scratch, "collection.anki2")
        media_folder, media_db = media_paths_from_col_path(col_path)
        if suffix in COLLECTION_SUFFIXES:
            # The backend's own restore: it wants no collection open while it replaces one.
            backend = RustBackend()
            backend.import_collection_package(
                col_path=col_path,
                backup_path=str(path),
                media_folder=media_folder,
                media_db=media_db,
            )
            col = Collection(col_path, backend=backend)
        else:
            col = Collection(col_path)
        try:
            log = (
                ()
                if suffix in COLLECTION_SUFFIXES
                else _import_into(col, path, suffix, with_scheduling=with_scheduling)
            )
            yield col, log
        finally:
            col.close()


def _import_into(
    col: Collection, path: Path, suffix: str, *, with_scheduling: bool
) -> tuple[str, ...]:
    if suffix in PACKAGE_SUFFIXES:
        request = ImportAnkiPackageRequest(
            package_path=str(path),
            options=ImportAnkiPackageOptions(with_scheduling=with_scheduling),
        )
        response = col.import_anki_package(request)
    else:
        metadata = col.get_csv_metadata(path=str(path), delimiter=None)
        response = col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata))
    return _log_lines(response.log)


def _log_lines(log: ImportResponse.Log) -> tuple[str, ...]:
    kinds = (
        "updated",
        "duplicate",
        "conflicting",
        "first_field_match",
        "missing_notetype",
        "missing_deck",
        "empty_first_field",
    )
    return tuple(f"{kind}: {len(getattr(log, kind))}" for kind in kinds if len(getattr(log, kind)))


def _cards(col: Collection) -> tuple[AnkiCard, ...]:
    assert col.db is not None  # open until _anki_view closes it
    ids = col.db.list("SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid ORDER BY n.id, c.ord")
    cards = []
    for card_id in ids:
        card = col.get_card(card_id)
        note = card.note()
        notetype = note.note_type()
        assert notetype is not None  # a card's note always has its note type in Anki
        output = card.render_output()
        cards.append(
            AnkiCard(
                question=_sounds_named(output.question_text, output),
                answer=_sounds_named(output.answer_text, output),
                suspended=card.queue == QUEUE_TYPE_SUSPENDED,
                deck=col.decks.name(card.current_deck_id()),
                notetype=notetype["name"],
                ord=card.ord,
                guid=note.guid,
                fields=tuple(note.fields),
                field_names=tuple(note.keys()),
                cloze=notetype["type"] == MODEL_CLOZE,
            )
        )
    return tuple(cards)


_PLAY = re.compile(r"\[anki:play:([qa]):(\d+)\]")


def _sounds_named(html: str, output: TemplateRenderOutput) -> str:
    """``html`` with each of Anki's play buttons for a sound file written as the field
    writes it, ``[sound:name]`` (the buttons of text to speech kept as they are)."""

    def named(button: re.Match[str]) -> str:
        tags = output.question_av_tags if button[1] == "q" else output.answer_av_tags
        tag = tags[int(button[2])] if int(button[2]) < len(tags) else None
        return f"[sound:{tag.filename}]" if isinstance(tag, SoundOrVideoTag) else button[0]

    return _PLAY.sub(named, html)


def corpus_files() -> list[Path]:
    """The real deck files, sorted: every file of the corpus but SOURCES.md (their origins),
    whatever its suffix, so that a file of a new kind is noticed rather than passed over."""
    return sorted(p for p in REALDECKS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def _main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print("usage: python -m tests.tutor.imports.anki_reference FILE [N]", file=sys.stderr)
        return 2
    path = Path(argv[0])
    shown = int(argv[1]) if len(argv) == 2 else 5
    view = anki_view(path)
    if view is None:
        print(f"{path.name}: Anki does not import {path.suffix} files")
        return 1
    suspended = sum(card.suspended for card in view.cards)
    print(f"{path.name}: {view.notes} notes, {len(view.cards)} cards, {suspended} suspended")
    if view.media:
        print(f"media: {len(view.media)} files")
    for line in view.log:
        print(f"import log: {line}")
    for number, card in enumerate(view.cards[:shown], start=1):
        print(f"\n--- card {number}: {card.notetype} #{card.ord + 1}, deck {card.deck}")
        print(f"Q: {card.question}")
        print(f"A: {card.answer}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
