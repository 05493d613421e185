"""/decks in a group: the decks its quizzes draw from, each admin switching the built-in
decks and their own."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import CallbackCodec, GroupDeck
from bot.format import CALLBACK_ANSWER_LIMIT, escape, fit
from bot.handlers.classroom.texts import (
    DECK_UNUSED,
    GROUP_ADMINS_ONLY,
    GROUP_DECKS,
    GROUP_FORMER_ADMIN,
    GROUP_LINE,
    GROUP_OWNER,
    GROUP_SWITCHED,
    question_count,
)
from bot.services import ButtonHandler, edit_message, services
from bot.views import DECK_OFF, DECK_ON
from tutor.services import groupdecks, owndecks


async def _admins(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> dict[int, str]:
    """The chat's admins (people, not bots) by id, with their first names."""
    members = await context.bot.get_chat_administrators(chat_id)
    return {m.user.id: m.user.first_name for m in members if not m.user.is_bot}


def render_group_decks(
    choices: list[groupdecks.DeckChoice],
    admins: dict[int, str],
    *,
    codec: CallbackCodec,
    owner_id: int,
) -> tuple[str, InlineKeyboardMarkup]:
    """The decks a group may draw from, each on or off; a switch for each that ``owner_id``
    (the admin who asked) may switch: the built-in decks and their own."""
    lines = []
    buttons = []
    for choice in choices:
        mark = DECK_ON if choice.chosen else DECK_OFF
        owner = ""
        if choice.owner_id is not None and choice.owner_id not in admins:
            mark, owner = DECK_UNUSED, GROUP_FORMER_ADMIN
        elif choice.owner_id is not None:
            owner = GROUP_OWNER.format(name=escape(admins[choice.owner_id]))
        lines.append(
            GROUP_LINE.format(
                mark=mark,
                title=escape(choice.title),
                owner=owner,
                questions=question_count(choice.poll_questions),
            )
        )
        # A co-admin's deck is theirs to switch: shown, with no button.
        if choice.owner_id in (None, owner_id):
            label = f"{mark} {choice.title}"
            payload = codec.pack(GroupDeck(deck_id=choice.deck), owner_id=owner_id)
            buttons.append([InlineKeyboardButton(label, callback_data=payload)])
    return fit(GROUP_DECKS.format(lines="\n".join(lines))), InlineKeyboardMarkup(buttons)


async def group_decks_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/decks in a group (admins): choose the decks the chat's quizzes draw from."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    assert chat is not None and message is not None
    admins = await _admins(context, chat.id)
    if user is None or user.id not in admins:
        await message.reply_text(GROUP_ADMINS_ONLY)
        return
    shared = services(context)
    choices = await shared.database.run(
        groupdecks.group_deck_choices, library=shared.library, chat_id=chat.id, admin_id=user.id
    )
    text, markup = render_group_decks(choices, admins, codec=shared.codec, owner_id=user.id)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_group_deck(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: GroupDeck
) -> None:
    """A deck switched on or off for the group's quizzes, by one of its admins."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is None or message.chat.type not in ("group", "supergroup"):
        await query.answer(groupdecks.NOT_PICKABLE)
        return
    chat_id = message.chat.id
    admins = await _admins(context, chat_id)
    if query.from_user.id not in admins:
        await query.answer(GROUP_ADMINS_ONLY)
        return
    shared = services(context)
    try:
        now_on, choices = await shared.database.run(
            groupdecks.toggle_group_deck,
            library=shared.library,
            chat_id=chat_id,
            deck=payload.deck_id,
            admin_id=query.from_user.id,
        )
    except owndecks.DeckError as exc:
        await query.answer(str(exc))
        return
    title = next(c.title for c in choices if c.deck == payload.deck_id)
    text, markup = render_group_decks(
        choices, admins, codec=shared.codec, owner_id=query.from_user.id
    )
    notice = fit(GROUP_SWITCHED[now_on].format(title=title), CALLBACK_ANSWER_LIMIT, is_html=False)
    await asyncio.gather(query.answer(notice), edit_message(message, text, markup))


BUTTONS: dict[type, ButtonHandler] = {GroupDeck: on_group_deck}
