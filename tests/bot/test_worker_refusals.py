"""What a learner reads when the file reader gives no result: one short line per reason,
naming the file, and each reason counted under its own label."""

from __future__ import annotations

import pytest

from bot.handlers.files import worker_refusal
from bot.metrics import WORKER_REFUSALS, Metrics
from tutor.runtime import workers

REASONS = {
    workers.WorkTimedOut: "deadline",
    workers.WorkerOutOfMemory: "memory",
    workers.WorkerDied: "died",
    workers.WorkerBusy: "busy",
    workers.WorkersFull: "full",
}


def test_every_kind_of_worker_error_has_a_reason() -> None:
    assert set(workers.WorkerError.__subclasses__()) == set(REASONS)
    assert set(REASONS.values()) == set(WORKER_REFUSALS)


@pytest.mark.parametrize("error", list(REASONS))
def test_a_refused_file_gets_one_short_line_that_names_it(
    error: type[workers.WorkerError],
) -> None:
    line = worker_refusal(error("internal detail"), "lecture-3.apkg")
    assert "lecture-3.apkg" in line
    assert "\n" not in line and len(line) <= 160
    assert "internal detail" not in line


def test_the_deadline_line_says_what_happened() -> None:
    assert worker_refusal(workers.WorkTimedOut(), "deck.md") == (
        "deck.md took too long to read, so I stopped; check that it is a deck file, or split "
        "it into smaller ones."
    )


def test_a_stopped_job_counts_as_refused_and_restarted() -> None:
    metrics = Metrics()
    metrics.count_worker_event("files", "deadline")
    metrics.count_worker_event("files", "busy")
    metrics.count_worker_event("charts", "replaced")
    assert metrics.value("tutor_worker_jobs_refused_total", pool="files", reason="deadline") == 1
    assert metrics.value("tutor_worker_restarts_total", pool="files", reason="deadline") == 1
    assert metrics.value("tutor_worker_jobs_refused_total", pool="files", reason="busy") == 1
    assert metrics.value("tutor_worker_restarts_total", pool="files", reason="died") == 0
    assert metrics.value("tutor_worker_restarts_total", pool="charts", reason="pool") == 1
