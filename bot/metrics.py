"""Prometheus metrics (prometheus_client): what the bot counts, and its exposition.

One ``Metrics`` per application lives in ``bot_data["metrics"]``, each with its own
``CollectorRegistry`` (no global registry, so two applications in one process never share
numbers). Handlers reach it through ``metrics_of(context)``; the webhook server renders it
at ``GET /metrics``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest, RequestData

#: The ``Content-Type`` of the text format 0.0.4 that ``render()`` (``generate_latest``) writes.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
BOT_DATA_KEY = "metrics"
#: Handler group of the update counter: before every feature's handlers (group 0).
COUNT_UPDATES_GROUP = -1
#: Demo durations in seconds: a tiny training run takes a few seconds, a slow one a minute.
DEMO_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)

# No `_created` series: nothing here needs them, and they double what a scrape reads.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Bot API method names are letters only ("sendMessage"); anything else is a file download.
_METHOD_NAME = re.compile(r"[A-Za-z]{1,64}")


def update_kind(update: Update) -> str:
    """The kind of an update as ``allowed_updates`` names it (``message``, ``poll_answer``...)."""
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "unknown"


DECK_FILE_OUTCOMES = ("imported", "replaced", "confirm", "refused")
#: The worker pools (tutor.runtime.workers.start_workers) and what a job can be refused for.
WORKER_POOLS = ("files", "charts")
WORKER_REFUSALS = ("deadline", "memory", "died", "busy", "full")
#: Why a worker process was replaced: stopped past a deadline, ended under a job, or its
#: whole pool replaced after a worker died while idle.
WORKER_RESTARTS = {"deadline": "deadline", "died": "died", "replaced": "pool"}


@dataclass
class Metrics:
    """Everything the bot counts, in a registry of its own; ``render()`` is what
    ``GET /metrics`` answers."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        def counter(name: str, documentation: str, labels: Iterable[str] = ()) -> Counter:
            return Counter(name, documentation, list(labels), registry=self.registry)

        self.updates = counter(
            "tutor_updates", "Updates received from Telegram, by kind.", ["kind"]
        )
        self.webhook_refused = counter(
            "tutor_webhook_refused",
            "Webhook requests refused: wrong secret token (403) or not an update (400).",
            ["reason"],
        )
        self.reviews = counter(
            "tutor_reviews",
            "Reviews recorded, by source (review, quiz, explain, group).",
            ["source"],
        )
        self.quiz_answers = counter(
            "tutor_quiz_answers", "Quiz answers, by whether they were right.", ["correct"]
        )
        self.demos = counter(
            "tutor_demos", "Live training demos run, by outcome (ok, failed).", ["outcome"]
        )
        self.demo_seconds = Histogram(
            "tutor_demo_duration_seconds",
            "How long live training demos took.",
            buckets=DEMO_BUCKETS,
            registry=self.registry,
        )
        self.reminders_sent = counter("tutor_reminders_sent", "Daily reminders sent.")
        self.deck_files = counter(
            "tutor_deck_files",
            "Deck files received, by outcome: imported, replaced, confirm (waiting for the "
            "replace button), refused (too big, unreadable, over a limit).",
            ["outcome"],
        )
        self.worker_refused = counter(
            "tutor_worker_jobs_refused",
            "Worker jobs (a file read, a chart) that gave no result, by pool and reason: "
            "deadline (stopped), memory (limit reached), died (the process ended), busy (the "
            "learner has a file being read), full (the queue was full).",
            ["pool", "reason"],
        )
        self.worker_restarts = counter(
            "tutor_worker_restarts",
            "Worker processes replaced, by pool and reason: deadline (killed past a job's "
            "deadline), died (ended under a job: killed, out of memory), pool (the whole pool, "
            "after a worker died while idle).",
            ["pool", "reason"],
        )
        self.api_requests = counter(
            "tutor_bot_api_requests", "Bot API requests made, by method.", ["method"]
        )
        self.api_errors = counter(
            "tutor_bot_api_errors",
            "Bot API requests that failed, by method and HTTP status "
            "(or network, timeout); 429s included.",
            ["method", "code"],
        )
        self.api_rate_limited = counter(
            "tutor_bot_api_rate_limited",
            "Bot API requests answered 429 Too Many Requests, by method.",
            ["method"],
        )
        # Series shown at 0 before their first event, so that rate() sees them start.
        for correct in ("true", "false"):
            self.quiz_answers.labels(correct=correct)
        for outcome in ("ok", "failed"):
            self.demos.labels(outcome=outcome)
        for outcome in DECK_FILE_OUTCOMES:
            self.deck_files.labels(outcome=outcome)
        for pool in WORKER_POOLS:
            for reason in WORKER_REFUSALS:
                self.worker_refused.labels(pool=pool, reason=reason)
            for reason in WORKER_RESTARTS.values():
                self.worker_restarts.labels(pool=pool, reason=reason)

    def render(self) -> str:
        """All metrics in the Prometheus text exposition format."""
        return generate_latest(self.registry).decode()

    def value(self, name: str, **labels: str) -> float:
        """The current value of one sample (0 when it has none yet), for tests and checks."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    # --- what handlers and jobs call -----------------------------------------------------------
    def count_update(self, update: Update) -> None:
        """One update received (the ``TypeHandler`` from ``instrument`` calls it)."""
        self.updates.labels(kind=update_kind(update)).inc()

    def count_webhook_refused(self, reason: str) -> None:
        """One webhook request refused: ``secret`` (403) or ``malformed`` (400)."""
        self.webhook_refused.labels(reason=reason).inc()

    def count_review(self, source: str) -> None:
        """One review recorded; ``source`` as in ``ReviewLog.source``."""
        self.reviews.labels(source=source).inc()

    def count_quiz_answer(self, *, correct: bool) -> None:
        """One quiz answer, right or wrong."""
        self.quiz_answers.labels(correct="true" if correct else "false").inc()

    def observe_demo(self, seconds: float, *, ok: bool = True) -> None:
        """One demo finished (or failed) after ``seconds``."""
        self.demos.labels(outcome="ok" if ok else "failed").inc()
        self.demo_seconds.observe(seconds)

    def count_reminders(self, sent: int = 1) -> None:
        """``sent`` reminders delivered."""
        self.reminders_sent.inc(sent)

    def count_deck_file(self, outcome: str) -> None:
        """One deck file received; ``outcome`` one of ``DECK_FILE_OUTCOMES``."""
        self.deck_files.labels(outcome=outcome).inc()

    def count_worker_event(self, pool: str, event: str) -> None:
        """A worker pool's event (``tutor.runtime.workers.OnEvent``): a job refused, a process
        replaced, or both (a job stopped past its deadline replaces its process)."""
        if event in WORKER_REFUSALS:
            self.worker_refused.labels(pool=pool, reason=event).inc()
        if event in WORKER_RESTARTS:
            self.worker_restarts.labels(pool=pool, reason=WORKER_RESTARTS[event]).inc()

    def count_api_response(self, method: str, status: int) -> None:
        """One Bot API answer: every non-2xx status is an error, 429 a rate limit as well."""
        self.api_requests.labels(method=method).inc()
        if not 200 <= status < 300:
            self.api_errors.labels(method=method, code=str(status)).inc()
        if status == 429:
            self.api_rate_limited.labels(method=method).inc()

    def count_api_failure(self, method: str, reason: str) -> None:
        """One Bot API request that got no answer: ``reason`` is ``network`` or ``timeout``."""
        self.api_requests.labels(method=method).inc()
        self.api_errors.labels(method=method, code=reason).inc()


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
        metrics.updates.labels(kind=kind)
    counting = application.handlers.get(COUNT_UPDATES_GROUP, [])
    if not any(getattr(h, "callback", None) is count_update for h in counting):
        application.add_handler(TypeHandler(Update, count_update), group=COUNT_UPDATES_GROUP)
