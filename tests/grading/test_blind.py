"""The blind answer sets load against the shipped prompts (the bench measures on them)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.grading import BLIND_SETS, load_blind
from tutor.domain.library import Library

# The decks each set was written for: A to G before the sixth deck, H for the sixth alone.
FIRST_FIVE = ("lr-basics", "lr-differential", "lr-schedulers", "lr-optimizers", "lr-diagnosis")
WRITTEN_FOR = {name: FIRST_FIVE for name in "ABCDEFG"} | {"H": ("lr-today",)}
# Every set answers each of its prompts twelve times, in the same mix.
PER_PROMPT = {
    "correct": 4,
    "misconceived": 4,
    "partial": 1,
    "keyword-list": 1,
    "off-topic": 1,
    "echo": 1,
}


@pytest.mark.parametrize("name", list(BLIND_SETS))
def test_a_blind_set_answers_every_prompt_of_its_decks_twelve_times(
    library: Library, name: str
) -> None:
    answers = load_blind(library, BLIND_SETS[name])
    prompts = {item.id for deck_id in WRITTEN_FOR[name] for item in library.decks[deck_id].explain}
    per_prompt = Counter(answer.prompt.id for answer in answers)
    assert set(per_prompt) == prompts
    assert set(per_prompt.values()) == {12}
    assert Counter(answer.label for answer in answers) == {
        label: count * len(prompts) for label, count in PER_PROMPT.items()
    }
