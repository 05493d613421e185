"""The blind answer sets load against the shipped prompts (the bench measures on them)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.grading import BLIND_SETS, load_blind
from tutor.content import ItemKind, Library


@pytest.mark.parametrize("path", list(BLIND_SETS.values()), ids=list(BLIND_SETS))
def test_a_blind_set_answers_every_prompt_twelve_times(library: Library, path: object) -> None:
    answers = load_blind(library, path)  # type: ignore[arg-type]
    shipped = {item.id for item in library.items_of_kind(ItemKind.EXPLAIN)}
    per_prompt = Counter(answer.prompt.id for answer in answers)
    assert set(per_prompt) == shipped
    assert set(per_prompt.values()) == {12}
    assert Counter(answer.label for answer in answers) == {
        "correct": 100,
        "misconceived": 100,
        "partial": 25,
        "keyword-list": 25,
        "off-topic": 25,
        "echo": 25,
    }
