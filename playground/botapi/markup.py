"""Reply markup validation: inline keyboards checked with Telegram's error texts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import bad_request

INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_CALLBACK_DATA_BYTES = 64


@dataclass(frozen=True)
class ReplyMarkup:
    """A validated ``reply_markup``.

    ``kind`` is ``inline`` (shown under the message, part of the Message object),
    ``keyboard`` (a reply keyboard under the input field), ``remove`` or ``force_reply``.
    """

    kind: str
    value: dict[str, Any]


def parse_reply_markup(raw: Any) -> ReplyMarkup | None:
    """Validate ``reply_markup`` as Telegram does; None when absent or empty."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in raw:
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list):
            raise bad_request('field "inline_keyboard" must be of type Array')
        normalized = []
        for row in rows:
            if not isinstance(row, list):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup '
                    "must be an Array of Arrays"
                )
            normalized.append([_inline_button(button) for button in row])
        if not any(normalized):
            return None
        return ReplyMarkup("inline", {"inline_keyboard": normalized})
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                if isinstance(button, dict):
                    if not isinstance(button.get("text"), str):
                        raise bad_request(
                            'can\'t parse keyboard button: Field "text" must be of type String'
                        )
                elif not isinstance(button, str):
                    raise bad_request(
                        "can't parse keyboard button: KeyboardButton must be a String or an Object"
                    )
        return ReplyMarkup("keyboard", raw) if rows else None
    if raw.get("remove_keyboard") or raw.get("hide_keyboard"):
        return ReplyMarkup("remove", raw)
    if raw.get("force_reply"):
        return ReplyMarkup("force_reply", raw)
    return None


def _button_error(message: str) -> Exception:
    return bad_request(f"can't parse inline keyboard button: {message}")


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _button_error('Can\'t find field "text"')
    text = button["text"]
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise _button_error('Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    # Telegram treats an empty url or callback_data as absent.
    present = [
        name
        for name in INLINE_BUTTON_ACTIONS
        if name in button and button[name] is not None and button[name] != ""
    ]
    if not present:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(present) > 1:
        # Telegram silently uses the first field by its priority; the documentation says
        # "exactly one", and the stand-in holds the bot to it.
        raise _button_error(
            "exactly one of the optional fields must be used, found " + ", ".join(present)
        )
    action = present[0]
    value = button[action]
    if action in ("url", "callback_data", "switch_inline_query"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise _button_error(f'Field "{action}" must be of type String')
    if action == "callback_data" and len(value.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
        raise bad_request("BUTTON_DATA_INVALID")
    if action == "url" and not value.lower().startswith(("http://", "https://", "tg://")):
        raise bad_request("BUTTON_URL_INVALID")
    normalized = {"text": text, action: value}
    for cosmetic in ("style", "icon_custom_emoji_id"):
        if button.get(cosmetic) not in (None, ""):
            normalized[cosmetic] = button[cosmetic]
    return normalized


def button_labels(markup: dict[str, Any] | None) -> list[list[str]]:
    """The labels of an inline keyboard, row by row."""
    if not markup:
        return []
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]
