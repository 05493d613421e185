"""/export: a learner's progress and review log as CSV files, and each deck they own."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.content import (
    Card,
    ExplainPrompt,
    Item,
    PredictItem,
    QuizQuestion,
    QuizTemplate,
)
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating, retrievability
from tutor.domain.spreadsheet import safe_cell
from tutor.imports import ParsedDeck
from tutor.services.libraries import learner_library
from tutor.services.study import start_learner

PROGRESS_COLUMNS = (
    "item",
    "deck",
    "front",
    "reviews",
    "last rating",
    "due date",
    "stability",
    "predicted recall",
)
RATING_NAMES = {int(r): r.name.capitalize() for r in Rating}
# The review log, so that a learner leaves with their history as they may have come with it.
REVIEW_COLUMNS = (
    "item",
    "deck",
    "reviewed at (UTC)",
    "rating",
    "rating name",
    "seconds",
    "source",
)


def front_of(item: Item | None) -> str:
    """The text an item is known by: a card's front, a question, a prompt."""
    if isinstance(item, Card):
        return item.front
    if isinstance(item, QuizQuestion):
        return item.question
    if isinstance(item, ExplainPrompt):
        return item.prompt
    if isinstance(item, QuizTemplate):
        return "(a question with fresh numbers each time)"
    if isinstance(item, PredictItem):
        return "(/predict: what will the loss do?)"
    return ""


@dataclass(frozen=True)
class Export:
    """What /export sends: the progress as CSV, the review log as CSV, and each own deck as
    a deck to write out."""

    progress_csv: bytes
    rows: int
    decks: tuple[ParsedDeck, ...]
    reviews_csv: bytes = b""
    reviews: int = 0


def export_of(
    session: Session, *, library: Library, learner_id: int, first_name: str, now: datetime
) -> Export:
    """/export: the learner's progress on every item they reviewed, and each deck they own
    with its items keyed as stored (imported back into it, every item is found by id)."""
    learner = start_learner(session, learner_id=learner_id, first_name=first_name, now=now)
    found = learner_library(session, library=library, learner_id=learner_id)
    states = store.reviews.learner_states(session, learner_id=learner_id)
    last = store.owndecks.last_ratings(session, learner_id=learner_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PROGRESS_COLUMNS)
    for state in sorted(states, key=lambda s: (found.deck_of.get(s.item_id, "~"), s.item_id)):
        item = found.items.get(state.item_id)
        deck = found.decks[found.deck_of[state.item_id]].title if item is not None else ""
        memory = store.columns.memory_of(state)
        recall = (
            retrievability(memory, now, parameters=learner.fsrs_parameters)
            if memory.stability is not None
            else None
        )
        rating = last.get(state.item_id)
        writer.writerow(
            (
                state.item_id,
                safe_cell(deck),
                safe_cell(front_of(item)),
                state.reps,
                RATING_NAMES.get(rating, "") if rating is not None else "",
                state.due.strftime("%Y-%m-%d %H:%M UTC"),
                "" if state.stability is None else f"{state.stability:.2f}",
                "" if recall is None else f"{recall:.3f}",
            )
        )
    decks = tuple(
        _as_parsed(found, deck_id, store.deckmedia.deck_media(session, deck_id=own.number))
        for deck_id, own in found.own.items()
        if own.owner_id == learner_id
    )
    session.commit()
    log = store.progress.learner_reviews(session, learner_id=learner_id)
    return Export(
        buffer.getvalue().encode("utf-8-sig"),
        len(states),
        decks,
        reviews_csv=_review_log_csv(found, log),
        reviews=len(log),
    )


def _review_log_csv(
    library: Library, log: Sequence[tuple[str, datetime, int, int | None, str]]
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REVIEW_COLUMNS)
    for item_id, when, rating, duration, source in log:
        deck = library.deck_of.get(item_id)
        writer.writerow(
            (
                item_id,
                safe_cell(library.decks[deck].title) if deck is not None else "",
                when.strftime("%Y-%m-%d %H:%M:%S"),
                rating,
                RATING_NAMES.get(rating, ""),
                "" if duration is None else f"{duration / 1000:.1f}",
                source,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


def _as_parsed(library: Library, deck_id: str, media: dict[str, bytes]) -> ParsedDeck:
    """An own deck as ``tutor.imports.export_deck`` writes it: its items keyed by their
    ids without the deck's prefix (the keys they were stored under), and its images."""
    deck = library.decks[deck_id]
    cut = len(deck_id) + 1

    def keyed(item: Any) -> Any:
        return item.model_copy(update={"id": item.id[cut:]})

    return ParsedDeck(
        name=deck.title,
        format="yaml",
        cards=tuple(keyed(card) for card in deck.cards),
        quiz=tuple(keyed(question) for question in deck.quiz),
        explain=tuple(keyed(prompt) for prompt in deck.explain),
        skipped=(),
        media_skipped=0,
        media=media,
    )
