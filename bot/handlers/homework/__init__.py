"""/homework: an admin assigns the class work in the group, members do it in private.

In the group, ``/homework`` opens a short flow of buttons (where the items come from, how
many, the due day and time in the chat's time zone) that ends in one message with a
**Start** button: a link to the private chat that opens the homework there. In private, a
member gets its items one at a time in one message (a card with Show answer and the four
ratings, a quiz question with its options, an explain prompt answered by their next
message), can stop and go on later, and ``/homework`` lists what is assigned to them. The
reminder tick sends each member's one nudge and, at the due date, the admin's report.
"""

from __future__ import annotations

from bot.callbacks import (
    HomeworkChoose,
    HomeworkCount,
    HomeworkDays,
    HomeworkDue,
    HomeworkFrom,
    HomeworkGo,
    HomeworkRate,
    HomeworkReveal,
)
from bot.services import ButtonHandler
from tutor.services.awaiting import HomeworkExplainAnswer

from .assign import flow_step, group_command
from .common import LINK_PREFIX
from .due import run_due_work
from .work import (
    on_choose,
    on_explain_answer,
    on_go,
    on_rate,
    on_reveal,
    open_link,
    private_command,
)

__all__ = [
    "ANSWERS",
    "BUTTONS",
    "LINKS",
    "group_command",
    "private_command",
    "run_due_work",
]

BUTTONS: dict[type, ButtonHandler] = {
    HomeworkFrom: flow_step,
    HomeworkCount: flow_step,
    HomeworkDays: flow_step,
    HomeworkDue: flow_step,
    HomeworkGo: on_go,
    HomeworkReveal: on_reveal,
    HomeworkRate: on_rate,
    HomeworkChoose: on_choose,
}
ANSWERS = {HomeworkExplainAnswer: on_explain_answer}
LINKS = {LINK_PREFIX: open_link}
