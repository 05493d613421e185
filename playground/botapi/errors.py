"""Telegram's error shapes, and the error the test-side waits raise.

Telegram answers a failed call with ``{"ok": false, "error_code": N, "description": "..."}``
and the same HTTP status; python-telegram-bot maps the status to its exceptions (400
``BadRequest``, 401/404 ``InvalidToken``, 403 ``Forbidden``, 409 ``Conflict``) and
``parameters.retry_after`` to ``RetryAfter``.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API call that fails the way Telegram fails it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """400 ``Bad Request: <message>``."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """403 ``Forbidden: <message>``."""
    return ApiError(403, f"Forbidden: {message}")


def conflict(message: str) -> ApiError:
    """409 ``Conflict: <message>``."""
    return ApiError(409, f"Conflict: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 with ``parameters.retry_after``, which PTB raises as ``RetryAfter``."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")


class StandinTimeout(AssertionError, TimeoutError):
    """A wait of the test API ran out.

    The message names what was awaited and shows what happened instead (the chat's last
    messages and the bot's last requests), so a failing test explains itself. It is an
    ``AssertionError`` for pytest's report and a ``TimeoutError`` for ``except`` clauses.
    """
