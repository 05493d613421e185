"""What a wait that timed out reports: the chat's last messages, the queue, the last requests."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from .chat import Chat
from .records import Injection, RecordedRequest
from .updates import UpdateQueue


def timeout_report(
    what: str,
    timeout: float,
    *,
    chat: Chat | None,
    updates: UpdateQueue,
    injections: Sequence[Injection],
    requests: Sequence[RecordedRequest],
    base_url: Callable[[], str],
) -> str:
    """Why ``what`` did not come within ``timeout`` s, as far as the bot's world tells."""
    lines = [f"Timed out after {timeout:g}s waiting for {what}."]
    if chat is not None:
        shown = chat.messages[-6:]
        lines.append(f"Messages in {chat.display_name} (last {len(shown)}):")
        lines.extend(f"  {message!r}" for message in shown)
        if not shown:
            lines.append("  (none)")
    now = time.perf_counter()
    if updates.webhook is not None:
        lines.append(
            f"Updates go to the webhook {updates.webhook.url}: {len(updates.queue)} pending, "
            f"last error {updates.webhook.last_error_message!r}."
        )
    elif updates.last_poll_at is None:
        lines.append(
            f"The bot never called getUpdates (is it running, with base_url "
            f"{base_url()}/bot?); {updates.undelivered} update(s) wait for it."
        )
    else:
        waiting = " and is long-polling now" if updates.poller is not None else ""
        lines.append(
            f"The bot last called getUpdates {now - updates.last_poll_at:.2f}s ago{waiting}; "
            f"{updates.undelivered} update(s) not yet delivered."
        )
    dropped = [i for i in injections[-5:] if i.dropped]
    for injection in dropped:
        lines.append(f"Update {injection.kind} was not queued: {injection.dropped}")
    recent = requests[-8:]
    if recent:
        lines.append("Last requests of the bot (oldest first):")
        lines.extend(f"  {now - record.at:6.2f}s ago  {record!r}" for record in recent)
    else:
        lines.append("The bot made no requests other than getUpdates.")
    return "\n".join(lines)
