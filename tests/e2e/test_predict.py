"""/predict end to end: a described setup, a press, and the run's plot with the verdict."""

from __future__ import annotations

import re

import torch

from tests.e2e.conftest import RunningBot
from tests.standin import BotApiStandin, image_size
from tutor.demo import training
from tutor.demo.outcomes import classify
from tutor.demo.request import DemoName, DemoRequest

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
    server: BotApiStandin, running_bot: RunningBot
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        for press_right in (True, False):
            await alice.send("/predict")
            question = await alice.wait_for_message(timeout=30)
            text = question.text or ""
            assert "What will the training loss do?" in text
            assert sorted(question.button_labels) == sorted(LABELS.values())
            outcome = outcome_of(text)
            label = LABELS[outcome]
            if not press_right:
                label = next(other for other in LABELS.values() if other != label)
            await alice.press(question, label)
            photo = await alice.wait_for_message(lambda m: m.photo is not None, timeout=30)
            assert photo.photo is not None and image_size(photo.photo) == (1200, 800)
            caption = photo.caption or ""
            if press_right:
                assert caption.startswith(f"✅ Right: it {outcome}."), caption
            else:
                assert caption.startswith("❌ Not quite"), caption
                assert f"and it {outcome}." in caption
            assert re.search(r"loss", caption) and re.search(r"[0-9]", caption)
            # The question lost its buttons: a second press cannot train it again.
            assert question.button_labels == []
    assert len(server.requests("sendPhoto")) == 2
