"""Two bot processes on one PostgreSQL database and one Bot API: nothing is sent twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from playground.botapi import BotApiStandin
from tests.e2e.conftest import TOKEN, bot_env, spawn_bot
from tests.e2e.test_webhook import free_port
from tutor.domain.content import QuizQuestion
from tutor.domain.homework import snapshot
from tutor.domain.library import Library
from tutor.store import (
    Database,
    GroupChat,
    Homework,
    HomeworkMember,
    ItemState,
    Learner,
    QuizSession,
    SessionPoll,
    schema,
)

LEARNERS = 40
GROUP_ID = -1009876543210
SECRET = "two-instances-secret"


async def seed(url: str, library: Library, now: datetime) -> str:
    """Learners with a reminder due now, a group session whose poll has just closed, a
    homework whose members' nudges are due, and one whose report is due."""
    database = Database(url)
    await schema.upgrade(database)
    question = next(q for q in library.items.values() if isinstance(q, QuizQuestion))

    def add_rows(session: Session) -> None:
        for n in range(1, LEARNERS + 1):
            session.add(
                Learner(
                    id=n,
                    first_name=f"L{n}",
                    created_at=now - timedelta(days=2),
                    next_reminder_at=now - timedelta(minutes=1),
                )
            )
        session.flush()
        for n in range(1, LEARNERS + 1):
            session.add(
                ItemState(
                    learner_id=n,
                    item_id=question.id,
                    state=2,
                    due=now - timedelta(hours=1),
                    reps=1,
                    stability=1.0,
                    difficulty=5.0,
                    last_review=now - timedelta(days=1),
                )
            )
        session.add(GroupChat(id=GROUP_ID, title="Class", created_at=now))
        running = QuizSession(
            chat_id=GROUP_ID,
            item_ids=[question.id, question.id],
            seconds=30,
            position=0,
            started_at=now - timedelta(minutes=1),
        )
        session.add(running)
        for homework_id, due in ((1, now + timedelta(days=1)), (2, now - timedelta(minutes=1))):
            session.add(
                Homework(
                    id=homework_id, chat_id=GROUP_ID, code=f"code{homework_id}", assigned_by=1,
                    title=f"Homework {homework_id}", items=snapshot([question]),
                    created_at=now - timedelta(days=1), due_at=due,
                )
            )  # fmt: skip
        session.flush()
        for n in range(1, LEARNERS + 1):
            session.add(
                HomeworkMember(
                    homework_id=1, learner_id=n, first_name=f"L{n}",
                    nudge_at=now - timedelta(minutes=1),
                )
            )  # fmt: skip
        session.flush()
        assert running.id is not None
        session.add(
            SessionPoll(
                poll_id="old-poll",
                session_id=running.id,
                chat_id=GROUP_ID,
                position=0,
                item_id=question.id,
                correct_option=0,
                opened_at=now - timedelta(seconds=40),
                closes_at=now - timedelta(seconds=10),
            )
        )
        session.commit()

    await database.run(add_rows)
    await database.close()
    return question.question


async def test_two_instances_send_each_reminder_quiz_step_nudge_and_report_once(
    server: BotApiStandin, postgres_url: str, library: Library
) -> None:
    from tests.conftest import _pg_admin

    # A name of its own: suites running side by side share the server.
    name = f"lr_tutor_two_instances_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await _pg_admin(f'CREATE DATABASE "{name}"')
    url = f"{postgres_url.rsplit('/', 1)[0]}/{name}"
    question = await seed(url, library, datetime.now(UTC))
    for n in range(1, LEARNERS + 1):
        server.user(n, f"L{n}")
    server.group(GROUP_ID, "Class")

    port_a, port_b = free_port(), free_port()
    # Behind a load balancer both have the same public URL; here it leads to instance A.
    webhook_url = f"http://127.0.0.1:{port_a}/telegram"
    bots = []
    for port in (port_a, port_b):
        env = bot_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=server.base_url,
            DATABASE_URL=url,
            WEBHOOK_URL=webhook_url,
            WEBHOOK_SECRET=SECRET,
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
        )
        bots.append(await spawn_bot(env))
    try:
        for _ in range(2):
            await server.wait_for_request("setWebhook", timeout=30)

        def sent(text: str) -> Counter[int]:
            return Counter(
                r.params["chat_id"]
                for r in server.requests("sendMessage")
                if text in str(r.params.get("text"))
            )

        def reminders() -> Counter[int]:
            return sent("waiting for review")

        def nudges() -> Counter[int]:
            return sent("your homework is due")

        def reports() -> Counter[int]:
            return sent("Homework report")

        # Generous: on a loaded machine two bots and their workers take a while to start.
        for _ in range(300):
            if (
                len(reminders()) == LEARNERS
                and len(nudges()) == LEARNERS
                and reports()
                and server.requests("sendPoll")
            ):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.5)  # both instances tick again meanwhile
        counts, nudged, reported = reminders(), nudges(), reports()
        polls = server.requests("sendPoll")
    finally:
        for bot in bots:
            if bot.process.returncode is None:
                bot.process.terminate()
        outputs = [await bot.log() for bot in bots]
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert sorted(counts) == list(range(1, LEARNERS + 1)), outputs
    assert set(counts.values()) == {1}
    # Each member's homework nudge once, the homework's report once, to the admin.
    assert sorted(nudged) == list(range(1, LEARNERS + 1)) and set(nudged.values()) == {1}
    assert reported == Counter({1: 1})
    # The closed poll's session moves on to its second question exactly once.
    assert len(polls) == 1 and polls[0].params["question"] == f"[2/2] {question}"
    assert all("Traceback" not in output for output in outputs), outputs
