"""The playground's page API: the user's chats, sends, presses, votes and files over HTTP,
with a python-telegram-bot Bot playing the bot on the same server."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from playground import Classmate, Playground
from playground import webapi as webapi_module
from playground.world import GROUP_ID, USER_ID
from tests.playground.test_botapi import PTB_TIMEDELTA_WARNINGS, png

TOKEN = "7000000001:playground-test"
HEADERS = {"X-Playground": "1"}
WEB = Path(webapi_module.__file__).with_name("web")
PERFECT = Classmate(1002, "Ada", accuracy=1.0, pace=(0.1, 0.1))
HOPELESS = Classmate(1003, "Ben", accuracy=0.0, pace=(0.3, 0.3))
SLOW = Classmate(1004, "Chloe", accuracy=1.0, pace=(0.6, 0.6))
# Poll timers and the classmates' waits run 20x faster: a 5 s poll closes after 0.25 s.
TIME_SCALE = 0.05


@pytest.fixture
async def playground() -> AsyncIterator[Playground]:
    async with Playground(
        TOKEN,
        bot_name="LR Tutor",
        bot_username="lr_tutor_bot",
        port=0,
        classmates=(PERFECT, HOPELESS, SLOW),
        seed=7,
        time_scale=TIME_SCALE,
    ) as playground:
        yield playground


@pytest.fixture
async def bot(playground: Playground) -> AsyncIterator[telegram.Bot]:
    api = playground.api_url
    async with telegram.Bot(TOKEN, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot") as bot:
        yield bot


class Page:
    """What the chat page does: GETs and POSTs with the playground's header."""

    def __init__(self, session: aiohttp.ClientSession, base: str):
        self.session = session
        self.base = base
        self.version = 0

    async def updates(self, since: int | None = None, wait: float = 0) -> dict[str, Any]:
        since = self.version if since is None else since
        url = f"{self.base}/api/updates?since={since}&timeout={wait}"
        async with self.session.get(url) as response:
            assert response.status == 200
            payload: dict[str, Any] = await response.json()
        self.version = payload["version"]
        return payload

    async def post(
        self, path: str, body: Any = None, *, headers: dict[str, str] = HEADERS
    ) -> tuple[int, dict[str, Any]]:
        async with self.session.post(
            f"{self.base}{path}",
            json=body if not isinstance(body, aiohttp.FormData) else None,
            data=body if isinstance(body, aiohttp.FormData) else None,
            headers=headers,
        ) as response:
            return response.status, await response.json()

    async def send(self, chat_id: int, text: str) -> tuple[int, dict[str, Any]]:
        return await self.post(f"/api/chats/{chat_id}/messages", {"text": text})

    async def get(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        async with self.session.get(f"{self.base}{path}") as response:
            return response.status, await response.read(), dict(response.headers)


@pytest.fixture
async def page(playground: Playground) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession() as session:
        yield Page(session, playground.url)


def views(payload: dict[str, Any], chat_id: int) -> list[dict[str, Any]]:
    return [view for view in payload["messages"] if view["chat_id"] == chat_id]


def quiz_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Show answer", callback_data="show")],
            [InlineKeyboardButton("Docs", url="https://docs.pytorch.org/")],
        ]
    )


# ------------------------------------------------------------------------------------------
# the page


async def test_the_page_is_served_with_its_own_assets_only(page: Page) -> None:
    status, body, headers = await page.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    html = body.decode()
    assert '<script src="/static/app.js">' in html and "/static/app.css" in html
    for name in ("app.js", "app.css"):
        status, _, _ = await page.get(f"/static/{name}")
        assert status == 200, name
    # Nothing is fetched from the internet: no external scripts, styles, fonts or images.
    for path in WEB.iterdir():
        text = path.read_text()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), path.name
        assert not re.search(r"""(@import|url\()\s*["']?(https?:)?//""", text), path.name


async def test_the_user_sees_their_chats_members_and_command_menus(
    page: Page, bot: telegram.Bot, playground: Playground
) -> None:
    first = await page.updates(0)
    assert first["me"] == {"id": USER_ID, "name": "Sam"}
    assert first["bot"]["username"] == "lr_tutor_bot"
    private, group = first["chats"]
    assert (private["id"], private["type"], private["title"]) == (USER_ID, "private", "LR Tutor")
    assert (group["id"], group["title"]) == (GROUP_ID, "Class")
    assert [(m["name"], m["status"]) for m in group["members"]] == [
        ("Ada", "member"),
        ("Ben", "member"),
        ("Chloe", "member"),
        ("Sam", "administrator"),
    ]
    # The bot was added to the class at start, as a member adds a bot in Telegram.
    [joined] = await bot.get_updates()
    assert joined.my_chat_member is not None and joined.my_chat_member.chat.id == GROUP_ID
    assert joined.my_chat_member.from_user.id == USER_ID
    admins = await bot.get_chat_administrators(GROUP_ID)
    assert [admin.user.first_name for admin in admins] == ["Sam"]

    await bot.set_my_commands(
        [("review", "Review your cards")], scope=telegram.BotCommandScopeAllPrivateChats()
    )
    await bot.set_my_commands(
        [("quiz", "Start a quiz")], scope=telegram.BotCommandScopeAllGroupChats()
    )
    menus = {chat["id"]: chat["commands"] for chat in (await page.updates())["chats"]}
    assert menus == {
        USER_ID: [["review", "Review your cards"]],
        GROUP_ID: [["quiz", "Start a quiz"]],
    }


async def test_what_the_user_sends_reaches_the_bot(page: Page, bot: telegram.Bot) -> None:
    await bot.get_updates()  # the group join
    status, _ = await page.send(USER_ID, "/start lr-basics")
    assert status == 200
    status, _ = await page.send(GROUP_ID, "/quiz 2 5")
    assert status == 200
    status, _ = await page.send(GROUP_ID, "just chatting")  # privacy mode: the bot never sees it
    assert status == 200
    updates = await bot.get_updates(offset=-2)
    texts = [(u.message.chat.id, u.message.text, u.message.from_user.id) for u in updates]
    assert texts == [(USER_ID, "/start lr-basics", USER_ID), (GROUP_ID, "/quiz 2 5", USER_ID)]
    assert updates[0].message.entities[0].type == "bot_command"
    shown = views(await page.updates(0), GROUP_ID)
    assert [(v["text"], v["outgoing"]) for v in shown] == [
        ("/quiz 2 5", True),
        ("just chatting", True),
    ]


async def test_bad_requests_of_the_page_are_refused_with_a_reason(page: Page) -> None:
    assert await page.post(f"/api/chats/{USER_ID}/messages", {"text": "hi"}, headers={}) == (
        403,
        {"error": "the X-Playground header is missing"},
    )
    assert await page.send(USER_ID, "   ") == (400, {"error": "the message is empty"})
    too_long = await page.send(USER_ID, "x" * 4097)
    assert too_long == (400, {"error": "the message is longer than 4096 characters"})
    assert await page.send(-5, "hi") == (404, {"error": "no such chat"})
    assert await page.send(1002, "hi") == (404, {"error": "no such chat"})  # Ada's own chat
    status, body = await page.post(f"/api/chats/{USER_ID}/messages/99/press", {"data": "x"})
    assert (status, body) == (400, {"error": "this message was deleted"})
    status, body = await page.post(f"/api/chats/{USER_ID}/documents", {"file": "x"})
    assert (status, body) == (400, {"error": "no file was sent"})
    status, _, _ = await page.get("/api/files/documents/nothing.csv")
    assert status == 404
    status, _, _ = await page.get("/api/updates?since=soon")
    assert status == 400


# ------------------------------------------------------------------------------------------
# updates


async def test_a_long_poll_returns_on_a_send_and_then_only_what_changed(
    page: Page, bot: telegram.Bot
) -> None:
    await page.updates(0)
    started = asyncio.get_running_loop().time()
    assert (await page.updates(wait=0.2))["messages"] == []  # nothing new: it times out
    assert asyncio.get_running_loop().time() - started >= 0.2

    waiting = asyncio.create_task(page.updates(wait=10))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    sent = await bot.send_message(
        USER_ID, "<b>Card</b> front", parse_mode="HTML", reply_markup=quiz_keyboard()
    )
    [view] = (await asyncio.wait_for(waiting, 2))["messages"]
    assert view["text"] == "Card front" and not view["outgoing"] and not view["edited"]
    assert view["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert view["from"] == {"id": playground_bot_id(), "name": "LR Tutor", "is_bot": True}
    assert view["keyboard"] == [
        [{"text": "Show answer", "callback_data": "show"}],
        [{"text": "Docs", "url": "https://docs.pytorch.org/"}],
    ]

    await bot.edit_message_text("Card back", chat_id=USER_ID, message_id=sent.message_id)
    [edited] = (await page.updates(wait=2))["messages"]
    assert (edited["id"], edited["text"], edited["edited"]) == (view["id"], "Card back", True)
    assert "keyboard" not in edited

    await bot.delete_message(USER_ID, sent.message_id)
    [deleted] = (await page.updates(wait=2))["messages"]
    assert deleted == {"chat_id": USER_ID, "id": view["id"], "deleted": True}

    await bot.send_chat_action(USER_ID, "upload_photo")
    update = await page.updates(wait=2)
    assert [(a["chat_id"], a["action"]) for a in update["actions"]] == [(USER_ID, "upload_photo")]

    # A page that knew a later version (the playground restarted) gets everything again.
    again = await page.updates(since=10**6)
    assert again["reset"] is True and len(views(again, USER_ID)) == 1


def playground_bot_id() -> int:
    return int(TOKEN.split(":")[0])


# ------------------------------------------------------------------------------------------
# presses, votes, files


async def test_a_press_returns_the_bots_callback_answer(page: Page, bot: telegram.Bot) -> None:
    await bot.get_updates()
    sent = await bot.send_message(USER_ID, "Card", reply_markup=quiz_keyboard())

    async def bot_answers() -> str:
        for _ in range(50):
            for update in await bot.get_updates(offset=-1, timeout=0):
                query = update.callback_query
                if query is not None:
                    await query.answer("Good: see it again in 10m", show_alert=True)
                    return str(query.data)
            await asyncio.sleep(0.02)
        raise AssertionError("no callback query")

    answering = asyncio.create_task(bot_answers())
    status, body = await page.post(
        f"/api/chats/{USER_ID}/messages/{sent.message_id}/press", {"data": "show"}
    )
    assert await answering == "show"
    assert (status, body) == (
        200,
        {"answer": {"text": "Good: see it again in 10m", "show_alert": True, "url": None}},
    )


async def test_a_press_the_bot_never_answers_ends_without_an_answer(
    page: Page, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webapi_module, "PRESS_ANSWER_SECONDS", 0.2)
    sent = await bot.send_message(USER_ID, "Card", reply_markup=quiz_keyboard())
    status, body = await page.post(
        f"/api/chats/{USER_ID}/messages/{sent.message_id}/press", {"data": "show"}
    )
    assert (status, body) == (200, {"answer": None})


async def test_a_deck_file_goes_to_the_bot_and_photos_come_back(
    page: Page, bot: telegram.Bot
) -> None:
    await bot.get_updates()
    deck = b"front,back\nWhat does the learning rate scale?,The step\n"
    form = aiohttp.FormData(quote_fields=False)  # as browsers send names
    form.add_field("file", deck, filename="my deck.csv", content_type="text/csv")
    status, _ = await page.post(f"/api/chats/{USER_ID}/documents", form)
    assert status == 200
    [update] = await bot.get_updates(offset=-1)
    document = update.effective_message.document
    assert document is not None and document.file_name == "my deck.csv"
    assert document.mime_type == "text/csv"
    assert bytes(await (await bot.get_file(document.file_id)).download_as_bytearray()) == deck
    [shown] = views(await page.updates(0), USER_ID)
    assert shown["outgoing"] and shown["document"]["name"] == "my deck.csv"
    status, body, headers = await page.get(shown["document"]["url"] + "?download=1")
    assert status == 200 and body == deck
    assert headers["Content-Disposition"] == "attachment; filename*=UTF-8''my%20deck.csv"

    plot = png(120, 80)
    await bot.send_photo(USER_ID, plot, caption="<b>lr=0.1</b> reached 0.012", parse_mode="HTML")
    photo = views(await page.updates(), USER_ID)[-1]
    assert photo["text"] == "lr=0.1 reached 0.012"
    assert (photo["photo"]["width"], photo["photo"]["height"]) == (120, 80)
    status, body, headers = await page.get(photo["photo"]["url"])
    assert (status, body, headers["Content-Type"]) == (200, plot, "image/png")


@PTB_TIMEDELTA_WARNINGS
async def test_a_quiz_shows_its_answer_after_the_vote_and_closes_on_time(
    page: Page, bot: telegram.Bot
) -> None:
    await bot.get_updates()
    sent = await bot.send_poll(
        USER_ID,
        "Too high a learning rate makes the loss ...",
        ["diverge", "crawl", "freeze"],
        type="quiz",
        correct_option_ids=[0],
        explanation="Steps overshoot the minimum.",
        is_anonymous=False,
        open_period=10,
    )
    vote = f"/api/chats/{USER_ID}/messages/{sent.message_id}/vote"
    [before] = views(await page.updates(0), USER_ID)
    poll = before["poll"]
    assert poll["type"] == "quiz" and poll["my_vote"] is None and not poll["is_closed"]
    assert "correct" not in poll and "explanation" not in poll  # no peeking
    assert [option["text"] for option in poll["options"]] == ["diverge", "crawl", "freeze"]
    assert poll["closes_at"] is not None

    assert await page.post(vote, {"option_ids": [1]}) == (200, {"ok": True})
    [after] = (await page.updates(wait=2))["messages"]
    assert after["poll"]["my_vote"] == [1] and after["poll"]["correct"] == [0]
    assert after["poll"]["explanation"] == "Steps overshoot the minimum."
    assert [o["count"] for o in after["poll"]["options"]] == [0, 1, 0]
    [answer] = [u for u in await bot.get_updates(offset=-2) if u.poll_answer is not None]
    assert answer.poll_answer.user.id == USER_ID and answer.poll_answer.option_ids == (1,)
    status, body = await page.post(vote, {"option_ids": [0]})
    assert (status, body) == (400, {"error": "this quiz poll does not allow changing the answer"})
    assert (await page.post(vote, {"option_ids": "0"}))[0] == 400

    [closed] = (await page.updates(wait=2))["messages"]  # 10 s x TIME_SCALE
    assert closed["poll"]["is_closed"] and closed["poll"]["closes_at"] is None
    status, body = await page.post(vote, {"option_ids": [2]})
    assert status == 400 and "closed" in body["error"]


# ------------------------------------------------------------------------------------------
# the classmates


@PTB_TIMEDELTA_WARNINGS
async def test_classmates_answer_the_class_quiz_each_at_their_pace_and_accuracy(
    page: Page, bot: telegram.Bot
) -> None:
    await bot.get_updates()
    sent = await bot.send_poll(
        GROUP_ID,
        "[1/1] Which rate diverges?",
        ["0.001", "0.1", "10"],
        type="quiz",
        correct_option_ids=[2],
        is_anonymous=False,
        open_period=10,
    )
    await bot.send_poll(USER_ID, "Private?", ["yes", "no"], is_anonymous=False)
    answers: list[tuple[int, tuple[int, ...]]] = []
    for _ in range(100):
        for update in await bot.get_updates(offset=-10, timeout=0):
            if update.poll_answer is not None and update.poll_answer.poll_id == sent.poll.id:
                pair = (update.poll_answer.user.id, update.poll_answer.option_ids)
                if pair not in answers:
                    answers.append(pair)
        if len(answers) == 3:
            break
        await asyncio.sleep(0.02)
    # Ada is quick and always right, Ben always wrong, Chloe slow and right.
    assert [user for user, _ in answers] == [1002, 1003, 1004]
    assert answers[0][1] == (2,) and answers[1][1] != (2,) and answers[2][1] == (2,)
    shown = views(await page.updates(0), GROUP_ID)[-1]["poll"]
    assert shown["total"] == 3 and shown["options"][2]["count"] == 2
    # Nobody answers the poll in the private chat.
    private = views(await page.updates(0), USER_ID)[-1]["poll"]
    assert private["total"] == 0


async def test_what_the_page_sends_before_the_bot_is_up_waits_for_it(
    page: Page, bot: telegram.Bot
) -> None:
    """The page answers before the bot polls: it says the bot is starting, and a message
    sent then reaches the bot when it starts (Telegram keeps updates for a bot that is
    down)."""
    first = await page.updates(0)
    assert first["bot_up"] is False
    status, _ = await page.post(f"/api/chats/{USER_ID}/messages", {"text": "/start"})
    assert status == 200
    await bot.delete_webhook()  # what PTB does right before its first getUpdates
    assert (await page.updates())["bot_up"] is True
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message is not None] == ["/start"]
