"""Generated numeric questions in a private /quiz round, end to end: each is asked with fresh
numbers and graded right, the key recomputed here with PyTorch's own schedulers."""

from __future__ import annotations

import re

import torch

from playground.botapi import BotApiStandin, ChatMessage
from tests.conftest import tiny_deck
from tests.e2e.conftest import RunningBot, rows
from tutor.domain.content import ItemKind
from tutor.domain.library import library_of
from tutor.domain.scheduling import Rating
from tutor.services.generated import QUIZ_TEMPLATES
from tutor.store import Database, ReviewLog

# The kinds whose stem names a torch scheduler with plain keyword arguments.
KINDS = ("gen-steplr", "gen-exponentiallr", "gen-cosine")
STEM = re.compile(
    r"SGD\(params, lr=(?P<lr>[0-9.e-]+)\); scheduler = (?P<name>\w+)\(optimizer, "
    r"(?P<kwargs>[^)]*)\)\. After (?P<steps>\d+) calls of scheduler\.step\(\)"
)


def _number(text: str) -> int | float:
    return int(text) if text.isdigit() else float(text)


def key_of(text: str) -> float:
    """The rate after the described calls, from torch.optim.lr_scheduler itself."""
    match = STEM.search(text)
    assert match, text
    kwargs = {
        name: _number(value)
        for name, value in (part.split("=") for part in match["kwargs"].split(", "))
    }
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=float(match["lr"]))
    scheduler = getattr(torch.optim.lr_scheduler, match["name"])(optimizer, **kwargs)
    for _ in range(int(match["steps"])):
        optimizer.step()
        scheduler.step()
    return float(optimizer.param_groups[0]["lr"])


def right_letter(message: ChatMessage) -> str:
    """The letter of the option nearest the recomputed key (options are 2% apart or more)."""
    key = key_of(message.text or "")
    options = {
        m[1]: float(m[2])
        for line in (message.text or "").splitlines()
        if (m := re.match(r"^([ABCD])\. ([0-9.e+-]+)$", line))
    }
    assert len(options) == 4, message.text
    letter = min(options, key=lambda k: abs(options[k] - key))
    assert abs(options[letter] - key) <= 0.01 * key, (options, key)
    return letter


async def test_generated_questions_come_in_a_quiz_round_and_are_graded_right(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    # A deck with no questions of its own: the round holds only generated ones.
    templates = [t for t in QUIZ_TEMPLATES if t.id in KINDS]
    library = library_of([tiny_deck("lr-schedulers", 1)], templates=templates)
    assert list(library.ids_of_kind(ItemKind.QUIZ)) == list(KINDS)
    alice = server.user(1001, "Alice")
    async with running_bot(library=library):
        await alice.send("/quiz")
        asked: list[str] = []
        for number in range(1, len(KINDS) + 1):
            message = await alice.wait_for_message()
            text = message.text or ""
            assert text.startswith(f"Quiz {number}/{len(KINDS)}"), text
            stem = STEM.search(text)
            assert stem, text
            asked.append(stem["name"])
            press = await alice.press(message, right_letter(message))
            assert (await press.answered()).text == "Right!"
            verdict = await alice.wait_for_edit(message, lambda m: not m.buttons)
            assert (verdict.text or "").count("Right!") == 1
            assert stem[0] in (verdict.text or "")
        done = await alice.wait_for_message()
        assert (done.text or "").startswith(f"Round over: {len(KINDS)}/{len(KINDS)}")
    assert asked == ["StepLR", "ExponentialLR", "CosineAnnealingLR"]
    logs = await rows(store, ReviewLog, learner_id=1001, source="quiz")
    assert [(log.item_id, log.rating) for log in logs] == [(k, int(Rating.GOOD)) for k in KINDS]
