"""Bot API faults end to end: retries, re-sent cards, skipped poison updates, one-line logs."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

import pytest

import bot.app
from bot.handlers.errors import SORRY
from playground.botapi import BotApiStandin, ChatMessage, UserHandle
from tests.conftest import tiny_deck
from tests.e2e.conftest import RunningBot, rows
from tutor.domain.library import Library, library_of
from tutor.store import Database, ReviewLog

# The stand-in's delays must outlast the bot's read timeout, quickly.
READ_TIMEOUT = 1.0
DELAY = 1.5


@pytest.fixture(autouse=True)
def short_read_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.app, "READ_TIMEOUT", READ_TIMEOUT, raising=False)


@pytest.fixture
def bot_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


def bot_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the bot (and the library under it) logged; not the stand-in or aiohttp."""
    return [r for r in caplog.records if not r.name.startswith(("tests.", "aiohttp", "httpx"))]


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    for record in bot_records(caplog):
        assert record.exc_info is None and record.exc_text is None, record.getMessage()
        assert "\n" not in record.getMessage(), record.getMessage()
        assert record.levelno < logging.ERROR, record.getMessage()


def rating_label(message: ChatMessage, rating: str) -> str:
    return next(label for label in message.button_labels if label.startswith(rating))


def sorry_sent(server: BotApiStandin) -> list[str]:
    texts = [r.params.get("text") for r in server.requests("answerCallbackQuery")]
    texts += [r.params.get("text") for r in server.requests("sendMessage")]
    return [t for t in texts if t == SORRY]


@pytest.fixture
def three_cards() -> Library:
    return library_of([tiny_deck("alpha", cards=3)])


async def test_idempotent_calls_are_retried_and_each_fault_is_one_warning_line(
    server: BotApiStandin, running_bot: RunningBot, bot_log: pytest.LogCaptureFixture
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/review")
        card = await alice.wait_for_message()
        server.faults.inject("editMessageText", kinds=("500", "drop_before"), limit=2)
        server.faults.inject("answerCallbackQuery", kinds=("drop_after",), limit=1)
        await alice.press(card, "Show answer")
        back = await alice.wait_for_edit(card, lambda m: "Answer" in (m.text or ""), timeout=10)
        assert len(back.button_labels) >= 4
        await server.settle()

    edits = server.requests("editMessageText")
    assert [r.status for r in edits] == [*(r.status for r in edits[:2]), 200]
    assert len(edits) == 3
    # The answer went through on the first attempt (then the connection dropped); the
    # retry's "query is too old" counts as done: no error, no "Sorry".
    assert len(server.requests("answerCallbackQuery")) == 2
    assert sorry_sent(server) == []
    warnings = [r.getMessage() for r in bot_records(bot_log) if r.levelno == logging.WARNING]
    assert len(warnings) == 3, warnings
    assert all(w.startswith("Bot API ") and "retrying" in w for w in warnings), warnings
    assert_no_traceback(bot_log)


@pytest.mark.parametrize(
    ("kind", "requests"),
    [
        ("500", 2),  # Telegram's own {"ok": false}: not carried out, sent again
        ("429", 2),  # waited out, sent again
        ("502", 1),  # a proxy's HTML page: it may have gone out, not sent again
        ("drop_after", 1),  # it did go out: sending again would double it
    ],
)
async def test_a_send_is_retried_only_when_it_surely_did_not_go_out(
    server: BotApiStandin, running_bot: RunningBot, kind: str, requests: int
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        server.faults.inject("sendMessage", kinds=(kind,), limit=1)
        await alice.send("/review")
        await server.settle(quiet=0.5, timeout=10)

    assert len(server.requests("sendMessage")) == requests
    # The card arrives once unless it may have been lost, and never a "Sorry" instead.
    cards = [m.button_labels for m in alice.bot_messages]
    assert cards == ([] if kind == "502" else [["Show answer"]])
    delivered = 0 if kind == "502" else 1
    assert len(alice.bot_messages) == delivered


async def test_an_outage_is_ridden_out(
    server: BotApiStandin, running_bot: RunningBot, bot_log: pytest.LogCaptureFixture
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/start")
        await alice.wait_for_message()
        await server.outage(1.5)
        await asyncio.sleep(0.2)
        await alice.send("/review")
        card = await alice.wait_for_message(timeout=10)
    assert card.button_labels == ["Show answer"]
    assert_no_traceback(bot_log)


async def test_a_card_whose_edit_fails_for_good_comes_as_a_new_message(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    three_cards: Library,
    bot_log: pytest.LogCaptureFixture,
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=three_cards):
        await alice.send("/review")
        card = await alice.wait_for_message()
        await alice.press(card, "Show answer")
        back = await alice.wait_for_edit(card, lambda m: "Answer" in (m.text or ""))
        server.faults.inject("editMessageText", kinds=("500",))
        rate = await alice.press(back, rating_label(back, "Good"))
        toast = await rate.answered(timeout=15)
        second = await alice.wait_for_message(timeout=15)
        second_shown = (second.text, second.button_labels)
        server.faults.clear()
        # The message is gone before the press is handled: the next card comes anew too.
        await alice.press(second, "Show answer")
        back2 = await alice.wait_for_edit(second, lambda m: "Answer" in (m.text or ""))
        press = await alice.press(back2, rating_label(back2, "Easy"))
        alice.chat.message(back2.message_id).deleted = True  # type: ignore[union-attr]
        await press.answered()
        third = await alice.wait_for_message(lambda m: "Question 2" in (m.text or ""))

    assert (toast.text or "").startswith("Good: see it again in")
    assert "Question 1 of alpha?" in (second_shown[0] or "")
    assert second_shown[1] == ["Show answer"]
    assert third.button_labels == ["Show answer"]
    logs = await rows(store, ReviewLog, learner_id=1001)
    assert [log.item_id for log in logs] == ["alpha-c0", "alpha-c1"]
    assert sorry_sent(server) == []
    assert_no_traceback(bot_log)


async def test_an_update_that_cannot_be_parsed_is_skipped_and_logged_once(
    server: BotApiStandin, running_bot: RunningBot, bot_log: pytest.LogCaptureFixture
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await asyncio.sleep(0.3)  # the bot is polling
        server.inject("message", {"message_id": 1, "date": "yesterday", "chat": 5})
        await alice.send("/start")
        greeting = await alice.wait_for_message()
        await asyncio.sleep(1.5)  # further polls
        assert server.bot.pending_updates == []

    assert (greeting.text or "").startswith("Hi Alice!")
    skipped = [r for r in bot_records(bot_log) if "cannot be parsed" in r.getMessage()]
    assert len(skipped) == 1
    assert_no_traceback(bot_log)


async def learner_session(user: UserHandle, *, retap: float = 10.0, patience: float = 30.0) -> int:
    """Review until caught up, as a person would: press what is newest; tap the same
    button again when nothing has happened for ``retap`` seconds (a late edit may have
    turned the message back to a card already rated); and send /review again when still
    nothing has happened after ``patience`` seconds (longer than the retry policy takes to
    give up on the two calls of a press, at READ_TIMEOUT each try plus backoff: slow is
    not stuck). How often /review was needed."""

    def newest() -> ChatMessage | None:
        live = [
            m
            for m in user.bot_messages
            if m.button_labels or (m.text or "").startswith("All caught up")
        ]
        return max(live, key=lambda m: m.message_id) if live else None

    async def press(message: ChatMessage) -> None:
        if "Show answer" in message.button_labels:
            await user.press(message, "Show answer")
        else:
            await user.press(message, rating_label(message, "Good"))

    await user.send("/review")
    recoveries, last_key, since, retapped = 0, None, time.monotonic(), False
    while True:
        message = newest()
        if message is not None and (message.text or "").startswith("All caught up"):
            return recoveries
        key = (
            None if message is None else (message.message_id, message.text, message.button_labels)
        )
        waited = time.monotonic() - since
        if message is not None and key != last_key:
            await press(message)
            last_key, since, retapped = key, time.monotonic(), False
        elif message is not None and waited > retap and not retapped:
            await press(message)
            retapped = True
        elif waited > patience:
            await user.send("/review")
            recoveries += 1
            last_key, since, retapped = None, time.monotonic(), False
        await asyncio.sleep(0.05)


async def test_six_learners_finish_their_review_under_twenty_percent_faults(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    three_cards: Library,
    bot_log: pytest.LogCaptureFixture,
) -> None:
    learners = [server.user(2001 + n, f"Learner {n}") for n in range(6)]
    server.faults.reseed(12)
    server.faults.inject(
        "sendMessage", "editMessageText", "answerCallbackQuery", rate=0.2, delay=DELAY
    )
    async with running_bot(library=three_cards):
        recoveries = await asyncio.wait_for(
            asyncio.gather(*(learner_session(user) for user in learners)), 240
        )
        await server.settle(quiet=0.5, timeout=20)

    injected = Counter(kind for _method, kind in server.faults.injected)
    assert sum(injected.values()) >= 10, injected  # the faults did happen
    # Only a send that may have gone out is not sent again; its loss is what /review is for.
    lost_sends = server.faults.count("drop_before", "sendMessage") + server.faults.count(
        "502", "sendMessage"
    )
    assert sum(recoveries) <= lost_sends, (recoveries, injected)
    logs = await rows(store, ReviewLog)
    rated = Counter((log.learner_id, log.item_id) for log in logs)
    assert set(rated.values()) == {1}, "a rating was stored twice"
    assert sorted(rated) == sorted(
        (user.id, f"alpha-c{n}") for user in learners for n in range(3)
    ), "a rating was lost"
    assert sorry_sent(server) == []
    assert_no_traceback(bot_log)
    faults_logged = [r for r in bot_records(bot_log) if r.getMessage().startswith("Bot API ")]
    assert faults_logged and all(r.levelno == logging.WARNING for r in faults_logged)
