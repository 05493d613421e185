"""The class's own spaced review: each (group, question) pair has an FSRS memory, reviewed
when the question's poll closes with a rating from the share of members who answered it
right (``tutor.domain.classrating``); a session draws the class's due questions first, then
new ones."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from tutor import store
from tutor.domain.classrating import class_rating
from tutor.domain.scheduling import Memory, check_utc, schedule_review
from tutor.store import SessionPoll


def draw_questions(
    pool: Sequence[str],
    memories: Mapping[str, Memory],
    count: int,
    *,
    now: datetime,
    rng: random.Random,
) -> list[str]:
    """A session's questions by the class's memory: the due ones, most overdue first; then
    ones the class never met, at random; then the rest, the soonest due first.

    Args:
        pool: The questions the group may be asked.
        memories: The class's memory of the questions it met.
        count: How many to draw (fewer when the pool is smaller).
        now: The current time, UTC-aware.
        rng: Chooses among the new questions.
    """
    check_utc(now)
    seen = [i for i in pool if i in memories]
    due = sorted((i for i in seen if memories[i].due <= now), key=lambda i: memories[i].due)
    new = [i for i in pool if i not in memories]
    later = sorted((i for i in seen if memories[i].due > now), key=lambda i: memories[i].due)
    return (due + rng.sample(new, min(len(new), count)) + later)[:count]


def review_by_class(session: Session, *, poll: SessionPoll, now: datetime) -> None:
    """The class's review of the poll's question, rated by the share answered right."""
    answered, right = store.classroom.poll_tally(session, poll_id=poll.poll_id)
    rating = class_rating(answered, right)
    if rating is None:
        return
    before = store.classroom.class_memory(session, chat_id=poll.chat_id, item_id=poll.item_id)
    group = store.classroom.get_group(session, chat_id=poll.chat_id)
    parameters = None if group is None else group.fsrs_parameters
    store.classroom.save_class_memory(
        session,
        chat_id=poll.chat_id,
        item_id=poll.item_id,
        memory=schedule_review(before, rating, now, parameters=parameters),
    )
