"""The retry policy's classification and the one place outgoing texts are fitted."""

from __future__ import annotations

import json

from telegram import InputPollOption

from bot.format import shown_length
from bot.telegram_io import fault_of_answer, fit_outgoing, is_idempotent


def test_sends_are_not_idempotent_and_edits_answers_and_gets_are() -> None:
    assert not any(map(is_idempotent, ("sendMessage", "sendPoll", "copyMessage", "stopPoll")))
    assert all(map(is_idempotent, ("editMessageText", "answerCallbackQuery", "getUpdates")))


def test_only_the_bot_apis_own_5xx_answer_says_the_call_was_not_carried_out() -> None:
    own = json.dumps({"ok": False, "error_code": 500, "description": "Internal"}).encode()
    assert fault_of_answer(500, own).unsent  # type: ignore[union-attr]
    assert not fault_of_answer(502, b"<html>Bad Gateway</html>").unsent  # type: ignore[union-attr]
    limited = {"ok": False, "description": "Too Many", "parameters": {"retry_after": 3}}
    assert fault_of_answer(429, json.dumps(limited).encode()).retry_after == 3  # type: ignore[union-attr]
    assert fault_of_answer(400, b'{"ok": false}') is None


def test_every_outgoing_text_is_fitted_to_telegrams_limits() -> None:
    message = fit_outgoing("sendMessage", {"text": "<b>x</b>" * 5000, "parse_mode": "HTML"})
    caption = fit_outgoing("sendPhoto", {"caption": "y" * 2000})
    answer = fit_outgoing("answerCallbackQuery", {"text": "z" * 500})
    poll = fit_outgoing(
        "sendPoll",
        {"question": "q" * 400, "options": [InputPollOption("o" * 150), "p" * 150]},
    )
    assert shown_length(message["text"]) == 4096 and message["text"].endswith("…")
    assert shown_length(caption["caption"], is_html=False) == 1024
    assert len(answer["text"]) == 200
    assert len(poll["question"]) == 300
    assert [len(getattr(o, "text", o)) for o in poll["options"]] == [100, 100]
