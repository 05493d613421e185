"""Start-up's patience with a service that does not answer yet."""

from __future__ import annotations

import logging

import pytest

from tutor.runtime.startup import MAX_PAUSE_SECONDS, NotReady, wait_until_ready

log = logging.getLogger("test.startup")


class Timeline:
    """A clock that only ``sleep`` moves, and the pauses it was asked for."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def refused(error: BaseException) -> str | None:
    return "refused" if isinstance(error, ConnectionRefusedError) else None


async def test_a_service_that_comes_up_is_waited_for_with_one_warning_per_failed_try(
    caplog: pytest.LogCaptureFixture,
) -> None:
    timeline = Timeline()
    tries = 0

    async def attempt() -> str:
        nonlocal tries
        tries += 1
        if tries < 4:
            raise ConnectionRefusedError(111, "Connection refused")
        return "up"

    with caplog.at_level(logging.WARNING):
        result = await wait_until_ready(
            attempt, what="the database at db:5432/tutor", transient=refused,
            give_up_after=60, log=log, clock=timeline.clock, sleep=timeline.sleep,
        )  # fmt: skip

    assert result == "up"
    assert timeline.pauses == [0.5, 1.0, 2.0]
    assert [r.getMessage() for r in caplog.records] == [
        f"the database at db:5432/tutor is unreachable (refused): trying again in {p:.1f} s"
        for p in (0.5, 1.0, 2.0)
    ]
    assert all(r.exc_info is None for r in caplog.records)


async def test_the_pause_is_capped_and_start_up_gives_up_after_the_time_allowed() -> None:
    timeline = Timeline()

    async def attempt() -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(NotReady) as gave_up:
        await wait_until_ready(
            attempt, what="the Bot API at http://api", transient=refused,
            give_up_after=100, log=log, clock=timeline.clock, sleep=timeline.sleep,
        )  # fmt: skip

    assert max(timeline.pauses) == MAX_PAUSE_SECONDS
    assert timeline.now == 100
    assert str(gave_up.value).startswith("the Bot API at http://api is unreachable (refused)")
    assert "\n" not in str(gave_up.value)


async def test_an_error_another_try_cannot_fix_is_raised_at_once() -> None:
    timeline = Timeline()

    async def attempt() -> None:
        raise PermissionError("password authentication failed")

    with pytest.raises(PermissionError):
        await wait_until_ready(
            attempt, what="the database", transient=refused,
            give_up_after=60, log=log, clock=timeline.clock, sleep=timeline.sleep,
        )  # fmt: skip
    assert timeline.pauses == []
