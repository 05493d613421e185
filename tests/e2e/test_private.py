"""Everything a learner does alone with the bot beyond /review, end to end."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import SQLModel, select

from bot.handlers.start import OTHER_MESSAGE
from playground.botapi import BotApiStandin, ChatMessage, UserHandle, image_size
from tests.conftest import tiny_deck
from tests.e2e.conftest import FakeClock, RunningBot, rows
from tutor.domain.content import ExplainPrompt, QuizQuestion
from tutor.domain.library import Library, library_of
from tutor.store import Database, Learner, ReviewLog


def question_of(message: ChatMessage, library: Library) -> QuizQuestion:
    text = message.text or ""
    found = [
        q for q in library.items.values() if isinstance(q, QuizQuestion) and q.question in text
    ]
    assert len(found) == 1, text
    return found[0]


def letter_of(message: ChatMessage, option_text: str) -> str:
    """The letter the message shows an option under ("B. Too high ...")."""
    for line in (message.text or "").splitlines():
        match = re.match(r"^([ABCD])\. (.*)$", line)
        if match and match[2] == option_text:
            return match[1]
    raise AssertionError(f"{option_text!r} not in {message.text!r}")


async def answer(
    user: UserHandle, message: ChatMessage, library: Library, *, right: bool
) -> ChatMessage:
    """Answer a quiz question right or wrong; return the verdict it turns into."""
    question = question_of(message, library)
    options = [o for o in question.options if o.correct == right]
    press = await user.press(message, letter_of(message, options[0].text))
    assert (await press.answered()).text == ("Right!" if right else "Not quite.")
    return await user.wait_for_edit(message, lambda m: not m.buttons)


async def test_a_quiz_round_scores_and_reviews_each_question(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    # The decks' own questions (generated ones have tests of their own).
    library = library_of(list(library.decks.values()))
    alice = server.user(1001, "Alice")
    async with running_bot(library=library):
        await alice.send("/quiz")
        message = await alice.wait_for_message()
        first_round_question, stale = message, message.button("A")["callback_data"]
        asked = []
        for number, right in enumerate([True, False, True, True, False], start=1):
            assert (message.text or "").startswith(f"Quiz {number}/5")
            assert message.button_labels == list("ABCD"[: len(message.button_labels)])
            question = question_of(message, library)
            asked.append(question.id)
            verdict = await answer(alice, message, library, right=right)
            text = verdict.text or ""
            assert question.explanation in text
            if right:
                assert text.count("Right!") == 1
            else:
                assert "Not quite." in text
                assert question.options[question.correct_index].text in text
            message = await alice.wait_for_message()
        assert (message.text or "").startswith("Round over: 3/5")
        assert message.button_labels == ["Another round"]

        # Another round; a press on the old round's question changes nothing.
        press = await alice.press(message, "Another round")
        await press.answered()
        await alice.wait_for_message(lambda m: (m.text or "").startswith("Quiz 1/5"))
        old = await alice.press(first_round_question, data=stale)
        assert (await old.answered()).text == "This round is over. Send /quiz for a new one."

    logs = await rows(store, ReviewLog, learner_id=1001, source="quiz")
    assert [log.item_id for log in logs] == asked
    assert [log.rating for log in logs] == [3, 1, 3, 3, 1]
    # The questions came in deck order, all new: five distinct ones.
    assert len(set(asked)) == 5


async def test_an_old_quiz_button_is_answered_and_changes_nothing(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/quiz")
        old = await alice.wait_for_message()
        stale_data = old.button("A")["callback_data"]
        await alice.send("/quiz")
        new = await alice.wait_for_message(lambda m: m is not old)
        press = await alice.press(old, data=stale_data)
        assert (await press.answered()).text == "This round is over. Send /quiz for a new one."
        # A double tap on the current question counts once.
        data = new.button("A")["callback_data"]
        first = await alice.press(new, data=data)
        await first.answered()
        second = await alice.press(new, data=data)
        assert (await second.answered()).text == "You already answered this question."
    assert len(await rows(store, ReviewLog, learner_id=1001)) == 1


async def test_stats_after_reviews_send_a_chart(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    alice = server.user(1001, "Alice")
    # Midday, so the short learning steps still fall due today, whatever the hour of the run.
    async with running_bot(clock=FakeClock(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))):
        await alice.send("/stats")
        empty = await alice.wait_for_message(timeout=20)
        assert "Nothing reviewed yet" in (empty.caption or "")

        await alice.send("/quiz")
        message = await alice.wait_for_message()
        await answer(alice, message, library, right=True)
        message = await alice.wait_for_message()
        await answer(alice, message, library, right=False)
        await alice.wait_for_message()

        await alice.send("/stats")
        reply = await alice.wait_for_message(timeout=20)
        assert reply.photo is not None and reply.photo.startswith(b"\x89PNG")
        assert image_size(reply.photo) == (1200, 800)
        caption = reply.caption or ""
        assert "Reviews: 2 today · 2 in 7 days · 2 in all" in caption
        assert "Quiz accuracy: 50% of 2 answers" in caption
        assert "Remembered: 50% of reviews" in caption
        assert "Streak: 1 day" in caption
        assert "Due: 2 today" in caption  # both are in short learning steps
        chat_actions = server.requests("sendChatAction")
        assert chat_actions and chat_actions[-1].params["action"] == "upload_photo"


async def test_settings_change_with_buttons_and_shortcuts(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/settings")
        menu = await alice.wait_for_message()
        assert "Daily reminder: 09:00" in (menu.text or "")
        await (await alice.press(menu, "🆕 New per day")).answered()
        page = await alice.wait_for_edit(menu)
        assert "New cards per day" in (page.text or "")
        press = await alice.press(page, "20")
        assert (await press.answered()).text == "Saved."
        back = await alice.wait_for_edit(page, lambda m: "New cards per day: 20" in (m.text or ""))
        await (await alice.press(back, "🎯 Retention")).answered()
        page = await alice.wait_for_edit(back)
        await (await alice.press(page, "95%")).answered()
        await alice.wait_for_edit(page, lambda m: "Desired retention: 95%" in (m.text or ""))

        replies = {
            "/remind 07:30": "I'll remind you at 07:30 (UTC) on days with reviews due or new "
            "cards waiting.",
            "/remind 25:99": "'25:99' is not a time of day; use HH:MM, like 07:30. Usage: "
            "/remind HH:MM (your local time, like /remind 07:30) or /remind off.",
            "/timezone Mars/Olympus": "I don't know the time zone 'Mars/Olympus'. Use an IANA "
            "name such as Europe/Berlin, America/New_York, Asia/Kolkata, UTC.",
            "/timezone Factory": "I don't know the time zone 'Factory'. Use an IANA "
            "name such as Europe/Berlin, America/New_York, Asia/Kolkata, UTC.",
            "/timezone localtime": "I don't know the time zone 'localtime'. Use an IANA "
            "name such as Europe/Berlin, America/New_York, Asia/Kolkata, UTC.",
            "/timezone america/st_johns": "Time zone set to America/St_Johns. "
            "Your reminder comes at 07:30 there.",
            "/remind off": "Reminders are off. Turn them on again with /remind HH:MM.",
        }
        for command, expected in replies.items():
            await alice.send(command)
            assert (await alice.wait_for_message()).text == expected, command

    [learner] = await rows(store, Learner)
    assert (learner.new_per_day, learner.desired_retention) == (20, 0.95)
    assert (learner.reminder_time, learner.timezone, learner.reminders_on) == (
        "07:30", "America/St_Johns", False,
    )  # fmt: skip


async def test_decks_switch_but_one_always_stays_on(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    library = library_of([tiny_deck("alpha"), tiny_deck("beta")])
    first, second = (deck.title for deck in library.decks.values())
    alice = server.user(1001, "Alice")
    async with running_bot(library=library):
        await alice.send("/decks")
        listing = await alice.wait_for_message()
        assert listing.button_labels == [f"✅ {first}", f"✅ {second}"]
        press = await alice.press(listing, f"✅ {first}")
        assert (await press.answered()).text == f"{first} is off."
        listing = await alice.wait_for_edit(listing)
        assert listing.button_labels == [f"⬜ {first}", f"✅ {second}"]
        press = await alice.press(listing, f"✅ {second}")
        assert (await press.answered()).text == "At least one deck stays on."
    [learner] = await rows(store, Learner)
    assert learner.decks == [list(library.decks)[1]]


async def test_forget_deletes_every_row_about_the_learner(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    alice, bob = server.user(1001, "Alice"), server.user(1002, "Bob")
    async with running_bot():
        for user in (alice, bob):
            await user.send("/quiz")
            message = await user.wait_for_message()
            await answer(user, message, library, right=True)
            await user.send("/review")
            await user.wait_for_message(lambda m: "Show answer" in m.button_labels)

        async def counts(learner_id: int) -> dict[str, int]:
            found = {}
            for table in SQLModel.metadata.sorted_tables:
                column = table.c.get("learner_id", table.c.get("id"))
                if "learner_id" in table.c or table.name == "learner":
                    statement = select(table).where(column == learner_id)
                    found[table.name] = await store.run(
                        lambda session, s=statement: len(session.execute(s).all())
                    )
            return found

        before = await counts(1001)
        assert before["learner"] == 1 and before["reviewlog"] == 1 and before["quizround"] == 1

        await alice.send("/forget")
        ask = await alice.wait_for_message()
        assert ask.button_labels == ["Yes, delete everything", "No, keep it"]
        await (await alice.press(ask, "Yes, delete everything")).answered()
        done = await alice.wait_for_edit(ask)
        assert (done.text or "").startswith(
            f"Done: I deleted everything about you ({sum(before.values())} records)."
        )

        assert set((await counts(1001)).values()) == {0}
        assert await counts(1002) == before  # Bob keeps everything


async def test_the_forget_button_expires_after_ten_minutes(
    server: BotApiStandin, running_bot: RunningBot, store: Database
) -> None:
    alice = server.user(1001, "Alice")
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    async with running_bot(clock=clock):
        await alice.send("/settings")
        await alice.wait_for_message()
        await alice.send("/forget")
        ask = await alice.wait_for_message()
        clock.advance(minutes=10, seconds=1)
        press = await alice.press(ask, "Yes, delete everything")
        assert (await press.answered()).text == "This button has expired, send /forget again."
        expired = await alice.wait_for_edit(ask)
        assert (expired.text, expired.button_labels) == (
            "This button has expired, send /forget again.",
            [],
        )
        assert len(await rows(store, Learner)) == 1  # nothing deleted
        # A fresh /forget works within its ten minutes.
        await alice.send("/forget")
        ask = await alice.wait_for_message()
        clock.advance(minutes=9)
        await (await alice.press(ask, "Yes, delete everything")).answered()
        done = await alice.wait_for_edit(ask)
        assert (done.text or "").startswith("Done: I deleted everything about you")
    assert await rows(store, Learner) == []


async def test_an_explain_exchange_grades_the_key_ideas(
    server: BotApiStandin, running_bot: RunningBot, store: Database, library: Library
) -> None:
    alice = server.user(1001, "Alice")
    async with running_bot():
        await alice.send("/explain")
        asked = await alice.wait_for_message()
        prompt = next(
            p
            for p in library.items.values()
            if isinstance(p, ExplainPrompt) and p.prompt in (asked.text or "")
        )
        assert f"Hint: {prompt.hint}" in (asked.text or "")
        markup = server.last_request("sendMessage").params["reply_markup"]
        assert "force_reply" in str(markup)
        concepts = [c.name for c in prompt.concepts]

        # A partial answer, as a reply to the prompt: the first concept in its own words.
        # Under half the ideas and nothing wrong: the grader cannot tell, the learner rates.
        await alice.reply(asked, f"Well, {prompt.concepts[0].phrases[0]} is what matters here.")
        reply = await alice.wait_for_message()
        graded = reply.text or ""
        assert graded.startswith(f"You covered 1/{len(concepts)} key ideas.")
        assert "I could not tell how much of this is right" in graded
        assert f"✅ {concepts[0]}" in graded
        assert all(f"➖ {name} (not found)" in graded for name in concepts[1:])
        assert f"A model answer\n{prompt.model_answer}" in graded
        assert "until you tap your own rating (once)." in graded
        assert reply.buttons == [["Again", "Hard", "Good", "Easy"], ["Another prompt"]]

        # With nothing pending, text is not taken as an answer.
        await alice.send(prompt.model_answer)
        assert (await alice.wait_for_message()).text == OTHER_MESSAGE
        await alice.send("/explain")
        await alice.wait_for_message()
        await alice.send("I like pizza. " * 292)  # 4088 characters, off topic
        graded = (await alice.wait_for_message()).text or ""
        assert graded.startswith("You covered 0/")
        assert "doesn't touch the key ideas yet" in graded

        await alice.send("/explain")
        await alice.wait_for_message()
        await alice.send("/cancel")
        assert (
            await alice.wait_for_message()
        ).text == "Prompt dropped. Send /explain for a new one."
        await alice.send("/cancel")
        assert (await alice.wait_for_message()).text == "There is nothing to cancel."

    logs = await rows(store, ReviewLog, learner_id=1001, source="explain")
    assert len(logs) == 2
    assert logs[0].item_id == prompt.id
    assert [log.rating for log in logs] == [1 if len(concepts) == 4 else 2, 1]


async def test_huge_arguments_get_short_replies_and_no_errors(
    server: BotApiStandin, running_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    alice = server.user(1001, "Alice")
    huge = "x" * 4000
    async with running_bot():
        for command in (
            f"/demo lr {huge}",
            f"/demo {huge}",
            f"/timezone {huge}",
            f"/remind {huge}",
            f"/start {huge}",
            f"/{huge}",
        ):
            await alice.send(command[:4096])
            reply = await alice.wait_for_message()
            assert reply.text is not None and len(reply.text) < 700, command[:20]
        await server.settle()
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert not [r for r in server.requests() if r.error]
