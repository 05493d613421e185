"""A memory model fitted to one learner: FSRS's parameters from their own reviews.

FSRS predicts the chance of recalling an item from 21 parameters; the defaults fit the
average Anki user. Anki fits them to each person's reviews, and so does this module:

- **What is fitted.** FSRS-6's memory model, exactly as ``fsrs.Scheduler`` applies it
  (stability and difficulty after each review, retrievability from whole days elapsed),
  with the loss and the training recipe of ``fsrs.Optimizer``: binary cross-entropy of the
  predicted recall against Again/not Again on every review made on a later day than the
  item's previous one, Adam at 4e-2 with cosine annealing over 5 epochs of 512-review
  mini-batches, the parameters clamped to FSRS's bounds, the best epoch kept.
- **Why not ``fsrs.Optimizer`` itself.** It steps one review at a time through Python
  scalars: 20 s for 5,000 reviews on this project's machine. The same model computed for
  every item at once, one review position after another, does it in about a second.
  ``tests/tutor/domain/test_memorymodel.py`` checks the predictions against ``fsrs.Scheduler``'s.
- **When a fit is kept.** Fitted on the earlier part of the learner's history (by time),
  it must predict the later part better than the parameters in use, by at least
  ``MIN_GAIN``; otherwise the parameters in use stay.

This module holds what the bot process needs (the reviews, the fit's figures, the rules);
`tutor.domain.fsrsfit` the fit itself, with torch, which only the worker process imports.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tutor.domain.scheduling import Memory, Rating, replay

Parameters = tuple[float, ...]

# fsrs.Optimizer's rules: below a mini-batch of countable reviews it returns the defaults;
# only the first 64 reviews of an item are used.
MIN_REVIEWS = 512
MAX_SEQUENCE = 64
EPOCHS = 5
BATCH_REVIEWS = 512
LEARNING_RATE = 4e-2
# The later share of the history (by time) held out to judge a fit.
HELD_OUT = 0.2
# A fit replaces the parameters in use only if it cuts their held-out log loss by this much:
# less is within what chance gives a learner whose memory the parameters already describe.
MIN_GAIN = 0.01
SEED = 42


@dataclass(frozen=True)
class PastReview:
    """One rating of one item, as the review log keeps it."""

    item_id: str
    reviewed_at: datetime
    rating: int  # 1 Again, 2 Hard, 3 Good, 4 Easy


@dataclass(frozen=True)
class Fit:
    """A fit and how it was judged.

    Attributes:
        parameters: Fitted on the reviews before the held-out part.
        reviews: Reviews in the history.
        held_out: Countable reviews in the held-out later part.
        current_loss: Log loss of the parameters in use on the held-out reviews.
        fitted_loss: Log loss of ``parameters`` on the same reviews.
    """

    parameters: Parameters
    reviews: int
    held_out: int
    current_loss: float
    fitted_loss: float

    @property
    def gain(self) -> float:
        """How much lower the fitted log loss is, as a share of the current one."""
        return 1.0 - self.fitted_loss / self.current_loss if self.current_loss > 0 else 0.0

    @property
    def better(self) -> bool:
        """Whether the fit predicts the held-out reviews better by at least ``MIN_GAIN``."""
        return self.gain >= MIN_GAIN


def countable(reviews: Sequence[PastReview]) -> int:
    """Reviews that a fit learns from: made at least a day after the item's previous one."""
    last: dict[str, datetime] = {}
    count = 0
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        before = last.get(review.item_id)
        count += before is not None and (review.reviewed_at - before).days > 0
        last[review.item_id] = review.reviewed_at
    return count


def held_out_start(reviews: Sequence[PastReview]) -> datetime:
    """When the held-out later part of the history starts: the last ``HELD_OUT`` share of
    the reviews, by time."""
    times = sorted(review.reviewed_at for review in reviews)
    return times[min(len(times) - 1, int(len(times) * (1.0 - HELD_OUT)))]


@dataclass(frozen=True)
class Refit:
    """A fit, and the learner's memories recomputed under its parameters where it is better
    (empty otherwise): what adopting it writes."""

    fit: Fit | None
    memories: dict[str, Memory] = field(default_factory=dict)


def replay_all(
    reviews: Sequence[PastReview], desired_retention: float, parameters: Sequence[float] | None
) -> dict[str, Memory]:
    """Every item's memory recomputed from its reviews under ``parameters`` (None: FSRS's
    defaults), as FSRS does after new parameters. Run in the worker: 5,000 reviews take a
    quarter of a second, which the event loop must not wait for."""
    by_item: dict[str, list[tuple[datetime, Rating]]] = defaultdict(list)
    for review in reviews:
        by_item[review.item_id].append((review.reviewed_at, Rating(review.rating)))
    memories = {}
    for item_id, ratings in by_item.items():
        memory = replay(ratings, desired_retention=desired_retention, parameters=parameters)
        if memory is not None:
            memories[item_id] = memory
    return memories
