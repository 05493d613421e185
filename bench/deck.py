"""The benchmark's deck: thousands of cards made from a template, checked by the real schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tutor.catalog import load_library
from tutor.domain.content import Deck

BENCH_DECK_ID = "bench"
BENCH_CARDS = 2000

_RATES = ("1e-1", "3e-2", "1e-2", "3e-3", "1e-3", "3e-4", "1e-4")
_SCHEDULES = ("StepLR", "cosine annealing", "OneCycle", "ReduceLROnPlateau", "linear warm-up")
_OPTIMIZERS = ("SGD with momentum", "Adam", "AdamW", "RMSprop")


def _card(number: int) -> dict[str, Any]:
    """One card; texts about as long as the shipped decks', with characters HTML must escape."""
    rate = _RATES[number % len(_RATES)]
    schedule = _SCHEDULES[number % len(_SCHEDULES)]
    optimizer = _OPTIMIZERS[number % len(_OPTIMIZERS)]
    return {
        "id": f"{BENCH_DECK_ID}-c{number:04d}",
        "level": ("beginner", "intermediate", "advanced")[number % 3],
        "front": (
            f"Case {number}: {optimizer} at lr = {rate} with {schedule} & a batch of "
            f"{32 << number % 4}. The loss stalls after epoch {number % 50 + 1}: what do you "
            "try first, and why?"
        ),
        "back": (
            f"Check the curve before the rate: if the loss is flat from the start, lr = {rate} "
            f"is likely too low for {optimizer}; if it jumped and then stalled, it was too "
            f"high. Run a short LR range test, keep {schedule}, and compare the loss after "
            f"the same number of steps (say < {number % 9 + 1}k) before changing anything "
            "else."
        ),
        "source": "https://docs.pytorch.org/docs/stable/optim.html",
    }


def bench_deck(cards: int = BENCH_CARDS) -> Deck:
    """A deck of ``cards`` generated cards, validated by ``tutor.domain.content``'s schema."""
    return Deck.model_validate(
        {
            "id": BENCH_DECK_ID,
            "title": "Benchmark deck",
            "description": "Cards made from a template for the review benchmark.",
            "cards": [_card(number) for number in range(cards)],
        }
    )


def write_bench_content(directory: Path, cards: int = BENCH_CARDS) -> Path:
    """Write the bench deck as ``directory/bench.yaml`` and load it back as the bot will.

    Returns:
        The content directory, ready to be the bot's ``CONTENT_DIR``.
    """
    deck = bench_deck(cards)
    directory.mkdir(parents=True, exist_ok=True)
    document = deck.model_dump(mode="json", exclude_defaults=True)
    (directory / f"{BENCH_DECK_ID}.yaml").write_text(
        yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=99),
        encoding="utf-8",
    )
    library = load_library(directory)
    if len(library.items) != cards:
        raise RuntimeError(f"the bench deck holds {len(library.items)} items, not {cards}")
    return directory
