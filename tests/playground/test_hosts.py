"""The playground answers only at its own address (DNS rebinding) and is never framed
(clickjacking): over real HTTP, with a browser's headers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from playground import Playground
from playground.webapi import own_host
from playground.world import USER_ID
from tests.playground.test_webapi import HEADERS, TOKEN

REBOUND = "evil.example"


@pytest.fixture
async def playground() -> AsyncIterator[Playground]:
    async with Playground(TOKEN, bot_name="LR Tutor", bot_username="lr_tutor_bot", port=0) as pg:
        yield pg


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def framing_refused(response: aiohttp.ClientResponse) -> bool:
    return (
        response.headers.get("X-Frame-Options") == "DENY"
        and response.headers.get("Content-Security-Policy") == "frame-ancestors 'none'"
    )


@pytest.mark.parametrize(
    ("host", "own"),
    [
        ("127.0.0.1:{port}", True),
        ("localhost:{port}", True),
        ("LocalHost.:{port}", True),
        ("[::1]:{port}", True),
        (REBOUND + ":{port}", False),
        ("127.0.0.1.evil.example:{port}", False),
        ("127.0.0.1:1", False),
        ("127.0.0.1", False),
        ("", False),
        ("127.0.0.1:{port}@evil.example", False),
    ],
)
async def test_the_page_and_its_api_answer_only_at_their_own_host(
    playground: Playground, session: aiohttp.ClientSession, host: str, own: bool
) -> None:
    port = playground.server.port
    headers = {"Host": host.format(port=port)}
    for path in ("/", "/api/updates?since=0", f"/bot{TOKEN}/getMe"):
        async with session.get(f"{playground.url}{path}", headers=headers) as response:
            body = await response.text()
            assert response.status == (200 if own else 421), path
            assert framing_refused(response)
            if not own:
                assert body.startswith("This playground answers only at its own address")
                assert "Sam" not in body and TOKEN not in body


async def test_a_rebound_page_cannot_act_as_the_user(
    playground: Playground, session: aiohttp.ClientSession
) -> None:
    chat = playground.user.chat
    before = len(chat.messages)
    headers = {**HEADERS, "Host": f"{REBOUND}:{playground.server.port}"}
    async with session.post(
        f"{playground.url}/api/chats/{USER_ID}/messages", json={"text": "/forget"}, headers=headers
    ) as response:
        assert response.status == 421
    assert len(chat.messages) == before
    # The same request at the playground's own address goes through.
    async with session.post(
        f"{playground.url}/api/chats/{USER_ID}/messages", json={"text": "hello"}, headers=HEADERS
    ) as response:
        assert response.status == 200
    assert [m.text for m in chat.messages[before:]] == ["hello"]


async def test_no_response_may_be_framed(
    playground: Playground, session: aiohttp.ClientSession
) -> None:
    for path in ("/", "/static/app.js", "/api/updates", "/api/files/none", "/nowhere"):
        async with session.get(f"{playground.url}{path}") as response:
            assert framing_refused(response), (path, response.status)


def test_a_wildcard_listen_answers_at_the_address_it_was_reached_at() -> None:
    reached = ("192.0.2.7", 8080)
    assert own_host("192.0.2.7:8080", listen="0.0.0.0", reached=reached)
    assert own_host("localhost:8080", listen="0.0.0.0", reached=reached)
    assert not own_host(f"{REBOUND}:8080", listen="0.0.0.0", reached=reached)
    assert not own_host("192.0.2.8:8080", listen="0.0.0.0", reached=reached)
    assert own_host("tutor.lan:8080", listen="tutor.lan", reached=reached)
