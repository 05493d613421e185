"""A learner's first contact and review sessions, over real HTTP against the stand-in."""

from __future__ import annotations

import pytest

from bot.callbacks import CALLBACK_DATA_MAX_BYTES
from bot.handlers.start import OTHER_MESSAGE
from playground.botapi import BotApiStandin, ChatMessage, UserHandle
from tests.conftest import tiny_deck
from tests.e2e.conftest import RunningBot, rows, set_new_per_day
from tutor.domain.library import Library, library_of
from tutor.services import learners
from tutor.store import Database, ItemState, Learner, ReviewLog

RATINGS = ("Again", "Hard", "Good", "Easy")


@pytest.fixture
def three_cards() -> Library:
    return library_of([tiny_deck("alpha", cards=3)])


def rating_label(message: ChatMessage, rating: str) -> str:
    """The full label of a rating button ("Good · 10m")."""
    return next(label for label in message.button_labels if label.startswith(rating))


async def reveal_and_rate(user: UserHandle, card: ChatMessage, rating: str) -> ChatMessage:
    """Show the answer, rate it, and return the message as it stands after the rating."""
    reveal = await user.press(card, "Show answer")
    assert (await reveal.answered()).text is None
    back = await user.wait_for_edit(card, lambda m: "Answer" in (m.text or ""))
    rate = await user.press(back, rating_label(back, rating))
    toast = await rate.answered()
    assert toast.text is not None and toast.text.startswith(f"{rating}: see it again in")
    return await user.wait_for_edit(back, lambda m: "Answer" not in (m.text or ""))


async def test_start_greets_creates_the_learner_and_offers_cards(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/start")
        greeting = await alice.wait_for_message()
        assert greeting.text is not None
        assert greeting.text.startswith("Hi Alice! I'm your learning-rate tutor.")
        assert "Learning rate" in greeting.text  # the shipped decks are named
        assert greeting.button_labels == ["Start reviewing"]
        commands = {name for name, _ in server.commands(scope={"type": "all_private_chats"})}
        assert {"start", "help", "review"} <= commands

        press = await alice.press(greeting, "Start reviewing")
        await press.answered()
        card = await alice.wait_for_message()
        assert card.button_labels == ["Show answer"]
        assert "new card" in (card.text or "")

    [learner] = await rows(store, Learner)
    assert (learner.id, learner.first_name) == (1001, "Alice")


async def test_deep_link_focuses_one_deck(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    deck_id = sorted(library.decks)[-1]
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send(f"/start {deck_id}")
        greeting = await alice.wait_for_message()
        assert library.decks[deck_id].title in (greeting.text or "")
        await alice.send("/review")
        card = await alice.wait_for_message()
        assert library.decks[deck_id].title in (card.text or "")
    [learner] = await rows(store, Learner)
    assert learner.decks == [deck_id]


async def test_a_whole_review_session_stores_every_rating(
    server: BotApiStandin, running_bot: RunningBot, store: Database, three_cards: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=three_cards):
        await alice.send("/review")
        card = await alice.wait_for_message()
        assert "Question 0 of alpha?" in (card.text or "")

        reveal = await alice.press(card, "Show answer")
        await reveal.answered()
        back = await alice.wait_for_edit(card)
        assert "Answer 0 of alpha." in (back.text or "")
        labels = back.button_labels
        assert [label.split(" · ")[0] for label in labels] == list(RATINGS)
        # New-card intervals from FSRS's defaults: 1 min, 5.5 min, 10 min, 8 days.
        assert [label.split(" · ")[1] for label in labels] == ["1m", "6m", "10m", "8d"]

        rate = await alice.press(back, rating_label(back, "Good"))
        assert (await rate.answered()).text == "Good: see it again in 10 minutes."
        second = await alice.wait_for_edit(back, lambda m: "Question 1" in (m.text or ""))
        # The rating was stored before the reply was drawn.
        [state] = await rows(store, ItemState, item_id="alpha-c0")
        assert (state.reps, state.state) == (1, 1)

        third = await reveal_and_rate(alice, second, "Easy")
        assert "Question 2 of alpha?" in (third.text or "")
        summary = await reveal_and_rate(alice, third, "Again")
        assert summary.text is not None
        assert summary.text.startswith("All caught up! You reviewed 3 cards today.")
        assert summary.text.endswith("Your next card is due in a minute.")
        assert summary.button_labels == []
        # All of it happened on the one message the session started with.
        assert len(alice.bot_messages) == 1

    logs = await rows(store, ReviewLog, learner_id=1001)
    assert [(log.item_id, log.rating, log.source) for log in logs] == [
        ("alpha-c0", 3, "review"),
        ("alpha-c1", 4, "review"),
        ("alpha-c2", 1, "review"),
    ]
    assert all(log.was_new for log in logs)


async def test_new_cards_are_capped_per_day(
    server: BotApiStandin, running_bot: RunningBot, store: Database, three_cards: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=three_cards):
        await alice.send("/start")
        await alice.wait_for_message()
        await set_new_per_day(store, 1001, 1)
        await alice.send("/review")
        card = await alice.wait_for_message()
        summary = await reveal_and_rate(alice, card, "Good")
        assert summary.text is not None
        assert "That was today's last new card (1 a day)" in summary.text


async def test_a_restart_keeps_progress(
    server: BotApiStandin, running_bot: RunningBot, store: Database, three_cards: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=three_cards):
        await alice.send("/review")
        card = await alice.wait_for_message()
        card = await reveal_and_rate(alice, card, "Easy")
        card = await reveal_and_rate(alice, card, "Easy")
        assert "Question 2 of alpha?" in (card.text or "")

    async with running_bot(library=three_cards):
        await alice.send("/review")
        after = await alice.wait_for_message(lambda m: m is not card)
        assert "Question 2 of alpha?" in (after.text or "")
        summary = await reveal_and_rate(alice, after, "Easy")
        assert "You reviewed 3 cards today" in (summary.text or "")

    states = await rows(store, ItemState, learner_id=1001)
    assert sorted(s.item_id for s in states) == ["alpha-c0", "alpha-c1", "alpha-c2"]


async def test_bad_buttons_are_answered_and_change_nothing(
    server: BotApiStandin, running_bot: RunningBot, store: Database, three_cards: Library
) -> None:
    alice, mallory = server.user(1001, "Alice"), server.user(1002, "Mallory")
    async with running_bot(library=three_cards):
        await alice.send("/review")
        card = await alice.wait_for_message()
        reveal_data = card.button("Show answer")["callback_data"]
        assert len(reveal_data.encode()) <= CALLBACK_DATA_MAX_BYTES
        await alice.press(card, "Show answer")
        back = await alice.wait_for_edit(card)
        good_data = back.button(rating_label(back, "Good"))["callback_data"]

        await mallory.send("/start")
        mallory_message = await mallory.wait_for_message()

        forged = good_data[:-1] + ("A" if good_data[-1] != "A" else "B")
        cases = {
            "garbage": ("not our data at all", "This button is not valid."),
            "forged signature": (forged, "This button is not valid."),
            "empty": ("", "This button is not valid."),
            "64 bytes": ("1" + "r" * 63, "This button is not valid."),
        }
        for name, (data, notice) in cases.items():
            press = await alice.press(back, data=data)
            assert (await press.answered()).text == notice, name
        # Another learner replaying Alice's button in their own chat.
        press = await mallory.press(mallory_message, data=good_data)
        assert (await press.answered()).text == "This button belongs to someone else."
        assert await rows(store, ReviewLog) == []
        assert back.text is not None and "Answer 0 of alpha." in back.text

        # The real rating, then a second tap on it and a stale Show answer.
        behind = dict(back.data)
        rate = await alice.press(back, data=good_data)
        await rate.answered()
        await alice.wait_for_edit(back, lambda m: "Question 1" in (m.text or ""))
        again = await alice.press(back, data=good_data)
        assert (await again.answered()).text == "This card was already rated."
        stale = await alice.press(back, data=reveal_data)
        assert (await stale.answered()).text == "This card was already rated."
        await server.settle()
        # A late edit (Telegram carried out a timed-out one after its retry) turns the
        # message back to the rated card: a press there redraws it where the learner is.
        back.data = behind
        late = await alice.press(back, data=good_data)
        assert (await late.answered()).text == "This card was already rated."
        caught_up = await alice.wait_for_edit(back, lambda m: "Question 1" in (m.text or ""))
        assert caught_up.button_labels == ["Show answer"]
        await server.settle()

    logs = await rows(store, ReviewLog)
    assert [(log.item_id, log.rating) for log in logs] == [("alpha-c0", 3)]
    assert not [r for r in server.requests("answerCallbackQuery") if r.error]


async def test_unknown_commands_and_stray_text_get_a_hint(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/frobnicate now")
        assert (await alice.wait_for_message()).text == (
            "I don't know /frobnicate. Send /help to see what I can do."
        )
        await alice.send("x" * 4096)
        assert (await alice.wait_for_message()).text == OTHER_MESSAGE
        await alice.send("/help")
        help_text = (await alice.wait_for_message()).text or ""
        for command in ("/review", "/start", "/help"):
            assert command in help_text
    assert await rows(store, ReviewLog) == []


async def test_a_learner_forgotten_on_another_instance_is_read_afresh(
    server: BotApiStandin, running_bot: RunningBot, store: Database, three_cards: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=three_cards):
        await alice.send("/review")
        card = await alice.wait_for_message()
        second = await reveal_and_rate(alice, card, "Good")
        # Another instance (its own connection pool: ``store``) handles /forget meanwhile.
        forgotten = await store.run(learners.forget, learner_id=1001)
        assert forgotten.rows["learner"] == 1
        # The next rating starts the learner afresh instead of acting on what this
        # instance read before (a foreign-key error, "Sorry, something went wrong").
        third = await reveal_and_rate(alice, second, "Good")
        # Forgotten: the first card is new again.
        assert "Question 0 of alpha?" in (third.text or "")
    [learner] = await rows(store, Learner)
    assert learner.id == 1001
    logs = await rows(store, ReviewLog, learner_id=1001)
    assert [(log.item_id, log.was_new) for log in logs] == [("alpha-c1", True)]


async def test_a_returning_learner_is_greeted_as_one(
    server: BotApiStandin, running_bot: RunningBot, three_cards: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=three_cards):
        await alice.send("/start")
        first = await alice.wait_for_message()
        assert (first.text or "").startswith("Hi Alice! I'm your learning-rate tutor.")
        await alice.send("/start")
        again = await alice.wait_for_message(lambda m: m is not first)
        assert (again.text or "").startswith("Welcome back, Alice!")
        assert again.button_labels == ["Start reviewing"]


async def test_a_long_back_shows_its_first_sentences_and_the_rest_on_read_more(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    """A back of six sentences shows what fits a phone with its buttons; Read more shows
    it whole, with the same ratings, and a rating then counts as usual."""
    deck = tiny_deck("alpha", cards=1)
    sentences = [
        "Warm-up starts with a small rate and raises it to the target over the first steps.",
        "Early gradients can be large, because the weights are random.",
        "Adam's second-moment estimates are also poor in the first steps.",
        "A full rate on such estimates can throw the weights far off.",
        "Raising the rate slowly lets those estimates settle first.",
        "Schedules for transformers often warm up over a few thousand steps.",
    ]
    card = deck.cards[0].model_copy(update={"back": " ".join(sentences)})
    alice = server.user(1001, "Alice")
    async with running_bot(library=library_of([deck.model_copy(update={"cards": [card]})])):
        await alice.send("/review")
        shown = await alice.wait_for_message()
        await alice.press(shown, "Show answer")
        back = await alice.wait_for_edit(shown, lambda m: "Answer" in (m.text or ""))
        text = back.text or ""
        assert " ".join(sentences[:3]) + " …" in text and sentences[3] not in text
        assert back.button_labels[-1] == "Read more ▾" and len(back.button_labels) == 5
        await alice.press(back, "Read more ▾")
        whole = await alice.wait_for_edit(back, lambda m: sentences[5] in (m.text or ""))
        assert " ".join(sentences) in (whole.text or "")
        assert [label.split(" · ")[0] for label in whole.button_labels] == list(RATINGS)
        await alice.press(whole, rating_label(whole, "Good"))
        await alice.wait_for_edit(whole, lambda m: "Answer" not in (m.text or ""))
    (log,) = await rows(store, ReviewLog, learner_id=1001)
    assert (log.item_id, log.rating) == (card.id, 3)
