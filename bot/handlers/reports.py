"""What a teacher gets in private: a report after each session, /report and /export.

Everything here goes only to a chat's admins, only in their private chat with the bot.
Where the bot cannot write to an admin (they never started it), the group is told once
per admin, with a link that opens the private chat.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InputFile, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.admins import is_admin, sender_id, user_is_admin
from bot.format import MESSAGE_LIMIT, escape, fit, shown_length
from bot.private import cannot_write, send_chart, send_private, start_link
from bot.services import Services, services
from tutor.domain import classreport
from tutor.runtime import tasks
from tutor.services import report_export, reports
from tutor.services.homework_due import HomeworkReport
from tutor.services.reports import ClassReport, SessionReport

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

# Telegram takes documents up to 50 MB from a bot; a bigger CSV goes as a ZIP of it.
EXPORT_PLAIN_LIMIT = 45 * 1024 * 1024
QUESTION_CHARS = 90

SESSION_TITLE = "📋 <b>Quiz report: {chat}</b>\n{when}"
SESSION_SUMMARY = "{members} answered {questions}."
QUESTION_LINE = (
    "{number}. {question}\n    <b>{share}</b> right ({right}/{answered}) · median {seconds}"
)
WRONG_PART = " · most picked wrong: {options} ({picks})"
WRONG_TIE = " · most picked wrong, tied: {options} ({picks} each)"
UNANSWERED_LINE = "{number}. {question}\n    no answers"
STRUGGLING = "<b>Fewer than half right:</b> {names}"
STRUGGLER = "{name} ({right}/{questions})"
NOBODY_STRUGGLED = "Everyone who answered got at least half right."
SESSION_CHART_TITLE = "{chat}: quiz of {date}"
SESSION_CAPTION = "Share of members who answered each question right."

CLASS_TITLE = "📊 <b>Class report: {chat}</b>, the last {days}"
CLASS_SUMMARY = "{members} gave {answers} to {questions}."
AT_RISK_TITLE = "<b>At risk</b>"
FALLING = "share right fell from {before} to {after}"
ABSENT = "answered none of the last {sessions} sessions"
AT_RISK_LINE = "{name}: {reasons}"
NOBODY_AT_RISK = "Nobody: no falling share right, nobody missing lately."
WEAKEST_TITLE = "<b>Weakest questions</b>"
WEAKEST_LINE = "{share} ({right}/{answered}) {question}"
DECKS_TITLE = "<b>Decks</b>"
DECK_LINE = "{title}: {share} right of {answered}"
HOMEWORK_TITLE = "<b>Homework</b>"
NO_QUIZ_ANSWERS = "Nobody answered a quiz in this time."
HOMEWORK_LINE = (
    "{title}, due {due}: {finished} finished, {started} started, {not_started} did not start"
    "{share}{late}"
)
HOMEWORK_SHARE = " · {share} right"
HOMEWORK_LATE = " · {late} late"
MEMBERS_TITLE = "<b>Members</b>, weakest first: share right (answered){recall}"
RECALL_NOTE = "; predicted recall for those who study in private"
MEMBER_LINE = "{name}: {share} ({answered}){recall}"
MEMBER_RECALL = " · recall {recall}"
MORE_MEMBERS = "… and {count} more (every answer: /export)"
HEATMAP_TITLE = "{chat}: share right per member and deck, the last {days}"
HEATMAP_CAPTION = "Share right per member and deck (the {shown} weakest members)."

REPORT_SENT = "Sent you the report in private."
EXPORT_SENT = "Sent you the file in private."
EXPORT_CAPTION = "Every answer in {chat}: {rows}, times in {zone}."
EXPORT_USAGE = "Usage: /export (no arguments): every answer of this chat as a CSV file."
NO_ANSWERS_REPORT = "Nobody answered a quiz here in the last {days}. Start one with /quiz."
NO_ANSWERS_EXPORT = "Nobody has answered a quiz here yet. Start one with /quiz."
ADMINS_ONLY = "Only the chat's admins can {action}; it goes to them in private."
ANONYMOUS = "I send reports to an admin in private: send {command} as yourself, not anonymously."
CANNOT_WRITE = (
    "I can't write to you in private yet: open {link} and press Start, then send {command} again."
)
NOTICE = (
    "{name}, I can't send you this class's quiz reports: open {link} and press Start to "
    "get them in private."
)
REPORT_IN_GROUP = (
    "/report works in a class group: send it there as an admin and I'll send you the "
    "class's report here."
)


def _count(count: int, noun: str) -> str:
    return f"1 {noun}" if count == 1 else f"{count} {noun}s"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _short(text: str, limit: int = QUESTION_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(moment: datetime, zone: str) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M} ({zone})"


def render_session_report(report: SessionReport) -> str:
    """A session's report as HTML text."""
    figures = report.figures
    lines = [
        SESSION_TITLE.format(
            chat=escape(report.chat_title), when=_when(report.local_start, report.zone)
        ),
        SESSION_SUMMARY.format(
            members=_count(figures.members, "member"),
            questions=_count(len(figures.questions), "question"),
        ),
        "",
    ]
    for result in figures.questions:
        question = escape(_short(result.question))
        if not result.answered:
            lines.append(UNANSWERED_LINE.format(number=result.number, question=question))
            continue
        line = QUESTION_LINE.format(
            number=result.number,
            question=question,
            share=_percent(result.share),
            right=result.right,
            answered=result.answered,
            seconds=f"{result.median_seconds:.1f} s",
        )
        if result.wrong_options:
            quoted = [f"“{escape(_short(option, 60))}”" for option in result.wrong_options]
            line += (WRONG_PART if len(quoted) == 1 else WRONG_TIE).format(
                options=" and ".join(quoted), picks=result.wrong_picks
            )
        lines.append(line)
    lines.append("")
    if figures.struggling:
        names = ", ".join(
            STRUGGLER.format(name=escape(s.name), right=s.right, questions=len(figures.questions))
            for s in figures.struggling
        )
        lines.append(STRUGGLING.format(names=names))
    elif figures.members:
        lines.append(NOBODY_STRUGGLED)
    return fit("\n".join(lines))


def render_homework_line(report: HomeworkReport) -> str:
    """One homework in /report: who did it, the share right, late answers."""
    figures = report.figures
    answered = sum(item.answered for item in figures.items)
    right = sum(item.right for item in figures.items)
    return HOMEWORK_LINE.format(
        title=escape(report.title),
        due=_when(report.due_at.astimezone(ZoneInfo(report.zone)), report.zone),
        finished=len(figures.finished),
        started=len(figures.started),
        not_started=len(figures.not_started),
        share=HOMEWORK_SHARE.format(share=_percent(right / answered)) if answered else "",
        late=HOMEWORK_LATE.format(late=figures.late_answers) if figures.late_answers else "",
    )


def render_class_report(report: ClassReport) -> str:
    """/report as HTML text: what matters most first, then as many members as fit."""
    figures = report.figures
    if not figures.answers:
        # Homework only: nothing from quizzes to show.
        lines = [
            CLASS_TITLE.format(chat=escape(report.chat_title), days=_count(report.days, "day")),
            NO_QUIZ_ANSWERS,
            "",
            HOMEWORK_TITLE,
            *(render_homework_line(homework) for homework in report.homework),
        ]
        return fit("\n".join(lines))
    lines = [
        CLASS_TITLE.format(chat=escape(report.chat_title), days=_count(report.days, "day")),
        CLASS_SUMMARY.format(
            members=_count(len(figures.members), "member"),
            answers=_count(figures.answers, "answer"),
            questions=_count(figures.questions, "question"),
        ),
        "",
        AT_RISK_TITLE,
    ]
    for risky in figures.at_risk:
        reasons = []
        if classreport.Risk.FALLING in risky.risks:
            reasons.append(
                FALLING.format(before=_percent(risky.before), after=_percent(risky.after))
            )
        if classreport.Risk.ABSENT in risky.risks:
            reasons.append(ABSENT.format(sessions=classreport.ABSENT_SESSIONS))
        lines.append(AT_RISK_LINE.format(name=escape(risky.name), reasons="; ".join(reasons)))
    if not figures.at_risk:
        lines.append(NOBODY_AT_RISK)
    lines += ["", WEAKEST_TITLE]
    lines += [
        WEAKEST_LINE.format(
            share=_percent(q.share),
            right=q.right,
            answered=q.answered,
            question=escape(_short(q.label, 70)),
        )
        for q in figures.weakest
    ]
    lines += ["", DECKS_TITLE]
    lines += [
        DECK_LINE.format(title=escape(d.label), share=_percent(d.share), answered=d.answered)
        for d in figures.decks
    ]
    if report.homework:
        lines += ["", HOMEWORK_TITLE]
        lines += [render_homework_line(homework) for homework in report.homework]
    any_recall = any(m.recall is not None for m in figures.members)
    lines += ["", MEMBERS_TITLE.format(recall=RECALL_NOTE if any_recall else "")]
    text = "\n".join(lines)
    # Room for the "... and N more" line: a class of hundreds does not fit one message.
    budget = MESSAGE_LIMIT - 60
    used = shown_length(text)
    for shown, member in enumerate(figures.members):
        line = "\n" + MEMBER_LINE.format(
            name=escape(member.name),
            share=_percent(member.share),
            answered=member.answered,
            recall=(
                MEMBER_RECALL.format(recall=_percent(member.recall))
                if member.recall is not None
                else ""
            ),
        )
        size = shown_length(line)
        if used + size > budget:
            text += "\n" + MORE_MEMBERS.format(count=len(figures.members) - shown)
            break
        text += line
        used += size
    return fit(text)


# --- sending in private --------------------------------------------------------------------


async def deliver_session_report(application: AnyApplication, session_id: int) -> None:
    """Send a finished session's report to the admin who started it; where the bot cannot
    write to them, tell the group once how to fix it."""
    shared: Services = application.bot_data["services"]
    report = await shared.database.run_long(
        reports.session_report,
        library=shared.library,
        session_id=session_id,
        default_zone=shared.settings.default_timezone,
    )
    if report is None or report.recipient is None:
        return
    bot = application.bot
    try:
        # Only to an admin: a member may have started it in a chat open to everyone, and
        # whoever set a daily quiz may have been an admin then and be none now.
        if not await user_is_admin(bot, application.bot_data, report.chat_id, report.recipient):
            return
        if await send_private(bot, report.recipient, render_session_report(report)):
            await send_chart(
                shared,
                bot,
                report.recipient,
                SESSION_CAPTION,
                tasks.RENDER_SESSION_CHART,
                [result.share for result in report.figures.questions],
                title=SESSION_CHART_TITLE.format(
                    chat=report.chat_title or "Class", date=_when(report.local_start, report.zone)
                ),
            )
            return
        claimed = await shared.database.run(
            reports.claim_notice,
            chat_id=report.chat_id,
            admin_id=report.recipient,
            now=shared.clock(),
        )
        if claimed:
            member = await bot.get_chat_member(report.chat_id, report.recipient)
            notice = NOTICE.format(name=escape(member.user.first_name), link=start_link(bot))
            await bot.send_message(report.chat_id, notice, parse_mode=ParseMode.HTML)
    except TelegramError as exc:
        log.info("session %s report not delivered: %s", session_id, exc.message)


# --- commands --------------------------------------------------------------------------------


async def _authorised(
    update: Update, context: ContextTypes.DEFAULT_TYPE, command: str
) -> int | None:
    """The admin who asked, or None after telling the sender why not."""
    message = update.effective_message
    assert message is not None
    action = "get the class's report" if command == "/report" else "export the class's answers"
    # Asked of Telegram now: a member's answers never reach an admin demoted a moment ago.
    if not await is_admin(update, context, fresh=True):
        await message.reply_text(ADMINS_ONLY.format(action=action))
        return None
    admin = sender_id(update)
    if admin is None:
        await message.reply_text(ANONYMOUS.format(command=command))
    return admin


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report [days] in a group: the class over the last days, to the admin in private."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    try:
        days = reports.parse_days(context.args or [])
    except reports.UsageError as exc:
        await message.reply_text(str(exc))
        return
    admin = await _authorised(update, context, "/report")
    if admin is None:
        return
    shared = services(context)
    report = await shared.database.run_long(
        reports.class_report,
        library=shared.library,
        chat_id=chat.id,
        days=days,
        now=shared.clock(),
        default_zone=shared.settings.default_timezone,
    )
    if report is None:
        await message.reply_text(NO_ANSWERS_REPORT.format(days=_count(days, "day")))
        return
    if not await send_private(context.bot, admin, render_class_report(report)):
        await message.reply_text(
            CANNOT_WRITE.format(link=start_link(context.bot), command="/report")
        )
        return
    await message.reply_text(REPORT_SENT)
    heatmap = report.figures.heatmap
    if heatmap.members and heatmap.decks:
        await send_chart(
            shared,
            context.bot,
            admin,
            HEATMAP_CAPTION.format(shown=len(heatmap.members)),
            tasks.RENDER_CLASS_HEATMAP,
            heatmap.members,
            heatmap.decks,
            heatmap.shares,
            title=HEATMAP_TITLE.format(
                chat=report.chat_title or "Class", days=_count(days, "day")
            ),
        )


def export_name(title: str, now: datetime) -> str:
    """The export's file name: the chat's title in plain letters and the day."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "class"
    return f"answers-{slug}-{now:%Y-%m-%d}.csv"


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export in a group: every answer as CSV, to the admin in private."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if context.args:
        await message.reply_text(EXPORT_USAGE)
        return
    admin = await _authorised(update, context, "/export")
    if admin is None:
        return
    shared = services(context)
    plan = await shared.database.run_long(
        report_export.plan_export, chat_id=chat.id, default_zone=shared.settings.default_timezone
    )
    if plan is None:
        await message.reply_text(NO_ANSWERS_EXPORT)
        return
    await message.reply_chat_action(ChatAction.UPLOAD_DOCUMENT)
    export = await report_export.write_export(shared.database, shared.library, plan)
    # Joining and encoding tens of megabytes: in a thread, the event loop gets its turns.
    data = await asyncio.to_thread(export.getvalue)
    name = export_name(plan.chat_title, shared.clock())
    if len(data) > EXPORT_PLAIN_LIMIT:
        data = await asyncio.to_thread(report_export.zipped, data, name)
        name = name.removesuffix(".csv") + ".zip"
    caption = EXPORT_CAPTION.format(
        chat=escape(plan.chat_title or "this chat"),
        rows=_count(export.rows, "answer"),
        zone=plan.zone,
    )
    try:
        await context.bot.send_document(
            admin, InputFile(data, filename=name), caption=caption, parse_mode=ParseMode.HTML
        )
    except TelegramError as exc:
        if not cannot_write(exc):
            raise
        await message.reply_text(
            CANNOT_WRITE.format(link=start_link(context.bot), command="/export")
        )
        return
    await message.reply_text(EXPORT_SENT)


async def private_report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report in a private chat: it belongs in the class's group."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(REPORT_IN_GROUP)
