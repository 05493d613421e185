"""How the bot receives updates: getUpdates (long polling) and webhooks."""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import urlsplit

from ..errors import ApiError, bad_request, conflict
from ..updates import WebhookConfig
from .registry import Call, Described, MethodTable, registrar

#: This family's handlers, by lower-case method name.
METHODS: MethodTable = {}
api_method = registrar(METHODS)


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


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
