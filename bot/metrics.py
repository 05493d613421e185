"""Prometheus metrics without a dependency: counters, a histogram, and their text exposition.

One ``Metrics`` per application lives in ``bot_data["metrics"]`` (no module-level registry,
so two applications in one process never share numbers). Handlers reach it through
``metrics_of(context)``; the webhook server renders it at ``GET /metrics``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest, RequestData

#: The ``Content-Type`` of the text exposition format this module writes.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
BOT_DATA_KEY = "metrics"
#: Handler group of the update counter: before every feature's handlers (group 0).
COUNT_UPDATES_GROUP = -1
#: Demo durations in seconds: a tiny training run takes a few seconds, a slow one a minute.
DEMO_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Bot API method names are letters only ("sendMessage"); anything else is a file download.
_METHOD_NAME = re.compile(r"[A-Za-z]{1,64}")


def _number(value: float) -> str:
    """A sample value as Prometheus writes it (``+Inf``, ``NaN``, ``1.0``, ``0.25``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def escape_label_value(value: str) -> str:
    """Escape a label value for the text format: backslash, double quote and newline."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    pairs = ",".join(
        f'{name}="{escape_label_value(value)}"' for name, value in zip(names, values, strict=True)
    )
    return "{" + pairs + "}"


def _check_names(name: str, label_names: Sequence[str], reserved: Iterable[str] = ()) -> None:
    if not _METRIC_NAME.fullmatch(name):
        raise ValueError(f"invalid metric name {name!r}")
    for label in label_names:
        if not _LABEL_NAME.fullmatch(label) or label.startswith("__") or label in reserved:
            raise ValueError(f"invalid label name {label!r} for {name}")
    if len(set(label_names)) != len(label_names):
        raise ValueError(f"repeated label name in {name}")


class Counter:
    """A monotonically increasing count, one series per combination of label values."""

    kind = "counter"

    def __init__(self, name: str, documentation: str, label_names: Sequence[str] = ()) -> None:
        _check_names(name, label_names)
        self.name = name
        self.documentation = documentation
        self.label_names = tuple(label_names)
        self._values: dict[tuple[str, ...], float] = {}
        if not self.label_names:
            self._values[()] = 0.0

    def _key(self, labels: Mapping[str, object]) -> tuple[str, ...]:
        if set(labels) != set(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {tuple(labels)}")
        return tuple(str(labels[name]) for name in self.label_names)

    def inc(self, amount: float = 1.0, **labels: object) -> None:
        """Add ``amount`` (at least 0) to the series of these label values."""
        if amount < 0:
            raise ValueError(f"{self.name} is a counter: it cannot go down by {amount}")
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def touch(self, **labels: object) -> None:
        """Show the series at 0 before its first event, so that ``rate()`` sees it start."""
        self._values.setdefault(self._key(labels), 0.0)

    def value(self, **labels: object) -> float:
        """The current count of one series (0 when never incremented)."""
        return self._values.get(self._key(labels), 0.0)

    def samples(self) -> Iterator[str]:
        """The sample lines, series sorted by label values."""
        for key in sorted(self._values):
            yield f"{self.name}{_labels(self.label_names, key)} {_number(self._values[key])}"


class Histogram:
    """Observations counted into cumulative buckets, with their count and sum."""

    kind = "histogram"

    def __init__(self, name: str, documentation: str, buckets: Sequence[float]) -> None:
        _check_names(name, ())
        bounds = sorted(float(b) for b in buckets if not math.isinf(b))
        if not bounds or len(set(bounds)) != len(bounds):
            raise ValueError(f"{name} needs distinct finite bucket bounds, got {buckets}")
        self.name = name
        self.documentation = documentation
        self.bounds = (*bounds, math.inf)
        self._bucket_counts = [0] * len(self.bounds)
        self.count = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        """Count one observation (a duration in seconds, say)."""
        for index, bound in enumerate(self.bounds):
            if value <= bound:
                self._bucket_counts[index] += 1
                break
        self.count += 1
        self.sum += value

    def samples(self) -> Iterator[str]:
        """Cumulative ``_bucket`` lines (``le`` ascending, to ``+Inf``), ``_sum``, ``_count``."""
        cumulative = 0
        for bound, count in zip(self.bounds, self._bucket_counts, strict=True):
            cumulative += count
            le = escape_label_value(_number(bound))
            yield f'{self.name}_bucket{{le="{le}"}} {_number(cumulative)}'
        yield f"{self.name}_sum {_number(self.sum)}"
        yield f"{self.name}_count {_number(self.count)}"


Family = Counter | Histogram


def render(families: Iterable[Family]) -> str:
    """The text exposition format 0.0.4: ``# HELP``, ``# TYPE`` and samples per family."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.documentation)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        lines.extend(family.samples())
    return "\n".join(lines) + "\n"


def update_kind(update: Update) -> str:
    """The kind of an update as ``allowed_updates`` names it (``message``, ``poll_answer``...)."""
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "unknown"


@dataclass
class Metrics:
    """Everything the bot counts; ``render()`` is what ``GET /metrics`` answers."""

    updates: Counter = field(
        default_factory=lambda: Counter(
            "tutor_updates_total", "Updates received from Telegram, by kind.", ["kind"]
        )
    )
    webhook_refused: Counter = field(
        default_factory=lambda: Counter(
            "tutor_webhook_refused_total",
            "Webhook requests refused: wrong secret token (403) or not an update (400).",
            ["reason"],
        )
    )
    reviews: Counter = field(
        default_factory=lambda: Counter(
            "tutor_reviews_total",
            "Reviews recorded, by source (review, quiz, explain, group).",
            ["source"],
        )
    )
    quiz_answers: Counter = field(
        default_factory=lambda: Counter(
            "tutor_quiz_answers_total", "Quiz answers, by whether they were right.", ["correct"]
        )
    )
    demos: Counter = field(
        default_factory=lambda: Counter(
            "tutor_demos_total", "Live training demos run, by outcome (ok, failed).", ["outcome"]
        )
    )
    demo_seconds: Histogram = field(
        default_factory=lambda: Histogram(
            "tutor_demo_duration_seconds", "How long live training demos took.", DEMO_BUCKETS
        )
    )
    reminders_sent: Counter = field(
        default_factory=lambda: Counter("tutor_reminders_sent_total", "Daily reminders sent.")
    )
    api_requests: Counter = field(
        default_factory=lambda: Counter(
            "tutor_bot_api_requests_total", "Bot API requests made, by method.", ["method"]
        )
    )
    api_errors: Counter = field(
        default_factory=lambda: Counter(
            "tutor_bot_api_errors_total",
            "Bot API requests that failed, by method and HTTP status "
            "(or network, timeout); 429s included.",
            ["method", "code"],
        )
    )
    api_rate_limited: Counter = field(
        default_factory=lambda: Counter(
            "tutor_bot_api_rate_limited_total",
            "Bot API requests answered 429 Too Many Requests, by method.",
            ["method"],
        )
    )

    def __post_init__(self) -> None:
        for correct in ("true", "false"):
            self.quiz_answers.touch(correct=correct)
        for outcome in ("ok", "failed"):
            self.demos.touch(outcome=outcome)

    def families(self) -> list[Family]:
        """Every metric, in the order they are rendered."""
        return [
            self.updates,
            self.webhook_refused,
            self.reviews,
            self.quiz_answers,
            self.demos,
            self.demo_seconds,
            self.reminders_sent,
            self.api_requests,
            self.api_errors,
            self.api_rate_limited,
        ]

    def render(self) -> str:
        """All metrics in the Prometheus text exposition format 0.0.4."""
        return render(self.families())

    # --- what handlers and jobs call -----------------------------------------------------------
    def count_update(self, update: Update) -> None:
        """One update received (the ``TypeHandler`` from ``instrument`` calls it)."""
        self.updates.inc(kind=update_kind(update))

    def count_review(self, source: str) -> None:
        """One review recorded; ``source`` as in ``ReviewLog.source``."""
        self.reviews.inc(source=source)

    def count_quiz_answer(self, *, correct: bool) -> None:
        """One quiz answer, right or wrong."""
        self.quiz_answers.inc(correct="true" if correct else "false")

    def observe_demo(self, seconds: float, *, ok: bool = True) -> None:
        """One demo finished (or failed) after ``seconds``."""
        self.demos.inc(outcome="ok" if ok else "failed")
        self.demo_seconds.observe(seconds)

    def count_reminders(self, sent: int = 1) -> None:
        """``sent`` reminders delivered."""
        self.reminders_sent.inc(sent)

    def count_api_response(self, method: str, status: int) -> None:
        """One Bot API answer: every non-2xx status is an error, 429 a rate limit as well."""
        self.api_requests.inc(method=method)
        if not 200 <= status < 300:
            self.api_errors.inc(method=method, code=status)
        if status == 429:
            self.api_rate_limited.inc(method=method)

    def count_api_failure(self, method: str, reason: str) -> None:
        """One Bot API request that got no answer: ``reason`` is ``network`` or ``timeout``."""
        self.api_requests.inc(method=method)
        self.api_errors.inc(method=method, code=reason)


class _HasBotData(Protocol):
    @property
    def bot_data(self) -> Any: ...


def metrics_of(holder: _HasBotData) -> Metrics:
    """The application's ``Metrics``, from a ``CallbackContext`` or an ``Application``.

    An application built without ``instrument`` gets one on first use, so handlers can
    always count.
    """
    found = holder.bot_data.get(BOT_DATA_KEY)
    if not isinstance(found, Metrics):
        found = Metrics()
        holder.bot_data[BOT_DATA_KEY] = found
    return found


async def count_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Count every update by kind, before any feature handles it."""
    metrics_of(context).count_update(update)


def api_method(url: str) -> str:
    """The Bot API method of a request URL (its last path segment), or ``file``.

    The token sits in the segment before; it never becomes a label.
    """
    last = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return last if _METHOD_NAME.fullmatch(last) else "file"


class InstrumentedRequest(HTTPXRequest):
    """PTB's HTTPX request that counts every Bot API answer by method and status."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request as PTB does, counting its status code or failure."""
        endpoint = api_method(url)
        try:
            status, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TimedOut:
            self.metrics.count_api_failure(endpoint, "timeout")
            raise
        except NetworkError:
            self.metrics.count_api_failure(endpoint, "network")
            raise
        self.metrics.count_api_response(endpoint, status)
        return status, payload


AnyBuilder = ApplicationBuilder[Any, Any, Any, Any, Any, Any]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def instrument_requests(
    builder: AnyBuilder,
    metrics: Metrics,
    *,
    connection_pool_size: int = 256,
    pool_timeout: float = 1.0,
) -> AnyBuilder:
    """Give the builder requests that count Bot API answers (calls and ``getUpdates``).

    This replaces the builder's ``connection_pool_size(...)`` and ``pool_timeout(...)``:
    PTB refuses both a request object and request settings, so they are passed here.
    """
    calls = InstrumentedRequest(
        metrics, connection_pool_size=connection_pool_size, pool_timeout=pool_timeout
    )
    return builder.request(calls).get_updates_request(
        InstrumentedRequest(metrics, connection_pool_size=1)
    )


def instrument(
    application: AnyApplication, metrics: Metrics, *, update_kinds: Iterable[str] = ()
) -> None:
    """Keep ``metrics`` in ``bot_data`` and count every update by kind (group -1).

    ``update_kinds`` (the ``allowed_updates``) are shown at 0 from the start. Calling it
    again (say, from the webhook server) adds no second counter.
    """
    application.bot_data[BOT_DATA_KEY] = metrics
    for kind in update_kinds:
        metrics.updates.touch(kind=kind)
    counting = application.handlers.get(COUNT_UPDATES_GROUP, [])
    if not any(getattr(h, "callback", None) is count_update for h in counting):
        application.add_handler(TypeHandler(Update, count_update), group=COUNT_UPDATES_GROUP)
