"""The Bot API methods, with Telegram's checks, results and error texts.

Each handler takes a ``Call`` (the bot, its parameters, the request record) and returns
the ``result`` of the response or raises ``ApiError``. Each module holds one family of
methods and registers them by their Telegram name; ``METHODS`` joins the families, and
lookup is case-insensitive as in Telegram.
"""

from . import callbacks, editing, members, polls, profile, receiving, sending
from .registry import Call, Described, MethodTable

#: Every method the stand-in carries out, by lower-case name.
METHODS: MethodTable = {
    **profile.METHODS,
    **receiving.METHODS,
    **sending.METHODS,
    **polls.METHODS,
    **editing.METHODS,
    **callbacks.METHODS,
    **members.METHODS,
}

__all__ = ["METHODS", "Call", "Described"]
