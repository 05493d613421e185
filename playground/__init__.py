"""Try the tutor without Telegram: a local Bot API server and a chat page in the browser.

``playground.botapi`` is the Bot API server (also the test suite's stand-in). A
``Playground`` puts a world on it (the user, a class group, simulated classmates who
answer quiz polls) and serves a Telegram-like chat page (``playground/web``) with the
JSON API it uses (``playground.webapi``). ``python -m bot`` without a token runs one in
a thread and the unchanged bot against it. Nothing here imports ``bot`` or ``tutor``.
"""

from .classmates import CLASSMATES, Classmate
from .world import (
    DEFAULT_PORT,
    GROUP_TITLE,
    USER_NAME,
    Playground,
    PlaygroundThread,
    host_port,
    page_url,
)

__all__ = [
    "CLASSMATES",
    "DEFAULT_PORT",
    "GROUP_TITLE",
    "USER_NAME",
    "Classmate",
    "Playground",
    "PlaygroundThread",
    "host_port",
    "page_url",
]
