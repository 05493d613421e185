"""``python -m bot`` runs the bot (no token: the playground), check-content, migrate."""

from __future__ import annotations

import asyncio
import errno
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable

from pydantic import SecretStr, ValidationError

from bot.logs import configure_logging
from tutor.catalog import load_library
from tutor.config import PLAYGROUND_DATABASE_URL, Settings
from tutor.domain.content import ContentError, ItemKind
from tutor.domain.lint import lint_deck
from tutor.runtime.startup import NotReady, wait_until_ready
from tutor.services.libraries import settle_heap
from tutor.store import Database, preflight
from tutor.store.schema import SchemaError, inspect_schema, prepare, upgrade

USAGE = "usage: python -m bot [run | check-content | migrate]"
COMMANDS = ("run", "check-content", "migrate")
PLAYGROUND = "No TELEGRAM_BOT_TOKEN: playground at {url}; to use Telegram, see README"
# Where the playground is not installed (the Docker image): how to get a token.
NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN is not set: open Telegram, talk to @BotFather, send /newbot, "
    "and put the token it gives you in .env as TELEGRAM_BOT_TOKEN=... (see .env.example)."
)
PLAYGROUND_PORT_IN_USE = (
    "cannot start the playground: {where} is in use (stop what uses it, or set "
    "PLAYGROUND_PORT to a free port)"
)
PLAYGROUND_CANNOT_LISTEN = "cannot start the playground on {where}: {reason}"
# The playground's bot: its id and name as @BotFather would have made them.
PLAYGROUND_BOT_ID = 7000000001
PLAYGROUND_BOT_NAME = "LR Tutor"
PLAYGROUND_BOT_USERNAME = "lr_tutor_bot"

log = logging.getLogger("bot")


def check_content(settings: Settings) -> int:
    """Validate every deck, print one line per deck with its sizes and quiz-lint figures,
    and one line per lint problem on stderr (exit 1 if there is any)."""
    try:
        library = load_library(settings.content_dir)
    except ContentError as exc:
        print(f"invalid content: {exc}", file=sys.stderr)
        return 1
    problems: list[str] = []
    for deck_id, deck in library.decks.items():
        counts = {kind: len(library.items_of_kind(kind, [deck_id])) for kind in ItemKind}
        figures, deck_problems = lint_deck(deck)
        problems += deck_problems
        print(
            f"{deck_id}: {deck.title!r}: {counts[ItemKind.CARD]} cards, "
            f"{counts[ItemKind.QUIZ]} quiz questions, {counts[ItemKind.EXPLAIN]} explain "
            f"prompts; {figures.summary()}"
        )
    for problem in problems:
        print(f"quiz lint: {problem}", file=sys.stderr)
    return 1 if problems else 0


async def _on_database(url: str, action: Callable[[Database], Awaitable[None]]) -> None:
    database = Database(url)
    try:
        await action(database)
    finally:
        await database.close()


def migrate(settings: Settings) -> int:
    """Upgrade the database to the schema this version needs and print its revision."""
    revisions: list[str] = []

    async def upgrade_and_read(database: Database) -> None:
        await upgrade(database)
        revisions.extend((await inspect_schema(database)).revisions)

    try:
        preflight.check_writable(settings.database_url)
        asyncio.run(_on_database(settings.database_url, upgrade_and_read))
    except (SchemaError, preflight.DatabaseUnusable) as exc:
        print(f"cannot migrate: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        problem = preflight.describe(exc)
        if problem is None:
            raise
        where = preflight.where(settings.database_url)
        print(f"cannot migrate: the database at {where}: {problem}", file=sys.stderr)
        return 1
    print(f"database at revision {', '.join(revisions)}")
    return 0


async def prepare_database(settings: Settings) -> None:
    """Create or check the schema, waiting for a database server that is not up yet.

    Raises:
        NotReady: the server did not answer within ``STARTUP_TIMEOUT`` seconds.
        preflight.DatabaseUnusable: the server takes only reads.
        SchemaError: the database is not at a revision this version can run on.
    """

    async def prepare_when_ready(database: Database) -> None:
        async def check_and_prepare() -> None:
            await preflight.check_server_writable(database)
            await prepare(database)

        await wait_until_ready(
            check_and_prepare,
            what=f"the database at {preflight.where(settings.database_url)}",
            transient=preflight.unreachable,
            give_up_after=settings.startup_timeout,
            log=log,
        )

    await _on_database(settings.database_url, prepare_when_ready)


async def wait_for_telegram(settings: Settings) -> None:
    """Ask the Bot API who the bot is (getMe), waiting for it while it does not answer.

    Raises:
        NotReady: the Bot API did not answer within ``STARTUP_TIMEOUT`` seconds.
        telegram.error.TelegramError: the Bot API refused, e.g. an invalid token.
    """
    from telegram import Bot
    from telegram.error import BadRequest, NetworkError, RetryAfter

    assert settings.telegram_bot_token is not None
    api = settings.telegram_api_url
    bot = Bot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
    )

    async def get_me() -> None:
        async with bot:  # initialize() calls getMe
            pass

    def transient(error: BaseException) -> str | None:
        if isinstance(error, RetryAfter):
            return f"flood control: {error}"
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            return str(error)  # a connection failure, time-out or 5xx
        return None

    await wait_until_ready(
        get_me,
        what=f"the Bot API at {api}",
        transient=transient,
        give_up_after=settings.startup_timeout,
        log=log,
    )


def start_up_problem(settings: Settings) -> str | None:
    """What stops the bot from starting, in one line, or None when it can start.

    Checked here rather than only in post_init, so that an operator sees one line naming
    the database or server and the fix, not a traceback out of the polling loop.
    """
    from telegram.error import TelegramError

    try:
        preflight.check_writable(settings.database_url)
        asyncio.run(prepare_database(settings))
        asyncio.run(wait_for_telegram(settings))
    except (preflight.DatabaseUnusable, SchemaError, NotReady) as exc:
        return str(exc)
    except TelegramError as exc:
        return (
            f"the Bot API at {settings.telegram_api_url} refused: {exc} "
            "(check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL)"
        )
    except Exception as exc:
        problem = preflight.describe(exc)
        if problem is None:
            raise
        return f"the database at {preflight.where(settings.database_url)} refused: {problem}"
    return None


def run(settings: Settings) -> int:
    """Run the bot until SIGINT or SIGTERM; without a token, in the playground."""
    from bot.app import ALLOWED_UPDATES, build_application

    if settings.telegram_bot_token is None:
        return run_playground(settings)
    try:
        library = load_library(settings.content_dir)
    except ContentError as exc:
        print(f"invalid content: {exc}", file=sys.stderr)
        return 1
    problem = start_up_problem(settings)
    if problem is not None:
        token = settings.telegram_bot_token.get_secret_value()
        print(f"cannot start: {problem.replace(token, '[secret]')}", file=sys.stderr)
        return 1
    application = build_application(settings, library=library)
    # What start-up made lives as long as the bot: out of the collector's full passes.
    settle_heap()
    if settings.webhook_url:
        from bot.webhook import serve_webhook

        return serve_webhook(application, settings)
    log.info("starting: long polling %s", settings.telegram_api_url)
    application.run_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
    log.info("stopped")
    return 0


def run_playground(settings: Settings) -> int:
    """Without a token: serve the playground (a local Bot API and its chat page) in a
    thread, and run the bot against it, on its own database, until SIGINT or SIGTERM."""
    try:
        from playground import Playground, host_port
    except ImportError:
        print(NO_TOKEN, file=sys.stderr)
        return 1
    token = f"{PLAYGROUND_BOT_ID}:{secrets.token_urlsafe(24)}"
    playground = Playground(
        token,
        bot_name=PLAYGROUND_BOT_NAME,
        bot_username=PLAYGROUND_BOT_USERNAME,
        host=settings.playground_listen,
        port=settings.playground_port,
    )
    try:
        running = playground.start_in_thread()
    except OSError as exc:
        where = host_port(settings.playground_listen, settings.playground_port)
        if exc.errno == errno.EADDRINUSE:
            print(PLAYGROUND_PORT_IN_USE.format(where=where), file=sys.stderr)
        else:
            reason = exc.strerror or str(exc)
            print(PLAYGROUND_CANNOT_LISTEN.format(where=where, reason=reason), file=sys.stderr)
        return 1
    print(PLAYGROUND.format(url=running.url), flush=True)
    bot_settings = settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(token),
            "telegram_api_url": playground.api_url,
            "database_url": PLAYGROUND_DATABASE_URL,
            "webhook_url": None,
        }
    )
    try:
        return run(bot_settings)
    except KeyboardInterrupt:  # Ctrl-C before polling started
        return 130
    finally:
        running.stop()


def main(argv: list[str] | None = None) -> int:
    """Parse the command, read the settings, and run it."""
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "run"
    if command not in COMMANDS or len(args) > 1:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {e['msg']}"
            for e in exc.errors()
        )
        print(f"invalid configuration: {problems}", file=sys.stderr)
        return 2
    configure_logging(settings)
    if command == "check-content":
        return check_content(settings)
    if command == "migrate":
        return migrate(settings)
    return run(settings)


if __name__ == "__main__":
    sys.exit(main())
