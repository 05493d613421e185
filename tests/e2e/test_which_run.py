""" "Which run is this?" in a /quiz round end to end: a plot, option buttons, the run's key."""

from __future__ import annotations

import re

import torch

from playground.botapi import BotApiStandin, ChatMessage, image_size
from tests.conftest import tiny_deck
from tests.e2e.conftest import RunningBot, rows
from tutor.demo import training
from tutor.demo.outcomes import classify
from tutor.demo.request import DemoName, DemoRequest
from tutor.domain.library import library_of
from tutor.services.whichrun import TEMPLATE, RunTemplate
from tutor.store import Database, ReviewLog


def right_option(photo: ChatMessage, template: RunTemplate) -> str:
    """The right button, from a run of the plotted rates made here, in this process."""
    caption = photo.caption or ""
    (plotted,) = [i.draw.request for i in template.made.values() if i.question.question in caption]
    assert plotted.rates is not None
    curves = training.train(plotted, torch.device("cpu")).curves
    for rate, curve in zip(plotted.rates, curves, strict=True):
        alone = DemoRequest(DemoName.LR, rates=(rate,), seed=plotted.seed)
        single = training.train(alone, torch.device("cpu")).curves[0]
        assert classify(curve) is not None and classify(curve) == classify(single)
    assert len({classify(c) for c in curves}) == len(curves), "two curves do the same"
    letters = [curve.label for curve in curves]
    if m := re.search(r"Which curve is lr = ([0-9.e-]+)\?", caption):
        return f"Curve {letters[plotted.rates.index(float(m[1]))]}"
    m = re.search(r"Which rate made curve ([ABCD])\?", caption)
    assert m, caption
    return f"lr = {plotted.rates[letters.index(m[1])]:g}"


async def test_a_round_shows_the_plot_and_grades_the_press_by_the_run(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    # The only quiz item of the library: every round draws it.
    template = RunTemplate(TEMPLATE.id, TEMPLATE.level, TEMPLATE.decks, TEMPLATE.make)
    library = library_of([tiny_deck("lr-basics", cards=1)], templates=[template])
    alice = server.user(1001, "Alice")
    async with running_bot(library=library):
        await alice.send("/quiz")
        for press_right in (True, False):
            photo = await alice.wait_for_message(lambda m: m.photo is not None, timeout=60)
            assert photo.photo is not None and image_size(photo.photo) == (1200, 1200)
            caption = photo.caption or ""
            assert caption.startswith("Quiz 1/1"), caption
            assert len(photo.button_labels) in (3, 4)
            right = right_option(photo, template)
            assert right in photo.button_labels
            label = right if press_right else next(b for b in photo.button_labels if b != right)
            press = await alice.press(photo, label)
            assert (await press.answered()).text == ("Right!" if press_right else "Not quite.")
            verdict = await alice.wait_for_edit(photo, lambda m: not m.buttons)
            text = verdict.caption or ""
            assert ("Right!" in text) is press_right and ("Not quite." in text) is not press_right
            assert right.split(" = ")[-1] in text
            over = await alice.wait_for_message(lambda m: "Round over" in (m.text or ""))
            if press_right:
                await (await alice.press(over, "Another round")).answered()
    logs = await rows(store, ReviewLog, learner_id=1001, source="quiz")
    assert [(log.item_id, log.rating) for log in logs] == [
        ("gen-which-run", 3),
        ("gen-which-run", 1),
    ]
