"""After a restart: the sessions that were running go on where they stopped."""

from __future__ import annotations

import logging

from bot.services import Services
from tutor.services import classroom

from .sessions import (
    TIMER_GRACE_SECONDS,
    AnyApplication,
    advance_session,
    arm_timer,
    close_and_advance,
)

log = logging.getLogger(__name__)


async def resume_sessions(application: AnyApplication) -> None:
    """After a restart: re-arm the open polls' timers, move on sessions that were due."""
    shared: Services = application.bot_data["services"]
    now = shared.clock()
    plans = await shared.database.run(classroom.resume_plans)
    for plan in plans:
        poll = plan.poll
        if poll is None or poll.closed:
            # Never sent (a crash in between) or closed without moving on: move on now.
            await advance_session(application, plan.session_id, plan.position)
        elif poll.closes_at <= now:
            await close_and_advance(application, poll.poll_id)
        else:
            remaining = (poll.closes_at - now).total_seconds() + TIMER_GRACE_SECONDS
            arm_timer(application, poll.poll_id, remaining)
    if plans:
        log.info("resumed %d quiz sessions", len(plans))
