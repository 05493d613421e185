"""Sending messages and files: sendMessage, sendPhoto, sendDocument, sendChatAction, getFile."""

from __future__ import annotations

from typing import Any

from ..access import check_can_write
from ..errors import bad_request
from ..formatting import FormattedText
from ..markup import parse_reply_markup
from .common import (
    MAX_TEXT,
    caption_param,
    formatted_param,
    input_file,
    link_preview,
    post_message,
    resolve_file,
    send_target,
)
from .registry import Call, MethodTable, registrar

#: This family's handlers, by lower-case method name.
METHODS: MethodTable = {}
api_method = registrar(METHODS)


CHAT_ACTIONS = {
    "cancel": "cancel",
    "typing": "typing",
    "record_video": "record_video",
    "upload_video": "upload_video",
    "record_audio": "record_voice",
    "record_voice": "record_voice",
    "upload_audio": "upload_voice",
    "upload_voice": "upload_voice",
    "upload_photo": "upload_photo",
    "upload_document": "upload_document",
    "choose_sticker": "choose_sticker",
    "pick_up_location": "find_location",
    "find_location": "find_location",
    "record_video_note": "record_video_note",
    "upload_video_note": "upload_video_note",
}


def _text_content(
    formatted: FormattedText | None, field: str, entities_field: str
) -> dict[str, Any]:
    if formatted is None:
        return {}
    content: dict[str, Any] = {field: formatted.text}
    if formatted.entities:
        content[entities_field] = formatted.entities
    return content


@api_method("sendMessage")
def send_message(call: Call) -> Any:
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
    markup = parse_reply_markup(params.values.get("reply_markup"))
    preview = link_preview(params)
    chat, reply_to = send_target(call)
    content = _text_content(formatted, "text", "entities")
    if preview:
        content["link_preview_options"] = preview
    message = post_message(
        call, chat, content, markup, reply_to, raw_text=raw, parse_mode=params.text("parse_mode")
    )
    return message.data


def _send_file(call: Call, field: str) -> Any:
    params = call.params
    upload, reference = input_file(params, field)
    caption, raw = caption_param(params)
    markup = parse_reply_markup(params.values.get("reply_markup"))
    chat, reply_to = send_target(call)
    stored = resolve_file(call.bot, upload, reference, field)
    if field == "photo":
        content: dict[str, Any] = {"photo": [dict(size) for size in stored.photo_sizes]}
    else:
        content = {"document": stored.document_api()}
    content.update(_text_content(caption, "caption", "caption_entities"))
    if params.flag("has_spoiler"):
        content["has_media_spoiler"] = True
    message = post_message(
        call,
        chat,
        content,
        markup,
        reply_to,
        file=stored,
        raw_text=raw,
        parse_mode=params.text("parse_mode"),
    )
    return message.data


@api_method("sendPhoto")
def send_photo(call: Call) -> Any:
    return _send_file(call, "photo")


@api_method("sendDocument")
def send_document(call: Call) -> Any:
    return _send_file(call, "document")


@api_method("sendChatAction")
def send_chat_action(call: Call) -> Any:
    params = call.params
    action = CHAT_ACTIONS.get((params.text("action") or "").strip().lower())
    if action is None:
        raise bad_request("wrong parameter action in request")
    chat = call.bot.resolve_chat(params.values.get("chat_id"))
    check_can_write(chat)
    chat.actions.append(action)
    return True


@api_method("getFile")
def get_file(call: Call) -> Any:
    stored = call.bot.file_store.by_id(call.params.text("file_id") or "")
    if stored is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable")
    file_id = (call.params.text("file_id") or "").strip()
    unique = next(
        (size["file_unique_id"] for size in stored.photo_sizes if size["file_id"] == file_id),
        stored.file_unique_id,
    )
    return {
        "file_id": file_id,
        "file_unique_id": unique,
        "file_size": stored.file_size,
        "file_path": stored.file_path,
    }
