"""Simulated classmates: members of the class group who answer the bot's polls there."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass

from .botapi import Chat, ChatMessage, PollState, RecordedRequest, StandinBot, UserHandle

log = logging.getLogger(__name__)

# A poll without a time limit is answered as if it ran this long.
UNTIMED_SECONDS = 30.0


@dataclass(frozen=True)
class Classmate:
    """A simulated member of the class.

    ``accuracy`` is the chance of picking a quiz's right option; ``pace`` is when they
    answer, as the shares of the poll's time (at most ``UNTIMED_SECONDS``) between which
    they answer.
    """

    user_id: int
    name: str
    accuracy: float
    pace: tuple[float, float]


CLASSMATES = (
    Classmate(1002, "Ada", accuracy=0.9, pace=(0.15, 0.35)),
    Classmate(1003, "Ben", accuracy=0.65, pace=(0.3, 0.55)),
    Classmate(1004, "Chloe", accuracy=0.4, pace=(0.45, 0.8)),
)


class Classmates:
    """Answer each poll the bot sends to ``group``, each classmate at their own pace.

    ``time_scale`` shrinks their waits as the server's ``time_scale`` shrinks the polls'.
    """

    def __init__(
        self,
        bot: StandinBot,
        group: Chat,
        classmates: list[tuple[Classmate, UserHandle]],
        *,
        seed: int | None = None,
        time_scale: float = 1.0,
    ):
        self.bot = bot
        self.group = group
        self.classmates = classmates
        self.time_scale = time_scale
        self._random = random.Random(seed)
        self._tasks: set[asyncio.Task[None]] = set()
        self._remove = bot.on_request(self._on_request)

    def _on_request(self, record: RecordedRequest) -> None:
        if record.method != "sendPoll" or not record.ok or record.chat_id != self.group.id:
            return
        message = self.group.message(int(record.response["result"]["message_id"]))
        if message is None or message.poll is None or message.poll.is_closed:
            return
        period = float(min(message.poll.open_period or UNTIMED_SECONDS, UNTIMED_SECONDS))
        for classmate, handle in self.classmates:
            delay = self._random.uniform(*classmate.pace) * period * self.time_scale
            option = self._choose(classmate, message.poll)
            task = asyncio.get_running_loop().create_task(
                self._answer(handle, message, option, delay)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _choose(self, classmate: Classmate, poll: PollState) -> int:
        options = range(len(poll.options))
        if poll.type != "quiz" or not poll.correct_option_ids:
            return self._random.choice(options)
        if self._random.random() < classmate.accuracy:
            return self._random.choice(poll.correct_option_ids)
        wrong = [option for option in options if option not in poll.correct_option_ids]
        return self._random.choice(wrong or list(options))

    async def _answer(
        self, handle: UserHandle, message: ChatMessage, option: int, delay: float
    ) -> None:
        await asyncio.sleep(delay)
        poll = message.poll
        if (
            poll is None
            or poll.is_closed
            or message.deleted
            or not self.group.is_present(handle.id)
        ):
            return
        try:
            await handle.answer_poll(message, [option])
        except (AssertionError, ValueError) as exc:  # closed or gone meanwhile
            log.debug("%s did not answer: %s", handle.name, exc)

    def close(self) -> None:
        """Stop answering."""
        self._remove()
        for task in list(self._tasks):
            task.cancel()
