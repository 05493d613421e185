"""Real packages import as Anki shows them: every card Anki would show becomes an item with
the same front and back text (media aside), compared with Anki's own rendering
(``anki_reference``) of each package in the corpus of real decks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tutor.imports.anki_reference import (
    COLLECTION_SUFFIXES,
    PACKAGE_SUFFIXES,
    REALDECKS,
    AnkiCard,
    anki_view,
    corpus_files,
)
from tutor.domain.content import IMAGE_ONLY, NO_ANSWER
from tutor.imports import parse_file
from tutor.imports.anki import _card_key
from tutor.imports.anki_templates import ANSWER_MARKER, cloze_answers
from tutor.imports.html import html_to_text, image_sources, media_stand_in
from tutor.imports.math_text import math_to_text

PACKAGES = [p for p in corpus_files() if p.suffix in PACKAGE_SUFFIXES | COLLECTION_SUFFIXES]

# What Anki's reviewer does with its placeholders: the type-in box is no text on the front and
# the right answer (Anki's comparison shows it) on the back; a hint's link is no text (the
# hint itself is).
_TYPE = re.compile(r"\[\[type:(?:[^\]:]*:)*([^\]]*)\]\]")
_HINT = re.compile(r"<a class=hint [^>]*>.*?</a>", re.DOTALL)
# A button of text to speech (the reference writes a sound file's as [sound:name]).
_PLAY = re.compile(r"\[anki:play:[qa]:\d+\]|\[anki:tts[^\]]*\].*?\[/anki:tts\]", re.DOTALL)
# Anki renders a card whose template is broken as this error, with nothing to learn.
_TEMPLATE_ERRORS = re.compile("template has a problem|No cloze .* found on card")
# Anki draws LaTeX as an image of the formula; the import writes it as text, so such a card
# is checked for being there (its key), not for its text.
_LATEX = "class=latex"


@dataclass(frozen=True)
class Shown:
    """A card's text as shown: its front, and what its back adds; runs of spaces as one
    (a browser draws "a <b> b</b>" with one space, and reading Anki's HTML a piece at a
    time keeps two)."""

    front: str
    back: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "front", _RUNS.sub(" ", self.front))
        object.__setattr__(self, "back", _RUNS.sub(" ", self.back))


_RUNS = re.compile(r"(?<=\S) {2,}(?=\S)")


LATEX_CARD = Shown("", "")


def key(card: AnkiCard) -> str:
    """The key the import gives ``card`` (from its note's guid and its card number)."""
    return _card_key(card.guid, card.ord, card.cloze)


def typed(placeholder: re.Match[str], values: dict[str, str], number: int) -> str:
    """What Anki's reviewer shows for a type-in box on the answer: the field, or for a
    type-in cloze the card's deletions."""
    value = values.get(placeholder.group(1).strip(), "")
    if "cloze:" in placeholder.group(0):
        return ", ".join(cloze_answers(value, number))
    return value


def _media_only(html: str, media: frozenset[str]) -> str:
    """A side that is only media: the picture (IMAGE_ONLY in text), or where the package
    lacks it, or for a sound, what the import shows instead."""
    if any(source in media for source in image_sources(html)):
        return IMAGE_ONLY
    return media_stand_in(html)


def shown(card: AnkiCard, media: frozenset[str] = frozenset()) -> Shown | None:
    """What Anki shows for ``card``, reduced to text as the importer reduces HTML; None for
    a card Anki shows as an error of its template."""
    if _TEMPLATE_ERRORS.search(card.question) or _TEMPLATE_ERRORS.search(card.answer):
        return None
    if _LATEX in card.question or _LATEX in card.answer:
        return LATEX_CARD
    values = dict(zip(card.field_names, card.fields, strict=True))
    question = _PLAY.sub("", _HINT.sub("", _TYPE.sub("", card.question)))
    answer = _TYPE.sub(lambda m: typed(m, values, card.ord + 1), _HINT.sub("", card.answer))
    answer = _PLAY.sub("", answer)
    parts = ANSWER_MARKER.split(answer, maxsplit=1)
    front = math_to_text(html_to_text(question)[0])
    back = math_to_text(html_to_text(parts[-1])[0])
    front = front or _media_only(question, media)
    back = back or _media_only(parts[-1], media) or NO_ANSWER
    if len(parts) == 1 and back.startswith(front):
        back = back[len(front) :].strip()  # what the answer side adds to the front
    return Shown(front, back)


def differences(path: Path) -> Iterator[str]:
    """Each card of ``path`` that Anki shows and the import does not, or shows otherwise."""
    view = anki_view(path)
    assert view is not None
    parsed = parse_file(path.name, path.read_bytes())
    media = frozenset(view.media)
    latex = {key(card) for card in view.cards if shown(card, media) is LATEX_CARD}
    for lacking in sorted(latex - {card.id for card in parsed.cards}):
        yield f"Anki shows, the import lacks: the LaTeX card {lacking}"
    imported = [Shown(c.front, c.back) for c in parsed.cards if c.id not in latex]
    expected = [
        seen
        for card in view.cards
        if not card.suspended
        and (seen := shown(card, media)) is not None
        and seen is not LATEX_CARD
    ]
    missing = [s for s in expected if s not in imported]
    extra = [s for s in imported if s not in expected]
    for card in missing[:5]:
        yield f"Anki shows, the import lacks: {card}"
    for card in extra[:5]:
        yield f"the import has, Anki does not show: {card}"
    if len(missing) > 5 or len(extra) > 5:
        yield f"... {len(missing)} missing and {len(extra)} extra in all"


@pytest.mark.parametrize("path", PACKAGES, ids=[str(p.name) for p in PACKAGES])
def test_a_real_package_imports_as_anki_shows_it(path: Path) -> None:
    assert list(differences(path)) == []


def test_every_real_package_opens() -> None:
    """No package Anki opens is refused: all three collection formats, WAL mode included,
    and a package whose only card is a sound."""
    for path in PACKAGES:
        assert parse_file(path.name, path.read_bytes()).item_count > 0, path.name


# The real text files (Anki reads these poorly: no header rows, a delimiter guessed from
# the first 8 KiB, nothing for a note type it lacks), checked against what a person reading
# each file expects: its cards, one of them, and what is left out and why.
TEXTS: dict[str, tuple[int, tuple[str, str]]] = {
    "afe/chapter10.md": (15, ("What is the problem with this structure?", "```rs")),
    "afe/chapter4.md": (9, ("Why do we virtualize the CPU?", "- We want the illustion")),
    # A front that is only a picture the text file cannot carry names it, as in Anki.
    "ankiref/biology-cards.txt": (22, ("🖼 cell.png (a picture", "Only an image on the front")),
    "ankiref/biology-notes.txt": (22, ("adenosine triphosphate", "ATP")),
    # A Cloze deck's plain export: a card per deletion, as the package has (44).
    "ankitxt/english-vocab-2023-plain.txt": (44, ("Heart-rending: [...]", "Heart-rending: gut")),
    # Notes of the sender's own types: the package's 85 cards, each first field in front.
    "ankitxt/hckrtst-All-Decks-notes.txt": (85, ("what is an rvalue reference", "something like")),
    "ankitxt/keyaboo-All-Decks-notes.txt": (2720, ("Two Sum", "1\n\ntwo-sum")),
    "darragh/flashcards.tsv": (80, ("a bird", "un oiseau")),
    "edubkendo/anki.csv": (122, ("I’m very impressed.", "感心したよ。")),
    # Extra columns (book, author, URLs) are left out, never quiz options.
    "lowttl/anki.csv": (9, ("What's nonrepudiation?", "Nonrepudiation ensures")),
    "marisa/python-interview-prep.tsv": (122, ("Logical operators: Python", "`and`, `or`")),
    # **Q:** / **A:** pairs under section headings: a card each.
    "md/kafka-flashcards.md": (26, ("What is Kafka?", "A distributed streaming")),
    # md2apkg's split markers; a question with two right options is a card.
    "md/md2apkg-flashcards.md": (4, ("Front of first card\n\nThis paragraph", "The back starts")),
    # Every front is a picture the text file does not hold: its alt text, as a browser shows.
    "mojekarticky/Abstraktní umění.txt": (
        29,
        ("Hera - Francis Picabia", "Francis Picabia - Hera"),
    ),
    # The older cards export writes the answer side whole: the back is what it adds.
    "mojekarticky/Literatura - Test kartičky.txt": (25, ("V jejich čele stál", "Jan Neruda")),
    "pedscoffee/Example Deck.txt": (4, ("rojo", "red")),
    # A header of another tool's names; one row repeats another whole.
    "stoyan/05_Wordlist_Preprocessed.csv": (2880, ("abbiegen, biegt ab", "['An der nächsten")),
    "stoyan/Goethe_B1_Wortliste.csv": (2880, ("abbiegen, biegt ab", "An der nächsten")),
    "yaml/norsk-flashcards.yaml": (4, ("2 + 2 = ?", "4")),
}
TEXT_FILES = [p for p in corpus_files() if p.suffix not in PACKAGE_SUFFIXES | COLLECTION_SUFFIXES]


@pytest.mark.parametrize(
    "path", TEXT_FILES, ids=[p.relative_to(REALDECKS).as_posix() for p in TEXT_FILES]
)
def test_a_real_text_file_imports_as_a_person_reads_it(path: Path) -> None:
    cards, (front, back) = TEXTS[path.relative_to(REALDECKS).as_posix()]
    deck = parse_file(path.name, path.read_bytes())
    assert (len(deck.cards), len(deck.quiz)) == (cards, 0)
    assert any(c.front.startswith(front) and c.back.startswith(back) for c in deck.cards)
    # Nothing is left out but a row that repeats another whole.
    assert all(row.reason.startswith("same card as") for row in deck.skipped), deck.skipped


# Decks written through Anki's own library by a writer who had not read the importer
# (anki_written): a held-out check, kept as one.
@pytest.fixture(scope="module")
def written_by_anki(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from tests.tutor.imports.anki_written import write_decks

    return [Path(p) for p in write_decks(str(tmp_path_factory.mktemp("anki-written")))]


def test_decks_anki_wrote_import_as_anki_shows_them(written_by_anki: list[Path]) -> None:
    assert len(written_by_anki) == 12
    found = {path.name: list(differences(path)) for path in written_by_anki}
    assert {name: lost for name, lost in found.items() if lost} == {}
