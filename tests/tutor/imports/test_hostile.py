"""Every hostile file of tests/hostile.py through ``parse_file``, each in a child process with
a memory limit and a deadline: refused with a message naming the problem, or imported with
the hostile part left out, never a hang, a memory bomb or a crash."""

from __future__ import annotations

import pytest

from tests.hostile import (
    OVER_UNPACKED,
    UPLOAD_LIMIT,
    HostileFile,
    build_corpus,
    parse_in_child,
)
from tutor.imports import MAX_FILE_BYTES
from tutor.imports.anki_package import MAX_UNPACKED_BYTES

CORPUS = build_corpus()
# The longest a refusal may be: one line a user reads at a glance.
MESSAGE_MAX = 250


def test_the_corpus_is_what_telegram_delivers() -> None:
    """Unique names, a known outcome each, every file but the over-size one under 2 MB, and
    the limits it was built for are the parser's."""
    assert (UPLOAD_LIMIT, OVER_UNPACKED) == (MAX_FILE_BYTES, MAX_UNPACKED_BYTES + 1)
    assert len({hostile.name for hostile in CORPUS}) == len(CORPUS)
    assert {hostile.expect for hostile in CORPUS} == {"refused", "imported"}
    over = [hostile.name for hostile in CORPUS if len(hostile.data) > UPLOAD_LIMIT]
    assert over == ["oversize.csv"]


@pytest.mark.parametrize("hostile", CORPUS, ids=[hostile.name for hostile in CORPUS])
def test_a_hostile_file_is_refused_or_imported(hostile: HostileFile) -> None:
    outcome = parse_in_child(hostile)
    assert outcome.kind == hostile.expect, f"{hostile.attack}: {outcome}"
    if hostile.expect == "refused":
        assert outcome.message.startswith(hostile.name)
        assert hostile.says in outcome.message
        assert len(outcome.message) <= MESSAGE_MAX and "\n" not in outcome.message
    else:
        assert outcome.items >= 1
        if hostile.says:
            assert any(hostile.says in reason for reason in outcome.skipped), outcome.skipped


def _file(name: str) -> HostileFile:
    return next(hostile for hostile in CORPUS if hostile.name == name)


def test_a_child_past_its_memory_limit_is_an_error_not_an_outcome() -> None:
    """The guard the corpus runs under works: a parse that needs more memory than its limit
    fails (the 50 MB of separators are read into memory before SQLite refuses them, some
    130 MB), where a small file parses under the same limit."""
    limit = 96 * 1024 * 1024
    outcome = parse_in_child(_file("separators.apkg"), memory_bytes=limit)
    assert (outcome.kind, outcome.message) == ("error", "MemoryError: ")
    assert parse_in_child(_file("heading.md"), memory_bytes=limit).kind == "imported"


def test_a_child_past_its_deadline_is_killed() -> None:
    assert parse_in_child(_file("heading.md"), seconds=0.05).kind == "timeout"
