"""A learner's own memory model end to end: /settings fits it in the worker, /stats says
what it gained, and the way back to FSRS's defaults; and progress brought from Anki."""

from __future__ import annotations

from datetime import timedelta

import pytest

from playground.botapi import BotApiStandin
from tests.e2e.conftest import FakeClock, RunningBot, rows
from tests.tutor.domain.test_memorymodel import FORGETFUL, simulate
from tests.tutor.imports.anki_reference import REALDECKS
from tests.tutor.services.test_fitting import store_history
from tutor.store import Database, ItemState, Learner, MemoryFit, ReviewLog

ALICE = 1001


async def test_a_learner_fits_their_memory_model_and_can_go_back(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    alice = server.user(ALICE, "Alice")
    reviews = simulate(FORGETFUL, items=120, reviews=10, seed=1)
    clock = FakeClock(max(review.reviewed_at for review in reviews) + timedelta(days=1))
    async with running_bot(clock=clock):
        await alice.send("/start")
        await alice.wait_for_message()
        await store.run(store_history, reviews, ALICE)

        await alice.send("/settings")
        menu = await alice.wait_for_message()
        await (await alice.press(menu, "🧠 Memory model")).answered()
        page = await alice.wait_for_edit(menu)
        assert "I schedule your reviews with FSRS's default memory model." in (page.text or "")
        assert "You have enough reviews for a model of your own" in (page.text or "")

        press = await alice.press(page, "Fit it to my reviews now")
        assert (await press.answered()).text == "Fitting your memory model…"
        fitted = await alice.wait_for_edit(
            page, lambda m: "Fitted and in use" in (m.text or ""), timeout=60
        )
        text = fitted.text or ""
        assert "a memory model fitted to your 1,200 reviews on" in text
        assert "cards rescheduled" in text
        [learner] = await rows(store, Learner)
        assert learner.fsrs_parameters is not None and len(learner.fsrs_parameters) == 21
        [fit] = await rows(store, MemoryFit)
        assert fit.adopted and fit.fitted_loss < fit.current_loss

        await alice.send("/stats")
        stats = await alice.wait_for_message(
            lambda m: "Your progress" in (m.caption or m.text or ""), timeout=30
        )
        gain = f"{1 - fit.fitted_loss / fit.current_loss:.0%}"
        assert (
            f"Memory model: fitted to your 1,200 reviews, predicts your recall {gain} better"
            in (stats.caption or stats.text or "")
        )

        await (await alice.press(fitted, "Use FSRS's defaults")).answered()
        back = await alice.wait_for_edit(
            fitted, lambda m: "Back to FSRS's defaults" in (m.text or "")
        )
        assert "You chose the defaults" in (back.text or "")
    [learner] = await rows(store, Learner)
    assert learner.fsrs_parameters is None


@pytest.mark.skipif(not REALDECKS.exists(), reason="needs ../shared/realdecks")
async def test_a_collection_brings_its_progress_and_a_shared_deck_does_not(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    alice = server.user(ALICE, "Alice")
    async with running_bot():
        data = (REALDECKS / "chia" / "collection.colpkg").read_bytes()
        await alice.send_document(data, "collection.colpkg")
        reply = await alice.wait_for_message(lambda m: "Deck" in (m.text or ""), timeout=60)
        assert "Your progress came along: 237 reviews of 40 cards, as Anki recorded them" in (
            reply.text or ""
        )
        log = await rows(store, ReviewLog, learner_id=ALICE)
        assert len(log) == 237 and {row.source for row in log} == {"anki"}
        assert len(await rows(store, ItemState, learner_id=ALICE)) == 40

        await alice.send("/stats")
        stats = await alice.wait_for_message(
            lambda m: "Your progress" in (m.caption or m.text or ""), timeout=30
        )
        assert "Reviews: 0 today · 0 in 7 days · 237 in all" in (stats.caption or stats.text or "")

        shared = (REALDECKS / "kedar" / "collection.apkg").read_bytes()
        await alice.send_document(shared, "Shared deck.apkg")
        reply = await alice.wait_for_message(lambda m: "carries" in (m.text or ""), timeout=60)
        assert (
            "It carries 1,598 reviews by whoever made it; like Anki's import, I start its cards "
            "new." in (reply.text or "")
        )
    assert len(await rows(store, ReviewLog, learner_id=ALICE)) == 237
