"""/review: a card's front, Show answer, the back with four ratings, then the next card.

One message carries the whole session: a reveal turns it to the card's back, a rating is
stored and the same message becomes the next card, so the chat stays readable. A card with
an image (an own deck's) is a photo with the card as its caption, and the reveal edits the
caption (or swaps in the answer's own image); where the text is too long for a caption the
photo comes just before the card. Where the next card's kind of message differs (a photo
after text, or text after a photo) it comes as a new message and the old one keeps its
content without buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    Update,
)
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.callbacks import CallbackCodec, Rate, ReadMore, Reveal, StartReview
from bot.format import card_html, escape, long_duration, short_duration, split_back
from bot.metrics import metrics_of
from bot.services import (
    ButtonHandler,
    answer_then_send,
    edit_message,
    services,
)
from bot.telegram_io import answer_quietly, show_in_place
from bot.views import ANSWER_PART, RATING_LABELS, SHOW_ANSWER, demo_button
from tutor.domain.content import IMAGE_ONLY, Card
from tutor.domain.scheduling import Rating
from tutor.services import owndecks, study

# {front} holds its own leading blank line: a picture alone (the photo is the front) adds
# no empty lines.
FRONT = "<b>{deck}</b> · {tag}{front}"
BACK = FRONT + ANSWER_PART
TAG_NEW = "new card"
# A long back shows its first sentences, then this, and Read more shows the rest.
MORE_MARK = " …"
READ_MORE = "Read more ▾"
TAG_DUE = "{due} due"
CAUGHT_UP = "<b>All caught up!</b> You reviewed {reviewed} today."
CAUGHT_NONE = "<b>Nothing to review right now.</b>"
NEXT_DUE = "Your next card is due in {delta}."
NEW_CAP = "That was today's last new card ({cap} a day); more come tomorrow (see /settings)."
DUE_ELSEWHERE = "Your other decks have {cards} due: /decks switches them back on."
NO_CARDS = "There are no cards in your decks."
RATED_TOAST = "{rating}: see it again in {delta}."
ALREADY_RATED = "This card was already rated."
UNKNOWN_CARD = "This card no longer exists."
INVALID_RATING = "This button is not valid."


_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Screen:
    """What one message of the session shows: HTML text, buttons, and an image or None."""

    text: str
    markup: InlineKeyboardMarkup | None
    photo: bytes | None = None

    @property
    def captioned(self) -> bool:
        """Whether the text goes on the photo, as its caption (Telegram's 1,024 characters)."""
        visible = html.unescape(_TAGS.sub("", self.text))
        return self.photo is not None and len(visible) <= MessageLimit.CAPTION_LENGTH


async def card_photo(
    context: ContextTypes.DEFAULT_TYPE, card: Card, *, back: bool
) -> bytes | None:
    """The image a card shows on its front, or with its answer (its own, else the front's)."""
    name = (card.back_image or card.image) if back else card.image
    if name is None:
        return None
    return await services(context).database.run(owndecks.card_image, item_id=card.id, name=name)


async def send_screen(bot: Any, chat_id: int, screen: Screen) -> Message:
    """Send a screen as new message(s); the one that carries the buttons is returned."""
    if screen.photo is None:
        sent: Message = await bot.send_message(
            chat_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=screen.markup
        )
        return sent
    if screen.captioned:
        sent = await bot.send_photo(
            chat_id,
            screen.photo,
            caption=screen.text,
            parse_mode=ParseMode.HTML,
            reply_markup=screen.markup,
        )
        return sent
    await bot.send_photo(chat_id, screen.photo)
    sent = await bot.send_message(
        chat_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=screen.markup
    )
    return sent


async def show_screen(
    message: object, screen: Screen, *, chat_id: int, bot: Any, same_photo: bool = False
) -> None:
    """Turn ``message`` into ``screen``: its caption or photo edited where both are photos,
    its text where both are text; else ``screen`` comes as new message(s) and ``message``
    keeps what it shows, without its buttons. ``same_photo``: the photo is the one shown."""
    is_photo = isinstance(message, Message) and bool(message.photo)
    if is_photo and screen.captioned:
        assert isinstance(message, Message) and screen.photo is not None
        try:
            if same_photo:
                await message.edit_caption(
                    caption=screen.text, parse_mode=ParseMode.HTML, reply_markup=screen.markup
                )
            else:
                media = InputMediaPhoto(screen.photo, caption=screen.text, parse_mode="HTML")
                await message.edit_media(media, reply_markup=screen.markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
    elif not is_photo and screen.photo is None:
        await show_in_place(message, screen.text, screen.markup, chat_id=chat_id, bot=bot)
        return
    if isinstance(message, Message):
        # Gone, or without buttons already: nothing is left to press either way.
        with contextlib.suppress(TelegramError):
            await message.edit_reply_markup(reply_markup=None)
    # A screen that cannot be sent is logged by the policy, as show_in_place's is.
    with contextlib.suppress(TelegramError):
        await send_screen(bot, chat_id, screen)


def _front_text(card: Card) -> str:
    """A card's front as the message shows it, after a blank line; nothing for a picture
    alone (the photo is the front)."""
    if card.image is not None and card.front == IMAGE_ONLY:
        return ""
    return "\n\n" + card_html(card.front)


def _cards(count: int) -> str:
    return "1 card" if count == 1 else f"{count} cards"


def _tag(show: study.CardToShow) -> str:
    return TAG_NEW if show.is_new else TAG_DUE.format(due=show.due_count)


def render_front(
    show: study.CardToShow, *, codec: CallbackCodec, owner_id: int, now: datetime
) -> tuple[str, InlineKeyboardMarkup]:
    """A card's front and its Show answer button."""
    text = FRONT.format(deck=escape(show.deck_title), tag=_tag(show), front=_front_text(show.card))
    reveal = Reveal(item_id=show.card.id, version=show.version, shown_at=int(now.timestamp()))
    button = InlineKeyboardButton(SHOW_ANSWER, callback_data=codec.pack(reveal, owner_id=owner_id))
    return text, InlineKeyboardMarkup([[button]])


def render_caught_up(caught: study.Caught, *, now: datetime, new_cap: int) -> str:
    """What a learner with nothing to review sees."""
    if caught.reviewed_today:
        lines = [CAUGHT_UP.format(reviewed=_cards(caught.reviewed_today))]
    else:
        lines = [CAUGHT_NONE]
    if caught.new_cap_reached:
        lines.append(NEW_CAP.format(cap=new_cap))
    if caught.due_elsewhere:
        lines.append(DUE_ELSEWHERE.format(cards=_cards(caught.due_elsewhere)))
    if caught.next_due is not None:
        lines.append(NEXT_DUE.format(delta=long_duration(caught.next_due - now)))
    elif not caught.new_cap_reached:
        lines.append(NO_CARDS)
    return "\n".join(lines)


def render_next(
    result: study.CardToShow | study.Caught,
    *,
    codec: CallbackCodec,
    owner_id: int,
    now: datetime,
    new_cap: int,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The next card's front, or the caught-up summary."""
    if isinstance(result, study.Caught):
        return render_caught_up(result, now=now, new_cap=new_cap), None
    return render_front(result, codec=codec, owner_id=owner_id, now=now)


async def review_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the learner's next due or new card."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    await send_next_card(message, context, user_id=user.id, first_name=user.first_name)


async def draw_and_render(
    context: ContextTypes.DEFAULT_TYPE, *, user_id: int, first_name: str
) -> Screen:
    """The learner's next card (or the caught-up summary), drawn and rendered."""
    shared = services(context)
    now = shared.clock()
    drawn = await shared.database.run(
        study.draw_next,
        library=shared.library,
        learner_id=user_id,
        first_name=first_name,
        now=now,
        default_zone=shared.settings.default_timezone,
    )
    text, markup = render_next(
        drawn.upcoming,
        codec=shared.codec,
        owner_id=user_id,
        now=now,
        new_cap=drawn.learner.new_per_day,
    )
    return await _with_photo(context, drawn.upcoming, text, markup)


async def _with_photo(
    context: ContextTypes.DEFAULT_TYPE,
    upcoming: study.CardToShow | study.Caught,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> Screen:
    """A card's front with its image, if it has one."""
    if isinstance(upcoming, study.Caught):
        return Screen(text, markup)
    return Screen(text, markup, await card_photo(context, upcoming.card, back=False))


async def send_next_card(
    message: Message, context: ContextTypes.DEFAULT_TYPE, *, user_id: int, first_name: str
) -> None:
    """Send the learner's next card under ``message`` (used by /review and buttons)."""
    screen = await draw_and_render(context, user_id=user_id, first_name=first_name)
    await send_screen(context.bot, message.chat.id, screen)


async def on_start_review(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: StartReview
) -> None:
    """The Start reviewing button: answer the press and send the next card."""
    await answer_then_send(update, context, send_next_card)


async def on_reveal(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Reveal) -> None:
    """Show answer: turn the message to the card's back (its first sentences, when it is
    long, with Read more) and the four rating buttons."""
    await _show_back(update, context, payload, whole=False)


async def on_read_more(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ReadMore
) -> None:
    """Read more: the card's whole back, with the same rating buttons."""
    await _show_back(update, context, payload, whole=True)


async def _show_back(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Reveal, *, whole: bool
) -> None:
    query = update.callback_query
    assert query is not None
    shared = services(context)
    now = shared.clock()
    revealed = await shared.database.run(
        study.reveal,
        library=shared.library,
        learner_id=query.from_user.id,
        first_name=query.from_user.first_name,
        item_id=payload.item_id,
        now=now,
    )
    card, memory = revealed.card, revealed.memory
    if card is None:
        await query.answer(UNKNOWN_CARD)
        return
    learner = revealed.learner
    if (memory.reps if memory else 0) != payload.version:
        await catch_up(query, context)
        return
    intervals = study.preview_intervals(
        memory,
        now,
        desired_retention=learner.desired_retention,
        parameters=learner.fsrs_parameters,
    )
    buttons = [
        InlineKeyboardButton(
            f"{label} · {short_duration(intervals[rating])}",
            callback_data=shared.codec.pack(
                Rate(
                    item_id=card.id,
                    version=payload.version,
                    shown_at=payload.shown_at,
                    rating=int(rating),
                ),
                owner_id=query.from_user.id,
            ),
        )
        for rating, label in RATING_LABELS.items()
    ]
    tag = TAG_NEW if memory is None else "review"
    first, rest = (card.back, "") if whole else split_back(card.back)
    text = BACK.format(
        deck=escape(revealed.deck_title),
        tag=tag,
        front=_front_text(card),
        back=card_html(first) + (MORE_MARK if rest else ""),
    )
    rows = [buttons[:2], buttons[2:]]
    if rest:
        more = ReadMore(item_id=card.id, version=payload.version, shown_at=payload.shown_at)
        rows.append(
            [
                InlineKeyboardButton(
                    READ_MORE, callback_data=shared.codec.pack(more, owner_id=query.from_user.id)
                )
            ]
        )
    if card.demo is not None:
        rows.append([demo_button(card.demo, owner_id=query.from_user.id, codec=shared.codec)])
    markup = InlineKeyboardMarkup(rows)
    if card.image is None and card.back_image is None:
        await asyncio.gather(query.answer(), edit_message(query.message, text, markup))
        return
    # A photo shown: the answer's own image, else the same one (a text message after a
    # photo too long for a caption has its photo above it already).
    shown = isinstance(query.message, Message) and bool(query.message.photo)
    photo = None
    if card.back_image is not None or shown:
        photo = await card_photo(context, card, back=True)
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    await asyncio.gather(
        query.answer(),
        show_screen(
            query.message,
            Screen(text, markup, photo),
            chat_id=chat_id,
            bot=context.bot,
            same_photo=card.back_image is None,
        ),
    )


async def catch_up(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on a card that is behind (rated already, from a message a lost or late
    edit left behind): say so, and redraw that message as the learner's current card."""
    user = query.from_user
    screen = await draw_and_render(context, user_id=user.id, first_name=user.first_name)
    chat_id = query.message.chat.id if query.message is not None else user.id
    await asyncio.gather(
        answer_quietly(query, ALREADY_RATED),
        show_screen(query.message, screen, chat_id=chat_id, bot=context.bot),
    )


async def on_rate(update: Update, context: ContextTypes.DEFAULT_TYPE, payload: Rate) -> None:
    """A rating: store it first, then turn the message into the next card."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    try:
        rating = Rating(payload.rating)
    except ValueError:
        await query.answer(INVALID_RATING)
        return
    now = shared.clock()
    shown_at = datetime.fromtimestamp(payload.shown_at, UTC)
    user = query.from_user
    rated = await shared.database.run(
        study.rate_and_draw,
        library=shared.library,
        learner_id=user.id,
        first_name=user.first_name,
        item_id=payload.item_id,
        version=payload.version,
        rating=rating,
        now=now,
        shown_at=shown_at,
        default_zone=shared.settings.default_timezone,
    )
    result, upcoming, learner = rated.result, rated.upcoming, rated.learner
    if upcoming is None:
        await query.answer(UNKNOWN_CARD)
        return
    if result.outcome is study.Outcome.RECORDED:
        assert result.memory is not None
        metrics_of(context).count_review("review")
        toast = RATED_TOAST.format(
            rating=RATING_LABELS[rating], delta=long_duration(result.memory.due - now)
        )
    else:
        # A second tap, or a message left behind by a lost or late edit: nothing is
        # recorded, and the message catches up with where the learner is.
        toast = ALREADY_RATED
    text, markup = render_next(
        upcoming,
        codec=shared.codec,
        owner_id=query.from_user.id,
        now=now,
        new_cap=learner.new_per_day,
    )
    # The rating is stored: whatever Telegram does now, the learner must not hear "Sorry"
    # or be left with the old buttons. A failed answer is only a missing toast; a failed
    # edit sends the next card as a new message.
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    screen = await _with_photo(context, upcoming, text, markup)
    await asyncio.gather(
        answer_quietly(query, toast),
        show_screen(query.message, screen, chat_id=chat_id, bot=context.bot),
    )


BUTTONS: dict[type, ButtonHandler] = {
    StartReview: on_start_review,
    Reveal: on_reveal,
    ReadMore: on_read_more,
    Rate: on_rate,
}
