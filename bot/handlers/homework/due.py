"""The homework's part of the reminder tick (each member's one nudge, the admin's report at
the due date) and who joins the class."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.callbacks import (
    HomeworkGo,
)
from bot.format import MESSAGE_LIMIT, escape, fit, shown_length
from bot.private import send_chart, send_private
from bot.ratelimit import SEND_CONCURRENCY
from bot.services import Services
from tutor.domain.homework import (
    HomeworkFigures,
    MemberProgress,
)
from tutor.runtime import tasks
from tutor.services import homework_due

from .common import button, short, when

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

NUDGE = (
    "📚 <b>{name}, your homework is due {due}</b> ({zone}): {title} in {chat}, "
    "{answered}/{total} done."
)
NUDGE_BUTTON = "Go on"
REPORT_TITLE = "📚 <b>Homework report: {chat}</b>\n{title}, due {due} ({zone})"
REPORT_SUMMARY = "{finished} finished, {started} started, {not_started} did not start."
FINISHED_LINE = "<b>Finished</b>: {names}"
STARTED_LINE = "<b>Started</b>: {names}"
NOT_STARTED_LINE = "<b>Did not start</b>: {names}"
PROGRESS = "{name} ({answered}/{total}, {right} right{late})"
LATE_PART = ", {late} late"
MORE_NAMES = " … and {count} more (/export has every answer)"
ITEM_LINE = "{number}. {label}\n    {share} right ({right}/{answered})"
ITEM_UNANSWERED = "{number}. {label}\n    no answers"
WEAKEST_TITLE = "<b>Weakest</b>: {items}"
REPORT_CAPTION = "Share of members who answered each homework item right."
REPORT_CHART_TITLE = "{chat}: homework due {due}"


async def _nudge(application: AnyApplication, shared: Services, nudge: homework_due.Nudge) -> bool:
    text = NUDGE.format(
        name=escape(nudge.first_name) or "Hi",
        due=when(nudge.due_at, nudge.zone),
        zone=nudge.zone,
        title=escape(nudge.title),
        chat=escape(nudge.chat_title or "your class"),
        answered=nudge.answered,
        total=nudge.total,
    )
    go_on = button(NUDGE_BUTTON, HomeworkGo(nudge.homework_id), codec=shared.codec,
                     owner=nudge.learner_id)  # fmt: skip
    try:
        await application.bot.send_message(
            nudge.learner_id, text, parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[go_on]]),
        )  # fmt: skip
    except (Forbidden, BadRequest) as exc:
        # Claimed, so never tried twice: a nudge the bot may not send is dropped.
        log.info("homework nudge to %s not sent: %s", nudge.learner_id, exc.message)
        return False
    except TelegramError as exc:
        # Still failing after the retry policy's tries: dropped too, with one line.
        log.warning("homework nudge to %s not sent: %s", nudge.learner_id, exc.message)
        return False
    return True


def _progress(person: MemberProgress, total: int) -> str:
    return PROGRESS.format(
        name=escape(person.name) or "?",
        answered=person.answered,
        total=total,
        right=person.right,
        late=LATE_PART.format(late=person.late) if person.late else "",
    )


def _names_within(line: str, names: list[str], room: int) -> str:
    """``line`` with as many of ``names`` as fit in ``room`` characters, then how many more."""
    shown: list[str] = []
    for number, name in enumerate(names):
        more = MORE_NAMES.format(count=len(names) - number - 1) if number + 1 < len(names) else ""
        candidate = line.format(names=", ".join([*shown, name])) + more
        if shown and shown_length(candidate) > room:
            return line.format(names=", ".join(shown)) + MORE_NAMES.format(
                count=len(names) - number
            )
        shown.append(name)
    return line.format(names=", ".join(shown))


def render_report(report: homework_due.HomeworkReport) -> str:
    """The admin's report at the due date: the figures first, then who did what, as many
    names as fit in one message (a class of hundreds: the rest is in /export)."""
    figures: HomeworkFigures = report.figures
    total = len(figures.items)
    lines = [
        REPORT_TITLE.format(
            chat=escape(report.chat_title or "your class"),
            title=escape(report.title),
            due=when(report.due_at, report.zone),
            zone=report.zone,
        ),
        REPORT_SUMMARY.format(
            finished=len(figures.finished),
            started=len(figures.started),
            not_started=len(figures.not_started),
        ),
        "",
    ]
    for item in figures.items:
        label = escape(short(item.label))
        if not item.answered:
            lines.append(ITEM_UNANSWERED.format(number=item.number, label=label))
            continue
        lines.append(
            ITEM_LINE.format(
                number=item.number,
                label=label,
                share=f"{item.share:.0%}",
                right=item.right,
                answered=item.answered,
            )
        )
    if figures.weakest:
        lines.append(WEAKEST_TITLE.format(items=", ".join(str(i.number) for i in figures.weakest)))
    text = "\n".join(lines)
    sections = [
        (FINISHED_LINE, [_progress(p, total) for p in figures.finished]),
        (STARTED_LINE, [_progress(p, total) for p in figures.started]),
        (NOT_STARTED_LINE, [escape(n) or "?" for n in figures.not_started]),
    ]
    sections = [(line, names) for line, names in sections if names]
    for left, (line, names) in enumerate(sections):
        # What is left of the message, shared among this list and those after it.
        room = (MESSAGE_LIMIT - shown_length(text) - 2) // (len(sections) - left)
        text += "\n\n" + _names_within(line, names, room)
    return fit(text)


async def _report(application: AnyApplication, shared: Services, homework_id: int) -> None:
    report = await shared.database.run_long(
        homework_due.homework_report,
        homework_id=homework_id,
        default_zone=shared.settings.default_timezone,
    )
    if report is None or report.recipient is None:
        return
    bot = application.bot
    try:
        if not await send_private(bot, report.recipient, render_report(report)):
            log.info("homework %s report: cannot write to %s", homework_id, report.recipient)
            return
    except TelegramError as exc:
        log.info("homework %s report not delivered: %s", homework_id, exc.message)
        return
    await send_chart(
        shared,
        bot,
        report.recipient,
        REPORT_CAPTION,
        tasks.RENDER_SESSION_CHART,
        [item.share for item in report.figures.items],
        title=REPORT_CHART_TITLE.format(
            chat=report.chat_title or "Class", due=when(report.due_at, report.zone)
        ),
    )


async def run_due_work(application: AnyApplication) -> int:
    """The reminder tick's homework part: the nudges whose time has come, then the reports
    of the homework that fell due (each claimed once in the store, whatever instance)."""
    shared: Services = application.bot_data["services"]
    zone = shared.settings.default_timezone
    sent = 0
    while True:
        # A batch of a class's nudges: off the event loop.
        nudges = await shared.database.run_long(
            homework_due.claim_nudges, now=shared.clock(), default_zone=zone
        )
        gate = asyncio.Semaphore(SEND_CONCURRENCY)

        async def send(nudge: homework_due.Nudge, gate: asyncio.Semaphore = gate) -> bool:
            async with gate:
                return await _nudge(application, shared, nudge)

        sent += sum(await asyncio.gather(*(send(nudge) for nudge in nudges)))
        if len(nudges) < homework_due.NUDGE_BATCH:
            break
    for homework_id in await shared.database.run(homework_due.claim_reports, now=shared.clock()):
        await _report(application, shared, homework_id)
    return sent
