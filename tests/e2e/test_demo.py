"""/demo end to end: a real training run answered with a PNG, while other chats are served."""

from __future__ import annotations

import asyncio

from bot.views import WARMING_UP
from playground.botapi import BotApiStandin, image_size
from tests.e2e.conftest import RunningBot


async def test_demo_lr_sends_a_plot_and_other_chats_are_answered_meanwhile(
    server: BotApiStandin, running_bot: RunningBot, e2e_database_url: str
) -> None:
    alice, bob = server.user(1001, "Alice"), server.user(1002, "Bob")
    # The demo worker is shared by the whole run: rates of this test's own, so it trains.
    low = "0.001" if e2e_database_url.startswith("sqlite") else "0.002"
    async with running_bot():
        await alice.send(f"/demo lr {low} 0.1 9")
        await server.wait_for_request("sendChatAction", timeout=5)
        await bob.send("/start")
        greeting = await bob.wait_for_message(timeout=5)
        photo = await alice.wait_for_message(lambda m: m.photo is not None, timeout=30)
        # Bob was answered while Alice's demo trained, not after it.
        sent = server.requests()
        assert sent.index(greeting.request) < sent.index(photo.request)
        assert photo.photo is not None and image_size(photo.photo) == (1200, 1200)
        caption = photo.caption or ""
        assert "lr=9 diverged at step" in caption and "lr=0.1 reached" in caption
        assert len(caption) <= 1024
        assert server.last_request("sendChatAction").params["action"] == "upload_photo"

        # The same request again is served from Telegram's copy, with no training.
        sent_before = len(server.requests("sendPhoto"))
        await alice.send(f"/demo lr 9 0.1 {low}")
        again = await alice.wait_for_message(lambda m: m.photo is not None, timeout=10)
        assert again.caption == caption
        request = server.requests("sendPhoto")[sent_before]
        assert isinstance(request.params["photo"], str)  # a file_id, not an upload


async def test_bad_demo_arguments_get_the_usage_and_no_training(
    server: BotApiStandin, running_bot: RunningBot
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        for bad in ("lr banana", "lr nan", "lr inf", "lr -1", "lr 11", "lr 1 2 3 4 5 6 7", "fly"):
            await alice.send(f"/demo {bad}")
            reply = (await alice.wait_for_message()).text or ""
            assert "Usage: /demo lr | schedule | differential | warmup" in reply, bad
        await asyncio.sleep(0.2)
    assert server.requests("sendPhoto") == []


async def test_the_menu_runs_the_warm_up_demo_on_adam(
    server: BotApiStandin, running_bot: RunningBot
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/demo")
        menu = await alice.wait_for_message()
        assert len(menu.button_labels) == 4 and "warmup" in (menu.text or "")
        await alice.press(menu, "warmup: Adam with and without")
        photo = await alice.wait_for_message(lambda m: m.photo is not None, timeout=30)
        assert photo.photo is not None and image_size(photo.photo) == (1200, 1200)
        caption = photo.caption or ""
        assert caption.startswith("Adam's first steps move every weight by about the full rate")
        assert "no warm-up (lr=0.15 from step 0)" in caption


async def test_the_bot_serves_while_its_trainer_warms_up_and_a_demo_asked_then_waits(
    server: BotApiStandin, running_bot: RunningBot
) -> None:
    """A bot that starts its own trainer polls at once: a /demo asked before the trainer
    is warm gets a note, then its plot, and other chats are answered meanwhile."""
    alice, bob = server.user(1001, "Alice"), server.user(1002, "Bob")
    async with running_bot(demos=None) as application:
        runner = application.bot_data["services"].demos
        assert runner is not None and runner.warming_up
        await alice.send("/demo lr 0.05")
        note = await alice.wait_for_message(timeout=10)
        assert note.text == WARMING_UP
        await bob.send("/start")
        await bob.wait_for_message(timeout=10)
        photo = await alice.wait_for_message(lambda m: m.photo is not None, timeout=60)
        assert (photo.caption or "").startswith("At lr=0.05")
        assert not runner.warming_up
