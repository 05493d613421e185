"""The benchmarks are not run by the suite (they take minutes), but each one must still
load: a helper renamed in one bench broke another's import once, unseen until `make bench`."""

from __future__ import annotations

import importlib
import pkgutil
import time

import pytest

import bench

MODULES = sorted(
    info.name for info in pkgutil.iter_modules(bench.__path__) if info.name != "__main__"
)


def test_every_bench_is_found() -> None:
    expected = {"review", "reminders", "report", "imports", "owndecks", "heavy", "generated"}
    assert expected <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_the_bench_loads(name: str) -> None:
    importlib.import_module(f"bench.{name}")


def test_the_command_line_names_every_bench(capsys: pytest.CaptureFixture[str]) -> None:
    entry = importlib.import_module("bench.__main__")
    with pytest.raises(SystemExit) as usage:
        entry.main(["--help"])
    assert usage.value.code == 0
    choices = capsys.readouterr().out.split("{", 1)[1].split("}", 1)[0].split(",")
    # The echo bot is the review bench's baseline, run in a process of its own; deck builds
    # the benches' decks; botprocess and learners run the bots and drive them for the benches;
    # loopwatch measures the event loop's stalls for them.
    helpers = {"echo_bot", "deck", "botprocess", "learners", "loopwatch"}
    assert set(MODULES) - helpers <= set(choices)


async def test_the_loop_watch_sees_a_blocked_event_loop() -> None:
    from bench.loopwatch import LoopWatch

    async with LoopWatch() as blocked:
        time.sleep(0.12)  # noqa: ASYNC251 - the point: the loop is held, no tick comes
    assert blocked.worst >= 0.1
