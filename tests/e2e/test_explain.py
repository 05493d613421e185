"""/explain end to end: the learner has the last word on the grade's rating."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playground.botapi import BotApiStandin, ChatMessage, UserHandle
from tests.e2e.conftest import FakeClock, RunningBot, rows
from tutor.domain.content import ExplainPrompt
from tutor.domain.library import Library
from tutor.store import Database, ReviewLog

RATINGS = {"Again": 1, "Hard": 2, "Good": 3, "Easy": 4}


async def ask(user: UserHandle, library: Library) -> tuple[ChatMessage, ExplainPrompt]:
    """/explain: the message that asks, and the prompt it asks."""
    await user.send("/explain")
    asked = await user.wait_for_message()
    prompt = next(
        p
        for p in library.items.values()
        if isinstance(p, ExplainPrompt) and p.prompt in (asked.text or "")
    )
    return asked, prompt


async def graded_reply(user: UserHandle, library: Library) -> tuple[ChatMessage, ExplainPrompt]:
    """/explain, answered with the prompt's model answer: the graded reply and its prompt."""
    asked, prompt = await ask(user, library)
    await user.reply(asked, prompt.model_answer)
    return await user.wait_for_message(), prompt


def suggested_of(reply: ChatMessage) -> str:
    """The rating marked on the reply's buttons, checking the keyboard's layout."""
    ratings, another = reply.buttons
    assert another == ["Another prompt"]
    marked = [label for label in ratings if label.endswith(" ✓")]
    assert len(marked) == 1, ratings
    suggested = marked[0].removesuffix(" ✓")
    assert ratings == [suggested + " ✓" if name == suggested else name for name in RATINGS]
    return suggested


async def test_a_tap_on_another_rating_replaces_the_review_once(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        reply, prompt = await graded_reply(alice, library)
        text = reply.text or ""
        assert text.startswith("You covered ")
        assert f"A model answer\n{prompt.model_answer}" in text
        suggested = suggested_of(reply)
        assert re.search(
            rf"\n\nRated {suggested}: next review in [^.]+\. "
            r"Disagree\? Tap another rating \(once\)\.$",
            text,
        ), text
        # Stored at once, before any tap.
        logs = await rows(store, ReviewLog, learner_id=1001, source="explain")
        assert [(log.item_id, log.rating) for log in logs] == [(prompt.id, RATINGS[suggested])]

        new = "Hard" if suggested != "Hard" else "Again"
        third = next(name for name in RATINGS if name not in (new, suggested))
        stale = reply.button(third)["callback_data"]
        press = await alice.press(reply, new)
        toast = (await press.answered()).text or ""
        changed = await alice.wait_for_edit(reply, lambda m: len(m.buttons) == 1)

        assert re.fullmatch(rf"Changed to {new}: next review in [^.]+\.", toast), toast
        changed_text = changed.text or ""
        assert changed_text.endswith("\n\n" + toast), changed_text
        assert changed_text.startswith("You covered ") and "Rated " not in changed_text
        assert f"A model answer\n{prompt.model_answer}" in changed_text
        assert changed.buttons == [["Another prompt"]]

        # A second tap (an old copy of the keyboard) changes nothing.
        again = await alice.press(reply, data=stale)
        assert (await again.answered()).text == (
            "You already changed this rating: it can be changed once."
        )

    logs = await rows(store, ReviewLog, learner_id=1001, source="explain")
    assert [(log.item_id, log.rating) for log in logs] == [(prompt.id, RATINGS[new])]


async def test_the_suggested_rating_is_kept_and_an_old_reply_is_stale(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    bob = server.user(1002, "Bob")
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    async with running_bot(clock=clock):
        reply, prompt = await graded_reply(bob, library)
        suggested = suggested_of(reply)
        kept = await bob.press(reply, suggested + " ✓")
        assert re.fullmatch(
            rf"{suggested} it is: next review in [^.]+\.", (await kept.answered()).text or ""
        )
        old = reply.button("Hard" if suggested != "Hard" else "Again")["callback_data"]

        # A year on the prompt is due, asked and answered again: the first reply is stale.
        clock.advance(days=365)
        again, again_prompt = await graded_reply(bob, library)
        assert again_prompt.id == prompt.id
        logs = await rows(store, ReviewLog, learner_id=1002, source="explain")
        press = await bob.press(reply, data=old)
        notice = (await press.answered()).text

    assert notice == "This answer's rating can no longer be changed."
    after = await rows(store, ReviewLog, learner_id=1002, source="explain")
    assert [(log.id, log.rating) for log in after] == [(log.id, log.rating) for log in logs]
    assert [log.rating for log in after] == [RATINGS[suggested], RATINGS[suggested_of(again)]]


async def test_a_misconceived_answer_is_corrected_and_rated_again(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        asked, prompt = await ask(alice, library)
        # The first misconception's own wording, in a sentence of the learner's.
        caution = prompt.misconceptions[0]
        wording = (
            caution.phrases[0]
            if caution.phrases
            else " ".join(
                (caution.relations[0].cause[0], "makes it", caution.relations[0].effect[0])
            )
        )
        await alice.reply(asked, f"I think that {wording}, which is what matters here.")
        reply = await alice.wait_for_message()

    text = reply.text or ""
    assert f"⚠️ Careful: {caution.correction}" in text, text
    assert suggested_of(reply) == "Again"
    logs = await rows(store, ReviewLog, learner_id=1001, source="explain")
    assert [(log.item_id, log.rating) for log in logs] == [(prompt.id, RATINGS["Again"])]
