"""A quiz question from a numeric key and the slips learners make: four distinct options in
one number format, so the right one cannot be told by its form."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from tutor.domain.content import Level, Option, QuizQuestion

OPTIONS = 4
# Significant digits every option shows; values that round alike are not both offered.
DIGITS = 3
MIN_APART = 0.02
# A slip more than this factor away from the key is a throwaway no one would pick.
MAX_APART = 100.0

T = TypeVar("T")


class Redraw(Exception):
    """The drawn numbers give fewer than four distinct options; draw again."""


def format_rates(values: Sequence[float]) -> list[str]:
    """All values in one format: fixed decimals when every value is at least 0.001 (as many
    decimals as the smallest needs for DIGITS significant digits), else scientific."""
    smallest = min(abs(v) for v in values if v != 0) if any(values) else 1.0
    if smallest >= 1e-3:
        decimals = max(0, DIGITS - 1 - math.floor(math.log10(smallest)))
        return [f"{v:.{decimals}f}" for v in values]
    return [f"{v:.{DIGITS - 1}e}" for v in values]


def numeric_question(
    *,
    rng: random.Random,
    item_id: str,
    level: Level,
    stem: str,
    right: float,
    slips: Sequence[tuple[float, str]],
    explanation: str,
    source: str,
) -> QuizQuestion:
    """The right value and three distinct slips (drawn from ``slips``), shuffled."""
    # A slip within MIN_APART of the key would be a guess between near-equal numbers.
    candidates = [
        (right, None),
        *[
            (v, why)
            for v, why in slips
            if math.isfinite(v)
            and right / MAX_APART <= v <= right * MAX_APART
            and abs(v - right) > MIN_APART * right
        ],
    ]
    texts = format_rates([v for v, _ in candidates])
    chosen: dict[str, str | None] = {texts[0]: None}
    wrong = list(zip(texts[1:], (why for _, why in candidates[1:]), strict=True))
    rng.shuffle(wrong)
    for text, why in wrong:
        if len(chosen) == OPTIONS:
            break
        chosen.setdefault(text, why)
    if len(chosen) < OPTIONS:
        raise Redraw
    options = [Option(text=t, correct=why is None, why_wrong=why) for t, why in chosen.items()]
    rng.shuffle(options)
    return QuizQuestion(
        id=item_id,
        level=level,
        question=stem,
        options=options,
        explanation=explanation,
        source=source,
    )


def retrying(
    make: Callable[[random.Random, datetime], T],
) -> Callable[[random.Random, datetime], T]:
    """``make``, drawn again until its numbers give four distinct options (no `Redraw`)."""

    def drawn(rng: random.Random, now: datetime) -> T:
        while True:
            try:
                return make(rng, now)
            except Redraw:
                continue

    return drawn
