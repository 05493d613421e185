"""Editing and deleting the bot's messages: text, caption, media, keyboard."""

from __future__ import annotations

import time
from typing import Any

from ..access import check_can_write
from ..chat import Chat, ChatMessage
from ..errors import bad_request
from ..markup import ReplyMarkup, parse_reply_markup
from ..params import Params
from .common import (
    MAX_TEXT,
    caption_param,
    formatted_param,
    input_file,
    link_preview,
    resolve_file,
)
from .registry import Call, MethodTable, registrar

#: This family's handlers, by lower-case method name.
METHODS: MethodTable = {}
api_method = registrar(METHODS)


NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _editable(call: Call, what: str) -> ChatMessage:
    """The bot's own message a call edits; Telegram's errors otherwise."""
    bot, params = call.bot, call.params
    if "chat_id" not in params and "message_id" not in params and "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")  # the stand-in has no inline messages
    chat = bot.resolve_chat(params.values.get("chat_id"))
    message_id = params.integer("message_id", 0)
    if message_id <= 0:
        raise bad_request("message identifier is not specified")
    check_can_write(chat)
    message = chat.message(message_id)
    if message is None:
        raise bad_request(f"{what} not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _apply_edit(message: ChatMessage, changes: dict[str, Any], markup: ReplyMarkup | None) -> None:
    """Edit a message; 400 ``message is not modified`` when nothing changes.

    As in Telegram, an edit without ``reply_markup`` removes the inline keyboard.
    """
    new_markup = markup.value if markup is not None and markup.kind == "inline" else None
    unchanged = message.data.get("reply_markup") == new_markup and all(
        message.data.get(key) == (value or None) for key, value in changes.items()
    )
    if unchanged:
        raise bad_request(NOT_MODIFIED)
    previous = message.snapshot()
    for key, value in changes.items():
        if value:
            message.data[key] = value
        else:
            message.data.pop(key, None)
    if new_markup is not None:
        message.data["reply_markup"] = new_markup
    else:
        message.data.pop("reply_markup", None)
    message.data["edit_date"] = int(time.time())
    message.chat.message_edited(message, previous)


@api_method("editMessageText")
def edit_message_text(call: Call) -> Any:
    params = call.params
    formatted, raw = formatted_param(
        params,
        "text",
        mode_field="parse_mode",
        entities_field="entities",
        limit=MAX_TEXT,
        too_long="message is too long",
        empty="message text is empty",
    )
    assert formatted is not None
    markup = parse_reply_markup(params.values.get("reply_markup"))
    message = _editable(call, "message to edit")
    if "text" not in message.data:
        raise bad_request("there is no text in the message to edit")
    changes: dict[str, Any] = {"text": formatted.text, "entities": formatted.entities}
    preview = link_preview(params)
    if preview:
        changes["link_preview_options"] = preview
    _apply_edit(message, changes, markup)
    message.raw_text, message.parse_mode = raw, params.text("parse_mode")
    return message.data


@api_method("editMessageCaption")
def edit_message_caption(call: Call) -> Any:
    params = call.params
    caption, raw = caption_param(params)
    markup = parse_reply_markup(params.values.get("reply_markup"))
    message = _editable(call, "message to edit")
    if not any(
        kind in message.data for kind in ("photo", "document", "video", "audio", "animation")
    ):
        raise bad_request("there is no caption in the message to edit")
    changes = {
        "caption": caption.text if caption else None,
        "caption_entities": caption.entities if caption else None,
    }
    _apply_edit(message, changes, markup)
    message.raw_text, message.parse_mode = raw, params.text("parse_mode")
    return message.data


@api_method("editMessageMedia")
def edit_message_media(call: Call) -> Any:
    """A photo or document message's file swapped for another (uploaded with ``attach://``
    or by file_id), with the new media's caption; other media types are not kept here."""
    params = call.params
    media = params.json("media", "media")
    if not isinstance(media, dict) or media.get("type") not in ("photo", "document"):
        raise bad_request("media type is not supported")
    kind = str(media["type"])
    inner = Params(
        {key: value for key, value in media.items() if key != "type"}, files=params.files
    )
    upload, reference = input_file(inner, "media")
    caption, raw = caption_param(inner)
    markup = parse_reply_markup(params.values.get("reply_markup"))
    message = _editable(call, "message to edit")
    if not any(kind_ in message.data for kind_ in ("photo", "document")):
        raise bad_request("there is no media in the message to edit")
    stored = resolve_file(call.bot, upload, reference, kind)
    changes: dict[str, Any] = {
        "photo": [dict(size) for size in stored.photo_sizes] if kind == "photo" else None,
        "document": stored.document_api() if kind == "document" else None,
        "caption": caption.text if caption else None,
        "caption_entities": caption.entities if caption else None,
    }
    _apply_edit(message, changes, markup)
    message.file = stored
    message.raw_text, message.parse_mode = raw, inner.text("parse_mode")
    return message.data


@api_method("editMessageReplyMarkup")
def edit_message_reply_markup(call: Call) -> Any:
    markup = parse_reply_markup(call.params.values.get("reply_markup"))
    message = _editable(call, "message to edit")
    _apply_edit(message, {}, markup)
    return message.data


@api_method("deleteMessage")
def delete_message(call: Call) -> Any:
    bot, params = call.bot, call.params
    chat = bot.resolve_chat(params.values.get("chat_id"))
    message = chat.message(params.integer("message_id", 0))
    if message is None:
        raise bad_request("message to delete not found")
    _delete(chat, message)
    return True


@api_method("deleteMessages")
def delete_messages(call: Call) -> Any:
    bot, params = call.bot, call.params
    chat = bot.resolve_chat(params.values.get("chat_id"))
    ids = params.json("message_ids", "message identifiers")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        message = chat.message(message_id) if isinstance(message_id, int) else None
        if message is not None:
            _delete(chat, message)
    return True


def _delete(chat: Chat, message: ChatMessage) -> None:
    if (
        not chat.is_private
        and not message.from_bot
        and chat.bot_status not in ("administrator", "creator")
    ):
        raise bad_request("message can't be deleted")
    chat.delete_message(message)
