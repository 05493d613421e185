"""The Bot API methods, with Telegram's checks, results and error texts.

Each handler takes a ``Call`` (the bot, its parameters, the request record) and returns
the ``result`` of the response or raises ``ApiError``. Handlers are registered by their
Telegram name; lookup is case-insensitive as in Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .bot import StandinBot
from .chat import CallbackAnswer, Chat, ChatMessage, PollState
from .errors import ApiError, bad_request, conflict
from .formatting import FormattedText, format_text
from .markup import ReplyMarkup, parse_reply_markup
from .media import StoredFile
from .params import Params, Upload, to_bool
from .records import RecordedRequest
from .updates import WebhookConfig


@dataclass
class Call:
    """One API call being handled."""

    bot: StandinBot
    params: Params
    record: RecordedRequest
    method: str


@dataclass
class Described:
    """A successful result that Telegram sends with a ``description`` (webhook calls)."""

    result: Any
    description: str


Handler = Callable[[Call], Any]
#: lower-case method name -> (Telegram's spelling, handler, is a coroutine function)
METHODS: dict[str, tuple[str, Handler, bool]] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler, asyncio.iscoroutinefunction(handler))
        return handler

    return register


QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MAX_TEXT = 4096
MIN_OPEN_PERIOD = 5
MAX_OPEN_PERIOD = 2628000  # Bot API 9.6; it was 600
MAX_CAPTION = 1024
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
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


# =========================================================================================
# helpers


def _formatted(
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


def _text_content(
    formatted: FormattedText | None, field: str, entities_field: str
) -> dict[str, Any]:
    if formatted is None:
        return {}
    content: dict[str, Any] = {field: formatted.text}
    if formatted.entities:
        content[entities_field] = formatted.entities
    return content


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


def _target(call: Call) -> tuple[Chat, ChatMessage | None]:
    """The chat to send to and the message to reply to; 400/403 as Telegram."""
    bot, params = call.bot, call.params
    chat = bot.resolve_chat(params.values.get("chat_id"))
    reply_to = _reply_target(bot, chat, params)
    bot.check_can_write(chat)
    return chat, reply_to


def _post(
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
    return chat._new_message(
        content,
        from_bot=True,
        sender=None,
        disable_notification=params.flag("disable_notification"),
        request=call.record,
        **attributes,
    )


def _link_preview(params: Params) -> dict[str, Any] | None:
    options = params.json("link_preview_options", "link preview options")
    if isinstance(options, dict) and options:
        return options
    if params.flag("disable_web_page_preview"):
        return {"is_disabled": True}
    return None


def _caption(params: Params) -> tuple[FormattedText | None, str | None]:
    """A media message's optional caption, within Telegram's caption limit."""
    return _formatted(
        params,
        "caption",
        mode_field="parse_mode",
        entities_field="caption_entities",
        limit=MAX_CAPTION,
        too_long="message caption is too long",
        empty=None,
    )


def _input_file(params: Params, field: str) -> tuple[Upload | None, str | None]:
    """An uploaded file, or a file_id/URL string; ``there is no <field> in the request``."""
    upload = params.file(field)
    reference = params.text(field)
    if upload is None and reference and reference.startswith("attach://"):
        upload = params.file(reference[len("attach://") :])
        reference = None
    if upload is None and not reference:
        raise bad_request(f"there is no {field} in the request")
    return upload, reference


def _resolve_file(
    bot: StandinBot, upload: Upload | None, reference: str | None, kind: str
) -> StoredFile:
    if upload is not None:
        return bot.store_upload(upload, kind)
    assert reference is not None
    if reference.lower().startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    stored = bot.file_by_id(reference)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind:
        raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
    return stored


def _editable(call: Call, what: str) -> ChatMessage:
    """The bot's own message a call edits; Telegram's errors otherwise."""
    bot, params = call.bot, call.params
    if "chat_id" not in params and "message_id" not in params and "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")  # the stand-in has no inline messages
    chat = bot.resolve_chat(params.values.get("chat_id"))
    message_id = params.integer("message_id", 0)
    if message_id <= 0:
        raise bad_request("message identifier is not specified")
    bot.check_can_write(chat)
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
    message.chat._edited(message, previous)


def _member(chat: Chat, user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object for a status."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
        )
        if chat.type == "supergroup":
            member["can_manage_topics"] = False
    elif status == "restricted":
        member.update(
            is_member=True,
            can_send_messages=False,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_manage_topics=False,
            can_edit_tag=False,
            until_date=0,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _commands_key(call: Call) -> tuple[tuple[Any, ...], str]:
    params = call.params
    scope = call.bot.command_scope_key(params.values.get("scope"))
    language = (params.text("language_code") or "").strip()
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return scope, language


# =========================================================================================
# getMe, getUpdates, webhooks


@api_method("getMe")
def get_me(call: Call) -> Any:
    return call.bot.me()


@api_method("logOut")
def log_out(call: Call) -> Any:
    return True


@api_method("close")
def close(call: Call) -> Any:
    return True


@api_method("getUpdates")
async def get_updates(call: Call) -> Any:
    """Long polling. A newer getUpdates terminates a waiting one with 409, as Telegram."""
    updates, params = call.bot.updates, call.params
    if updates.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )
    offset = params.integer("offset", 0)
    limit = params.clamped("limit", 100, 1, 100)
    timeout = params.clamped("timeout", 0, 0, 50)
    with contextlib.suppress(ApiError):  # Telegram ignores a malformed allowed_updates
        updates.set_allowed_updates(params.json("allowed_updates", "allowed updates"))
    updates.confirm(offset)
    updates.last_poll_at = call.record.at
    updates.abort_long_poll("terminated")
    batch = updates.take(limit)
    if batch or timeout == 0:
        return batch
    outcome = await updates.wait(timeout)
    if outcome == "terminated":
        raise conflict(
            "terminated by other getUpdates request; "
            "make sure that only one bot instance is running"
        )
    if outcome == "webhook":
        raise conflict("terminated by setWebhook request")
    if outcome == "shutdown":
        return []
    return updates.take(limit)


@api_method("setWebhook")
def set_webhook(call: Call) -> Any:
    bot, params = call.bot, call.params
    url = (params.text("url") or "").strip()
    drop = params.flag("drop_pending_updates")
    if not url:
        return delete_webhook(call)
    parts = urlsplit(url)
    # Telegram wants https on ports 443, 80, 88 or 8443; the stand-in also takes local http.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    secret = params.text("secret_token") or ""
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.clamped("max_connections", 40, 1, 100)
    updates = bot.updates
    allowed = params.json("allowed_updates", "allowed updates")
    if allowed is not None:
        updates.set_allowed_updates(allowed)
    current = updates.webhook
    if (
        current is not None
        and current.url == url
        and (current.secret_token or "") == secret
        and current.max_connections == max_connections
        and not drop
    ):
        return Described(True, "Webhook is already set")
    if drop:
        updates.drop_all()
    updates.start_webhook(
        WebhookConfig(
            url=url,
            secret_token=secret or None,
            max_connections=max_connections,
            allowed_updates=updates.allowed_updates,
        )
    )
    return Described(True, "Webhook was set")


@api_method("deleteWebhook")
def delete_webhook(call: Call) -> Any:
    updates = call.bot.updates
    if call.params.flag("drop_pending_updates"):
        updates.drop_all()
    if updates.webhook is None:
        return Described(True, "Webhook is already deleted")
    updates.stop_webhook()
    return Described(True, "Webhook was deleted")


@api_method("getWebhookInfo")
def get_webhook_info(call: Call) -> Any:
    updates = call.bot.updates
    webhook = updates.webhook
    info: dict[str, Any] = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(updates.queue),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        info["ip_address"] = "127.0.0.1"
        if webhook.last_error_date:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    if updates.allowed_updates:
        info["allowed_updates"] = list(updates.allowed_updates)
    return info


# =========================================================================================
# commands and bot settings


@api_method("setMyCommands")
def set_my_commands(call: Call) -> Any:
    commands = call.params.json("commands", "commands") or []
    if not isinstance(commands, list):
        raise bad_request("expected an Array of BotCommand")
    stored = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand: expected an Object")
        for field in ("command", "description"):
            if not isinstance(command.get(field), str):
                raise bad_request(
                    f'can\'t parse BotCommand: Field "{field}" must be of type String'
                )
        name = command["command"].strip().removeprefix("/")
        description = command["description"].strip()
        if not _COMMAND_NAME.fullmatch(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": name, "description": description})
    if len(stored) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    key = _commands_key(call)
    if stored:
        call.bot.command_lists[key] = stored
    else:
        call.bot.command_lists.pop(key, None)
    return True


@api_method("getMyCommands")
def get_my_commands(call: Call) -> Any:
    return [dict(command) for command in call.bot.command_lists.get(_commands_key(call), [])]


@api_method("deleteMyCommands")
def delete_my_commands(call: Call) -> Any:
    call.bot.command_lists.pop(_commands_key(call), None)
    return True


def _bot_setting(call: Call, field: str, limit: int) -> Any:
    value = call.params.text(field) or ""
    if len(value) > limit:
        raise bad_request(f"{field.replace('_', ' ')} is too long")
    language = call.params.text("language_code") or ""
    call.bot.settings[(field, language)] = value
    return True


@api_method("setMyDescription")
def set_my_description(call: Call) -> Any:
    return _bot_setting(call, "description", 512)


@api_method("getMyDescription")
def get_my_description(call: Call) -> Any:
    language = call.params.text("language_code") or ""
    return {"description": call.bot.settings.get(("description", language), "")}


@api_method("setMyShortDescription")
def set_my_short_description(call: Call) -> Any:
    return _bot_setting(call, "short_description", 120)


@api_method("getMyShortDescription")
def get_my_short_description(call: Call) -> Any:
    language = call.params.text("language_code") or ""
    return {"short_description": call.bot.settings.get(("short_description", language), "")}


@api_method("setMyName")
def set_my_name(call: Call) -> Any:
    return _bot_setting(call, "name", 64)


@api_method("getMyName")
def get_my_name(call: Call) -> Any:
    language = call.params.text("language_code") or ""
    return {"name": call.bot.settings.get(("name", language)) or call.bot.first_name}


@api_method("setChatMenuButton")
def set_chat_menu_button(call: Call) -> Any:
    params = call.params
    button = params.json("menu_button", "menu button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in (
        "default",
        "commands",
        "web_app",
    ):
        raise bad_request("can't parse menu button: MenuButton has unsupported type")
    chat_id = None
    if "chat_id" in params:
        chat_id = call.bot.resolve_chat(params.values["chat_id"]).id
    call.bot.settings[("menu_button", chat_id)] = button
    return True


@api_method("getChatMenuButton")
def get_chat_menu_button(call: Call) -> Any:
    params = call.params
    chat_id = call.bot.resolve_chat(params.values["chat_id"]).id if "chat_id" in params else None
    settings = call.bot.settings
    return (
        settings.get(("menu_button", chat_id))
        or settings.get(("menu_button", None))
        or {"type": "commands" if call.bot.command_lists else "default"}
    )


# =========================================================================================
# sending


@api_method("sendMessage")
def send_message(call: Call) -> Any:
    params = call.params
    formatted, raw = _formatted(
        params,
        "text",
        mode_field="parse_mode",
        entities_field="entities",
        limit=MAX_TEXT,
        too_long="message is too long",
        empty="message text is empty",
    )
    markup = parse_reply_markup(params.values.get("reply_markup"))
    preview = _link_preview(params)
    chat, reply_to = _target(call)
    content = _text_content(formatted, "text", "entities")
    if preview:
        content["link_preview_options"] = preview
    message = _post(
        call, chat, content, markup, reply_to, raw_text=raw, parse_mode=params.text("parse_mode")
    )
    return message.data


def _send_file(call: Call, field: str) -> Any:
    params = call.params
    upload, reference = _input_file(params, field)
    caption, raw = _caption(params)
    markup = parse_reply_markup(params.values.get("reply_markup"))
    chat, reply_to = _target(call)
    stored = _resolve_file(call.bot, upload, reference, field)
    if field == "photo":
        content: dict[str, Any] = {"photo": [dict(size) for size in stored.photo_sizes]}
    else:
        content = {"document": stored.document_api()}
    content.update(_text_content(caption, "caption", "caption_entities"))
    if params.flag("has_spoiler"):
        content["has_media_spoiler"] = True
    message = _post(
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
    call.bot.check_can_write(chat)
    chat.actions.append(action)
    return True


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
    chat, reply_to = _target(call)
    revoting = params.flag("allows_revoting") if "allows_revoting" in params else kind == "regular"
    state = PollState(
        id=bot.new_poll_id(),
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
    message = _post(call, chat, {"poll": state.api()}, markup, reply_to, poll=state)
    state.message = message
    bot.register_poll(state)
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
    bot.check_can_write(chat)
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


# =========================================================================================
# editing and deleting


@api_method("editMessageText")
def edit_message_text(call: Call) -> Any:
    params = call.params
    formatted, raw = _formatted(
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
    preview = _link_preview(params)
    if preview:
        changes["link_preview_options"] = preview
    _apply_edit(message, changes, markup)
    message.raw_text, message.parse_mode = raw, params.text("parse_mode")
    return message.data


@api_method("editMessageCaption")
def edit_message_caption(call: Call) -> Any:
    params = call.params
    caption, raw = _caption(params)
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
    upload, reference = _input_file(inner, "media")
    caption, raw = _caption(inner)
    markup = parse_reply_markup(params.values.get("reply_markup"))
    message = _editable(call, "message to edit")
    if not any(kind_ in message.data for kind_ in ("photo", "document")):
        raise bad_request("there is no media in the message to edit")
    stored = _resolve_file(call.bot, upload, reference, kind)
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
    message.deleted = True
    if message.poll is not None and message.poll.timer is not None:
        message.poll.timer.cancel()
        message.poll.timer = None
    chat._changed()


# =========================================================================================
# callback queries


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
    press._set_answer(
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


# =========================================================================================
# chats and members


@api_method("getChat")
def get_chat(call: Call) -> Any:
    chat = call.bot.resolve_chat(call.params.values.get("chat_id"))
    info = chat.api()
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    )
    return info


@api_method("getChatMember")
def get_chat_member(call: Call) -> Any:
    bot, params = call.bot, call.params
    chat = bot.resolve_chat(params.values.get("chat_id"))
    user_id = params.integer("user_id", 0)
    if user_id <= 0:
        raise bad_request("invalid user_id specified")
    if user_id == bot.id:
        return _member(chat, bot.api_user(), chat.status_of(bot.id))
    info = chat.users.get(user_id) or bot._user_info(user_id)
    if info is None:
        raise bad_request("user not found")
    return _member(chat, info.api(), chat.status_of(user_id))


@api_method("getChatAdministrators")
def get_chat_administrators(call: Call) -> Any:
    bot = call.bot
    chat = bot.resolve_chat(call.params.values.get("chat_id"))
    if chat.is_private:
        raise bad_request("there are no administrators in the private chat")
    admins = [
        _member(chat, chat.users[user_id].api(), status)
        for user_id, status in chat.members.items()
        if status in ("creator", "administrator")
    ]
    if chat.bot_status in ("creator", "administrator"):
        admins.append(_member(chat, bot.api_user(), chat.bot_status))
    return admins


@api_method("getChatMemberCount")
def get_chat_member_count(call: Call) -> Any:
    bot = call.bot
    chat = bot.resolve_chat(call.params.values.get("chat_id"))
    if chat.is_private:
        return 2
    people = sum(1 for user_id in chat.members if chat.is_present(user_id))
    return people + (1 if chat.is_present(bot.id) else 0)


@api_method("leaveChat")
def leave_chat(call: Call) -> Any:
    chat = call.bot.resolve_chat(call.params.values.get("chat_id"))
    if chat.is_private:
        raise bad_request("chat member status can't be changed in private chats")
    chat.bot_status = "left"
    return True


@api_method("getFile")
def get_file(call: Call) -> Any:
    stored = call.bot.file_by_id(call.params.text("file_id") or "")
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
