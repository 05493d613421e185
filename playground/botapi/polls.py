"""The polls one bot sent: their ids, the timers that close them, and the users' votes."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable
from typing import Any

from .chat import Chat, ChatMessage, PollState, UserInfo
from .records import Injection

#: Queue an update for the bot: (kind, payload, the chat it is about).
Inject = Callable[[str, dict[str, Any], Chat | None], Injection]


class PollBook:
    """A bot's polls by id. Closing a poll or a vote emits the updates Telegram sends."""

    def __init__(self, inject: Inject, time_scale: Callable[[], float]):
        self._inject = inject
        self._time_scale = time_scale
        self._polls: dict[str, PollState] = {}
        self._ids = itertools.count(random.randrange(10**17, 10**18))

    def new_id(self) -> str:
        return str(next(self._ids))

    def register(self, state: PollState) -> None:
        """Keep a poll the bot sent; an open_period or close_date starts its timer."""
        self._polls[state.id] = state
        delay: float | None = None
        if state.is_closed:
            return
        if state.open_period:
            delay = state.open_period
        elif state.close_date:
            delay = max(0.0, state.close_date - time.time())
        if delay is not None:
            loop = asyncio.get_running_loop()
            state.timer = loop.call_later(delay * self._time_scale(), self.close, state)

    def get(self, poll: ChatMessage | PollState | str) -> PollState:
        """The poll of a message, or by id."""
        if isinstance(poll, PollState):
            return poll
        if isinstance(poll, ChatMessage):
            if poll.poll is None:
                raise ValueError(f"{poll!r} is not a poll")
            return poll.poll
        state = self._polls.get(poll)
        if state is None:
            raise KeyError(f"no poll {poll!r}")
        return state

    def refresh(self, state: PollState) -> None:
        """Show the poll's current state (counts, closed) in its message."""
        state.message.data["poll"] = state.api()
        state.message.chat.changed()

    def close(self, state: PollState) -> None:
        """Close the poll (once) and send the bot its final ``poll`` update."""
        if state.is_closed:
            return
        state.is_closed = True
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None
        self.refresh(state)
        self._inject("poll", state.api(), None)

    def vote(
        self, user: UserInfo, poll: ChatMessage | PollState | str, option_ids: list[int]
    ) -> Injection:
        """A user votes (``[]`` retracts); returns the first update the bot gets for it."""
        state = self.get(poll)
        chat = state.message.chat
        if not chat.is_present(user.id):
            raise ValueError(f"{user.first_name} is not in the chat of the poll")
        if state.message.deleted:
            raise AssertionError("the poll's message was deleted")
        if state.is_closed:
            raise AssertionError(f"the poll {state.question!r} is closed")
        if len(set(option_ids)) != len(option_ids) or any(
            not 0 <= option < len(state.options) for option in option_ids
        ):
            raise ValueError(f"option ids {option_ids} do not fit {len(state.options)} options")
        if len(option_ids) > 1 and not state.allows_multiple_answers:
            raise AssertionError("this poll takes one answer")
        previous = state.votes.get(user.id)
        if previous and not state.allows_revoting:
            raise AssertionError(f"this {state.type} poll does not allow changing the answer")
        if not option_ids and not previous:
            raise AssertionError("there is no vote to retract")
        if option_ids:
            state.votes[user.id] = sorted(option_ids)
        else:
            del state.votes[user.id]
        self.refresh(state)
        chat.mark_user_action()
        first = None
        if not state.is_anonymous:
            first = self._inject(
                "poll_answer",
                {
                    "poll_id": state.id,
                    "user": user.api(),
                    "option_ids": sorted(option_ids),
                    "option_persistent_ids": [state.persistent_id(o) for o in sorted(option_ids)],
                },
                chat,
            )
        updated = self._inject("poll", state.api(), None)
        return first or updated

    def stop_timers(self) -> None:
        for state in self._polls.values():
            if state.timer is not None:
                state.timer.cancel()
                state.timer = None
