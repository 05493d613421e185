"""What several families of methods share: texts and captions, targets, files, posting."""

from __future__ import annotations

from typing import Any

from ..access import check_can_write
from ..bot import StandinBot
from ..chat import Chat, ChatMessage
from ..errors import bad_request
from ..formatting import FormattedText, format_text
from ..markup import ReplyMarkup
from ..media import StoredFile
from ..params import Params, Upload, to_bool
from .registry import Call

MAX_TEXT = 4096
MAX_CAPTION = 1024


def formatted_param(
    params: Params,
    field: str,
    *,
    mode_field: str,
    entities_field: str,
    limit: int,
    too_long: str,
    empty: str | None,
) -> tuple[FormattedText | None, str | None]:
    """Parse a text or caption; ``empty`` is the error when it is required but empty."""
    raw = params.text(field)
    if not raw:
        if empty is not None:
            raise bad_request(empty)
        return None, None
    formatted = format_text(raw, params.text(mode_field), params.values.get(entities_field))
    if not formatted.text:
        if empty is not None:
            raise bad_request(empty)
        return None, raw
    if len(formatted.text) > limit:
        raise bad_request(too_long)
    return formatted, raw


def _reply_target(bot: StandinBot, chat: Chat, params: Params) -> ChatMessage | None:
    """The message to reply to (reply_parameters or reply_to_message_id)."""
    if "reply_parameters" in params.values:
        options = params.json("reply_parameters", "reply parameters")
        if options is None or options == {}:
            return None
        if not isinstance(options, dict):
            raise bad_request("object expected as reply parameters")
        message_id = options.get("message_id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise bad_request(
                'can\'t parse reply parameters: Field "message_id" must be of type Number'
            )
        target = chat
        if options.get("chat_id") not in (None, ""):
            target = bot.resolve_chat(options["chat_id"])
        allow = to_bool(options.get("allow_sending_without_reply"))
    else:
        message_id = params.integer("reply_to_message_id", 0)
        if message_id <= 0:
            return None
        target = chat
        allow = params.flag("allow_sending_without_reply")
    message = target.message(message_id)
    if message is None and not allow:
        raise bad_request("message to be replied not found")
    return message


def send_target(call: Call) -> tuple[Chat, ChatMessage | None]:
    """The chat to send to and the message to reply to; 400/403 as Telegram."""
    bot, params = call.bot, call.params
    chat = bot.resolve_chat(params.values.get("chat_id"))
    reply_to = _reply_target(bot, chat, params)
    check_can_write(chat)
    return chat, reply_to


def post_message(
    call: Call,
    chat: Chat,
    content: dict[str, Any],
    markup: ReplyMarkup | None,
    reply_to: ChatMessage | None,
    **attributes: Any,
) -> ChatMessage:
    """Deliver a message from the bot (after the rate limit admits it)."""
    params = call.params
    call.bot.check_rate(call.method, chat)
    if reply_to is not None:
        content["reply_to_message"] = reply_to.snapshot(with_reply=False)
    if markup is not None and markup.kind == "inline":
        content["reply_markup"] = markup.value
    if params.flag("protect_content"):
        content["has_protected_content"] = True
    if markup is not None and markup.kind != "inline":
        attributes["reply_keyboard"] = markup.value
    return chat.add_message(
        content,
        from_bot=True,
        sender=None,
        disable_notification=params.flag("disable_notification"),
        request=call.record,
        **attributes,
    )


def link_preview(params: Params) -> dict[str, Any] | None:
    """link_preview_options (or the older disable_web_page_preview) as the message keeps it."""
    options = params.json("link_preview_options", "link preview options")
    if isinstance(options, dict) and options:
        return options
    if params.flag("disable_web_page_preview"):
        return {"is_disabled": True}
    return None


def caption_param(params: Params) -> tuple[FormattedText | None, str | None]:
    """A media message's optional caption, within Telegram's caption limit."""
    return formatted_param(
        params,
        "caption",
        mode_field="parse_mode",
        entities_field="caption_entities",
        limit=MAX_CAPTION,
        too_long="message caption is too long",
        empty=None,
    )


def input_file(params: Params, field: str) -> tuple[Upload | None, str | None]:
    """An uploaded file, or a file_id/URL string; ``there is no <field> in the request``."""
    upload = params.file(field)
    reference = params.text(field)
    if upload is None and reference and reference.startswith("attach://"):
        upload = params.file(reference[len("attach://") :])
        reference = None
    if upload is None and not reference:
        raise bad_request(f"there is no {field} in the request")
    return upload, reference


def resolve_file(
    bot: StandinBot, upload: Upload | None, reference: str | None, kind: str
) -> StoredFile:
    """The file to send: an upload, stored now, or a stored file of the same kind by id."""
    if upload is not None:
        return bot.file_store.add_upload(upload, kind)
    assert reference is not None
    if reference.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    stored = bot.file_store.by_id(reference)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    return stored
