"""Logging set-up: one line per event, and the bot token never written anywhere."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from tutor.config import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s%(where)s %(message)s"

# The update being handled, for every line logged while handling it.
current_update: ContextVar[tuple[int | None, int | None]] = ContextVar(
    "current_update", default=(None, None)
)


class UpdateContext(logging.Filter):
    """Add " [chat C update U]" (the parts known) to each record as ``where``."""

    def filter(self, record: logging.LogRecord) -> bool:
        chat_id, update_id = current_update.get()
        parts = []
        if chat_id is not None:
            parts.append(f"chat {chat_id}")
        if update_id is not None:
            parts.append(f"update {update_id}")
        record.where = f" [{' '.join(parts)}]" if parts else ""
        return True


class RedactSecrets(logging.Filter):
    """Replace every secret in a record's final message (and traceback) with a placeholder."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[secret]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(settings: Settings) -> None:
    """Log to stderr at the configured level, with secrets redacted on every handler."""
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT, force=True)
    secrets = [
        s.get_secret_value()
        for s in (settings.telegram_bot_token, settings.webhook_secret)
        if s is not None
    ]
    redact, where = RedactSecrets(secrets), UpdateContext()
    for handler in logging.getLogger().handlers:
        handler.addFilter(where)
        handler.addFilter(redact)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
