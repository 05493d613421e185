"""The fit of a learner's memory model (see `tutor.domain.memorymodel`), batched in torch.

Run in the worker process (``tutor.domain.fsrsfit:fit``): the bot process never imports torch.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import torch
from fsrs.scheduler import (
    DEFAULT_PARAMETERS,
    LOWER_BOUNDS_PARAMETERS,
    MAX_DIFFICULTY,
    MIN_DIFFICULTY,
    STABILITY_MIN,
    UPPER_BOUNDS_PARAMETERS,
)

from tutor.domain.memorymodel import (
    BATCH_REVIEWS,
    EPOCHS,
    LEARNING_RATE,
    MAX_SEQUENCE,
    MIN_REVIEWS,
    SEED,
    Fit,
    Parameters,
    PastReview,
    Refit,
    held_out_start,
    replay_all,
)

Tensor = torch.Tensor


@dataclass(frozen=True)
class _Histories:
    """Every item's first ``MAX_SEQUENCE`` reviews as (items, steps) tensors, padded."""

    days: Tensor  # whole days since the item's previous review
    rating: Tensor  # 1..4; 3 in padding
    valid: Tensor  # a review, not padding
    countable: Tensor  # a loss term: not the first review, a day or more after the last
    recalled: Tensor  # 1.0 unless rated Again
    at: Tensor  # the review time, in seconds since the epoch (to split by time)


def _histories(reviews: Sequence[PastReview]) -> _Histories:
    by_item: dict[str, list[PastReview]] = {}
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        by_item.setdefault(review.item_id, []).append(review)
    sequences = [history[:MAX_SEQUENCE] for history in by_item.values()]
    items, steps = len(sequences), max((len(s) for s in sequences), default=1)
    days = torch.zeros(items, steps, dtype=torch.float64)
    rating = torch.full((items, steps), 3.0, dtype=torch.float64)
    valid = torch.zeros(items, steps, dtype=torch.bool)
    at = torch.zeros(items, steps, dtype=torch.float64)
    for row, history in enumerate(sequences):
        for step, review in enumerate(history):
            valid[row, step] = True
            rating[row, step] = float(review.rating)
            at[row, step] = review.reviewed_at.timestamp()
            if step > 0:
                days[row, step] = (review.reviewed_at - history[step - 1].reviewed_at).days
    first = torch.zeros_like(valid)
    first[:, 0] = True
    return _Histories(
        days=days,
        rating=rating,
        valid=valid,
        countable=valid & ~first & (days > 0),
        recalled=(rating > 1).to(torch.float64),
        at=at,
    )


def _recall(w: Tensor, days: Tensor, stability: Tensor) -> Tensor:
    decay = -w[20]
    factor = 0.9 ** (1.0 / decay) - 1.0
    return (1.0 + factor * days / stability) ** decay


def _predict(w: Tensor, h: _Histories) -> Tensor:
    """The recall probability FSRS predicts before each review, (items, steps).

    ``fsrs.Scheduler.review_card``'s updates, for every item at once: a first review sets
    the initial stability and difficulty; a review within a day of the last applies the
    short-term stability; any later one the recall or forget stability at the predicted
    retrievability. Difficulty follows every review after the first.
    """
    items, steps = h.rating.shape
    stability = torch.ones(items, dtype=torch.float64)
    difficulty = torch.full((items,), 5.0, dtype=torch.float64)
    easy_difficulty = w[4] - torch.exp(w[5] * 3.0) + 1.0
    predicted = []
    for step in range(steps):
        rating, days = h.rating[:, step], h.days[:, step]
        recall = _recall(w, days, stability)
        predicted.append(recall)
        first_stability = w[:4][rating.long() - 1].clamp(min=STABILITY_MIN)
        first_difficulty = (w[4] - torch.exp(w[5] * (rating - 1.0)) + 1.0).clamp(
            MIN_DIFFICULTY, MAX_DIFFICULTY
        )
        short_increase = torch.exp(w[17] * (rating - 3.0 + w[18])) * stability ** -w[19]
        short_increase = torch.where(rating > 1, short_increase.clamp(min=1.0), short_increase)
        short = (stability * short_increase).clamp(min=STABILITY_MIN)
        hard = torch.where(rating == 2, w[15], torch.ones_like(rating))
        easy = torch.where(rating == 4, w[16], torch.ones_like(rating))
        remembered = stability * (
            1.0
            + torch.exp(w[8])
            * (11.0 - difficulty)
            * stability ** -w[9]
            * (torch.exp((1.0 - recall) * w[10]) - 1.0)
            * hard
            * easy
        )
        forgotten = torch.minimum(
            w[11]
            * difficulty ** -w[12]
            * ((stability + 1.0) ** w[13] - 1.0)
            * torch.exp((1.0 - recall) * w[14]),
            stability / torch.exp(w[17] * w[18]),
        )
        later = torch.where(rating == 1, forgotten, remembered).clamp(min=STABILITY_MIN)
        damped = difficulty + (10.0 - difficulty) * (-w[6] * (rating - 3.0)) / 9.0
        next_difficulty = (w[7] * easy_difficulty + (1.0 - w[7]) * damped).clamp(
            MIN_DIFFICULTY, MAX_DIFFICULTY
        )
        is_first = torch.full_like(h.valid[:, step], step == 0)
        new_stability = torch.where(is_first, first_stability, torch.where(days < 1, short, later))
        new_difficulty = torch.where(is_first, first_difficulty, next_difficulty)
        stability = torch.where(h.valid[:, step], new_stability, stability)
        difficulty = torch.where(h.valid[:, step], new_difficulty, difficulty)
    return torch.stack(predicted, dim=1)


def _loss(w: Tensor, h: _Histories, mask: Tensor) -> Tensor:
    predicted = _predict(w, h)[mask].clamp(1e-9, 1.0 - 1e-9)
    return torch.nn.functional.binary_cross_entropy(predicted, h.recalled[mask])


def log_loss(
    parameters: Sequence[float], reviews: Sequence[PastReview], *, since: datetime
) -> float:
    """Mean log loss of ``parameters``' predictions on the countable reviews made at or
    after ``since`` (each item's whole history is replayed to reach them)."""
    h = _histories(reviews)
    mask = h.countable & (h.at >= since.timestamp())
    if not bool(mask.any()):
        return math.nan
    with torch.no_grad():
        return float(_loss(torch.tensor(parameters, dtype=torch.float64), h, mask))


def _batches(h: _Histories, mask: Tensor, rng: random.Random) -> list[Tensor]:
    """Rows of items in shuffled order, cut where their loss terms reach a mini-batch."""
    order = list(range(h.rating.shape[0]))
    rng.shuffle(order)
    counts = mask.sum(dim=1).tolist()
    batches, current, filled = [], list[int](), 0
    for row in order:
        current.append(row)
        filled += counts[row]
        if filled >= BATCH_REVIEWS:
            batches.append(torch.tensor(current))
            current, filled = [], 0
    if current:
        batches.append(torch.tensor(current))
    return batches


def _select(h: _Histories, rows: Tensor) -> _Histories:
    return _Histories(*(getattr(h, name).index_select(0, rows) for name in h.__dataclass_fields__))


def optimize(reviews: Sequence[PastReview], *, until: datetime | None = None) -> Parameters:
    """FSRS parameters fitted to the countable reviews before ``until`` (all if None).

    Returns the defaults when fewer than ``MIN_REVIEWS`` reviews count, as
    ``fsrs.Optimizer`` does.
    """
    h = _histories(reviews)
    mask = h.countable if until is None else h.countable & (h.at < until.timestamp())
    total = int(mask.sum())
    if total < MIN_REVIEWS:
        return tuple(DEFAULT_PARAMETERS)
    lower = torch.tensor(LOWER_BOUNDS_PARAMETERS, dtype=torch.float64)
    upper = torch.tensor(UPPER_BOUNDS_PARAMETERS, dtype=torch.float64)
    w = torch.tensor(DEFAULT_PARAMETERS, dtype=torch.float64, requires_grad=True)
    adam = torch.optim.Adam([w], lr=LEARNING_RATE)
    annealing = torch.optim.lr_scheduler.CosineAnnealingLR(
        adam, T_max=math.ceil(total / BATCH_REVIEWS) * EPOCHS
    )
    rng = random.Random(SEED)
    best, best_loss = tuple(DEFAULT_PARAMETERS), math.inf
    for _ in range(EPOCHS):
        for rows in _batches(h, mask, rng):
            part = _select(h, rows)
            part_mask = mask.index_select(0, rows)
            if not bool(part_mask.any()):
                continue
            adam.zero_grad()
            # Summed, as fsrs.Optimizer sums its step losses per mini-batch.
            torch.autograd.backward(_loss(w, part, part_mask) * int(part_mask.sum()))
            adam.step()
            with torch.no_grad():
                w.clamp_(lower, upper)
            annealing.step()
        with torch.no_grad():
            epoch_loss = float(_loss(w, h, mask))
        if epoch_loss < best_loss:
            best_loss, best = epoch_loss, tuple(float(x) for x in w.detach())
    return best


def fit(reviews: Sequence[PastReview], current: Sequence[float] | None) -> Fit | None:
    """Fit on the earlier part of a learner's history and judge it on the later part.

    Args:
        reviews: The learner's reviews, any order.
        current: The parameters in use, None for FSRS's defaults.

    Returns:
        The fit, or None when the earlier part has fewer than ``MIN_REVIEWS`` countable
        reviews or the later part none.
    """
    if not reviews:
        return None
    since = held_out_start(reviews)
    fitted = optimize(reviews, until=since)
    if fitted == tuple(DEFAULT_PARAMETERS):
        return None
    h = _histories(reviews)
    held_out = int((h.countable & (h.at >= since.timestamp())).sum())
    if held_out == 0:
        return None
    in_use = tuple(current) if current is not None else tuple(DEFAULT_PARAMETERS)
    return Fit(
        parameters=fitted,
        reviews=len(reviews),
        held_out=held_out,
        current_loss=log_loss(in_use, reviews, since=since),
        fitted_loss=log_loss(fitted, reviews, since=since),
    )


def refit(
    reviews: Sequence[PastReview], current: Sequence[float] | None, desired_retention: float
) -> Refit:
    """``fit``, with the learner's memories under the fitted parameters when it is better:
    the worker's whole job, so that adopting a fit only writes."""
    result = fit(reviews, current)
    if result is None or not result.better:
        return Refit(result)
    return Refit(result, replay_all(reviews, desired_retention, result.parameters))
