"""/settings (with /remind and /timezone) and /forget: the learner's own account (/decks is
in bot/handlers/decks.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import jobs
from bot.callbacks import (
    CallbackCodec,
    CancelForget,
    ChangeSetting,
    ConfirmForget,
    OpenSettings,
    Payload,
)
from bot.format import escape
from bot.services import ButtonHandler, Services, edit_message, services
from tutor.runtime import workers
from tutor.services import fitting, learners
from tutor.services.learners import Settings

# --- /settings ---------------------------------------------------------------------------
SETTINGS = (
    "<b>Your settings</b>\n"
    "Daily reminder: {reminder}\n"
    "Time zone: {zone}\n"
    "New cards per day: {new_per_day}\n"
    "Desired retention: {retention}\n\n"
    "<i>Shortcuts: /remind 07:30, /remind off, /timezone Europe/Berlin</i>"
)
REMINDER_ON = "{time}"
REMINDER_OFF = "off (at {time} when on)"
PAGE_TITLES = {
    "time": "<b>Reminder time</b>\nWhen should I remind you, in your time zone ({zone})? "
    "For another time send /remind HH:MM.",
    "zone": "<b>Time zone</b>\nPick yours, or send /timezone Area/City (for example "
    "/timezone America/Sao_Paulo).",
    "new": "<b>New cards per day</b>\nHow many new flashcards may I introduce each day?",
    "retention": "<b>Desired retention</b>\nHow likely should you be to remember a card when "
    "it comes back? Higher means more frequent reviews.",
}
MENU = (
    ("⏰ Reminder time", "time"),
    ("🌍 Time zone", "zone"),
    ("🆕 New per day", "new"),
    ("🎯 Retention", "retention"),
    ("🧠 Memory model", "memory"),
)
# The memory model page: what the learner is scheduled with, and the fit's figures.
MEMORY_TITLE = "<b>Your memory model</b>"
MEMORY_FITTED = (
    "I schedule your reviews with a memory model fitted to your {reviews} reviews on {day}: "
    "on your later reviews, which it was not fitted to, it predicts whether you remember a "
    "card {gain:.0%} better than FSRS's defaults (log loss {fitted:.3f} against {current:.3f})."
)
MEMORY_DEFAULTS = "I schedule your reviews with FSRS's default memory model."
MEMORY_NEEDS = (
    "Once you have {needed} reviews made a day or more after the card's previous review, I fit "
    "one to you; you have {countable}."
)
MEMORY_READY = "You have enough reviews for a model of your own: I fit one weekly, or now."
MEMORY_NOT_BETTER = (
    "The last fit, to your {reviews} reviews on {day}, did not predict your later reviews "
    "better than the model in use (log loss {fitted:.3f} against {current:.3f}), so I kept it."
)
MEMORY_DECLINED = "You chose the defaults: I fit one to you again only when you ask."
MEMORY_FIT_NOW = "Fit it to my reviews now"
MEMORY_USE_DEFAULTS = "Use FSRS's defaults"
MEMORY_FITTING = "Fitting your memory model…"
MEMORY_ADOPTED = "Fitted and in use from now on: {count} cards rescheduled."
MEMORY_KEPT = "Fitted, but not better than the model in use: nothing changed."
MEMORY_TOO_FEW = "Not enough reviews for a fit yet."
MEMORY_BACK = "Back to FSRS's defaults: {count} cards rescheduled."
MEMORY_FAILED = "The fit could not run just now; try again in a minute."
TOGGLE_ON = "🔔 Reminders: on"
TOGGLE_OFF = "🔕 Reminders: off"
BACK = "« Back"
SAVED = "Saved."
# Button choices; values travel as small integers in the callback data.
TIME_CHOICES = (7 * 60, 8 * 60, 9 * 60, 12 * 60, 18 * 60, 20 * 60, 21 * 60, 22 * 60)
ZONE_CHOICES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
)
NEW_CHOICES = (5, 10, 15, 20, 30, 50)
RETENTION_CHOICES = (80, 85, 90, 95, 97)

REMIND_USAGE = "Usage: /remind HH:MM (your local time, like /remind 07:30) or /remind off."
REMIND_SET = "I'll remind you at {time} ({zone}) on days with reviews due or new cards waiting."
REMIND_OFF = "Reminders are off. Turn them on again with /remind HH:MM."
TIMEZONE_USAGE = "Usage: /timezone Area/City, like /timezone Europe/Berlin. Yours is {zone}."
TIMEZONE_SET = "Time zone set to {zone}. Your reminder comes at {time} there."
SETTING_GONE = "This button is not valid."


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def render_settings(settings: Settings) -> str:
    reminder = (REMINDER_ON if settings.reminders_on else REMINDER_OFF).format(
        time=settings.reminder_time
    )
    return SETTINGS.format(
        reminder=reminder,
        zone=escape(settings.zone),
        new_per_day=settings.new_per_day,
        retention=f"{settings.desired_retention:.0%}",
    )


def _button(label: str, payload: Payload, codec: CallbackCodec, owner_id: int) -> Any:
    return InlineKeyboardButton(label, callback_data=codec.pack(payload, owner_id=owner_id))


def settings_keyboard(settings: Settings, codec: CallbackCodec) -> InlineKeyboardMarkup:
    owner = settings.learner_id
    menu = [_button(label, OpenSettings(page=page), codec, owner) for label, page in MENU]
    toggle = _button(
        TOGGLE_ON if settings.reminders_on else TOGGLE_OFF,
        ChangeSetting(name="reminders", value=0 if settings.reminders_on else 1),
        codec,
        owner,
    )
    return InlineKeyboardMarkup([menu[:2], menu[2:4], [menu[4], toggle]])


def render_memory(standing: fitting.Standing) -> str:
    """The memory model page: what the learner's reviews are scheduled with, and why."""
    lines = [MEMORY_TITLE]
    fit = standing.fit
    if standing.fitted and fit is not None:
        lines.append(
            MEMORY_FITTED.format(
                reviews=f"{fit.reviews:,}",
                day=fit.fitted_at.strftime("%-d %b %Y"),
                gain=1 - fit.fitted_loss / fit.current_loss,
                fitted=fit.fitted_loss,
                current=fit.current_loss,
            )
        )
        return "\n".join(lines)
    lines.append(MEMORY_DEFAULTS)
    if fit is not None and fit.declined:
        lines.append(MEMORY_DECLINED)
    elif fit is not None:
        lines.append(
            MEMORY_NOT_BETTER.format(
                reviews=f"{fit.reviews:,}",
                day=fit.fitted_at.strftime("%-d %b %Y"),
                fitted=fit.fitted_loss,
                current=fit.current_loss,
            )
        )
    if standing.needed:
        lines.append(
            MEMORY_NEEDS.format(needed=fitting.NEEDED, countable=f"{standing.countable:,}")
        )
    elif fit is None:
        lines.append(MEMORY_READY)
    return "\n".join(lines)


def memory_keyboard(
    standing: fitting.Standing, owner: int, codec: CallbackCodec
) -> InlineKeyboardMarkup:
    rows = []
    if not standing.needed:
        rows.append([_button(MEMORY_FIT_NOW, ChangeSetting(name="memory", value=1), codec, owner)])
    if standing.fitted:
        rows.append(
            [_button(MEMORY_USE_DEFAULTS, ChangeSetting(name="memory", value=0), codec, owner)]
        )
    rows.append([_button(BACK, OpenSettings(page="main"), codec, owner)])
    return InlineKeyboardMarkup(rows)


async def _memory_page(shared: Services, learner_id: int) -> tuple[str, InlineKeyboardMarkup]:
    standing = await shared.database.run_long(fitting.standing_of, learner_id=learner_id)
    return render_memory(standing), memory_keyboard(standing, learner_id, shared.codec)


def page_keyboard(page: str, owner: int, codec: CallbackCodec) -> InlineKeyboardMarkup:
    if page == "time":
        choices = [(_clock(m), m) for m in TIME_CHOICES]
    elif page == "zone":
        choices = [(zone, n) for n, zone in enumerate(ZONE_CHOICES)]
    elif page == "new":
        choices = [(str(n), n) for n in NEW_CHOICES]
    else:
        choices = [(f"{n}%", n) for n in RETENTION_CHOICES]
    per_row = 2 if page == "zone" else 4
    buttons = [
        _button(label, ChangeSetting(name=page, value=value), codec, owner)
        for label, value in choices
    ]
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([_button(BACK, OpenSettings(page="main"), codec, owner)])
    return InlineKeyboardMarkup(rows)


def _context(shared: Services) -> dict[str, Any]:
    """What a settings change needs besides the values: the default zone and the time."""
    return {"default_zone": shared.settings.default_timezone, "now": shared.clock()}


async def _settings(shared: Services, user_id: int, first_name: str) -> Settings:
    """The learner's settings (the learner is created on first contact)."""
    return await shared.database.run(
        learners.settings_of, learner_id=user_id, first_name=first_name, **_context(shared)
    )


async def _update(shared: Services, user_id: int, first_name: str, **change: Any) -> Settings:
    """Store a change of the learner's settings (see ``learners.update_settings``)."""
    return await shared.database.run(
        learners.change_settings,
        learner_id=user_id,
        first_name=first_name,
        **_context(shared),
        **change,
    )


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the learner's settings with buttons to change each."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    settings = await _settings(shared, user.id, user.first_name)
    await message.reply_text(
        render_settings(settings),
        parse_mode=ParseMode.HTML,
        reply_markup=settings_keyboard(settings, shared.codec),
    )


async def on_open_settings(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: OpenSettings
) -> None:
    """A settings menu button: show that page (or the main page again)."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    if payload.page not in ("main", "memory") and payload.page not in PAGE_TITLES:
        await query.answer(SETTING_GONE)
        return
    settings = await _settings(shared, query.from_user.id, query.from_user.first_name)
    if payload.page == "memory":
        text, markup = await _memory_page(shared, settings.learner_id)
    elif payload.page == "main":
        text, markup = render_settings(settings), settings_keyboard(settings, shared.codec)
    else:
        text = PAGE_TITLES[payload.page].format(zone=escape(settings.zone))
        markup = page_keyboard(payload.page, settings.learner_id, shared.codec)
    await asyncio.gather(query.answer(), edit_message(query.message, text, markup))


def _change(name: str, value: int) -> dict[str, Any] | None:
    """The update_settings arguments a ChangeSetting stands for, None if it is not valid."""
    if name == "reminders" and value in (0, 1):
        return {"reminders_on": bool(value)}
    if name == "time" and value in TIME_CHOICES:
        return {"reminder_time": _clock(value), "reminders_on": True}
    if name == "zone" and 0 <= value < len(ZONE_CHOICES):
        return {"timezone": ZONE_CHOICES[value]}
    if name == "new" and value in NEW_CHOICES:
        return {"new_per_day": value}
    if name == "retention" and value in RETENTION_CHOICES:
        return {"desired_retention": value / 100}
    return None


async def on_change_setting(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ChangeSetting
) -> None:
    """A choice pressed: store it and return to the main settings page."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    if payload.name == "memory" and payload.value in (0, 1):
        await _change_memory(query, shared, fit=bool(payload.value))
        return
    change = _change(payload.name, payload.value)
    if change is None:
        await query.answer(SETTING_GONE)
        return
    settings = await _update(shared, query.from_user.id, query.from_user.first_name, **change)
    await asyncio.gather(
        query.answer(SAVED),
        edit_message(
            query.message, render_settings(settings), settings_keyboard(settings, shared.codec)
        ),
    )


async def _change_memory(query: Any, shared: Services, *, fit: bool) -> None:
    """Fit the learner's memory model now (in the worker), or go back to the defaults; the
    page then shows what the learner is scheduled with."""
    user = query.from_user
    if fit:
        await query.answer(MEMORY_FITTING)
        try:
            recorded = await jobs.fit_learner(shared, user.id, requested=True)
        except workers.WorkerError:
            note = MEMORY_FAILED
        else:
            if recorded.fit is None:
                note = MEMORY_TOO_FEW
            elif recorded.adopted:
                note = MEMORY_ADOPTED.format(count=recorded.rescheduled)
            else:
                note = MEMORY_KEPT
    else:
        await query.answer()
        try:
            note = MEMORY_BACK.format(count=await jobs.use_defaults(shared, user.id))
        except workers.WorkerError:
            note = MEMORY_FAILED
    text, markup = await _memory_page(shared, user.id)
    await edit_message(query.message, f"{text}\n\n<i>{escape(note)}</i>", markup)


async def remind_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/remind HH:MM sets the daily reminder time; /remind off turns reminders off."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    args = context.args or []
    if len(args) != 1:
        await message.reply_text(REMIND_USAGE)
        return
    if args[0].lower() in ("off", "stop", "none"):
        await _update(shared, user.id, user.first_name, reminders_on=False)
        reply = REMIND_OFF
    else:
        try:
            time = learners.parse_clock(args[0])
        except learners.SettingError as exc:
            reply = f"{exc} {REMIND_USAGE}"
        else:
            settings = await _update(
                shared, user.id, user.first_name, reminder_time=time, reminders_on=True
            )
            reply = REMIND_SET.format(time=time, zone=settings.zone)
    await message.reply_text(reply)


async def timezone_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timezone Area/City sets the learner's IANA time zone."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    args = context.args or []
    if len(args) != 1:
        settings = await _settings(shared, user.id, user.first_name)
        reply = TIMEZONE_USAGE.format(zone=settings.zone)
    else:
        try:
            settings = await _update(shared, user.id, user.first_name, timezone=args[0])
        except learners.SettingError as exc:
            reply = str(exc)
        else:
            reply = TIMEZONE_SET.format(zone=settings.zone, time=settings.reminder_time)
    await message.reply_text(reply)


# --- /forget -----------------------------------------------------------------------------
FORGET_ASK = (
    "<b>Delete everything I know about you?</b>\n"
    "Your progress on every card, your review history, quiz rounds and settings are "
    "deleted for good. This cannot be undone."
)
FORGET_YES = "Yes, delete everything"
FORGET_NO = "No, keep it"
FORGOTTEN = "Done: I deleted everything about you ({rows} records). Send /start to begin anew."
KEPT = "Nothing was deleted."
FORGET_EXPIRED = "This button has expired, send /forget again."
# The confirm button works this long after /forget: an old message's button deletes nothing.
FORGET_VALID_FOR = timedelta(minutes=10)


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Ask for confirmation before deleting the learner's data."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    codec = shared.codec
    confirm = ConfirmForget(shown_at=int(shared.clock().timestamp()))
    markup = InlineKeyboardMarkup(
        [
            [_button(FORGET_YES, confirm, codec, user.id)],
            [_button(FORGET_NO, CancelForget(), codec, user.id)],
        ]
    )
    await message.reply_text(FORGET_ASK, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_confirm_forget(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: ConfirmForget
) -> None:
    """Delete every row about the learner, if the button is recent (``FORGET_VALID_FOR``)."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    age = shared.clock().timestamp() - payload.shown_at
    if age > FORGET_VALID_FOR.total_seconds():
        await asyncio.gather(
            query.answer(FORGET_EXPIRED), edit_message(query.message, FORGET_EXPIRED, None)
        )
        return
    forgotten = await shared.database.run(learners.forget, learner_id=query.from_user.id)
    text = FORGOTTEN.format(rows=forgotten.total)
    await asyncio.gather(query.answer(), edit_message(query.message, text, None))


async def on_cancel_forget(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: CancelForget
) -> None:
    query = update.callback_query
    assert query is not None
    await asyncio.gather(query.answer(), edit_message(query.message, KEPT, None))


BUTTONS: dict[type, ButtonHandler] = {
    OpenSettings: on_open_settings,
    ChangeSetting: on_change_setting,
    ConfirmForget: on_confirm_forget,
    CancelForget: on_cancel_forget,
}
