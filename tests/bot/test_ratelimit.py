"""The rate limiter: never more than a limit in any window, and who waits for whom."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter, ExtBot

from bot.ratelimit import (
    GROUP_WINDOWS_KEPT,
    RETRY_AFTER_MARGIN,
    SlidingWindowLimiter,
    TelegramRateLimiter,
    retry_after_seconds,
)
from playground.botapi import BotApiStandin, RateLimits

TOKEN = "4242:ratelimit-token"
ALICE, BOB = 1001, 1002
CLASS_A, CLASS_B = -1_001_000_000_001, -1_001_000_000_002

# PTB warns whenever RetryAfter.retry_after is read unless PTB_TIMEDELTA is set; its own
# constructor reads it.
PTB_TIMEDELTA_WARNINGS = pytest.mark.filterwarnings(
    "ignore:.*will be of type `datetime.timedelta`:telegram.warnings.PTBDeprecationWarning"
)


@dataclass
class Call:
    """One call the limiter let through: when it started and when its answer came."""

    name: str
    started: float
    ended: float


@dataclass
class Calls:
    """Sends calls through a limiter and records when each reached the 'server'."""

    limiter: TelegramRateLimiter
    hold: float = 0.0
    made: list[Call] = field(default_factory=list)

    async def send(
        self,
        name: str,
        endpoint: str = "sendMessage",
        rate_limit_args: int | None = None,
        **data: Any,
    ) -> Any:
        loop = asyncio.get_running_loop()

        async def callback() -> dict[str, Any]:
            started = loop.time()
            await asyncio.sleep(self.hold)
            self.made.append(Call(name, started, loop.time()))
            return {"sent": name}

        return await self.limiter.process_request(
            callback, (), {}, endpoint, data, rate_limit_args
        )

    def __getitem__(self, name: str) -> Call:
        (call,) = [call for call in self.made if call.name == name]
        return call

    def order(self) -> list[str]:
        return [call.name for call in sorted(self.made, key=lambda call: call.started)]


async def test_no_window_ever_holds_more_than_the_limit() -> None:
    limiter = SlidingWindowLimiter(10, 0.2, margin=0.01)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def call() -> None:
        async with limiter:
            times.append(loop.time())

    started = loop.time()
    await asyncio.gather(*(call() for _ in range(35)))
    elapsed = loop.time() - started
    times.sort()
    # Any 11 consecutive admissions span more than one window.
    assert all(b - a >= 0.2 for a, b in zip(times, times[10:], strict=False))
    # 35 calls at 10 a window need 3 full windows.
    assert elapsed >= 0.6


async def test_a_place_is_held_until_a_window_after_the_answer() -> None:
    limiter = SlidingWindowLimiter(1, 0.2, margin=0.0)
    loop = asyncio.get_running_loop()
    ends: list[float] = []
    starts: list[float] = []

    async def call() -> None:
        async with limiter:
            starts.append(loop.time())
            await asyncio.sleep(0.1)
            ends.append(loop.time())

    await asyncio.gather(call(), call())
    # The second call counts the window from the first one's answer, not from its start.
    assert starts[1] >= ends[0] + 0.2


def test_it_is_a_public_ptb_rate_limiter() -> None:
    assert isinstance(TelegramRateLimiter(), BaseRateLimiter)


async def test_a_group_waits_for_its_own_window_and_holds_up_nobody_else() -> None:
    calls = Calls(TelegramRateLimiter(per_group_per_minute=2, group_period=0.3))
    answers = await asyncio.gather(
        calls.send("a1", chat_id=CLASS_A),
        calls.send("a2", chat_id=CLASS_A),
        calls.send("a3", chat_id=CLASS_A),
        calls.send("b1", chat_id=CLASS_B),
        calls.send("alice", chat_id=ALICE),
        calls.send("channel", chat_id="@news"),
    )
    assert [answer["sent"] for answer in answers] == ["a1", "a2", "a3", "b1", "alice", "channel"]
    # The third message to class A waits a whole group window after the first one's answer;
    # the other group, the private chat and the channel go before it.
    assert calls["a3"].started >= calls["a1"].ended + 0.3
    assert calls.order()[-1] == "a3"


async def test_a_channel_username_has_a_group_window_of_its_own() -> None:
    calls = Calls(TelegramRateLimiter(per_group_per_minute=1, group_period=0.3))
    await asyncio.gather(
        calls.send("news1", chat_id="@news"),
        calls.send("news2", chat_id="@news"),
        calls.send("class", chat_id=str(CLASS_A)),
    )
    assert calls["news2"].started >= calls["news1"].ended + 0.3
    assert calls.order() == ["news1", "class", "news2"]


async def test_every_chat_shares_the_overall_window() -> None:
    calls = Calls(TelegramRateLimiter(overall_per_second=3, overall_period=0.3))
    names = ["group", *(f"private{n}" for n in range(6))]
    await asyncio.gather(
        calls.send("group", chat_id=CLASS_A),
        *(calls.send(name, chat_id=ALICE + n) for n, name in enumerate(names[1:])),
    )
    made = sorted(calls.made, key=lambda call: call.started)
    # The group's message took one of the three places: any fourth call waited a window
    # after the answer of the call three places before it.
    pairs = zip(made, made[3:], strict=False)
    assert all(later.started >= earlier.ended + 0.3 for earlier, later in pairs)
    assert set(calls.order()[:3]) == set(names[:3])


async def test_a_private_edit_stays_out_of_the_overall_window_and_a_group_edit_does_not() -> None:
    calls = Calls(TelegramRateLimiter(overall_per_second=1, overall_period=0.3))
    await calls.send("first", chat_id=ALICE)
    await asyncio.gather(
        calls.send("second", chat_id=BOB),
        calls.send("group edit", "editMessageText", chat_id=CLASS_A, message_id=1),
        calls.send("private edit", "editMessageText", chat_id=ALICE, message_id=1),
        calls.send("callback answer", "answerCallbackQuery", callback_query_id="1"),
    )
    # The private edit and the call without a chat went at once; the next send and the
    # group edit each waited for a place in the overall window.
    assert calls.order()[0] == "first"
    assert set(calls.order()[1:3]) == {"private edit", "callback answer"}
    assert calls["second"].started >= calls["first"].ended + 0.3
    assert calls["group edit"].started >= calls["second"].ended + 0.3


async def test_a_paid_broadcast_does_not_wait_for_the_free_windows() -> None:
    calls = Calls(
        TelegramRateLimiter(
            overall_per_second=1, overall_period=0.3, per_group_per_minute=1, group_period=0.3
        )
    )
    await calls.send("free", chat_id=CLASS_A)
    await asyncio.gather(
        calls.send("free again", chat_id=CLASS_A),
        calls.send("paid", chat_id=CLASS_A, allow_paid_broadcast=True),
    )
    assert calls.order() == ["free", "paid", "free again"]


@PTB_TIMEDELTA_WARNINGS
async def test_a_429_is_retried_after_retry_after_and_holds_every_call_meanwhile() -> None:
    limiter = TelegramRateLimiter(max_retries=1)
    calls = Calls(limiter)
    loop = asyncio.get_running_loop()
    refused_at: list[float] = []
    refused = asyncio.Event()

    async def refused_once() -> dict[str, Any]:
        if not refused_at:
            refused_at.append(loop.time())
            refused.set()
            raise RetryAfter(timedelta(seconds=0.2))
        calls.made.append(Call("retried", loop.time(), loop.time()))
        return {"sent": "retried"}

    async def other_call_after_the_429() -> Any:
        await refused.wait()
        return await calls.send("other chat", chat_id=BOB)

    answer, _ = await asyncio.gather(
        limiter.process_request(refused_once, (), {}, "sendMessage", {"chat_id": ALICE}, None),
        other_call_after_the_429(),
    )
    assert answer == {"sent": "retried"}
    resume_at = refused_at[0] + 0.2 + RETRY_AFTER_MARGIN
    assert calls["retried"].started >= resume_at
    assert calls["other chat"].started >= resume_at


@PTB_TIMEDELTA_WARNINGS
@pytest.mark.parametrize(("max_retries", "rate_limit_args", "tries"), [(0, None, 1), (3, 1, 2)])
async def test_a_429_past_max_retries_is_raised(
    max_retries: int, rate_limit_args: int | None, tries: int
) -> None:
    limiter = TelegramRateLimiter(max_retries=max_retries)
    made = 0

    async def always_refused() -> dict[str, Any]:
        nonlocal made
        made += 1
        raise RetryAfter(timedelta(0))

    with pytest.raises(RetryAfter):
        await limiter.process_request(
            always_refused, (), {}, "sendMessage", {"chat_id": ALICE}, rate_limit_args
        )
    assert made == tries


def test_retry_after_is_read_as_seconds_whichever_form_ptb_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        error = RetryAfter(timedelta(seconds=7))
    for opt_in in ("false", "true"):
        monkeypatch.setenv("PTB_TIMEDELTA", opt_in)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert retry_after_seconds(error) == 7.0


async def test_idle_group_windows_are_dropped_and_busy_ones_kept() -> None:
    limiter = TelegramRateLimiter(per_group_per_minute=1)
    calls = Calls(limiter)
    await calls.send("busy", chat_id=CLASS_A)
    busy = limiter.group_window(CLASS_A)
    idle = [limiter.group_window(-n) for n in range(1, GROUP_WINDOWS_KEPT + 2)]
    limiter.group_window(CLASS_B)
    assert limiter.group_window(CLASS_A) is busy
    assert limiter.group_window(-1) is not idle[0]


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN, rate_limits=RateLimits()) as server:
        yield server


async def test_a_burst_of_private_messages_gets_no_429_from_a_strict_bot_api(
    standin: BotApiStandin,
) -> None:
    learners = [standin.user(5000 + n, f"L{n}") for n in range(45)]
    bot = ExtBot(
        TOKEN,
        base_url=f"{standin.base_url}/bot",
        rate_limiter=TelegramRateLimiter(max_retries=0),
    )
    async with bot:
        await asyncio.gather(*(bot.send_message(learner.id, "Due") for learner in learners))
    # Without the overall window the stand-in refuses everything past 30 in a second.
    assert standin.rate_limited_count == 0
    assert all(len(learner.messages) == 1 for learner in learners)
