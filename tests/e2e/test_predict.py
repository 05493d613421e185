"""/predict end to end: a described setup, a press, and the run's plot with the verdict."""

from __future__ import annotations

import re

import torch

from bot.handlers.predict import ALREADY
from playground.botapi import BotApiStandin, image_size
from tests.e2e.conftest import RunningBot, rows
from tutor.demo import training
from tutor.demo.outcomes import classify
from tutor.demo.request import DemoName, DemoRequest
from tutor.domain.scheduling import Rating
from tutor.services.predict import ITEM
from tutor.store import Database, ItemState, ReviewLog

LABELS = {
    "converges fast": "Converge fast",
    "converges slowly": "Converge slowly",
    "oscillates": "Oscillate",
    "diverges": "Diverge",
}


def outcome_of(text: str) -> str:
    """What the described setup does, from a run of its own in this process."""
    match = re.search(r"lr = ([0-9.e-]+) for \d+ steps \(data seed (\d+)\)", text)
    assert match, text
    rate, seed = float(match.group(1)), int(match.group(2))
    request = DemoRequest(DemoName.LR, rates=(rate,), seed=seed)
    curve = training.train(request, torch.device("cpu")).curves[0]
    outcome = classify(curve)
    assert outcome is not None, "a borderline setup was asked"
    return outcome.value


async def test_predict_asks_then_answers_with_the_run_and_the_verdict(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        for press_right in (True, False):
            await alice.send("/predict")
            question = await alice.wait_for_message(timeout=30)
            text = question.text or ""
            # The four outcomes are defined in numbers before the guess.
            assert "What will the training loss do in those 300 steps?" in text
            assert "Converge fast: it ends below 0.025." in text
            assert "Diverge: it grows past 10× where it started." in text
            assert sorted(question.button_labels) == sorted(LABELS.values())
            outcome = outcome_of(text)
            label = LABELS[outcome]
            if not press_right:
                label = next(other for other in LABELS.values() if other != label)
            data = question.button(label)["callback_data"]
            first = await alice.press(question, label)
            if press_right:
                # A double tap: the same button again before the first press is answered.
                second = await alice.press(question, data=data)
                answers = [(await p.answered(timeout=30)).text for p in (first, second)]
                assert sorted(answers, key=str) == sorted([None, ALREADY], key=str), answers
            photo = await alice.wait_for_message(lambda m: m.photo is not None, timeout=30)
            assert photo.photo is not None and image_size(photo.photo) == (1200, 1200)
            caption = photo.caption or ""
            if press_right:
                assert caption.startswith(f"✅ Right: it {outcome}."), caption
            else:
                assert caption.startswith("❌ Not quite"), caption
                assert f"and it {outcome}." in caption
            assert re.search(r"loss", caption) and re.search(r"[0-9]", caption)
            # The answer is drawn against a reference run, which its caption names.
            assert "The other line is lr = " in caption
            # The question lost its buttons: a second press cannot train it again.
            assert question.button_labels == []
    assert len(server.requests("sendPhoto")) == 2
    # Each answered question is one review of /predict's item; the double tap is not.
    log = await rows(store, ReviewLog, learner_id=1001)
    assert [(r.item_id, r.rating, r.source) for r in log] == [
        (ITEM.id, int(Rating.GOOD), "predict"),
        (ITEM.id, int(Rating.AGAIN), "predict"),
    ]
    (state,) = await rows(store, ItemState, learner_id=1001)
    assert state.item_id == ITEM.id and state.reps == 2
