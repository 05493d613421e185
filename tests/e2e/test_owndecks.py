"""Own decks end to end: a file sent to the bot becomes a deck to study, share, quiz a class
on, replace with progress kept, and export (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import genanki
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.start import OTHER_MESSAGE
from bot.metrics import metrics_of
from playground.botapi import BotApiStandin, Chat, ChatMessage, UserHandle, image_size
from tests.e2e.conftest import RunningBot, rows, set_new_per_day
from tests.e2e.test_review import reveal_and_rate
from tests.hostile import png
from tests.tutor.imports.anki_files import picture_package
from tutor.domain.content import Deck
from tutor.domain.library import Library, library_of
from tutor.store import Database, ItemState, OwnDeck, OwnDeckItem, OwnDeckMedia

GROUP_ID = -1001234567000
REPLY_TIMEOUT = 20.0

OPTICS_CSV = (
    "#separator:Comma\n"
    "#deck:Optics\n"
    "#columns:Front,Back,Correct,Wrong 1,Wrong 2,Wrong 3,Explanation\n"
    "What bends light in a lens?,Refraction\n"
    "What is the focal length?,The distance from the lens to its focus\n"
    "What does a prism do to white light?,It splits it into colours\n"
    "What is a virtual image?,\n"
    "Which lens makes parallel rays meet?,It is the one that bulges,Convex,Concave,Flat,,"
    "A convex lens bends rays towards the axis\n"
)
OPTICS_FRONTS = (
    "What bends light in a lens?",
    "What is the focal length?",
    "What does a prism do to white light?",
)


@pytest.fixture
def basics() -> Library:
    """One built-in deck: a card and a question."""
    deck = Deck.model_validate(
        {
            "id": "basics",
            "title": "Basics",
            "description": "The built-in deck of these tests.",
            "cards": [
                {
                    "id": "basics-c0",
                    "level": "beginner",
                    "front": "A built-in card?",
                    "back": "Yes.",
                    "source": "S",
                }
            ],
            "quiz": [
                {
                    "id": "basics-q0",
                    "level": "beginner",
                    "question": "A built-in question?",
                    "options": [
                        {"text": "Yes", "correct": True},
                        {"text": "No"},
                        {"text": "Maybe"},
                    ],
                    "explanation": "It ships with the bot.",
                    "source": "S",
                }
            ],
        }
    )
    return library_of([deck])


async def send_file(user: UserHandle, data: bytes, name: str, **kwargs: object) -> ChatMessage:
    """Send a file and wait for the bot's answer to it."""
    sent = await user.send_document(data, name, **kwargs)  # type: ignore[arg-type]
    chat = sent.chat
    return await user.wait_for_message(
        lambda m: m.message_id > sent.message_id, chat=chat, timeout=REPLY_TIMEOUT
    )


async def import_optics(user: UserHandle) -> ChatMessage:
    reply = await send_file(user, OPTICS_CSV.encode(), "optics.csv")
    assert (reply.text or "").startswith("Deck Optics: 3 cards, 1 question."), reply.text
    return reply


async def test_a_csv_with_a_bad_row_names_its_line_and_study_now_shows_one_of_its_cards(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        reply = await import_optics(alice)
        lines = (reply.text or "").splitlines()
        assert "Skipped 1 row:" in lines
        assert "• line 7: no answer" in lines
        assert reply.button_labels == ["Study now"]

        await alice.press(reply, "Study now")
        card = await alice.wait_for_message(lambda m: m is not reply)
        text = card.text or ""
        assert text.startswith("Optics · new card")
        assert any(front in text for front in OPTICS_FRONTS)
        assert card.button_labels == ["Show answer"]

    decks = await rows(store, OwnDeck)
    assert [(d.learner_id, d.title) for d in decks] == [(1001, "Optics")]
    items = await rows(store, OwnDeckItem)
    assert sorted(i.kind for i in items) == ["card", "card", "card", "quiz"]
    assert all(i.item_id.startswith(f"own{decks[0].id}-") for i in items)


async def test_bad_files_get_a_short_reply_and_change_nothing(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics) as application:
        big = await send_file(alice, b"a,b\n" * (600 * 1024), "big.csv")
        assert big.text == "big.csv is 2.3 MB; I take files of up to 2 MB."
        junk = await send_file(alice, bytes(range(256)) * 40, "deck.csv")
        assert junk.text and "deck.csv" in junk.text and len(junk.text) < 300
        empty = await send_file(alice, b"   \n", "empty.md")
        assert empty.text == "empty.md is empty."
        await server.settle()
        metrics = metrics_of(application)
        assert metrics.value("tutor_deck_files_total", outcome="refused") == 3
        assert metrics.value("tutor_deck_files_total", outcome="imported") == 0
    # The big file was refused on its size alone: only the two others were fetched.
    assert len(server.requests("getFile")) == 2
    assert await rows(store, OwnDeck) == []


async def test_a_share_link_adds_the_deck_for_a_second_learner(
    server: BotApiStandin, running_bot: RunningBot, basics: Library
) -> None:
    alice, bob = server.user(1001, "Alice"), server.user(1002, "Bob")
    async with running_bot(library=basics):
        await import_optics(alice)
        await alice.send("/decks")
        listing = await alice.wait_for_message()
        assert "your deck: 3 cards, 1 question" in (listing.text or "")
        assert listing.buttons == [["✅ Basics"], ["✅ Optics", "⚙️"]]
        await alice.press(listing, "⚙️")
        page = await alice.wait_for_edit(listing, lambda m: "Share link" in (m.text or ""))
        link = re.search(r"https://t\.me/lr_tutor_bot\?start=(deck-[\w-]+)", page.text or "")
        assert link is not None
        assert page.buttons == [["✏️ Rename", "📄 Replace"], ["🗑 Delete"], ["« Back"]]

        await bob.send("/start deck-not-a-code")
        refused = await bob.wait_for_message()
        assert (refused.text or "").startswith("This deck link does not work")
        await bob.send(f"/start {link.group(1)}")
        greeting = await bob.wait_for_message(lambda m: m is not refused)
        assert "This link added the deck Optics to your decks" in (greeting.text or "")
        await bob.press(greeting, "Start reviewing")
        card = await bob.wait_for_message(lambda m: m is not greeting)
        assert (card.text or "").startswith("Optics · new card")

        await bob.send("/decks")
        bobs = await bob.wait_for_message(lambda m: m is not card)
        assert "shared with you: 3 cards, 1 question" in (bobs.text or "")
        await bob.press(bobs, "⚙️")
        shared_page = await bob.wait_for_edit(bobs, lambda m: "Shared with you" in (m.text or ""))
        assert shared_page.buttons == [["Remove from my decks"], ["« Back"]]


async def test_rename_takes_the_next_message_and_delete_asks_first(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        await import_optics(alice)
        await alice.send("/decks")
        listing = await alice.wait_for_message()
        await alice.press(listing, "⚙️")
        page = await alice.wait_for_edit(listing, lambda m: "Share link" in (m.text or ""))
        await alice.press(page, "✏️ Rename")
        asked = await alice.wait_for_edit(page, lambda m: "new name" in (m.text or ""))
        assert asked.text == "Send the new name for Optics (up to 60 characters)."
        sent = await alice.send("Light and lenses")
        renamed = await alice.wait_for_message(lambda m: m.message_id > sent.message_id)
        assert renamed.text == "Renamed Optics to Light and lenses."
        chatter = await alice.send("Light and lenses")  # not a name any more
        pointer = await alice.wait_for_message(lambda m: m.message_id > chatter.message_id)
        assert pointer.text == OTHER_MESSAGE

        await alice.send("/decks")
        listing = await alice.wait_for_message(lambda m: m.message_id > pointer.message_id)
        await alice.press(listing, "⚙️")
        page = await alice.wait_for_edit(listing, lambda m: "Share link" in (m.text or ""))
        await alice.press(page, "🗑 Delete")
        ask = await alice.wait_for_edit(
            page, lambda m: "Delete Light and lenses?" in (m.text or "")
        )
        assert ask.buttons == [["Yes, delete it"], ["No, keep it"]]
        press = await alice.press(ask, "Yes, delete it")
        assert (await press.answered()).text == "Deleted Light and lenses."
        again = await alice.press(ask, data=ask.button("Yes, delete it")["callback_data"])
        assert (await again.answered()).text is not None  # answered, nothing to delete
    assert await rows(store, OwnDeck) == []


async def test_cancel_drops_a_rename_and_the_next_text_is_an_ordinary_message(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        await import_optics(alice)
        await alice.send("/decks")
        listing = await alice.wait_for_message()
        await alice.press(listing, "⚙️")
        page = await alice.wait_for_edit(listing, lambda m: "Share link" in (m.text or ""))
        await alice.press(page, "✏️ Rename")
        await alice.wait_for_edit(page, lambda m: "new name" in (m.text or ""))
        cancel = await alice.send("/cancel")
        cancelled = await alice.wait_for_message(lambda m: m.message_id > cancel.message_id)
        assert cancelled.text == "Rename cancelled."
        chatter = await alice.send("Light and lenses")
        pointer = await alice.wait_for_message(lambda m: m.message_id > chatter.message_id)
        assert pointer.text == OTHER_MESSAGE
        again = await alice.send("/cancel")
        nothing = await alice.wait_for_message(lambda m: m.message_id > again.message_id)
        assert nothing.text == "There is nothing to cancel."
        await alice.send("/decks")
        listing = await alice.wait_for_message(lambda m: m.message_id > nothing.message_id)
        assert "Optics" in (listing.text or "")
        assert "Light and lenses" not in (listing.text or "")
    assert [deck.title for deck in await rows(store, OwnDeck)] == ["Optics"]


async def test_replacing_a_deck_after_the_confirm_keeps_progress(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics) as application:
        reply = await import_optics(alice)
        await alice.press(reply, "Study now")
        card = await alice.wait_for_message(lambda m: m is not reply)
        reviewed_front = next(f for f in OPTICS_FRONTS if f in (card.text or ""))
        await reveal_and_rate(alice, card, "Good")
        states_before = await rows(store, ItemState, learner_id=1001)
        assert len(states_before) == 1

        changed = "#deck:optics\n" + "\n".join(
            [
                f"{reviewed_front},A new wording of the answer",
                "What is a real image?,One that light really reaches",
            ]
        )
        confirm = await send_file(alice, changed.encode(), "optics-v2.csv")
        assert (confirm.text or "").startswith("You have a deck named Optics. Replace it")
        assert confirm.buttons == [["Replace Optics"], ["Keep the old one"]]
        await alice.press(confirm, "Replace Optics")
        done = await alice.wait_for_edit(
            confirm, lambda m: "replaced" in (m.text or ""), timeout=REPLY_TIMEOUT
        )
        lines = (done.text or "").splitlines()
        assert lines[0] == "Deck Optics replaced: 2 cards."
        assert "1 item kept your progress (found again by id or front text)." in lines
        assert "3 items no longer in the file left your reviews." in lines
        press = await alice.press(done, "Study now")
        assert (await press.answered()).text is None
        counted = {
            outcome: metrics_of(application).value("tutor_deck_files_total", outcome=outcome)
            for outcome in ("imported", "confirm", "replaced", "refused")
        }
        assert counted == {"imported": 1, "confirm": 1, "replaced": 1, "refused": 0}

    states = await rows(store, ItemState, learner_id=1001)
    assert [(s.item_id, s.reps) for s in states] == [(states_before[0].item_id, 1)]
    items = {i.item_id: i for i in await rows(store, OwnDeckItem)}
    kept = items[states_before[0].item_id]
    assert kept.active and kept.data["back"] == "A new wording of the answer"
    assert sorted(i.active for i in items.values()) == [False, False, False, True, True]


async def test_export_sends_progress_and_a_deck_file_that_imports_back_unchanged(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        reply = await import_optics(alice)
        await alice.press(reply, "Study now")
        card = await alice.wait_for_message(lambda m: m is not reply)
        await reveal_and_rate(alice, card, "Hard")
        before = sorted((i.item_id, i.active, i.data) for i in await rows(store, OwnDeckItem))

        asked = await alice.send("/export")
        await alice.wait_until(
            lambda: sum(1 for m in alice.bot_messages if m.message_id > asked.message_id) >= 3,
            timeout=REPLY_TIMEOUT,
        )
        progress, log, deck_file = [
            m for m in alice.bot_messages if m.message_id > asked.message_id
        ]
        assert progress.document is not None and deck_file.document is not None
        table = progress.document.decode("utf-8-sig").splitlines()
        assert (
            table[0] == "item,deck,front,reviews,last rating,due date,stability,predicted recall"
        )
        assert len(table) == 2 and ",Optics," in table[1] and ",1,Hard," in table[1]
        # The review log too, so that the learner leaves with their whole history.
        assert log.document is not None and log["document"]["file_name"] == "reviews.csv"
        reviews = log.document.decode("utf-8-sig").splitlines()
        assert reviews[0] == "item,deck,reviewed at (UTC),rating,rating name,seconds,source"
        assert len(reviews) == 2 and ",Optics," in reviews[1] and ",2,Hard," in reviews[1]
        assert reviews[1].endswith(",review")
        assert deck_file["document"]["file_name"] == "Optics.yaml"

        confirm = await send_file(alice, deck_file.document, "Optics.yaml")
        await alice.press(confirm, "Replace Optics")
        done = await alice.wait_for_edit(
            confirm, lambda m: "replaced" in (m.text or ""), timeout=REPLY_TIMEOUT
        )
        assert "4 items kept your progress" in (done.text or "")

    after = sorted((i.item_id, i.active, i.data) for i in await rows(store, OwnDeckItem))
    assert after == before


def group_with(server: BotApiStandin, admin: UserHandle, member: UserHandle) -> Chat:
    return server.group(GROUP_ID, "Physics 101", members=[member], admins=[admin])


async def test_an_admin_picks_an_own_deck_and_the_next_group_quiz_asks_its_question(
    server: BotApiStandin, running_bot: RunningBot, basics: Library
) -> None:
    alice, bob = server.user(1001, "Alice"), server.user(1002, "Bob")
    group = group_with(server, alice, bob)
    async with running_bot(library=basics):
        await import_optics(alice)
        await bob.send("/decks", chat=group)
        refusal = await bob.wait_for_message(chat=group)
        assert refusal.text == "Only the chat's admins can choose the decks of its quizzes."
        await alice.send("/decks", chat=group)
        choice = await alice.wait_for_message(lambda m: m is not refusal, chat=group)
        assert choice.buttons == [["✅ Basics"], ["⬜ Optics"]]
        assert "Optics (Alice's) · 1 question" in (choice.text or "")
        foreign = await bob.press(choice, "⬜ Optics")
        assert (await foreign.answered()).text == "This button belongs to someone else."

        await alice.press(choice, "⬜ Optics")
        choice = await alice.wait_for_edit(choice, lambda m: "✅ Optics" in m.button_labels)
        press = await alice.press(choice, "✅ Basics")
        assert (await press.answered()).text == "Basics is off."
        choice = await alice.wait_for_edit(choice, lambda m: "⬜ Basics" in m.button_labels)
        last = await alice.press(choice, "✅ Optics")
        assert (
            await last.answered()
        ).text == "At least one deck stays on for this chat's quizzes."

        await alice.send("/quiz 1 30", chat=group)
        poll = await alice.wait_for_message(lambda m: m.poll is not None, chat=group, timeout=10)
        assert poll.poll is not None
        assert poll.poll.question == "[1/1] Which lens makes parallel rays meet?"
        assert set(poll.poll.options) == {"Convex", "Concave", "Flat"}
        assert poll.poll.options[poll.poll.correct_option_id or 0] == "Convex"


async def test_a_file_in_a_group_is_imported_only_when_it_replies_to_the_bot(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    alice, bob = server.user(1001, "Alice"), server.user(1002, "Bob")
    group = server.group(
        GROUP_ID, "Physics 101", members=[bob], admins=[alice], bot_status="administrator"
    )
    async with running_bot(library=basics):
        await alice.send_document(OPTICS_CSV.encode(), "optics.csv", chat=group)
        await alice.send("/help", chat=group)
        greeting = await alice.wait_for_message(chat=group)
        await server.settle()
        assert server.requests("getFile") == []
        reply = await send_file(
            alice, OPTICS_CSV.encode(), "optics.csv", chat=group, reply_to=greeting
        )
        assert (reply.text or "").startswith("Deck Optics: 3 cards, 1 question.")
        assert "study it with me in a private chat" in (reply.text or "")
        assert reply.buttons == []
    assert [d.title for d in await rows(store, OwnDeck)] == ["Optics"]


async def test_a_co_admin_cannot_offer_an_admins_deck_and_it_stops_when_its_owner_is_demoted(
    server: BotApiStandin, running_bot: RunningBot, basics: Library
) -> None:
    alice, carol, bob = (
        server.user(1001 + n, name) for n, name in enumerate(["Alice", "Carol", "Bob"])
    )
    group = server.group(GROUP_ID, "Physics 101", members=[bob], admins=[alice, carol])
    async with running_bot(library=basics):
        await import_optics(alice)
        # Carol, a co-admin, is never offered Alice's private deck.
        await carol.send("/decks", chat=group)
        seen = await carol.wait_for_message(chat=group)
        assert seen.buttons == [["✅ Basics"]] and "Optics" not in (seen.text or "")

        await alice.send("/decks", chat=group)
        choice = await alice.wait_for_message(lambda m: m is not seen, chat=group)
        await alice.press(choice, "⬜ Optics")
        choice = await alice.wait_for_edit(choice, lambda m: "✅ Optics" in m.button_labels)
        await alice.press(choice, "✅ Basics")
        await alice.wait_for_edit(choice, lambda m: "⬜ Basics" in m.button_labels)

        # Carol sees whose it is, with no switch for it.
        await carol.send("/decks", chat=group)
        seen = await carol.wait_for_message(lambda m: m.message_id > choice.message_id, chat=group)
        assert seen.buttons == [["⬜ Basics"]]
        assert "✅ Optics (Alice's) · 1 question" in (seen.text or "")

        # Alice is an admin no more: her deck stays out of the class's quiz.
        group.set_status(alice, "member")
        await carol.send("/quiz 1 30", chat=group)
        poll = await carol.wait_for_message(lambda m: m.poll is not None, chat=group, timeout=10)
        assert poll.poll is not None and poll.poll.question == "[1/1] A built-in question?"
        await carol.send("/decks", chat=group)
        seen = await carol.wait_for_message(
            lambda m: m.message_id > poll.message_id and "Decks" in (m.text or ""), chat=group
        )
        assert "⏸ Optics (a former admin's: not used) · 1 question" in (seen.text or "")


async def test_a_card_with_an_image_is_a_photo_and_its_answer_is_on_the_same_message(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    basics: Library,
    tmp_path: Path,
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        package = picture_package(
            tmp_path,
            [
                ['<img src="eye.png">', "An eye"],
                ["What does a leaf look like?", '<img src="leaf.png">'],
            ],
            {"eye.png": png(6, 4), "leaf.png": png(3, 9)},
        )
        reply = await send_file(alice, package, "pictures.apkg")
        assert (reply.text or "").startswith("Deck Pictures: 2 cards."), reply.text
        await alice.press(reply, "Study now")
        card = await alice.wait_for_message(lambda m: m is not reply)
        assert card.photo is not None
        # The first card: its front is the picture alone, the card's text its caption.
        first_is_eye = image_size(card.photo) == (6, 4)
        assert (card.caption or "").startswith("Pictures · new card")
        assert card.button_labels == ["Show answer"]
        await alice.press(card, "Show answer")
        shown = await alice.wait_for_edit(card)
        caption = shown.caption or ""
        assert ("An eye" in caption) if first_is_eye else ("What does a leaf" in caption)
        if not first_is_eye:
            assert shown.photo is not None and image_size(shown.photo) == (3, 9)
        assert len(shown.button_labels) == 4  # the four ratings

        # Rated: the next card comes as this message turned, or as a new one after it.
        await alice.press(shown, shown.button_labels[2])

        def next_card() -> ChatMessage | None:
            return next(
                (
                    m
                    for m in alice.chat.bot_messages
                    if m.message_id >= card.message_id and m.button_labels == ["Show answer"]
                ),
                None,
            )

        second = await alice.wait_until(next_card)
        if first_is_eye:
            assert "What does a leaf" in (second.caption or second.text or "")
        else:  # the eye: a picture alone, its caption only the deck's line
            assert second.photo is not None and image_size(second.photo) == (6, 4)
            assert (second.caption or "") == "Pictures · new card"
        # Whatever message showed the first card has no buttons left to press.
        first = alice.chat.message(card.message_id)
        assert first is second or (first is not None and first.button_labels == [])

    media = await rows(store, OwnDeckMedia)
    assert sorted(m.name for m in media) == ["eye.png", "leaf.png"]


async def test_a_card_of_only_a_sound_or_a_missing_picture_names_it(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    basics: Library,
    tmp_path: Path,
) -> None:
    """Anki opens such a card (a play button, a broken picture): it is a card here too,
    naming what it cannot show, and the reply says what was left out and why."""
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        package = picture_package(
            tmp_path, [["[sound:hallo.mp3]", "Hallo"], ['<img src="gone.png">', "A leaf"]], {}
        )
        reply = await send_file(
            alice,
            package,
            "sounds.apkg",
        )
        text = reply.text or ""
        assert text.startswith("Deck Pictures: 2 cards."), text
        assert "2 sounds or pictures left out: sounds are not played here" in text
        await alice.press(reply, "Study now")
        card = await alice.wait_for_message(lambda m: m is not reply)
        assert card.photo is None
        assert any(
            front in (card.text or "")
            for front in ("🔊 hallo.mp3 (a sound not played here)", "🖼 gone.png (a picture")
        ), card.text


async def test_a_cards_code_is_shown_as_code(
    server: BotApiStandin, running_bot: RunningBot, basics: Library
) -> None:
    alice = server.user(1001, "Alice")
    code = "```python\ndef total(xs):\n    return sum(xs)\n```\n"
    deck = f"# Python\n\n## How do you sum a list?\n{code}"
    async with running_bot(library=basics):
        reply = await send_file(alice, deck.encode(), "python.md")
        assert (reply.text or "").startswith("Deck Python: 1 card."), reply.text
        await alice.press(reply, "Study now")
        card = await alice.wait_for_message(lambda m: m is not reply)
        await alice.press(card, "Show answer")
        shown = await alice.wait_for_edit(card)
        # The code, its indentation kept, in a code block of its language; no fences.
        assert "def total(xs):\n    return sum(xs)" in shown.content
        assert "```" not in shown.content
        blocks = [e for e in shown.entities if e["type"] == "pre"]
        assert [b.get("language") for b in blocks] == ["python"], shown.entities


async def test_a_cloze_deck_studies_one_card_per_deletion(
    server: BotApiStandin,
    running_bot: RunningBot,
    store: Database,
    basics: Library,
) -> None:
    deck = genanki.Deck(2059400112, "Capitals")
    text = "{{c1::Paris}} is the capital of {{c2::France::a country}}"
    deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=[text, ""], guid="k1"))
    package = io.BytesIO()
    genanki.Package(deck).write_to_file(package, timestamp=1_700_000_000)
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        reply = await send_file(alice, package.getvalue(), "capitals.apkg")
        assert (reply.text or "").startswith("Deck Capitals: 2 cards."), reply.text
        await alice.press(reply, "Study now")
        card = await alice.wait_for_message(lambda m: m is not reply)
        fronts = {"[...] is the capital of France", "Paris is the capital of [a country]"}
        shown = next(front for front in fronts if front in (card.text or ""))
        await alice.press(card, "Show answer")
        answer = await alice.wait_for_edit(card)
        assert "Paris is the capital of France" in (answer.text or "").split("Answer", 1)[1]
        # Rated, the other deletion is the next card.
        await alice.press(answer, answer.button_labels[2])
        second = await alice.wait_for_edit(card, lambda m: "Show answer" in m.button_labels)
        assert (fronts - {shown}).pop() in (second.text or "")
    items = await rows(store, OwnDeckItem)
    assert sorted(i.key[-1] for i in items) == ["1", "2"]


async def test_study_now_studies_a_new_deck_after_the_days_new_cards_are_spent(
    server: BotApiStandin, running_bot: RunningBot, store: Database, basics: Library
) -> None:
    """The newcomer's trap: the day's new cards spent on the built-in deck, a deck sent and
    Study now pressed must still show the new deck's cards (the cap is the decks' studied
    now, as Anki's is a deck's), and once caught up, a built-in card due is not hidden."""
    alice = server.user(1001, "Alice")
    async with running_bot(library=basics):
        await alice.send("/start")
        await alice.wait_for_message()
        await set_new_per_day(store, 1001, 1)
        await alice.send("/review")
        card = await alice.wait_for_message()
        await reveal_and_rate(alice, card, "Good")  # the day's one new card, spent

        reply = await import_optics(alice)
        await alice.press(reply, "Study now")
        studied = await alice.wait_for_message(lambda m: m.message_id > reply.message_id)
        assert (studied.text or "").startswith("Optics · new card")
        # The import's reply says what Study now changed, and its button is gone.
        said = alice.chat.message(reply.message_id)
        assert said is not None and said.button_labels == []
        assert (said.text or "").endswith(
            "/decks switches others back on.\n\n"
            "Studying Optics now. Paused while you do: your 1 other deck."
        )
        # Meanwhile the built-in card falls due (its deck is switched off now).
        async with AsyncSession(store.engine, expire_on_commit=False) as session:
            state = await session.get(ItemState, (1001, "basics-c0"))
            assert state is not None
            state.due = datetime.now(UTC) - timedelta(hours=1)
            session.add(state)
            await session.commit()
        done = await reveal_and_rate(alice, studied, "Good")
        text = done.text or ""
        assert "That was today's last new card (1 a day)" in text
        assert "Your other decks have 1 card due: /decks switches them back on." in text
