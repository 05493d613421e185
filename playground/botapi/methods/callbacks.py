"""Button presses: answerCallbackQuery."""

from __future__ import annotations

from typing import Any

from ..chat import CallbackAnswer
from ..errors import bad_request
from .registry import Call, MethodTable, registrar

#: This family's handlers, by lower-case method name.
METHODS: MethodTable = {}
api_method = registrar(METHODS)


QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@api_method("answerCallbackQuery")
def answer_callback_query(call: Call) -> Any:
    bot, params = call.bot, call.params
    press = bot.callback_query((params.text("callback_query_id") or "").strip())
    if press is not None:
        call.record.chat_id = press.chat.id
    text = params.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    if press is None or press.answer is not None or press.expired:
        raise bad_request(QUERY_INVALID)
    if call.record.at - press.created_at > bot.server.callback_timeout:
        press.expired = True
        raise bad_request(QUERY_INVALID)
    press.set_answer(
        CallbackAnswer(
            text=text or None,
            show_alert=params.flag("show_alert"),
            url=params.text("url"),
            cache_time=params.integer("cache_time", 0),
            at=call.record.at,
            request=call.record,
        )
    )
    return True
