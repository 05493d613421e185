"""Updates taken once: a webhook update Telegram redelivers is recognised by its id."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.scheduling import check_utc

#: Telegram keeps an update for at most a day; an id older than that cannot come again.
REMEMBER_FOR = timedelta(hours=26)
#: Old ids are pruned when an update id is a multiple of this: often enough to keep the
#: table small, rarely enough to cost nothing per update, and the same on every instance.
PRUNE_EVERY = 500


def take_update(session: Session, *, update_id: int, now: datetime) -> bool:
    """Claim ``update_id`` for this instance.

    Args:
        session: The unit of work's session.
        update_id: The update's ``update_id``.
        now: The current time (UTC-aware).

    Returns:
        True the first time any instance takes this id; False for a redelivery.
    """
    check_utc(now)
    fresh = store.updates.mark_update_seen(session, update_id=update_id, now=now)
    if fresh and update_id % PRUNE_EVERY == 0:
        store.updates.forget_updates_seen_before(session, before=now - REMEMBER_FOR)
    session.commit()
    return fresh
