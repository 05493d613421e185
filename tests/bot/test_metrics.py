"""The metrics registry: exact exposition text, label escaping, and Bot API error counting."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, CallbackContext, TypeHandler

from bot.metrics import (
    COUNT_UPDATES_GROUP,
    InstrumentedRequest,
    Metrics,
    api_method,
    instrument,
    instrument_requests,
    metrics_of,
    update_kind,
)

TOKEN = "4242:metrics-secret-token"

_SAMPLE = re.compile(
    r"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r"(?:\{(?P<labels>.*)\})?"
    r" (?P<value>[+-]?Inf|NaN|[+-]?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)$"
)
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)')
_UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
_SUFFIXES = {"counter": ("",), "histogram": ("_bucket", "_sum", "_count")}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse_exposition(text: str) -> Samples:
    """Parse text format 0.0.4 strictly; fail on anything Prometheus would refuse.

    Checks: the text ends with a newline; each family has one ``# HELP`` and one ``# TYPE``
    before its samples; samples belong to the family announced last; label values use only
    the three escapes; no series repeats; histogram buckets are cumulative and end at
    ``+Inf`` with the ``_count``.
    """
    assert text.endswith("\n"), "the exposition must end with a newline"
    samples: Samples = {}
    family: str | None = None
    kind = ""
    seen_families: set[str] = set()
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert name not in seen_families, f"family {name} twice"
            seen_families.add(name)
            family, kind = name, ""
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name == family and kind in _SUFFIXES, line
            continue
        match = _SAMPLE.fullmatch(line)
        assert match is not None, f"not a sample line: {line!r}"
        assert family is not None and kind, f"sample before # HELP/# TYPE: {line!r}"
        assert any(match["name"] == family + s for s in _SUFFIXES[kind]), line
        labels: list[tuple[str, str]] = []
        rest = match["labels"] or ""
        while rest:
            label = _LABEL.match(rest)
            assert label is not None, f"bad labels in {line!r}"
            value = re.sub(r"\\[\\\"n]", lambda m: _UNESCAPE[m[0]], label[2])
            labels.append((label[1], value))
            rest = rest[label.end() :]
        key = (match["name"], frozenset(labels))
        assert key not in samples, f"series twice: {line!r}"
        samples[key] = float(match["value"])
    for name in seen_families:
        buckets = sorted(
            (float(dict(labels)["le"]), value)
            for (sample, labels), value in samples.items()
            if sample == f"{name}_bucket"
        )
        if buckets:
            counts = [value for _, value in buckets]
            assert counts == sorted(counts), f"{name} buckets are not cumulative"
            assert buckets[-1][0] == float("inf")
            assert buckets[-1][1] == samples[(f"{name}_count", frozenset())]
    return samples


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_two_applications_never_share_numbers() -> None:
    first, second = Metrics(), Metrics()
    first.count_review("group")
    assert first.value("tutor_reviews_total", source="group") == 1
    assert second.value("tutor_reviews_total", source="group") == 0
    assert "tutor_reviews_total" not in second.render().split("# TYPE tutor_reviews_total")[1]


def test_every_metric_the_issue_names_is_exposed_and_parses() -> None:
    metrics = Metrics()
    metrics.count_review("quiz")
    metrics.count_quiz_answer(correct=True)
    metrics.count_quiz_answer(correct=True)
    metrics.observe_demo(3.2)
    metrics.observe_demo(75.0, ok=False)
    metrics.count_reminders(3)
    metrics.count_api_response("sendMessage", 200)
    metrics.count_api_response("sendMessage", 429)
    metrics.count_api_response("editMessageText", 400)

    samples = parse_exposition(metrics.render())

    assert sample(samples, "tutor_reviews_total", source="quiz") == 1
    assert sample(samples, "tutor_quiz_answers_total", correct="true") == 2
    assert sample(samples, "tutor_quiz_answers_total", correct="false") == 0
    assert sample(samples, "tutor_demos_total", outcome="ok") == 1
    assert sample(samples, "tutor_demos_total", outcome="failed") == 1
    assert sample(samples, "tutor_demo_duration_seconds_count") == 2
    assert sample(samples, "tutor_demo_duration_seconds_sum") == pytest.approx(78.2)
    assert sample(samples, "tutor_demo_duration_seconds_bucket", le="5.0") == 1
    assert sample(samples, "tutor_reminders_sent_total") == 3
    assert sample(samples, "tutor_bot_api_requests_total", method="sendMessage") == 2
    assert sample(samples, "tutor_bot_api_errors_total", method="sendMessage", code="429") == 1
    assert sample(samples, "tutor_bot_api_errors_total", method="editMessageText", code="400") == 1
    assert sample(samples, "tutor_bot_api_rate_limited_total", method="sendMessage") == 1
    assert (
        "tutor_bot_api_rate_limited_total",
        frozenset({("method", "editMessageText")}),
    ) not in (samples)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (
            {"message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}},
            "message",
        ),
        (
            {
                "callback_query": {
                    "id": "q",
                    "from": {"id": 1, "is_bot": False, "first_name": "A"},
                    "chat_instance": "c",
                    "data": "x",
                }
            },
            "callback_query",
        ),
        (
            {
                "poll_answer": {
                    "poll_id": "p",
                    "user": {"id": 1, "is_bot": False, "first_name": "A"},
                    "option_ids": [0],
                    "option_persistent_ids": ["o0"],
                }
            },
            "poll_answer",
        ),
    ],
)
def test_update_kind_is_the_allowed_updates_name(payload: dict[str, Any], kind: str) -> None:
    update = Update.de_json({"update_id": 7, **payload}, None)
    assert update_kind(update) == kind


def test_api_method_is_the_last_segment_and_never_the_token() -> None:
    assert api_method(f"https://api.telegram.org/bot{TOKEN}/sendMessage") == "sendMessage"
    assert api_method(f"http://127.0.0.1:9/bot{TOKEN}/getUpdates?x=1") == "getUpdates"
    assert api_method(f"https://api.telegram.org/file/bot{TOKEN}/photos/file_1.jpg") == "file"


def _telegram(request: httpx.Request) -> httpx.Response:
    """A fake Bot API: one answer per method, as Telegram words them."""
    method = request.url.path.rsplit("/", 1)[-1]
    if method == "getMe":
        user = {"id": 4242, "is_bot": True, "first_name": "Bot", "username": "b_bot"}
        return httpx.Response(200, json={"ok": True, "result": user})
    if method == "sendMessage":
        return httpx.Response(
            429,
            json={
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        )
    if method == "deleteMessage":
        raise httpx.ReadTimeout("slow", request=request)
    if method == "sendChatAction":
        raise httpx.ConnectError("refused", request=request)
    return httpx.Response(
        400, json={"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    )


# PTB warns that RetryAfter.retry_after becomes a timedelta in v23; not this test's concern.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_instrumented_requests_count_answers_429s_and_failures_by_method() -> None:
    metrics = Metrics()
    request = InstrumentedRequest(
        metrics, httpx_kwargs={"transport": httpx.MockTransport(_telegram)}
    )
    bot = Bot(TOKEN, request=request)
    async with bot:
        with pytest.raises(RetryAfter):
            await bot.send_message(1, "hi")
        with pytest.raises(BadRequest):
            await bot.edit_message_text("hi", chat_id=1, message_id=2)
        with pytest.raises(TimedOut):
            await bot.delete_message(1, 2)
        with pytest.raises(NetworkError):
            await bot.send_chat_action(1, "typing")

    samples = parse_exposition(metrics.render())
    assert sample(samples, "tutor_bot_api_requests_total", method="getMe") == 1
    assert sample(samples, "tutor_bot_api_errors_total", method="sendMessage", code="429") == 1
    assert sample(samples, "tutor_bot_api_rate_limited_total", method="sendMessage") == 1
    assert sample(samples, "tutor_bot_api_errors_total", method="editMessageText", code="400") == 1
    assert (
        sample(samples, "tutor_bot_api_errors_total", method="deleteMessage", code="timeout") == 1
    )
    assert (
        sample(samples, "tutor_bot_api_errors_total", method="sendChatAction", code="network") == 1
    )
    errors = {labels for name, labels in samples if name == "tutor_bot_api_errors_total"}
    assert len(errors) == 4
    assert TOKEN not in metrics.render() and TOKEN.split(":")[1] not in metrics.render()


async def test_instrument_hooks_requests_and_one_update_counter_into_the_application() -> None:
    metrics = Metrics()
    builder = instrument_requests(
        ApplicationBuilder().token(TOKEN), metrics, connection_pool_size=8
    )
    application = builder.build()
    instrument(application, metrics, update_kinds=["message", "callback_query"])
    instrument(application, metrics)

    assert isinstance(application.bot.request, InstrumentedRequest)
    assert metrics_of(application) is metrics
    counters = application.handlers[COUNT_UPDATES_GROUP]
    assert len(counters) == 1 and isinstance(counters[0], TypeHandler)
    message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "x"}
    update = Update.de_json({"update_id": 1, "message": message}, None)
    check = counters[0].check_update(update)
    context = CallbackContext.from_update(update, application)
    await counters[0].handle_update(update, application, check, context)
    samples = parse_exposition(metrics.render())
    assert sample(samples, "tutor_updates_total", kind="message") == 1
    assert sample(samples, "tutor_updates_total", kind="callback_query") == 0
