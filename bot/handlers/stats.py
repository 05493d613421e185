"""/stats: the learner's progress in numbers, and a chart drawn in the worker process."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import ContextTypes

from bot.format import escape
from bot.services import services
from tutor.runtime import tasks, workers
from tutor.services import fitting, stats

log = logging.getLogger(__name__)

TITLE = "<b>Your progress</b>"
REVIEWS = "Reviews: {today} today · {week} in 7 days · {all} in all"
DECK = "{title}: {learned} learned, {seen} seen of {total}"
DUE = "Due: {today} today · {tomorrow} tomorrow"
RETENTION = "Remembered: {share} of reviews (not Again)"
# Two different figures: how reviews went, and what the memory model expects now (cards just
# reviewed are near 100%, whatever their rating).
PREDICTED = "Recall expected if asked now: {share} of the cards you have seen"
STREAK = "Streak: {days}"
MEMORY_FITTED = (
    "Memory model: fitted to your {reviews} reviews, predicts your recall {gain:.0%} better "
    "than FSRS's defaults"
)
MEMORY_NEEDS = (
    "Memory model: FSRS's defaults, one fitted to you after {needed} more reviews (of cards "
    "last seen a day or more before)"
)
MEMORY_DEFAULTS = "Memory model: FSRS's defaults (see /settings)"
QUIZ = "Quiz accuracy: {share} of {answers} answers"
NO_QUIZ = "Quiz accuracy: no answers yet (/quiz)"
NOTHING_YET = "\nNothing reviewed yet: send /review to start."
CHART_FAILED = "(The chart could not be drawn this time.)"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _memory(standing: fitting.Standing) -> str:
    fit = standing.fit
    if standing.fitted and fit is not None:
        gain = 1 - fit.fitted_loss / fit.current_loss
        return MEMORY_FITTED.format(reviews=f"{fit.reviews:,}", gain=gain)
    if standing.needed:
        return MEMORY_NEEDS.format(needed=f"{standing.needed:,}")
    return MEMORY_DEFAULTS


def render_stats(numbers: stats.Stats) -> str:
    """The statistics as a short HTML text (it fits a photo caption)."""
    lines = [
        TITLE,
        REVIEWS.format(
            today=numbers.reviews_today, week=numbers.reviews_week, all=numbers.reviews_all
        ),
        *(
            DECK.format(
                title=escape(deck.title), learned=deck.learned, seen=deck.seen, total=deck.total
            )
            for deck in numbers.decks
        ),
        DUE.format(today=numbers.due_today, tomorrow=numbers.due_tomorrow),
        RETENTION.format(share=_percent(numbers.retention)),
        PREDICTED.format(share=_percent(numbers.predicted_recall)),
        STREAK.format(days=_days(numbers.streak_days)),
        _memory(numbers.memory),
        (
            QUIZ.format(share=_percent(numbers.quiz_accuracy), answers=numbers.quiz_answers)
            if numbers.quiz_answers
            else NO_QUIZ
        ),
    ]
    if not numbers.reviews_all:
        lines.append(NOTHING_YET)
    return "\n".join(lines)


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the learner's statistics with a chart of the past 30 and next 14 days."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    now = shared.clock()
    numbers = (
        await shared.database.run(
            stats.stats_of,
            library=shared.library,
            learner_id=user.id,
            first_name=user.first_name,
            now=now,
            default_zone=shared.settings.default_timezone,
        )
    ).stats
    text = render_stats(numbers)
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    try:
        chart = await shared.draw_in_worker(
            tasks.RENDER_STATS_CHART, numbers.history, numbers.forecast, name=user.first_name
        )
    except workers.WorkerError as exc:
        # Past its deadline or behind a full queue: the numbers go now, without the chart.
        log.warning("the stats chart was left out: %s", exc)
        await message.reply_text(f"{text}\n\n{CHART_FAILED}", parse_mode=ParseMode.HTML)
        return
    except Exception:
        log.exception("the stats chart failed")
        await message.reply_text(f"{text}\n\n{CHART_FAILED}", parse_mode=ParseMode.HTML)
        return
    await message.reply_photo(chart, caption=text, parse_mode=ParseMode.HTML)
