"""/homework in a group: an admin's short flow of buttons (where the items come from, how
many, the due day and time in the chat's time zone), ending in one message with a Start
button that opens the homework in the private chat."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.admins import is_admin, sender_id, user_is_admin
from bot.callbacks import (
    HomeworkCount,
    HomeworkDays,
    HomeworkDue,
    HomeworkFrom,
)
from bot.format import escape
from bot.private import send_private
from bot.services import Services, services
from bot.telegram_io import answer_quietly, show_in_place
from tutor.domain.homework import (
    DUE_DAYS,
    DUE_TIMES,
    ITEM_COUNTS,
)
from tutor.services import homework

from .common import LINK_PREFIX, button, when

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

ASK_SOURCE = "📚 <b>New homework</b>: what should the class work on?"
ASK_COUNT = "📚 <b>New homework</b> from {source}: how many items?"
ASK_DAY = "📚 <b>New homework</b>: {count} items from {source}. Due when?"
ASK_TIME = "📚 <b>New homework</b>: {count} items from {source}, due {day}. At what time ({zone})?"
ALL_DECKS = "All the class's decks"
WEAKEST = "The class's weakest questions"
DAY_LABELS = {1: "Tomorrow", 2: "In 2 days", 3: "In 3 days", 7: "In a week"}
ANNOUNCEMENT = (
    "📚 <b>Homework</b>: {title}\nDue {due} ({zone}).\n\n"
    "Press Start to do it with me in private, at your own pace: each answer also counts as "
    "your own review. {members}"
)
GOES_TO = "It goes to the {count} members I know here, and to anyone who presses Start."
GOES_TO_ANYONE = "It goes to everyone here who presses Start."
START = "Start"
ASSIGNED = "📚 Homework given in {chat}: {title}, due {due} ({zone}). Its report comes here then."
UNREACHABLE = (
    "Assigned. I can't write to you in private yet: open a chat with me and press Start, "
    "or its report can't reach you."
)
ADMINS_ONLY = "Only the chat's admins can assign homework."
ANONYMOUS = "Send /homework as yourself, not anonymously: its report goes to you in private."
NOTHING_TO_ASSIGN = "There is nothing to assign here yet: the class's decks have no items."
GROUP_USAGE = "Usage: /homework (no arguments): then pick the items and the due date."
FLOW_GONE = "This homework was assigned already, or its buttons are old: send /homework again."


async def group_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/homework in a group: an admin's first step, where the items come from."""
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if context.args:
        await message.reply_text(GROUP_USAGE)
        return
    if not await is_admin(update, context):
        await message.reply_text(ADMINS_ONLY)
        return
    admin = sender_id(update)
    if admin is None:
        await message.reply_text(ANONYMOUS)
        return
    shared = services(context)
    found = await shared.database.run(homework.choices, library=shared.library, chat_id=chat.id)
    if not found.decks and not found.has_weakest:
        await message.reply_text(NOTHING_TO_ASSIGN)
        return
    codec = shared.codec
    rows = [
        [button(title, HomeworkFrom(deck), codec=codec, owner=admin)]
        for deck, title in found.decks
    ]
    if len(found.decks) > 1:
        rows.append(
            [button(ALL_DECKS, HomeworkFrom(homework.ALL_DECKS), codec=codec, owner=admin)]
        )
    if found.has_weakest:
        rows.append([button(WEAKEST, HomeworkFrom(homework.WEAKEST), codec=codec, owner=admin)])
    await message.reply_text(
        ASK_SOURCE, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
    )


async def _source_name(shared: Services, chat_id: int, source: str) -> str | None:
    """How the flow names where the items come from; None for a deck no longer offered."""
    if source == homework.ALL_DECKS:
        return "all the class's decks"
    if source == homework.WEAKEST:
        return "the class's weakest questions"
    found = await shared.database.run(homework.choices, library=shared.library, chat_id=chat_id)
    return next((escape(title) for deck, title in found.decks if deck == source), None)


async def flow_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: HomeworkFrom
) -> None:
    """A press in the flow: the next question, or the homework assigned."""
    query = update.callback_query
    assert query is not None and query.message is not None
    shared = services(context)
    chat_id, admin = query.message.chat.id, query.from_user.id
    if not await user_is_admin(context.bot, context.bot_data, chat_id, admin, fresh=True):
        await answer_quietly(query, ADMINS_ONLY)
        return
    source = await _source_name(shared, chat_id, payload.source)
    if source is None:
        await answer_quietly(query, FLOW_GONE)
        return
    codec = shared.codec
    if isinstance(payload, HomeworkDue):
        await _assign(update, context, payload)
        return
    if isinstance(payload, HomeworkDays):
        group = await shared.database.run(
            homework.chat_zone, chat_id=chat_id, default_zone=shared.settings.default_timezone
        )
        text = ASK_TIME.format(
            count=payload.count, source=source, day=DAY_LABELS[payload.days].lower(), zone=group
        )
        buttons = [
            button(clock, HomeworkDue(payload.source, payload.count, payload.days, index),
                    codec=codec, owner=admin)
            for index, clock in enumerate(DUE_TIMES)
        ]  # fmt: skip
    elif isinstance(payload, HomeworkCount):
        text = ASK_DAY.format(count=payload.count, source=source)
        buttons = [
            button(label, HomeworkDays(payload.source, payload.count, days),
                    codec=codec, owner=admin)
            for days, label in DAY_LABELS.items()
        ]  # fmt: skip
    else:
        text = ASK_COUNT.format(source=source)
        buttons = [
            button(str(count), HomeworkCount(payload.source, count), codec=codec, owner=admin)
            for count in ITEM_COUNTS
        ]
    await answer_quietly(query)
    await show_in_place(
        query.message, text, InlineKeyboardMarkup([buttons]), chat_id=chat_id, bot=context.bot
    )


async def _assign(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: HomeworkDue
) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    shared = services(context)
    chat = query.message.chat
    if payload.days not in DUE_DAYS or not 0 <= payload.clock < len(DUE_TIMES):
        await answer_quietly(query, FLOW_GONE)
        return
    try:
        made = await shared.database.run(
            homework.assign,
            library=shared.library,
            chat_id=chat.id,
            chat_title=chat.title or "",
            admin_id=query.from_user.id,
            source=payload.source,
            count=payload.count,
            days=payload.days,
            clock=DUE_TIMES[payload.clock],
            default_zone=shared.settings.default_timezone,
            now=shared.clock(),
        )
    except homework.HomeworkError as exc:
        await answer_quietly(query, str(exc))
        return
    # The report comes in private: the admin hears now if it could not reach them.
    confirmation = ASSIGNED.format(
        chat=escape(chat.title or "the group"),
        title=escape(made.title),
        due=when(made.due_at, made.zone),
        zone=made.zone,
    )
    try:
        reachable = await send_private(context.bot, query.from_user.id, confirmation)
    except TelegramError as exc:
        log.info(
            "homework %s: no confirmation to %s: %s", made.homework_id, query.from_user.id, exc
        )
        reachable = True  # not known to be unreachable: no warning
    await answer_quietly(query, None if reachable else UNREACHABLE)
    text = ANNOUNCEMENT.format(
        title=escape(made.title),
        due=when(made.due_at, made.zone),
        zone=made.zone,
        members=GOES_TO.format(count=made.members) if made.members else GOES_TO_ANYONE,
    )
    link = f"https://t.me/{context.bot.username}?start={LINK_PREFIX}{made.code}"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(START, url=link)]])
    await show_in_place(query.message, text, markup, chat_id=chat.id, bot=context.bot)
