"""A learner's own memory model, as use-cases: who is due a fit, what a fit changes, going
back to FSRS's defaults, and what /stats and /settings say about it; and the same fit for
a class's memory of its questions, from its polls.

The fit itself (`tutor.domain.fsrsfit.refit`) runs in a worker process: a job or a /settings
press reads the learner's history here (`fit_input`), hands it over, and brings the
result back to `record`. Adopting parameters replaces every memory of the learner with
the one their history gives under them, as FSRS does after new parameters; the worker
computes those too, so the unit of work only writes. A review made meanwhile is never
lost or counted twice: each memory is replaced only while it holds the reviews it was
computed from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.classrating import class_rating
from tutor.domain.memorymodel import HELD_OUT, MIN_REVIEWS, Fit, PastReview, Refit, countable
from tutor.domain.scheduling import Memory, check_utc
from tutor.store import ClassFit, Learner, MemoryFit

# A learner is fitted again a week after the last fit if they reviewed since, or at once
# after this many new reviews.
REFIT_AFTER = timedelta(days=7)
REFIT_NEW_REVIEWS = 500
# Countable reviews before a first fit: the optimizer's minimum in the part fitted on.
NEEDED = math.ceil(MIN_REVIEWS / (1 - HELD_OUT))
# Learners fitted per run of the job (each fit takes a second or two in the worker).
PER_RUN = 20


def history(session: Session, *, learner_id: int) -> list[PastReview]:
    """The learner's reviews, oldest first, as the fit reads them."""
    return [
        PastReview(item_id, when, rating)
        for item_id, when, rating, _, _ in store.progress.learner_reviews(
            session, learner_id=learner_id
        )
    ]


@dataclass(frozen=True)
class FitInput:
    """What the worker takes: the learner's reviews, the parameters in use and the desired
    retention their memories are scheduled for."""

    reviews: list[PastReview]
    current: list[float] | None
    desired_retention: float


def fit_input(session: Session, *, learner_id: int) -> FitInput:
    """The learner's reviews and settings, for ``tutor.domain.fsrsfit:refit`` (a read-only unit:
    run it with ``Database.run_long``)."""
    learner = store.learners.get_learner(session, learner_id=learner_id)
    current = None if learner is None else learner.fsrs_parameters
    retention = 0.9 if learner is None else learner.desired_retention
    return FitInput(history(session, learner_id=learner_id), current, retention)


def due(session: Session, *, now: datetime) -> list[int]:
    """Learners to fit now (at most ``PER_RUN``): enough reviews, and no fit yet, or one a
    week old with reviews since, or ``REFIT_NEW_REVIEWS`` reviews since the last."""
    check_utc(now)
    return store.fits.due_for_fit(
        session,
        min_reviews=NEEDED,
        fitted_before=now - REFIT_AFTER,
        new_reviews=REFIT_NEW_REVIEWS,
        limit=PER_RUN,
    )


@dataclass(frozen=True)
class Recorded:
    """What became of a fit: adopted or not, with the figures; ``rescheduled`` memories were
    recomputed under the adopted parameters."""

    fit: Fit | None
    adopted: bool
    rescheduled: int = 0


def record(
    session: Session, *, learner_id: int, refit: Refit, now: datetime, requested: bool = False
) -> Recorded:
    """Store a fit of the learner's reviews and adopt it if it predicts them better.

    Args:
        learner_id: Whose reviews were fitted.
        refit: The worker's result: the fit (None when the history is too short for one)
            and the memories under it.
        now: When it is stored.
        requested: The learner asked for it (in /settings): it is adopted even after they
            went back to the defaults, if it is better.

    Returns:
        What became of it. A learner who went back to FSRS's defaults keeps them unless
        ``requested``.
    """
    learner = store.learners.get_learner(session, learner_id=learner_id)
    fit = refit.fit
    if learner is None or fit is None:
        return Recorded(fit, adopted=False)
    previous = store.fits.get_fit(session, learner_id=learner_id)
    declined = previous is not None and previous.declined and not requested
    adopted = fit.better and not declined
    store.fits.save_fit(
        session,
        fit=MemoryFit(
            learner_id=learner_id, declined=declined, **_recorded(fit, now, adopted=adopted)
        ),
    )
    rescheduled = 0
    if adopted:
        rescheduled = _adopt(session, learner, list(fit.parameters), refit.memories)
    session.commit()
    return Recorded(fit, adopted=adopted, rescheduled=rescheduled)


def _recorded(fit: Fit, now: datetime, *, adopted: bool) -> dict[str, Any]:
    """A fit's columns as a ``FitRecord`` stores them."""
    return {
        "fitted_at": now,
        "reviews": fit.reviews,
        "held_out": fit.held_out,
        "current_loss": fit.current_loss,
        "fitted_loss": fit.fitted_loss,
        "parameters": list(fit.parameters),
        "adopted": adopted,
    }


def use_defaults(session: Session, *, learner_id: int, memories: Mapping[str, Memory]) -> int:
    """Go back to FSRS's defaults (and keep them until the learner asks for a fit), with
    the memories their history gives under them (``tutor.domain.memorymodel:replay_all`` in the
    worker); how many memories were replaced."""
    learner = store.learners.get_learner(session, learner_id=learner_id)
    if learner is None or learner.fsrs_parameters is None:
        return 0
    found = store.fits.get_fit(session, learner_id=learner_id)
    if found is not None:
        found.adopted, found.declined = False, True
    rescheduled = _adopt(session, learner, None, memories)
    session.commit()
    return rescheduled


def _adopt(
    session: Session,
    learner: Learner,
    parameters: list[float] | None,
    memories: Mapping[str, Memory],
) -> int:
    """Schedule the learner with ``parameters`` from now on, with ``memories``."""
    learner.fsrs_parameters = parameters
    store.learners.save_learner(session, learner=learner)
    return store.fits.rewrite_memories(session, learner_id=learner.id, memories=memories)


@dataclass(frozen=True)
class Standing:
    """What the learner is scheduled with, for /stats and /settings.

    Attributes:
        fitted: Their own parameters are in use.
        countable: Reviews a fit learns from so far (a day or more after the item's last).
        fit: The latest fit, adopted or not.
    """

    fitted: bool
    countable: int
    fit: MemoryFit | None

    @property
    def needed(self) -> int:
        """Countable reviews still missing before a first fit."""
        return max(0, NEEDED - self.countable)


def standing(session: Session, *, learner: Learner) -> Standing:
    """Where the learner's memory model stands."""
    reviews: Sequence[PastReview] = history(session, learner_id=learner.id)
    return Standing(
        fitted=learner.fsrs_parameters is not None,
        countable=countable(reviews),
        fit=store.fits.get_fit(session, learner_id=learner.id),
    )


def standing_of(session: Session, *, learner_id: int) -> Standing:
    """``standing`` of the learner with this id (one not stored: FSRS's defaults, nothing
    fitted)."""
    learner = store.learners.get_learner(session, learner_id=learner_id)
    if learner is None:
        return Standing(fitted=False, countable=0, fit=None)
    return standing(session, learner=learner)


# --- a class's memory --------------------------------------------------------------------


def class_history(session: Session, *, chat_id: int) -> list[PastReview]:
    """The class's reviews of its questions: each closed poll that someone answered, rated
    by the share answered right, as the class's memory was (``tutor.domain.classrating``)."""
    reviews = []
    for item_id, when, answered, right in store.fits.class_history(session, chat_id=chat_id):
        rating = class_rating(answered, right)
        if rating is not None:
            reviews.append(PastReview(item_id, when, int(rating)))
    return reviews


def class_fit_input(session: Session, *, chat_id: int) -> FitInput:
    """The class's reviews and parameters, for ``tutor.domain.fsrsfit:refit`` (read-only; a class's
    memory is scheduled for FSRS's default retention)."""
    group = store.classroom.get_group(session, chat_id=chat_id)
    current = None if group is None else group.fsrs_parameters
    return FitInput(class_history(session, chat_id=chat_id), current, 0.9)


def classes_due(session: Session, *, now: datetime) -> list[int]:
    """Classes to fit now (at most ``PER_RUN``): enough polls, and no fit yet or one a week
    old with polls since."""
    check_utc(now)
    return store.fits.classes_due_for_fit(
        session, min_reviews=NEEDED, fitted_before=now - REFIT_AFTER, limit=PER_RUN
    )


def record_class(session: Session, *, chat_id: int, refit: Refit, now: datetime) -> Recorded:
    """Store a fit of the class's polls and adopt it if it predicts them better (its
    memories of its questions recomputed, as a learner's are)."""
    group = store.classroom.get_group(session, chat_id=chat_id)
    fit = refit.fit
    if group is None or fit is None:
        return Recorded(fit, adopted=False)
    store.fits.save_class_fit(
        session, fit=ClassFit(chat_id=chat_id, **_recorded(fit, now, adopted=fit.better))
    )
    rescheduled = 0
    if fit.better:
        store.fits.set_class_parameters(session, chat_id=chat_id, parameters=list(fit.parameters))
        rescheduled = store.fits.rewrite_class_memories(
            session, chat_id=chat_id, memories=refit.memories
        )
    session.commit()
    return Recorded(fit, adopted=fit.better, rescheduled=rescheduled)
