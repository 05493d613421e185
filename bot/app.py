"""The application factory: every handler, the services they share, start-up and clean-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot import jobs
from bot.callbacks import CallbackCodec, CallbackDataError, StartExplain, StartQuiz, StartReview
from bot.handlers import (
    account,
    decks,
    demo,
    errors,
    explain,
    export,
    files,
    homework,
    predict,
    quiz,
    reports,
    review,
    start,
    stats,
)
from bot.handlers.classroom import commands as group
from bot.handlers.classroom import decks as group_decks
from bot.handlers.classroom import members, resume, sessions
from bot.logs import current_update
from bot.metrics import InstrumentedRequest, Metrics, instrument, metrics_of
from bot.ratelimit import TelegramRateLimiter
from bot.services import Services, codec_secret, services, utc_now
from bot.telegram_io import RetryingRequest, RetryPolicy, TutorBot
from tutor.catalog import load_library
from tutor.config import Settings
from tutor.demo.runner import DemoRunner
from tutor.domain.library import Library
from tutor.runtime import workers
from tutor.store import Database, schema

log = logging.getLogger(__name__)

# The update kinds the bot handles; Telegram sends nothing else.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.POLL,
    Update.POLL_ANSWER,
    Update.MY_CHAT_MEMBER,
    # Members leaving and joining (sent only where the bot is an admin; the service
    # messages tell the rest): who left is out of the class's reports.
    Update.CHAT_MEMBER,
]
MAX_CONCURRENT_UPDATES = 64
# Connections for Bot API calls. httpcore's pool does work quadratic in its connections on
# every request and release (its sweep for idle ones): at 64 it took a third of the bot's
# CPU with 50 learners pressing at once. Sixteen calls in flight, at Telegram's 50-100 ms
# each, are a few hundred calls a second, more than Telegram lets one bot make; a call
# waits up to POOL_TIMEOUT seconds for a free connection instead of failing after PTB's 1 s.
BOT_API_CONNECTIONS = 16
POOL_TIMEOUT = 10.0
# How long a Bot API call may take to answer before it counts as failed (PTB's default);
# getUpdates waits this much longer than its long-poll timeout.
READ_TIMEOUT = 5.0

GROUP_COMMANDS = [
    BotCommand("quiz", "Start a quiz: /quiz [questions] [seconds]"),
    BotCommand("stop", "End the running quiz with its leaderboard"),
    BotCommand("leaderboard", "Standings over all sessions"),
    BotCommand("daily", "A quiz every day: /daily HH:MM [questions] or /daily off"),
    BotCommand("report", "The class's report, sent to you in private: /report [days]"),
    BotCommand("export", "Every answer as a CSV file, sent to you in private"),
    BotCommand("timezone", "The chat's time zone: /timezone Europe/Berlin"),
    BotCommand("access", "Who may start quizzes: /access admins or /access everyone"),
    BotCommand("decks", "Which decks the quizzes draw from (admins)"),
    BotCommand("homework", "Give the class homework, due by a date (admins)"),
    BotCommand("help", "What I do in this chat"),
]
PRIVATE_COMMANDS = [
    BotCommand("review", "Review your due flashcards"),
    BotCommand("quiz", "A round of 5 multiple-choice questions"),
    BotCommand("explain", "Explain a concept in your own words"),
    BotCommand("demo", "Train a small network and see its loss curves"),
    BotCommand("predict", "Guess what the loss will do, then see the run"),
    BotCommand("stats", "Your progress, with a chart"),
    BotCommand("decks", "Your decks: switch on or off, rename, replace, share"),
    BotCommand("export", "Your progress as CSV, and your own decks as files"),
    BotCommand("homework", "What your classes assigned you, with due dates"),
    BotCommand("settings", "Reminder, time zone, new cards per day, retention"),
    BotCommand("remind", "Set the daily reminder: /remind 07:30 or /remind off"),
    BotCommand("timezone", "Set your time zone: /timezone Europe/Berlin"),
    BotCommand("cancel", "Drop what waits for your next message (a prompt, a rename)"),
    BotCommand("forget", "Delete everything stored about you"),
    BotCommand("start", "Welcome and first cards"),
    BotCommand("help", "What I can do"),
]


# A poll's answers handled at once: a class answering uses a few of the update slots and
# leaves the rest to everyone else.
POLL_ANSWERS_AT_ONCE = 8
# PTB's own limit is taken before an update waits for its turn; ours only once it runs.
_UNLIMITED = 1 << 30


class _Turns:
    """One key's turn-taking: exclusive updates run alone, in order; shared ones (a poll's
    answers) run together, after the exclusive ones before them and before those after."""

    def __init__(self, shared_at_once: int) -> None:
        self.last_exclusive: asyncio.Future[None] | None = None
        self.shared_since: set[asyncio.Future[None]] = set()
        self.shared_slots = asyncio.Semaphore(shared_at_once)
        self.users = 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates from different chats run concurrently; one chat's updates run in order.

    Concurrency keeps a slow database write for one learner from stalling the class; the
    per-chat order keeps a learner's own taps from racing each other. A poll's answers run
    side by side (each member's vote is stored once whatever the order) but before the
    poll's closing, which ends the question. An update waiting for its turn holds none of
    the ``max_concurrent_updates`` slots: a busy class cannot stall other chats.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(_UNLIMITED)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._turns: dict[Hashable, _Turns] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update):
            chat = update.effective_chat
            current_update.set((chat.id if chat else None, update.update_id))
        key, shared = _order_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        turns = self._turns.setdefault(key, _Turns(POLL_ANSWERS_AT_ONCE))
        turns.users += 1
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if shared:
            before = [turns.last_exclusive] if turns.last_exclusive is not None else []
            turns.shared_since.add(done)
        else:
            before = [*turns.shared_since]
            if turns.last_exclusive is not None:
                before.append(turns.last_exclusive)
            turns.last_exclusive, turns.shared_since = done, set()
        try:
            if before:
                await asyncio.wait(before)  # never cancels what it waits for
            if shared:
                async with turns.shared_slots, self._slots:
                    await coroutine
            else:
                async with self._slots:
                    await coroutine
        finally:
            done.set_result(None)
            turns.shared_since.discard(done)
            turns.users -= 1
            if turns.users == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to clean up."""


def _order_key(update: object) -> tuple[Hashable | None, bool]:
    """What must run in order (one chat's updates; a poll's answers before its closing),
    and whether the update may run alongside others of its key (a poll's answers)."""
    if not isinstance(update, Update):
        return None, False
    if update.poll_answer is not None:
        return ("poll", update.poll_answer.poll_id), True
    if update.poll is not None:
        return ("poll", update.poll.id), not update.poll.is_closed
    if update.effective_chat is not None:
        return update.effective_chat.id, False
    if update.effective_user is not None:
        return update.effective_user.id, False
    return None, False


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Decode a button press and hand it to its feature; refuse bad data with a notice."""
    query = update.callback_query
    assert query is not None
    shared = services(context)
    try:
        payload = shared.codec.unpack(query.data, presser_id=query.from_user.id)
    except CallbackDataError as exc:
        log.info("refused button data from user %s: %s", query.from_user.id, type(exc).__name__)
        await query.answer(exc.notice)
        return
    await shared.buttons[type(payload)](update, context, payload)


async def _resume(context: ContextTypes.DEFAULT_TYPE) -> None:
    await resume.resume_sessions(context.application)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    shared: Services = application.bot_data["services"]
    if shared.pool is None:
        shared.pool = workers.start_workers()
        application.bot_data["owns_pool"] = True
    # Refusals and replacements counted in this application's metrics (a shared pool, in
    # tests, counts for the application running now).
    shared.pool.watch(metrics_of(application).count_worker_event)
    if shared.demos is None:
        # Training runs in its own process, warming up (torch's import) while the bot
        # already serves; torch is never imported here.
        shared.demos = DemoRunner(shared.settings.demo_device)
        shared.demos.start_in_background()
        application.bot_data["owns_demos"] = True
    await schema.prepare(shared.database)
    await application.bot.set_my_commands(PRIVATE_COMMANDS, scope=BotCommandScopeAllPrivateChats())
    await application.bot.set_my_commands(GROUP_COMMANDS, scope=BotCommandScopeAllGroupChats())
    assert application.job_queue is not None
    # Sessions that were running when the bot stopped go on once it is up.
    application.job_queue.run_once(_resume, when=0.0, name="resume-sessions")
    # Scheduled last: a first tick timed from before the slow start-up steps would be
    # skipped by the scheduler and come a whole interval late.
    application.bot_data["reminders"] = jobs.schedule_jobs(
        application,
        reminder_interval=application.bot_data["reminder_interval"],
        also=(sessions.run_dailies, homework.run_due_work),
    )
    me = application.bot
    log.info("started as @%s with %d decks", me.username, len(shared.library.decks))


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    shared: Services = application.bot_data["services"]
    if shared.demos is not None and application.bot_data.get("owns_demos"):
        await shared.demos.close()
    if shared.pool is not None:
        shared.pool.watch(None)
        if application.bot_data.get("owns_pool"):
            # Stopping joins the processes (a second or more): not on the event loop.
            await asyncio.to_thread(shared.pool.close)
    await shared.database.close()


def build_application(
    settings: Settings,
    *,
    library: Library | None = None,
    database: Database | None = None,
    clock: Callable[[], datetime] = utc_now,
    pool: workers.Workers | None = None,
    demos: DemoRunner | None = None,
    reminder_interval: float = jobs.REMINDER_TICK_SECONDS,
    file_deadline: float = workers.FILE_DEADLINE_SECONDS,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Assemble the bot: services, handlers, rate limiter and life-cycle hooks.

    ``pool`` (worker pools) and ``demos`` are started by the bot when not given;
    ``file_deadline`` is how long a deck file may take to read (tests make it tiny).
    """
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is required")
    token = settings.telegram_bot_token.get_secret_value()
    shared = Services(
        settings=settings,
        library=library if library is not None else load_library(settings.content_dir),
        database=database if database is not None else Database(settings.database_url),
        codec=CallbackCodec(codec_secret(token)),
        clock=clock,
        pool=pool,
        demos=demos,
        file_deadline=file_deadline,
    )
    metrics = Metrics()
    policy = RetryPolicy()
    # One retry policy for every call (see bot.telegram_io): the rate limiter only keeps
    # the pace, a 429 is waited out by the policy.
    bot = TutorBot(
        token=token,
        base_url=f"{settings.telegram_api_url}/bot",
        base_file_url=f"{settings.telegram_api_url}/file/bot",
        request=RetryingRequest(
            InstrumentedRequest(
                metrics,
                connection_pool_size=BOT_API_CONNECTIONS,
                pool_timeout=POOL_TIMEOUT,
                read_timeout=READ_TIMEOUT,
            ),
            policy,
        ),
        get_updates_request=RetryingRequest(
            InstrumentedRequest(metrics, connection_pool_size=1, read_timeout=READ_TIMEOUT),
            policy,
        ),
        rate_limiter=TelegramRateLimiter(max_retries=0),
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(PerChatUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["services"] = shared
    instrument(application, metrics, update_kinds=ALLOWED_UPDATES)

    private = filters.ChatType.PRIVATE
    private_commands = {
        "start": start.start_command,
        "help": start.help_command,
        "review": review.review_command,
        "quiz": quiz.quiz_command,
        "explain": explain.explain_command,
        "cancel": start.cancel_command,
        "stats": stats.stats_command,
        "demo": demo.demo_command,
        "predict": predict.predict_command,
        "decks": decks.decks_command,
        "export": export.export_command,
        "settings": account.settings_command,
        "remind": account.remind_command,
        "timezone": account.timezone_command,
        "forget": account.forget_command,
        "report": reports.private_report_command,
        "homework": homework.private_command,
    }
    for command, callback in private_commands.items():
        application.add_handler(CommandHandler(command, callback, filters=private))
    groups = filters.ChatType.GROUPS
    group_commands = {
        "quiz": group.quiz_command,
        "stop": group.stop_command,
        "leaderboard": group.leaderboard_command,
        "daily": group.daily_command,
        "timezone": group.timezone_command,
        "access": group.access_command,
        "decks": group_decks.group_decks_command,
        "report": reports.report_command,
        "export": reports.export_command,
        "homework": homework.group_command,
        "help": group.help_command,
        "start": group.help_command,
    }
    for command, callback in group_commands.items():
        application.add_handler(CommandHandler(command, callback, filters=groups))
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE, members.on_migrate), group=1
    )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, members.on_member_left), group=1
    )
    application.add_handler(
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, members.on_members_joined),
        group=1,
    )
    application.add_handler(
        ChatMemberHandler(members.on_chat_member, ChatMemberHandler.CHAT_MEMBER)
    )
    application.add_handler(PollAnswerHandler(sessions.on_poll_answer))
    application.add_handler(PollHandler(sessions.on_poll))
    application.add_handler(
        ChatMemberHandler(members.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(private & filters.COMMAND, start.unknown_command))
    # A file is a deck to import (in a group, only when it replies to the bot).
    application.add_handler(MessageHandler(private & filters.Document.ALL, files.on_document))
    application.add_handler(
        MessageHandler(groups & filters.Document.ALL & filters.REPLY, files.on_group_document)
    )
    # Every other private message goes to what waits for it (tutor.services.awaiting).
    application.add_handler(MessageHandler(private & ~filters.COMMAND, start.on_message))
    application.add_error_handler(errors.on_error)

    for feature in (
        review,
        quiz,
        explain,
        account,
        decks,
        group_decks,
        files,
        demo,
        predict,
        homework,
    ):
        shared.buttons.update(feature.BUTTONS)
    # Features reach each other only through what is wired here.
    for answering in (explain, decks, homework):
        shared.answers.update(answering.ANSWERS)
    shared.links.update(homework.LINKS)
    shared.senders.update(
        {
            StartReview: review.send_next_card,
            StartQuiz: quiz.send_round,
            StartExplain: explain.send_prompt,
        }
    )
    shared.session_over = reports.deliver_session_report
    application.bot_data["reminder_interval"] = reminder_interval
    return application
