"""What an import yields: the parsed deck, the rows left out and why, and the refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tutor.domain.content import Card, ExplainPrompt, QuizQuestion

# The most a file may weigh, and the most items one deck may hold.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 5000
# The longest field read, markup included (an item's text is 2,000 characters at most); a
# longer one leaves its row out before it is split or read as HTML. The csv module's own
# limit is the same.
MAX_FIELD_CHARS = 128 * 1024
FIELD_TOO_LONG = "a field longer than {limit:,} characters"
# An item key; the store prefixes it with the deck's id to make an ItemId (24 at most).
KEY_MAX = 12
# A deck's name, as the built-in decks' titles.
NAME_MAX = 60


@dataclass(frozen=True)
class Skipped:
    """A row, note or item of the file that was left out, and why."""

    where: str  # "line 7" or "note 1554431280": a place the user can find in the file
    reason: str  # short and user-facing: "no answer", "same front as line 3"


@dataclass(frozen=True, slots=True)
class PastReview:
    """One answer the file records for a card, as Anki's FSRS reads it (see
    ``anki_history``): a deck may hold hundreds of thousands, hence the slots."""

    reviewed_at: datetime  # UTC-aware, to the millisecond
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy
    duration_ms: int  # the time taken to answer, as the file records it (capped)


@dataclass(frozen=True)
class ParsedDeck:
    """A file read as one deck: its items (ids are item keys, see ``tutor.imports``), the
    rows left out, and notes for the user about how it was read."""

    name: str  # from #deck:, the YAML title, the Markdown H1, the Anki deck, else the stem
    format: str  # "csv", "markdown", "yaml" or "apkg"
    cards: tuple[Card, ...]
    quiz: tuple[QuizQuestion, ...]
    explain: tuple[ExplainPrompt, ...]
    skipped: tuple[Skipped, ...]
    media_skipped: int  # images and sounds in the file, not imported
    # How the file was read, when the user should know ("read as Latin-1 ...").
    notes: tuple[str, ...] = ()
    # The images its cards show (``Card.image``, ``Card.back_image``), by name.
    media: dict[str, bytes] = field(default_factory=dict)
    # The reviews the file records for its items, oldest first, by item key; only an Anki
    # package carries any (an item never reviewed, or whose history was reset, has none).
    history: dict[str, tuple[PastReview, ...]] = field(default_factory=dict)

    @property
    def item_count(self) -> int:
        """Cards, questions and explain prompts together."""
        return len(self.cards) + len(self.quiz) + len(self.explain)


class ImportFailed(Exception):
    """The whole file is refused; ``str(exc)`` is a short message for the user naming the
    problem."""
