"""The Bot API stand-in, driven by the real python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import time
import zlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from playground.botapi import BotApiStandin, RateLimits, StandinTimeout, UserHandle

TOKEN = "123:ABC"
# PTB 22 warns on reading durations (open_period, retry_after) that become timedeltas later.
PTB_TIMEDELTA_WARNINGS = pytest.mark.filterwarnings(
    "ignore:.*will be of type `datetime.timedelta`:telegram.warnings.PTBDeprecationWarning"
)


def png(width: int, height: int) -> bytes:
    """A real (tiny) PNG of the given size."""
    row = b"\x00" + b"\x10\x80\xf0" * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def seconds(value: Any) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings."""
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in labels_and_data]
    )


def ptb_bot(server: BotApiStandin, token: str = TOKEN) -> telegram.Bot:
    return telegram.Bot(
        token, base_url=f"{server.base_url}/bot", base_file_url=f"{server.base_url}/file/bot"
    )


@pytest.fixture
async def server() -> AsyncIterator[BotApiStandin]:
    async with BotApiStandin(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(server: BotApiStandin) -> AsyncIterator[telegram.Bot]:
    async with ptb_bot(server) as bot:
        yield bot


@pytest.fixture
def alice(server: BotApiStandin) -> UserHandle:
    return server.user(1001, "Alice", username="alice")


@contextlib.asynccontextmanager
async def polling(application: Application[Any, Any, Any, Any, Any, Any]) -> AsyncIterator[None]:
    """Run a PTB Application with long polling against the stand-in."""
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1, poll_interval=0)
        try:
            yield
        finally:
            await application.updater.stop()
            await application.stop()


def tutor_application(server: BotApiStandin) -> Application[Any, Any, Any, Any, Any, Any]:
    """A tiny bot: /start shows a card with a button; the press answers and flips the card."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        payload = " ".join(context.args or [])
        await update.effective_message.reply_text(
            f"<b>Question</b> {payload}".strip(),
            parse_mode="HTML",
            reply_markup=keyboard(("Show answer", "show")),
        )

    async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Here it is")
        await query.edit_message_text("Answer: 0.001", reply_markup=keyboard(("Good", "good")))

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(server.api_base_url)
        .base_file_url(server.file_base_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(show, pattern="^show$"))
    return application


def description(server: BotApiStandin, method: str) -> str | None:
    """Telegram's exact error text of the bot's last call of ``method``."""
    record = server.last_request(method)
    assert record is not None
    return record.error


# ------------------------------------------------------------------------------------------
# basics


async def test_get_me_tokens_and_method_names(server: BotApiStandin, bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123 and me.username == server.bot.username
    assert me.can_join_groups is True and me.can_read_all_group_messages is False
    assert me.supports_inline_queries is False

    with pytest.raises(InvalidToken):
        await ptb_bot(server, "999:WRONG").get_me()

    async with aiohttp.ClientSession() as http:
        # case-insensitive names, GET with query, JSON body, unknown method
        async with http.get(f"{server.base_url}/bot{TOKEN}/GETME") as response:
            assert response.status == 200 and (await response.json())["ok"] is True
        async with http.post(
            f"{server.base_url}/bot{TOKEN}/getUpdates", json={"timeout": 0, "limit": 5}
        ) as response:
            assert await response.json() == {"ok": True, "result": []}
        async with http.post(f"{server.base_url}/bot{TOKEN}/noSuchMethod") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }
        async with http.get(f"{server.base_url}/bot999:WRONG/getMe") as response:
            assert response.status == 401
            assert (await response.json())["description"] == "Unauthorized"


async def test_update_offsets_limits_and_negative_offset(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    for text in ("one", "two", "three"):
        await alice.send(text)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["one", "two", "three"]
    first, second, third = (u.update_id for u in updates)
    assert second == first + 1 and third == second + 1

    # nothing is confirmed without an offset; limit takes the oldest
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [first]
    # an offset confirms (drops) every earlier update
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second, third]
    assert [u.update_id for u in await bot.get_updates()] == [second, third]
    await alice.send("four")
    # a negative offset keeps only that many of the newest
    newest = await bot.get_updates(offset=-1)
    assert [u.message.text for u in newest if u.message] == ["four"]
    assert len(server.bot.pending_updates) == 1
    assert await bot.get_updates(offset=newest[0].update_id + 1) == ()


async def test_long_poll_waits_and_returns_when_an_update_arrives(
    bot: telegram.Bot, alice: UserHandle
) -> None:
    started = time.perf_counter()
    assert await bot.get_updates(timeout=1) == ()
    assert time.perf_counter() - started >= 0.9  # it waited out its timeout

    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    await alice.send("/start")
    # It returns with the update, not empty at its timeout: the update woke it.
    updates = await poll
    assert updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"


async def test_a_second_get_updates_terminates_the_first_with_409(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    async with ptb_bot(server) as other_instance:  # a second process with the same token
        second = asyncio.create_task(other_instance.get_updates(timeout=5))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 2)
        await alice.send("still works")
        assert (await asyncio.wait_for(second, 2))[0].message.text == "still works"
    terminated = server.requests("getUpdates")[0]
    assert terminated.status == 409
    assert terminated.error == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )


async def test_allowed_updates_are_remembered_and_filter(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    dropped = await alice.send("not wanted")
    assert dropped.injection is not None and dropped.injection.dropped
    sent = await bot.send_message(alice.id, "card", reply_markup=keyboard(("Go", "go")))
    press = await alice.press(alice.last_message, "Go")
    updates = await bot.get_updates()
    assert [u.callback_query.data for u in updates] == ["go"]
    assert updates[0].callback_query.message.message_id == sent.message_id
    assert press.injection.update_id == updates[0].update_id


# ------------------------------------------------------------------------------------------
# a real Application: round trip, buttons, latency


async def test_application_round_trip_press_and_answer(
    server: BotApiStandin, alice: UserHandle
) -> None:
    async with polling(tutor_application(server)):
        sent = await alice.send("/start lr-basics")
        card = await alice.wait_for_message()
        assert card.text == "Question lr-basics"
        assert card.raw_text == "<b>Question</b> lr-basics"
        assert card.entities == [{"type": "bold", "offset": 0, "length": 8}]
        assert card.buttons == [["Show answer"]]
        assert sent.injection is not None and sent.injection.latency is not None

        press = await alice.press(card, "Show answer")
        answer = await press.answered()
        assert answer.text == "Here it is" and answer.show_alert is False
        # The press's latency is measured (how long it is, is the review bench's figure).
        assert press.latency is not None and press.latency > 0
        edited = await alice.wait_for_edit(card)
        assert edited is card and card.text == "Answer: 0.001" and card.buttons == [["Good"]]
        assert card.edit_date is not None and card.history[0]["text"] == "Question lr-basics"
        assert alice.messages == [sent, card]

        edit = await server.wait_for_request("editMessageText", since=0)
        assert edit.params["chat_id"] == alice.id and edit.ok
        await server.settle(quiet=0.1)
        assert server.bot.busy is False


async def test_answering_a_query_twice_is_an_error(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    await bot.send_message(alice.id, "card", reply_markup=keyboard(("Go", "go")))
    press = await alice.press(alice.last_message, "Go")
    assert await bot.answer_callback_query(press.id, text="ok") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(press.id)
    assert description(server, "answerCallbackQuery") == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    assert (await press.answered()).text == "ok"


async def test_a_query_expires_after_the_callback_timeout(alice: UserHandle) -> None:
    async with BotApiStandin(token=TOKEN, callback_timeout=0.2) as server, ptb_bot(server) as bot:
        bob = server.user(1002, "Bob")
        await bot.send_message(bob.id, "card", reply_markup=keyboard(("Go", "go")))
        press = await bob.press(bob.last_message, "Go")
        await asyncio.sleep(0.3)
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(press.id)
        assert press.expired and press.answer is None


async def test_pressing_uses_the_current_keyboard_and_forged_data(
    bot: telegram.Bot, alice: UserHandle
) -> None:
    sent = await bot.send_message(alice.id, "card", reply_markup=keyboard(("Old", "old")))
    stale = alice.last_message
    await bot.edit_message_reply_markup(
        alice.id, sent.message_id, reply_markup=keyboard(("New", "new"))
    )
    with pytest.raises(AssertionError, match=r"no button 'Old'.*\[\['New'\]\]"):
        await alice.press(stale, "Old")
    assert (await alice.press(stale, "New")).data == "new"
    forged = await alice.press(stale, data="forged:1")
    updates = await bot.get_updates()
    assert updates[-1].callback_query.data == "forged:1"
    assert forged.id == updates[-1].callback_query.id


# ------------------------------------------------------------------------------------------
# editing and sending errors


async def test_message_not_modified_and_edit_errors(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    markup = keyboard(("Go", "go"))
    sent = await bot.send_message(alice.id, "<b>same</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>same</b>", alice.id, sent.message_id, parse_mode="HTML", reply_markup=markup
        )
    assert description(server, "editMessageText") == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    # the same text without parse mode differs (no bold entity); without markup the keyboard goes
    edited = await bot.edit_message_text("same", alice.id, sent.message_id)
    assert edited.edit_date is not None and edited.reply_markup is None
    assert alice.last_message is not None and alice.last_message.buttons == []

    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", alice.id, 999)
    own = await alice.send("mine")
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", alice.id, own.message_id)

    assert await bot.delete_message(alice.id, sent.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    assert [m.text for m in alice.messages] == ["mine"]


async def test_inline_keyboard_validation(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(alice.id, "x", reply_markup=keyboard(("Long", "x" * 65)))
    assert description(server, "sendMessage") == "Bad Request: BUTTON_DATA_INVALID"
    with pytest.raises(BadRequest):  # 33 two-byte characters are 66 bytes
        await bot.send_message(alice.id, "x", reply_markup=keyboard(("Long", "é" * 33)))
    assert (
        await bot.send_message(alice.id, "x", reply_markup=keyboard(("Fits", "x" * 64)))
    ).reply_markup

    with pytest.raises(BadRequest, match=r"(?i)text buttons are unallowed"):
        await bot.send_message(
            alice.id, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Only text")]])
        )
    assert description(server, "sendMessage") == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )
    two = InlineKeyboardButton("Two", callback_data="a", url="https://example.org")
    with pytest.raises(BadRequest, match="Can't parse inline keyboard button"):
        await bot.send_message(alice.id, "x", reply_markup=InlineKeyboardMarkup([[two]]))
    assert len(alice.messages) == 1


async def test_blocked_user_unknown_chat_and_not_started(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    alice.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "hello?")
    assert description(server, "sendMessage") == "Forbidden: bot was blocked by the user"
    await alice.send("/start")  # writing to the bot again unblocks it, like Restart
    assert (await bot.send_message(alice.id, "welcome back")).text == "welcome back"

    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "anyone?")
    assert description(server, "sendMessage") == "Bad Request: chat not found"

    carol = server.user(1003, "Carol", started=False)
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(carol.id, "hi")


async def test_text_limits_and_parse_modes(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(alice.id, "")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(alice.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    assert description(server, "sendMessage") == "Bad Request: message is too long"
    # the limit counts the text after entity parsing
    long_html = "<b>" + "x" * 4096 + "</b>"
    assert len((await bot.send_message(alice.id, long_html, parse_mode="HTML")).text) == 4096

    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(alice.id, "<foo>hi</foo>", parse_mode="HTML")
    assert description(server, "sendMessage") == (
        'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 0'
    )
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "<b>open <i>both</b></i>", parse_mode="HTML")
    assert description(server, "sendMessage") == (
        "Bad Request: can't parse entities: Unmatched end tag at byte offset 15, "
        'expected "</i>", found "</b>"'
    )
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "1 < 2", parse_mode="HTML")

    sent = await bot.send_message(
        alice.id,
        'Rate <a href="https://ex.org">η</a> &lt;1 &amp; <code>lr=3e-4</code>',
        parse_mode="HTML",
    )
    assert sent.text == "Rate η <1 & lr=3e-4"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("text_link", 5, 1),
        ("code", 12, 7),
    ]
    assert alice.last_message is not None
    assert alice.last_message.raw_text.startswith('Rate <a href="https://ex.org">')

    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "Loss went down.", parse_mode="MarkdownV2")
    assert description(server, "sendMessage") == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )
    md = await bot.send_message(alice.id, r"*Loss* went _down_\.", parse_mode="MarkdownV2")
    assert md.text == "Loss went down."
    assert [e.type for e in md.entities] == ["bold", "italic"]


async def test_replies(server: BotApiStandin, bot: telegram.Bot, alice: UserHandle) -> None:
    question = await bot.send_message(alice.id, "What is the learning rate?")
    reply = await alice.reply(to=alice.last_message, text="A step size")
    update = (await bot.get_updates())[-1]
    assert update.message.reply_to_message.message_id == question.message_id
    assert reply.reply_to is alice.messages[0]
    answer = await bot.send_message(alice.id, "Right", reply_to_message_id=reply.message_id)
    assert answer.reply_to_message.text == "A step size"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(alice.id, "x", reply_to_message_id=999)


# ------------------------------------------------------------------------------------------
# photos


async def test_send_photo_upload_and_resend_by_file_id(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    image = png(320, 200)
    sent = await bot.send_photo(
        alice.id,
        image,
        caption="<i>loss curve</i>",
        parse_mode="HTML",
        reply_markup=keyboard(("Again", "again")),
    )
    largest = sent.photo[-1]
    assert (largest.width, largest.height) == (320, 200)
    assert largest.file_size == len(image)
    assert [(p.width, p.height) for p in sent.photo] == [(90, 56), (320, 200)]
    assert sent.caption == "loss curve" and sent.caption_entities[0].type == "italic"
    assert sent.reply_markup is not None

    shown = alice.last_message
    assert shown is not None and shown.photo == image and shown.buttons == [["Again"]]
    record = server.last_request("sendPhoto")
    assert record is not None and record.files["photo"].data == image
    assert record.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "again"

    again = await bot.send_photo(alice.id, largest.file_id)
    assert again.photo[-1].file_unique_id == largest.file_unique_id
    assert alice.last_message is not None and alice.last_message.photo == image
    downloaded = await (await bot.get_file(largest.file_id)).download_as_bytearray()
    assert bytes(downloaded) == image

    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(alice.id, "AgACAgIAAxkBAAIunknown")
    assert description(server, "sendPhoto") == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(alice.id, image, caption="c" * 1025)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(alice.id, b"not an image at all")


async def test_user_sends_a_document_the_bot_downloads(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    data = b"front,back\nwhat is lr?,the step size\n"
    await alice.send_document(data, "deck.csv", mime_type="text/csv", caption="my deck")
    updates = await bot.get_updates(timeout=1)
    message = updates[-1].message
    assert message is not None and message.document is not None
    assert message.document.file_name == "deck.csv"
    assert message.document.mime_type == "text/csv"
    assert message.document.file_size == len(data)
    assert message.caption == "my deck"
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == data


# ------------------------------------------------------------------------------------------
# polls


@PTB_TIMEDELTA_WARNINGS
async def test_quiz_answered_and_closed_by_open_period(alice: UserHandle) -> None:
    async with BotApiStandin(token=TOKEN, time_scale=0.04) as server, ptb_bot(server) as bot:
        bob = server.user(1002, "Bob")
        with pytest.raises(BadRequest):
            await bot.send_poll(bob.id, "Too short?", ["a", "b"], open_period=4)
        assert description(server, "sendPoll") == "Bad Request: wrong open period specified"
        with pytest.raises(BadRequest):
            await bot.send_poll(bob.id, "Which?", ["a", "b"], type="quiz")
        assert description(server, "sendPoll") == "Bad Request: wrong correct option ID specified"

        sent = await bot.send_poll(
            bob.id,
            "Loss explodes. What do you change?",
            ["Batch size", "Learning rate", "Seed"],
            type="quiz",
            correct_option_ids=[1],
            is_anonymous=False,
            explanation="Too high a learning rate diverges.",
            open_period=5,
        )
        assert sent.poll.type == "quiz" and sent.poll.open_period == 5
        assert sent.poll.correct_option_ids == (1,)

        started = time.perf_counter()
        await bob.answer_poll(bob.last_message, [1])
        with pytest.raises(AssertionError, match="does not allow changing"):
            await bob.answer_poll(bob.last_message, [0])
        answer, counts = await bot.get_updates()
        assert answer.poll_answer.option_ids == (1,) and answer.poll_answer.user.id == bob.id
        assert [o.voter_count for o in counts.poll.options] == [0, 1, 0]

        closing = await bot.get_updates(offset=counts.update_id + 1, timeout=2)
        assert time.perf_counter() - started > 0.1  # open for its period (5 s at time_scale 0.04)
        assert closing[0].poll.is_closed and closing[0].poll.id == sent.poll.id
        assert bob.last_message is not None and bob.last_message.poll.is_closed
        with pytest.raises(AssertionError, match="closed"):
            await bob.answer_poll(bob.last_message, [2])
        with pytest.raises(BadRequest, match="Poll has already been closed"):
            await bot.stop_poll(bob.id, sent.message_id)


async def test_stop_poll_and_anonymous_votes(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    sent = await bot.send_poll(alice.id, "Best schedule?", ["cosine", "step", "constant"])
    await alice.answer_poll(sent.poll.id, [0])  # anonymous: only a poll update, no poll_answer
    stopped = await bot.stop_poll(alice.id, sent.message_id)
    assert stopped.is_closed and stopped.options[0].voter_count == 1
    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in await bot.get_updates()]
    assert kinds == ["poll", "poll"]
    with pytest.raises(BadRequest, match="Message with poll to stop not found"):
        await bot.stop_poll(alice.id, 999)
    with pytest.raises(BadRequest, match="Poll can't have more than 12 options"):
        await bot.send_poll(alice.id, "Many?", [str(n) for n in range(13)])


# ------------------------------------------------------------------------------------------
# rate limits, webhooks, groups, commands


@PTB_TIMEDELTA_WARNINGS
async def test_rate_limits_give_429_with_retry_after_and_drop_the_message() -> None:
    limits = RateLimits(overall_per_second=30, per_group_per_minute=20)
    async with BotApiStandin(token=TOKEN, rate_limits=limits) as server, ptb_bot(server) as bot:
        group = server.group(-100777, "Class 7b")
        for n in range(20):
            await bot.send_message(group.id, f"question {n}")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(group.id, "one too many")
        assert 50 <= seconds(info.value.retry_after) <= 60
        record = server.last_request("sendMessage")
        assert record is not None and record.status == 429
        assert record.response["parameters"]["retry_after"] == seconds(info.value.retry_after)
        assert (
            record.error
            == f"Too Many Requests: retry after {record.response['parameters']['retry_after']}"
        )
        assert len(group.messages) == 20 and server.rate_limited_count == 1

        users = [server.user(2000 + n, f"U{n}") for n in range(11)]
        with pytest.raises(RetryAfter) as info:
            for user in users:  # 20 sent already this second: 10 more fit
                await bot.send_message(user.id, "hi")
        assert seconds(info.value.retry_after) == 1
        assert server.rate_limited_count == 2
        assert not users[-1].messages


async def test_webhook_delivery_with_secret_token_and_retries(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    failures = [True]  # the first delivery gets a 500

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        if failures:
            failures.pop()
            return web.Response(status=500)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    server.webhook_retry_delay = 0.05
    try:
        assert await bot.set_webhook(url, secret_token="s3cret_token-1") is True
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        await alice.send("/start")
        await server.bot.settle(quiet=0.1, timeout=3)
        assert len(received) == 2  # delivered again after the 500
        secret, update = received[-1]
        assert secret == "s3cret_token-1"
        assert Update.de_json(update, bot).message.text == "/start"
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert (
            info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )

        with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
            await bot.set_webhook(url, secret_token="not allowed!")
        assert await bot.delete_webhook() is True
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.get_updates() == ()
    finally:
        await runner.cleanup()


async def test_groups_members_privacy_mode_and_commands_with_bot_name(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    bob = server.user(1002, "Bob")
    teacher = server.user(1010, "Teacher")
    group = server.group(-1001234, "Class 7b", members=[alice, bob], admins=[teacher])
    await alice.send(f"/quiz@{server.bot.username}", chat=group)
    await alice.send("/quiz@some_other_bot", chat=group)
    await bob.send("just chatting", chat=group)
    await bob.send(f"hey @{server.bot.username}", chat=group)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == [
        f"/quiz@{server.bot.username}",
        f"hey @{server.bot.username}",
    ]
    assert updates[0].message.chat.type == "supergroup"
    assert len(group.messages) == 4

    assert (await bot.get_chat_member(group.id, teacher.id)).status == "administrator"
    assert (await bot.get_chat_member(group.id, bob.id)).status == "member"
    group.set_status(bob, "kicked")
    assert (await bot.get_chat_member(group.id, bob.id)).status == "kicked"
    assert (await bot.get_chat_member(group.id, server.user(1099, "Stranger").id)).status == "left"
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [teacher.id]
    with pytest.raises(BadRequest, match="There are no administrators in the private chat"):
        await bot.get_chat_administrators(alice.id)
    chat = await bot.get_chat(group.id)
    assert chat.title == "Class 7b" and chat.type == "supergroup"
    with pytest.raises(ValueError, match="not a member"):
        await bob.send("let me in", chat=group)

    group.remove_bot(kicked=True)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(group.id, "hello?")


async def test_commands_and_chat_actions(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    private = telegram.BotCommandScopeAllPrivateChats()
    assert await bot.set_my_commands(
        [("review", "Review your cards"), ("help", "Help")], scope=private
    )
    assert [c.command for c in await bot.get_my_commands(scope=private)] == ["review", "help"]
    assert await bot.get_my_commands() == ()
    assert server.commands({"type": "all_private_chats"}) == [
        ("review", "Review your cards"),
        ("help", "Help"),
    ]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Review", "Capital letters")])
    with pytest.raises(BadRequest, match="Bot_command_description_invalid"):
        await bot.set_my_commands([("review", "")])
    assert await bot.delete_my_commands(scope=private)
    assert server.commands({"type": "all_private_chats"}) == []
    assert await bot.set_my_description("Teaches the learning rate")
    assert (await bot.get_my_description()).description == "Teaches the learning rate"

    assert await bot.send_chat_action(alice.id, "typing")
    assert alice.chat.actions == ["typing"]
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(alice.id, "dancing")


async def test_the_command_menu_follows_telegrams_scope_order(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    teacher = server.user(1010, "Teacher", language_code="de")
    group = server.group(-1001234, "Class 7b", members=[alice], admins=[teacher])
    assert server.bot.menu_commands(alice.chat, alice.id) == []
    await bot.set_my_commands([("help", "Help")])
    await bot.set_my_commands(
        [("review", "Review")], scope=telegram.BotCommandScopeAllPrivateChats()
    )
    await bot.set_my_commands([("quiz", "Quiz")], scope=telegram.BotCommandScopeAllGroupChats())
    await bot.set_my_commands(
        [("stop", "Stop")], scope=telegram.BotCommandScopeAllChatAdministrators()
    )
    menu = server.bot.menu_commands
    assert menu(alice.chat, alice.id) == [("review", "Review")]
    assert menu(group, alice.id) == [("quiz", "Quiz")]
    assert menu(group, teacher.id) == [("stop", "Stop")]  # admins see the admins' scope
    # A narrower scope wins, and a list in the user's language beats the plain one.
    await bot.set_my_commands([("daily", "Daily")], scope=telegram.BotCommandScopeChat(group.id))
    assert menu(group, alice.id) == [("daily", "Daily")]
    assert menu(group, teacher.id) == [("daily", "Daily")]  # the chat before all admins...
    await bot.set_my_commands(
        [("access", "Access")], scope=telegram.BotCommandScopeChatAdministrators(group.id)
    )
    assert menu(group, teacher.id) == [("access", "Access")]  # ...its admins before it
    await bot.set_my_commands(
        [("zugang", "Zugang")],
        scope=telegram.BotCommandScopeChatAdministrators(group.id),
        language_code="de",
    )
    assert menu(group, teacher.id) == [("zugang", "Zugang")]
    await bot.delete_my_commands(scope=telegram.BotCommandScopeAllPrivateChats())
    assert menu(alice.chat, alice.id) == [("help", "Help")]  # back to the default scope


async def test_a_member_adds_the_bot_to_a_group(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    group = server.group(-1001234, "Class 7b", admins=[alice], bot_status="left")
    with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
        await bot.send_message(group.id, "hello?")
    group.add_bot(alice)
    [update] = await bot.get_updates()
    change = update.my_chat_member
    assert change is not None and change.chat.id == group.id and change.from_user.id == alice.id
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("left", "member")
    assert change.new_chat_member.user.id == server.bot.id
    assert (await bot.send_message(group.id, "Hello, class!")).chat.id == group.id


async def test_change_hooks_see_sends_edits_votes_and_deletes(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    changes: list[int] = []
    remove = server.bot.on_change(lambda chat: changes.append(chat.id))
    sent = await bot.send_message(alice.id, "one", reply_markup=keyboard(("Go", "go")))
    assert changes == [alice.id]
    await bot.edit_message_text("two", chat_id=alice.id, message_id=sent.message_id)
    poll = await bot.send_poll(alice.id, "Which?", ["a", "b"], is_anonymous=False)
    await alice.answer_poll(alice.chat.message(poll.message_id), [1])  # type: ignore[arg-type]
    await bot.delete_message(alice.id, sent.message_id)
    assert changes == [alice.id] * 5
    remove()
    await alice.send("not seen")
    assert len(changes) == 5


async def test_extend_adds_routes_on_the_same_port() -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    server = BotApiStandin(token=TOKEN)
    server.extend(lambda app: app.router.add_get("/hello", hello))
    async with server, aiohttp.ClientSession() as session:
        async with session.get(f"{server.base_url}/hello") as response:
            assert await response.text() == "hello"
        async with session.get(f"{server.base_url}/bot{TOKEN}/getMe") as response:
            assert (await response.json())["ok"] is True
        with pytest.raises(RuntimeError, match="before it starts"):
            server.extend(lambda app: None)


# ------------------------------------------------------------------------------------------
# the test side: waits that explain themselves, two bots, hooks


async def test_a_wait_that_times_out_explains_what_happened(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    await alice.send("/start")
    with pytest.raises(StandinTimeout) as info:
        await alice.wait_for_message(timeout=0.1)
    report = str(info.value)
    assert "waiting for a new message from the bot in the chat with Alice" in report
    assert "never called getUpdates" in report
    assert isinstance(info.value, AssertionError) and isinstance(info.value, TimeoutError)

    await bot.get_updates()
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "<b>bad", parse_mode="HTML")
    with pytest.raises(StandinTimeout) as info:
        await server.wait_for_request("editMessageText", timeout=0.1)
    assert "sendMessage(chat_id=1001" in str(info.value)
    assert "can't parse entities" in str(info.value)


async def test_two_bots_on_one_server_and_request_hooks(server: BotApiStandin) -> None:
    second = server.add_bot("456:DEF", username="second_bot")
    seen: list[str] = []
    remove = server.on_request(
        lambda record: seen.append(f"{record.bot_username}:{record.method}")
    )
    alice_one = server.user(1001, "Alice")
    alice_two = second.user(1001, "Alice")
    async with ptb_bot(server) as one, ptb_bot(server, "456:DEF") as two:
        assert (await two.get_me()).username == "second_bot"
        await alice_one.send("to one")
        await alice_two.send("to two")
        assert [u.message.text for u in await one.get_updates()] == ["to one"]
        assert [u.message.text for u in await two.get_updates()] == ["to two"]
        await two.send_message(1001, "from two")
        assert alice_two.last_message.text == "from two"
        assert alice_one.last_message.text == "to one"
    remove()
    assert "second_bot:sendMessage" in seen and "second_bot:getMe" in seen


async def test_many_users_measure_press_to_answer_latency(server: BotApiStandin) -> None:
    users = [server.user(3000 + n, f"Learner {n}") for n in range(20)]
    async with polling(tutor_application(server)):
        for user in users:
            await user.send("/start")
        cards = await asyncio.gather(*(user.wait_for_message() for user in users))
        presses = [
            await user.press(card, "Show answer") for user, card in zip(users, cards, strict=True)
        ]
        answers = await asyncio.gather(*(press.answered() for press in presses))
        assert {answer.text for answer in answers} == {"Here it is"}
        latencies = [press.latency for press in presses]
        # Each press's latency is measured; the figures belong to the review bench.
        assert all(latency is not None and latency > 0 for latency in latencies)
        await server.settle(quiet=0.1)
    assert all(
        user.last_message is not None and user.last_message.buttons == [["Good"]] for user in users
    )
    assert json.dumps(server.requests()[0].response)  # responses are plain JSON


async def test_waits_follow_the_conversation_in_order(
    server: BotApiStandin, bot: telegram.Bot, alice: UserHandle
) -> None:
    await alice.send("/start")
    await bot.send_message(alice.id, "first")  # the bot answers before the test waits
    await bot.send_message(alice.id, "second")
    assert (await alice.wait_for_message()).text == "first"
    assert (await alice.wait_for_message()).text == "second"
    later = asyncio.create_task(alice.wait_for_message(lambda m: m.content.startswith("the")))
    await asyncio.sleep(0.05)
    await bot.send_message(alice.id, "not this one")
    await bot.send_message(alice.id, "the third")
    assert (await later).text == "the third"

    assert (await server.wait_for_request("sendMessage", since=0)).params["text"] == "first"
    assert (await server.wait_for_request("sendMessage")).params["text"] == "second"
    texts = [r.params["text"] for r in server.requests("sendMessage", alice)]
    assert texts == ["first", "second", "not this one", "the third"]


async def test_a_user_photo_reaches_the_bot_and_documents_go_out(
    bot: telegram.Bot, alice: UserHandle
) -> None:
    image = png(64, 48)
    await alice.send_photo(image, caption="my loss curve")
    message = (await bot.get_updates())[0].message
    assert message.caption == "my loss curve" and message.photo[-1].width == 64
    downloaded = await (await message.photo[-1].get_file()).download_as_bytearray()
    assert bytes(downloaded) == image

    csv = b"lr,loss\n0.1,2.3\n"
    sent = await bot.send_document(alice.id, csv, filename="curve.csv", caption="data")
    assert sent.document.file_name == "curve.csv" and sent.document.file_size == len(csv)
    assert alice.last_message is not None and alice.last_message.document == csv
    with pytest.raises(BadRequest, match="Can't use file of type document as photo"):
        await bot.send_photo(alice.id, sent.document.file_id)
