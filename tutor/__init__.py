"""The tutor: everything but Telegram. docs/architecture.md maps it.

``domain`` (the pure core) at the bottom; ``runtime`` (worker pools); ``store`` (all SQL),
``imports`` (deck files) and ``demo`` (training runs) beside each other; ``services`` (the
use-cases) on top, and ``catalog`` (the content loaded at start-up). Nothing here imports
``telegram``: the bot package renders what these functions return.
"""
