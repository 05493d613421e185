"""What a learner asks for: a demo, its learning rates and a seed, parsed from `/demo` words."""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from tutor.demo import texts

MAX_RATES = 6
MAX_RATE = 10.0
USAGE = texts.USAGE_TEMPLATE.format(max_rates=MAX_RATES, max_rate=MAX_RATE)
# On the default seed: one rate crawls, one converges, one spikes, one diverges.
DEFAULT_LR_RATES: tuple[float, ...] = (0.01, 0.05, 0.2, 0.5)
DEFAULT_SEED = 0


class DemoName(enum.StrEnum):
    """The demos; the values are what a learner types and what a deck's `demo:` holds."""

    LR = "lr"
    SCHEDULE = "schedule"
    DIFFERENTIAL = "differential"
    WARMUP = "warmup"


class DemoUsageError(ValueError):
    """Arguments that do not make a demo; ``str(error)`` is a short usage message to show."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem}\n\n{USAGE}")
        self.problem = problem


@dataclass(frozen=True)
class DemoRequest:
    """One demo to run; equal requests give equal pictures, so it is also the cache key.

    Attributes:
        demo: Which demo.
        rates: The learner's learning rates for ``lr`` (sorted, distinct), or None for the
            defaults. Only ``lr`` takes rates.
        seed: Seed of the data, the initial weights and the mini-batch order.
        labels: Names for the ``lr`` curves instead of their rates (e.g. ``A``, ``B``, ``C``
            for a question that hides which rate made which curve): the legend then shows
            only these names. One per rate, and only with rates.
        outcomes: Draw the lines that tell the outcomes apart (converged fast below one,
            slowly above another): /predict's answer shows what its four choices meant.
    """

    demo: DemoName
    rates: tuple[float, ...] | None = None
    seed: int = DEFAULT_SEED
    labels: tuple[str, ...] | None = None
    outcomes: bool = False

    def __post_init__(self) -> None:
        if self.labels is not None and (self.rates is None or len(self.labels) != len(self.rates)):
            raise ValueError("labels name the rates, one each")
        if self.rates is None:
            return
        if self.demo is not DemoName.LR:
            raise DemoUsageError(texts.RATES_ONLY_FOR_LR.format(demo=self.demo))
        if not 1 <= len(self.rates) <= MAX_RATES:
            raise DemoUsageError(texts.RATE_COUNT.format(max_rates=MAX_RATES))
        for rate in self.rates:
            _check_rate(rate)

    @property
    def learning_rates(self) -> tuple[float, ...]:
        """The rates the ``lr`` demo trains with: the learner's, else the defaults."""
        return self.rates if self.rates is not None else DEFAULT_LR_RATES


def _check_rate(rate: float) -> None:
    if not math.isfinite(rate) or not 0.0 < rate <= MAX_RATE:
        raise DemoUsageError(texts.RATE_RANGE.format(max_rate=MAX_RATE))


def _parse_rate(text: str) -> float:
    try:
        rate = float(text)
    except ValueError:
        raise DemoUsageError(texts.NOT_A_NUMBER.format(text=text[:20])) from None
    _check_rate(rate)
    return rate


def parse_demo_args(args: Sequence[str]) -> DemoRequest:
    """Turns the words after `/demo` into a request.

    Rates are sorted and duplicates dropped, so `/demo lr 0.1 0.01` and `/demo lr 0.01 0.1`
    are one request (and one cache entry); the default rates typed out count as no rates.

    Args:
        args: The command's arguments, e.g. ``["lr", "0.001", "0.1", "1.5"]``.

    Returns:
        The request, with the default seed.

    Raises:
        DemoUsageError: No demo, an unknown one, rates given to a demo that takes none, a rate
            that is not a finite number in (0, 10], or more than six rates.
    """
    if not args:
        raise DemoUsageError(texts.NO_DEMO)
    name, *rate_args = args
    try:
        demo = DemoName(name.strip().lower())
    except ValueError:
        raise DemoUsageError(texts.UNKNOWN_DEMO.format(name=name[:20])) from None
    if not rate_args:
        return DemoRequest(demo)
    if demo is not DemoName.LR:
        raise DemoUsageError(texts.RATES_ONLY_FOR_LR.format(demo=demo))
    if len(rate_args) > MAX_RATES:
        raise DemoUsageError(texts.TOO_MANY_RATES.format(max_rates=MAX_RATES))
    rates = tuple(sorted({_parse_rate(arg) for arg in rate_args}))
    return DemoRequest(demo, None if rates == DEFAULT_LR_RATES else rates)
