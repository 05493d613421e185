"""The bot itself: getMe, logOut, close, its commands, descriptions, name, menu button."""

from __future__ import annotations

import re
from typing import Any

from ..commands import ScopeKey
from ..errors import bad_request
from .registry import Call, MethodTable, registrar

#: This family's handlers, by lower-case method name.
METHODS: MethodTable = {}
api_method = registrar(METHODS)


_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


@api_method("getMe")
def get_me(call: Call) -> Any:
    return call.bot.me()


@api_method("logOut")
def log_out(call: Call) -> Any:
    return True


@api_method("close")
def close(call: Call) -> Any:
    return True


def _commands_key(call: Call) -> tuple[ScopeKey, str]:
    params = call.params
    scope = call.bot.command_lists.scope_key(params.values.get("scope"))
    language = (params.text("language_code") or "").strip()
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return scope, language


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
    call.bot.command_lists.set(*_commands_key(call), stored)
    return True


@api_method("getMyCommands")
def get_my_commands(call: Call) -> Any:
    return [dict(command) for command in call.bot.command_lists.get(*_commands_key(call))]


@api_method("deleteMyCommands")
def delete_my_commands(call: Call) -> Any:
    call.bot.command_lists.set(*_commands_key(call), [])
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
