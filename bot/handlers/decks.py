"""/decks: the decks a learner studies (built-in, their own, shared with them), an own deck's
page (rename, replace, delete, share link). A group's /decks: ``classroom.decks``."""

from __future__ import annotations

import asyncio
import textwrap
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.callbacks import (
    CallbackCodec,
    CancelDeckAction,
    ConfirmDelete,
    DeleteDeck,
    OpenDeck,
    OpenDecks,
    Payload,
    RemoveDeck,
    RenameDeck,
    ReplaceDeck,
    ToggleDeck,
)
from bot.format import CALLBACK_ANSWER_LIMIT, escape, fit
from bot.services import AnswerHandler, ButtonHandler, Services, edit_message, services
from bot.views import DECK_GONE, DECK_OFF, DECK_ON, OTHER_MESSAGE, counts
from tutor.services import deckpage, learners, owndecks, sharing, stats
from tutor.services.awaiting import DeckRename

# --- texts -------------------------------------------------------------------------------
DECKS = (
    "<b>Your decks</b>\n{lines}\n\n<i>Tap a deck to switch it on or off; ⚙️ opens a deck "
    "of your own. Send me a file (CSV, Markdown, YAML or Anki) to add one.</i>"
)
DECK_LINE = "{mark} <b>{title}</b>: {learned}/{total} learned\n    {description}"
OWN_LINE = "your deck: {counts}"
ADDED_LINE = "shared with you: {counts}"
DESCRIPTION_CHARS = 80
MANAGE = "⚙️"
DECK_SWITCHED_ON = "{title} is on."
DECK_SWITCHED_OFF = "{title} is off."

PAGE = "<b>{title}</b>\n{counts}{unfit}\n\n{share}"
PAGE_UNFIT = "\n{count} too long for a quiz poll: asked in /quiz here, never in a group quiz."
SHARE = "Share link (whoever opens it gets this deck, and your later changes to it):\n{link}"
ADDED_PAGE = "<i>Shared with you. Removing it keeps your review history.</i>"
RENAME = "✏️ Rename"
REPLACE = "📄 Replace"
DELETE = "🗑 Delete"
REMOVE = "Remove from my decks"
BACK = "« Back"
ASK_NAME = "Send the new name for <b>{title}</b> (up to 60 characters)."
ASK_FILE = (
    "Send the file that replaces <b>{title}</b> (CSV, Markdown, YAML or Anki, up to 2 MB). "
    "Items found again, by id or by front text, keep your progress; the others leave your "
    "reviews."
)
KEEP_NAME = "Keep the name"
KEEP_DECK = "Keep it as it is"
KEPT = "Nothing changed."
RENAMED = "Renamed <b>{old}</b> to <b>{title}</b>."
NAME_NOT_TEXT = "Please send the new name as text, or send /cancel."
ASK_DELETE = (
    "<b>Delete {title}?</b>\nIts cards and questions go, for you and for everyone who added "
    "it with its link. Review history stays."
)
DELETE_YES = "Yes, delete it"
DELETE_NO = "No, keep it"
DELETED = "Deleted {title}."
DELETE_EXPIRED = "This button has expired: open the deck in /decks again."
REMOVED = "Removed {title} from your decks."
# The delete button works this long after it was shown.
DELETE_VALID_FOR = timedelta(minutes=10)


def _questions(count: int) -> str:
    return "1 question" if count == 1 else f"{count} questions"


def _button(label: str, payload: Payload, codec: CallbackCodec, owner_id: int) -> Any:
    return InlineKeyboardButton(label, callback_data=codec.pack(payload, owner_id=owner_id))


def share_link(bot_username: str, share_code: str) -> str:
    """The deep link that adds a deck: https://t.me/<bot>?start=deck-<code>."""
    return f"https://t.me/{bot_username}?start=deck-{share_code}"


# --- /decks in a private chat ------------------------------------------------------------


def render_decks(shared: Services, decks: stats.LearnerStats) -> tuple[str, InlineKeyboardMarkup]:
    """The learner's decks with their progress, a switch per deck, and a page per own one."""
    library, learner, numbers = decks.library, decks.learner, decks.stats
    on = set(library.chosen_decks(learner.decks))
    lines = []
    for progress in numbers.decks:
        deck = library.decks[progress.deck_id]
        own = library.own.get(progress.deck_id)
        # A line of the deck's description, so that the list and its buttons fit a screen.
        description = textwrap.shorten(deck.description, DESCRIPTION_CHARS, placeholder="…")
        if own is not None:
            kinds = counts(len(deck.cards), len(deck.quiz), len(deck.explain))
            line = OWN_LINE if own.owner_id == learner.id else ADDED_LINE
            description = line.format(counts=kinds)
        lines.append(
            DECK_LINE.format(
                mark=DECK_ON if progress.deck_id in on else DECK_OFF,
                title=escape(progress.title),
                learned=progress.learned,
                total=progress.total,
                description=escape(description),
            )
        )
    rows = []
    for deck_id, deck in library.decks.items():
        mark = DECK_ON if deck_id in on else DECK_OFF
        row = [
            _button(f"{mark} {deck.title}", ToggleDeck(deck_id=deck_id), shared.codec, learner.id)
        ]
        if deck_id in library.own:
            number = library.own[deck_id].number
            row.append(_button(MANAGE, OpenDeck(deck=number), shared.codec, learner.id))
        rows.append(row)
    # A learner with many decks: the list says less per deck rather than being cut.
    text = DECKS.format(lines="\n".join(lines))
    return fit(text), InlineKeyboardMarkup(rows)


async def _deck_list(shared: Services, user_id: int, first_name: str) -> stats.LearnerStats:
    return await shared.database.run(
        stats.stats_of,
        library=shared.library,
        learner_id=user_id,
        first_name=first_name,
        now=shared.clock(),
        default_zone=shared.settings.default_timezone,
    )


async def decks_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the learner's decks with their progress and on/off buttons."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    text, markup = render_decks(shared, await _deck_list(shared, user.id, user.first_name))
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_toggle_deck(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ToggleDeck
) -> None:
    """Switch a deck on or off (the last one on stays on)."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    try:
        toggled = await shared.database.run(
            learners.toggle_deck,
            library=shared.library,
            learner_id=query.from_user.id,
            first_name=query.from_user.first_name,
            deck_id=payload.deck_id,
            default_zone=shared.settings.default_timezone,
            now=shared.clock(),
        )
    except learners.SettingError as exc:
        await query.answer(str(exc))
        return
    text, markup = render_decks(shared, toggled.decks)
    title = toggled.decks.library.decks[payload.deck_id].title
    notice = (DECK_SWITCHED_ON if toggled.now_on else DECK_SWITCHED_OFF).format(title=title)
    await asyncio.gather(
        query.answer(fit(notice, CALLBACK_ANSWER_LIMIT, is_html=False)),
        edit_message(query.message, text, markup),
    )


async def on_open_decks(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: OpenDecks
) -> None:
    """« Back: the deck list again, on the same message."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    decks = await _deck_list(shared, query.from_user.id, query.from_user.first_name)
    text, markup = render_decks(shared, decks)
    await asyncio.gather(query.answer(), edit_message(query.message, text, markup))


def render_page(
    page: deckpage.DeckPage, *, bot_username: str, codec: CallbackCodec, owner_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """An own deck's page: what it holds, its share link, and what can be done with it."""
    unfit = PAGE_UNFIT.format(count=_questions(page.poll_unfit)) if page.poll_unfit else ""
    share = (
        SHARE.format(link=escape(share_link(bot_username, page.share_code)))
        if page.mine
        else ADDED_PAGE
    )
    text = PAGE.format(
        title=escape(page.title),
        counts=counts(page.cards, page.questions, page.prompts),
        unfit=unfit,
        share=share,
    )
    if page.mine:
        rows = [
            [
                _button(RENAME, RenameDeck(deck=page.number), codec, owner_id),
                _button(REPLACE, ReplaceDeck(deck=page.number), codec, owner_id),
            ],
            [_button(DELETE, DeleteDeck(deck=page.number), codec, owner_id)],
        ]
    else:
        rows = [[_button(REMOVE, RemoveDeck(deck=page.number), codec, owner_id)]]
    rows.append([_button(BACK, OpenDecks(), codec, owner_id)])
    return text, InlineKeyboardMarkup(rows)


async def _read_page(
    shared: Services, learner_id: int, deck_number: int
) -> deckpage.DeckPage | None:
    """The deck's page as the learner sees it (None: not one of their decks)."""
    return await shared.database.run(
        deckpage.deck_page, library=shared.library, learner_id=learner_id, deck_number=deck_number
    )


async def _page(
    update: Update, context: ContextTypes.DEFAULT_TYPE, deck_number: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    query = update.callback_query
    assert query is not None
    shared = services(context)
    page = await _read_page(shared, query.from_user.id, deck_number)
    if page is None:
        return None
    return render_page(
        page, bot_username=context.bot.username, codec=shared.codec, owner_id=query.from_user.id
    )


async def on_open_deck(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: OpenDeck
) -> None:
    """⚙️: the deck's page, on the same message."""
    query = update.callback_query
    assert query is not None
    shown = await _page(update, context, payload.deck)
    if shown is None:
        await query.answer(DECK_GONE)
        return
    await asyncio.gather(query.answer(), edit_message(query.message, *shown))


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, deck: int, action: str) -> None:
    """Rename or Replace: remember what the next message is for, and say what to send."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    title = await shared.database.run(
        deckpage.ask, learner_id=query.from_user.id, deck_number=deck, action=action,
        now=shared.clock(),
    )  # fmt: skip
    if title is None:
        await query.answer(DECK_GONE)
        return
    text = (ASK_NAME if action == "rename" else ASK_FILE).format(title=escape(title))
    keep = KEEP_NAME if action == "rename" else KEEP_DECK
    markup = InlineKeyboardMarkup(
        [[_button(keep, CancelDeckAction(), shared.codec, query.from_user.id)]]
    )
    await asyncio.gather(query.answer(), edit_message(query.message, text, markup))


async def on_rename(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: RenameDeck
) -> None:
    """Rename: the next text message is the deck's new name."""
    await _ask(update, context, payload.deck, "rename")


async def on_replace(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ReplaceDeck
) -> None:
    """Replace: the next file sent replaces the deck's items."""
    await _ask(update, context, payload.deck, "replace")


async def on_cancel_action(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: CancelDeckAction
) -> None:
    """Keep the deck as it is: the pending rename, replace or waiting file is dropped."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    await shared.database.run(deckpage.cancel_action, learner_id=query.from_user.id)
    await asyncio.gather(query.answer(), edit_message(query.message, KEPT, None))


async def on_new_name(
    update: Update, context: ContextTypes.DEFAULT_TYPE, waiting: DeckRename
) -> None:
    """The message after Rename: the deck's new name."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    if message.text is None:
        await message.reply_text(NAME_NOT_TEXT)
        return
    shared = services(context)
    try:
        renamed = await shared.database.run(
            deckpage.rename_from_text, learner_id=user.id, text=message.text, now=shared.clock()
        )
    except owndecks.DeckError as exc:
        await message.reply_text(str(exc))
        return
    if renamed is None:
        # The rename went meanwhile (its deck deleted): an ordinary message.
        await message.reply_text(OTHER_MESSAGE)
        return
    await message.reply_text(
        RENAMED.format(old=escape(renamed.old_title), title=escape(renamed.title)),
        parse_mode=ParseMode.HTML,
    )


async def on_delete(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: DeleteDeck
) -> None:
    """Delete: ask to confirm, with a button that expires."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    page = await _read_page(shared, query.from_user.id, payload.deck)
    if page is None or not page.mine:
        await query.answer(DECK_GONE)
        return
    owner = query.from_user.id
    confirm = ConfirmDelete(deck=payload.deck, shown_at=int(shared.clock().timestamp()))
    markup = InlineKeyboardMarkup(
        [
            [_button(DELETE_YES, confirm, shared.codec, owner)],
            [_button(DELETE_NO, OpenDeck(deck=payload.deck), shared.codec, owner)],
        ]
    )
    text = ASK_DELETE.format(title=escape(page.title))
    await asyncio.gather(query.answer(), edit_message(query.message, text, markup))


async def on_confirm_delete(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ConfirmDelete
) -> None:
    """Yes, delete: if the button is recent, the deck goes."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    if shared.clock().timestamp() - payload.shown_at > DELETE_VALID_FOR.total_seconds():
        await asyncio.gather(
            query.answer(DELETE_EXPIRED), edit_message(query.message, DELETE_EXPIRED, None)
        )
        return
    title = await shared.database.run(
        deckpage.delete_deck, learner_id=query.from_user.id, deck_number=payload.deck
    )
    if title is None:
        await query.answer(DECK_GONE)
        return
    decks = await _deck_list(shared, query.from_user.id, query.from_user.first_name)
    text, markup = render_decks(shared, decks)
    notice = fit(DELETED.format(title=title), CALLBACK_ANSWER_LIMIT, is_html=False)
    await asyncio.gather(query.answer(notice), edit_message(query.message, text, markup))


async def on_remove(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: RemoveDeck
) -> None:
    """Remove a shared deck from my decks; the list again."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    page = await _read_page(shared, query.from_user.id, payload.deck)
    removed = page is not None and await shared.database.run(
        sharing.remove_added, learner_id=query.from_user.id, deck_number=payload.deck
    )
    if page is None or not removed:
        await query.answer(DECK_GONE)
        return
    decks = await _deck_list(shared, query.from_user.id, query.from_user.first_name)
    text, markup = render_decks(shared, decks)
    notice = fit(REMOVED.format(title=page.title), CALLBACK_ANSWER_LIMIT, is_html=False)
    await asyncio.gather(query.answer(notice), edit_message(query.message, text, markup))


BUTTONS: dict[type, ButtonHandler] = {
    ToggleDeck: on_toggle_deck,
    OpenDecks: on_open_decks,
    OpenDeck: on_open_deck,
    RenameDeck: on_rename,
    ReplaceDeck: on_replace,
    CancelDeckAction: on_cancel_action,
    DeleteDeck: on_delete,
    ConfirmDelete: on_confirm_delete,
    RemoveDeck: on_remove,
}
ANSWERS: dict[type, AnswerHandler] = {DeckRename: on_new_name}
