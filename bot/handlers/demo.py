"""/demo: a real training run in the worker process, answered with its loss curves."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.callbacks import RunDemo
from bot.metrics import metrics_of
from bot.services import ButtonHandler, services
from bot.views import note_warm_up
from tutor.demo import (
    DemoError,
    DemoName,
    DemoRequest,
    DemoUsageError,
    parse_demo_args,
)

log = logging.getLogger(__name__)

CHOOSE = (
    "<b>See the learning rate at work</b>\n"
    "I train small networks on the server and send you their loss curves.\n\n"
    "<b>lr</b>: one model, several learning rates: too low crawls, too high diverges\n"
    "<b>schedule</b>: a constant rate against StepLR, ReduceLROnPlateau and cosine\n"
    "<b>differential</b>: fine-tuning with one rate, a frozen body, or parameter groups\n"
    "<b>warmup</b>: Adam at one peak rate, reached at once or after a warm-up\n\n"
    "Or choose your own rates: /demo lr 0.001 0.1 1.5"
)
BUTTON_LABELS = {
    DemoName.LR: "lr: too low, right, too high",
    DemoName.SCHEDULE: "schedule: StepLR, plateau, cosine",
    DemoName.DIFFERENTIAL: "differential: per-layer rates",
    DemoName.WARMUP: "warmup: Adam with and without",
}
QUEUED = "Training starts soon: you are number {place} in the queue."
# Telegram shows a chat action for 5 seconds; repeat it while the demo trains.
ACTION_EVERY_SECONDS = 4.0


@contextlib.asynccontextmanager
async def _uploading_photo(message: Message) -> AsyncIterator[None]:
    async def repeat() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await message.chat.send_action(ChatAction.UPLOAD_PHOTO)
            await asyncio.sleep(ACTION_EVERY_SECONDS)

    task = asyncio.create_task(repeat())
    try:
        yield
    finally:
        task.cancel()


async def run_demo(
    message: Message, context: ContextTypes.DEFAULT_TYPE, request: DemoRequest, user_id: int
) -> None:
    """Train (or take from the cache) and reply with the plot; never blocks the bot."""
    shared = services(context)
    runner = shared.demos
    if runner is None:
        await message.reply_text("Demos are not available on this server.")
        return
    cached = runner.cached(request)
    if cached is not None and cached.sent_file_id is not None:
        try:
            await message.reply_photo(cached.sent_file_id, caption=cached.caption)
            return
        except BadRequest as exc:
            # Telegram no longer knows the file (another bot, a wiped test server): upload.
            log.info("cached demo photo refused (%s); sending the PNG again", exc.message)

    async def tell_place(place: int) -> None:
        await message.reply_text(QUEUED.format(place=place))

    await note_warm_up(message, runner)
    started = time.perf_counter()
    try:
        async with _uploading_photo(message):
            result = await runner.run(request, requester_id=user_id, on_queued=tell_place)
    except DemoError as exc:
        metrics_of(context).observe_demo(time.perf_counter() - started, ok=False)
        await message.reply_text(str(exc))
        return
    metrics_of(context).observe_demo(time.perf_counter() - started)
    sent = await message.reply_photo(result.png, caption=result.caption)
    if sent.photo:
        runner.remember_sent_file_id(request, sent.photo[-1].file_id)


def _start_in_background(
    message: Message, context: ContextTypes.DEFAULT_TYPE, request: DemoRequest, user_id: int
) -> None:
    # The learner's chat stays free while the demo trains: /review goes on meanwhile.
    context.application.create_task(
        run_demo(message, context, request, user_id), name=f"demo-{user_id}"
    )


async def demo_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/demo [lr|schedule|differential|warmup] [rates...]: choose a demo, or run one."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    shared = services(context)
    if not context.args:
        buttons = [
            [
                InlineKeyboardButton(
                    label,
                    callback_data=shared.codec.pack(RunDemo(name=str(name)), owner_id=user.id),
                )
            ]
            for name, label in BUTTON_LABELS.items()
        ]
        await message.reply_html(CHOOSE, reply_markup=InlineKeyboardMarkup(buttons))
        return
    try:
        request = parse_demo_args(context.args)
    except DemoUsageError as exc:
        await message.reply_text(str(exc))
        return
    _start_in_background(message, context, request, user.id)


async def on_run_demo(
    update: Update, context: ContextTypes.DEFAULT_TYPE, payload: RunDemo
) -> None:
    """A demo button: run that demo with its default settings."""
    query = update.callback_query
    assert query is not None
    try:
        request = DemoRequest(demo=DemoName(payload.name))
    except ValueError:
        await query.answer("This demo no longer exists.")
        return
    await query.answer()
    if isinstance(query.message, Message):
        _start_in_background(query.message, context, request, query.from_user.id)


BUTTONS: dict[type, ButtonHandler] = {RunDemo: on_run_demo}
