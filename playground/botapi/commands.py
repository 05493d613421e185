"""The bot's command lists (setMyCommands) per scope and language, and the menu a user sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .chat import Chat
from .errors import bad_request

#: A BotCommandScope as a hashable key: ("default",), ("chat", chat_id), ...
ScopeKey = tuple[Any, ...]


class CommandLists:
    """setMyCommands' lists by (scope, language code); ``resolve_chat`` reads a scope's chat."""

    def __init__(self, resolve_chat: Callable[[Any], Chat]):
        self._resolve_chat = resolve_chat
        self._lists: dict[tuple[ScopeKey, str], list[dict[str, str]]] = {}

    def __bool__(self) -> bool:
        return bool(self._lists)

    def scope_key(self, scope: Any) -> ScopeKey:
        """A hashable key for a BotCommandScope (its JSON, a dict, or None for default)."""
        if scope in (None, "", {}):
            return ("default",)
        if isinstance(scope, str):
            try:
                scope = json.loads(scope)
            except ValueError:
                raise bad_request("can't parse BotCommandScope JSON object") from None
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope: BotCommandScope must be an Object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return (kind,)
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise bad_request("can't parse BotCommandScope: Unsupported type specified")
        chat = self._resolve_chat(scope.get("chat_id"))
        if kind == "chat_member":
            user_id = scope.get("user_id")
            if not isinstance(user_id, int) or user_id <= 0:
                raise bad_request("can't parse BotCommandScope: Invalid user_id specified")
            return (kind, chat.id, user_id)
        return (kind, chat.id)

    def get(self, scope: ScopeKey, language_code: str) -> list[dict[str, str]]:
        return self._lists.get((scope, language_code), [])

    def set(self, scope: ScopeKey, language_code: str, commands: list[dict[str, str]]) -> None:
        """Set the list (an empty one deletes it)."""
        if commands:
            self._lists[(scope, language_code)] = commands
        else:
            self._lists.pop((scope, language_code), None)

    def shown(self, chat: Chat, user_id: int, language_code: str) -> list[tuple[str, str]]:
        """The commands a user's client shows in ``chat``, as Telegram picks them.

        The first scope with commands wins, narrowest first (Bot API, "Determining list
        of commands"): in a private chat chat, all_private_chats, default; in a group
        chat_member, chat_administrators (for admins), chat, all_chat_administrators
        (for admins), all_group_chats, default. Each scope in the user's language first.
        """
        scopes: list[ScopeKey]
        if chat.is_private:
            scopes = [("chat", chat.id), ("all_private_chats",), ("default",)]
        else:
            admin = chat.status_of(user_id) in ("creator", "administrator")
            scopes = [("chat_member", chat.id, user_id)]
            scopes += [("chat_administrators", chat.id)] if admin else []
            scopes += [("chat", chat.id)]
            scopes += [("all_chat_administrators",)] if admin else []
            scopes += [("all_group_chats",), ("default",)]
        for scope in scopes:
            for code in dict.fromkeys([language_code, ""]):
                commands = self._lists.get((scope, code))
                if commands:
                    return [(c["command"], c["description"]) for c in commands]
        return []
