"""Polls and quizzes: sendPoll with Bot API 10.0's limits, stopPoll."""

from __future__ import annotations

import itertools
import time
from typing import Any

from ..access import check_can_write
from ..chat import PollState
from ..errors import bad_request
from ..formatting import FormattedText, format_text
from ..markup import parse_reply_markup
from ..params import Params
from .common import post_message, send_target
from .registry import Call, MethodTable, registrar

#: This family's handlers, by lower-case method name.
METHODS: MethodTable = {}
api_method = registrar(METHODS)


MIN_OPEN_PERIOD = 5


MAX_OPEN_PERIOD = 2628000  # Bot API 9.6; it was 600


@api_method("sendPoll")
def send_poll(call: Call) -> Any:
    """A poll, with the limits of Bot API 10.0 (1-12 options, open_period 5-2628000)."""
    bot, params = call.bot, call.params
    question = format_text(
        params.text("question") or "",
        params.text("question_parse_mode"),
        params.values.get("question_entities"),
    )
    if not question.text:
        raise bad_request("poll question must be non-empty")
    if len(question.text) > 300:
        raise bad_request("poll question length must not exceed 300")
    options = _poll_options(params)
    kind = params.text("type") or "regular"
    if kind not in ("regular", "quiz"):
        raise bad_request("unsupported poll type specified")
    correct: list[int] = []
    explanation = FormattedText("")
    if kind == "quiz":
        correct = _correct_option_ids(params, len(options))
        explanation = _optional_text(params, "explanation")
        if len(explanation.text) > 200 or explanation.text.count("\n") > 2:
            raise bad_request("explanation is too long")
    description = _optional_text(params, "description")
    if len(description.text) > 1024:
        raise bad_request("description is too long")
    open_period = params.integer("open_period", 0)
    close_date = params.integer("close_date", 0)
    if open_period:
        close_date = 0
        if not MIN_OPEN_PERIOD <= open_period <= MAX_OPEN_PERIOD:
            raise bad_request("wrong open period specified")
    elif close_date and not MIN_OPEN_PERIOD <= close_date - time.time() <= MAX_OPEN_PERIOD:
        raise bad_request("wrong close date specified")
    markup = parse_reply_markup(params.values.get("reply_markup"))
    chat, reply_to = send_target(call)
    revoting = params.flag("allows_revoting") if "allows_revoting" in params else kind == "regular"
    state = PollState(
        id=bot.polls.new_id(),
        message=None,  # type: ignore[arg-type]  # the message is made from the poll, below
        question=question.text,
        question_entities=question.entities,
        options=options,
        type=kind,
        is_anonymous=params.flag("is_anonymous") if "is_anonymous" in params else True,
        allows_multiple_answers=params.flag("allows_multiple_answers"),
        allows_revoting=revoting,
        correct_option_ids=correct,
        description=description.text or None,
        description_entities=description.entities,
        explanation=explanation.text or None,
        explanation_entities=explanation.entities,
        open_period=open_period or None,
        close_date=(int(time.time()) + open_period) if open_period else (close_date or None),
        is_closed=params.flag("is_closed"),
    )
    message = post_message(call, chat, {"poll": state.api()}, markup, reply_to, poll=state)
    state.message = message
    bot.polls.register(state)
    return message.data


def _poll_options(params: Params) -> list[str]:
    raw = params.json("options", "options")
    if not isinstance(raw, list):
        raise bad_request("expected an Array of InputPollOption")
    options = []
    for option in raw:
        if isinstance(option, str):
            options.append(option.strip())
        elif isinstance(option, dict) and isinstance(option.get("text"), str):
            text = option["text"]
            mode = option.get("text_parse_mode")
            entities = option.get("text_entities")
            options.append(format_text(text, mode, entities).text if text else "")
        else:
            raise bad_request("can't parse InputPollOption: expected an Object")
    if not options:
        raise bad_request("poll must have at least 1 option")
    if len(options) > 12:
        raise bad_request("poll can't have more than 12 options")
    if any(not option for option in options):
        raise bad_request("poll options must be non-empty")
    if any(len(option) > 100 for option in options):
        raise bad_request("poll options length must not exceed 100")
    return options


def _correct_option_ids(params: Params, count: int) -> list[int]:
    """correct_option_ids (Bot API 9.6), or the older correct_option_id."""
    ids = params.json("correct_option_ids", "correct option identifiers")
    if ids is None and "correct_option_id" in params:
        ids = [params.integer("correct_option_id", -1)]
    if (
        not isinstance(ids, list)
        or not ids
        or any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < count for i in ids)
        or any(a >= b for a, b in itertools.pairwise(ids))
    ):
        raise bad_request("wrong correct option ID specified")
    return list(ids)


def _optional_text(params: Params, field: str) -> FormattedText:
    raw = params.text(field) or ""
    if not raw:
        return FormattedText("")
    return format_text(
        raw, params.text(f"{field}_parse_mode"), params.values.get(f"{field}_entities")
    )


@api_method("stopPoll")
def stop_poll(call: Call) -> Any:
    bot, params = call.bot, call.params
    markup = parse_reply_markup(params.values.get("reply_markup"))
    chat = bot.resolve_chat(params.values.get("chat_id"))
    check_can_write(chat)
    message = chat.message(params.integer("message_id", 0))
    if message is None or message.poll is None:
        raise bad_request("message with poll to stop not found")
    if not message.from_bot:
        raise bad_request("poll can't be stopped")
    state = message.poll
    if state.is_closed:
        raise bad_request("poll has already been closed")
    if markup is not None and markup.kind == "inline":
        message.data["reply_markup"] = markup.value
    else:
        message.data.pop("reply_markup", None)
    bot.close_poll(state)
    return state.api()
