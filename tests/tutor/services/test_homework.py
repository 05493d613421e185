"""Homework in the store, on SQLite and PostgreSQL: whom an assignment goes to (the class
the bot knows, and who joins later), who drops off it (who left, who used /forget), several
at once, one from a deck deleted since, a group that became a supergroup, nudges and
reports claimed once whatever instance asks, and each answer stored once (and reviewed)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.tutor.services.test_owndecks import card, imported, parsed, prompt, question
from tutor.domain.content import Card, Deck, ExplainPrompt, QuizQuestion
from tutor.domain.homework import restore
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Rating
from tutor.services import (
    classroom,
    deckpage,
    groupchats,
    groupdecks,
    homework,
    homework_due,
    homework_steps,
    learners,
    libraries,
    reports,
    study,
)
from tutor.services.homework import HomeworkError
from tutor.services.homework_steps import Outcome
from tutor.store import (
    ClassMember,
    Database,
    Homework,
    HomeworkAnswer,
    HomeworkMember,
    Learner,
    PendingExplain,
    ReviewLog,
)
from tutor.store import homework as queries

CHAT = -100777
SUPERGROUP = -1009990777
ZONE = "Europe/Berlin"
# Monday 2 March 2026, 08:00 in Berlin. Homework "in 1 day at 18:00" is due on Tuesday at
# 18:00 there (17:00 UTC); a member's reminder at 09:00 (the default) in Berlin nudges
# them on Monday at 09:00 there (08:00 UTC).
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
NUDGE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ADMIN = 1
ANN, BEN, CY, DEE, EVE = 11, 12, 13, 14, 15
NAMES = {ADMIN: "Tess", 2: "Tom", ANN: "Ann", BEN: "Ben", CY: "Cy", DEE: "Dee", EVE: "Eve"}
MODEL_ANSWER = "Light is slower in glass, so the wave front turns."


def homework_deck(deck_id: str) -> Deck:
    """Three cards, three questions and one prompt: a homework takes them in turn by kind
    (a card, a question, the prompt, a card, a question, ...)."""
    return Deck(
        id=deck_id,
        title=f"Deck {deck_id}",
        description="Made up for tests.",
        cards=[card(f"{deck_id}-c{n}", f"Card {n} of {deck_id}?") for n in range(3)],
        quiz=[question(f"{deck_id}-q{n}", f"Question {n} of {deck_id}?") for n in range(3)],
        explain=[prompt(f"{deck_id}-e0")],
    )


def pictures_deck() -> Deck:
    """Only cards with pictures: nothing a homework can hold."""
    pictured = Card(
        id="pix-c0", level="beginner", front="What is this?", back="A lens.",
        source="Made up", image="lens.png",
    )  # fmt: skip
    return Deck(id="pix", title="Pictures", description="Made up.", cards=[pictured])


@pytest.fixture
def library() -> Library:
    return library_of([homework_deck("alpha"), homework_deck("beta")])


# --- helpers ------------------------------------------------------------------------------------


def rows(session: Session, model: type) -> list[Any]:
    return list(session.execute(select(model)).scalars().all())


async def stored(database: Database, model: type, **where: Any) -> list[Any]:
    found = await database.run(rows, model)
    return [r for r in found if all(getattr(r, k) == v for k, v in where.items())]


async def start(database: Database, learner_id: int, name: str, **settings: Any) -> None:
    """The member started the bot in private (with these settings)."""
    await database.run(study.start_learner, learner_id=learner_id, first_name=name, now=NOW)
    if settings:

        def change(session: Session) -> None:
            learner = session.get(Learner, learner_id)
            assert learner is not None
            for key, value in settings.items():
                setattr(learner, key, value)
            session.add(learner)
            session.commit()

        await database.run(change)


async def join(
    database: Database, members: list[tuple[int, str]], *, now: datetime = NOW, chat: int = CHAT
) -> None:
    await database.run(
        homework.members_joined, chat_id=chat, members=members, default_zone=ZONE, now=now
    )


async def assign(
    database: Database,
    library: Library,
    *,
    source: str = "alpha",
    count: int = 5,
    days: int = 1,
    clock: str = "18:00",
    now: datetime = NOW,
    chat: int = CHAT,
    admin: int | None = ADMIN,
) -> homework.Assigned:
    return await database.run(
        homework.assign, library=library, chat_id=chat, chat_title="Optics 101",
        admin_id=admin, source=source, count=count, days=days, clock=clock,
        default_zone=ZONE, now=now,
    )  # fmt: skip


async def open_link(
    database: Database, code: str, learner_id: int, name: str, *, now: datetime = NOW
) -> homework_steps.Step:
    step = await database.run(
        homework_steps.open_link, code=code, learner_id=learner_id, first_name=name, now=now,
        default_zone=ZONE,
    )  # fmt: skip
    assert isinstance(step, homework_steps.Step)
    return step


async def answer(
    database: Database,
    library: Library,
    homework_id: int,
    learner_id: int,
    position: int,
    *,
    rating: Rating | None = None,
    option: int | None = None,
    now: datetime = NOW,
    name: str = "",
) -> homework_steps.Answered:
    return await database.run(
        homework_steps.answer, library=library, homework_id=homework_id, learner_id=learner_id,
        first_name=name or NAMES[learner_id], position=position, rating=rating,
        chosen_option=option, now=now,
    )  # fmt: skip


async def answer_right(
    database: Database,
    library: Library,
    homework_id: int,
    learner_id: int,
    position: int,
    *,
    now: datetime = NOW,
    name: str = "",
) -> homework_steps.Answered:
    """The member's right answer to the item at ``position``, whatever its kind."""
    hw = await database.run(queries.get_homework, homework_id=homework_id)
    assert hw is not None
    item = restore(hw.items)[position]
    if isinstance(item, QuizQuestion):
        right = next(n for n, o in enumerate(item.options) if o.correct)
        return await answer(
            database, library, homework_id, learner_id, position, option=right, now=now, name=name
        )
    if isinstance(item, ExplainPrompt):
        assert await database.run(
            homework_steps.ask_prompt, homework_id=homework_id, learner_id=learner_id,
            position=position, now=now,
        )  # fmt: skip
        explained = await database.run(
            homework_steps.answer_prompt, library=library, homework_id=homework_id,
            learner_id=learner_id, first_name=name or NAMES[learner_id], text=MODEL_ANSWER,
            now=now,
        )  # fmt: skip
        return explained.answered
    return await answer(
        database, library, homework_id, learner_id, position, rating=Rating.GOOD, now=now,
        name=name,
    )  # fmt: skip


async def finish(
    database: Database, library: Library, homework_id: int, learner_id: int, **kw: Any
) -> None:
    hw = await database.run(queries.get_homework, homework_id=homework_id)
    assert hw is not None
    done = set(await database.run(
        queries.answered_positions, homework_id=homework_id, learner_id=learner_id
    ))  # fmt: skip
    for position in range(len(hw.items)):
        if position not in done:
            answered = await answer_right(
                database, library, homework_id, learner_id, position, **kw
            )
            assert answered.outcome is Outcome.RECORDED
    step = await database.run(
        homework_steps.current_step, homework_id=homework_id, learner_id=learner_id, now=NOW
    )
    assert step is not None and step.finished


async def vote(
    database: Database, library: Library, voters: dict[int, str], *, chat: int = CHAT
) -> None:
    """A one-question quiz in the group, answered by ``voters``."""
    started = await database.run(
        classroom.start_session, library=library, chat_id=chat, questions=1, seconds=30,
        now=NOW, rng=random.Random(1), started_by=ADMIN,
    )  # fmt: skip
    assert started is not None and started.id is not None
    to_send = await database.run(
        classroom.advance, library=library, session_id=started.id, from_position=-1,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert isinstance(to_send, classroom.PollToSend)
    poll_id = f"poll-{started.id}"
    await database.run(
        classroom.record_poll, to_send=to_send, poll_id=poll_id, message_id=1, now=NOW
    )
    for n, (user, name) in enumerate(voters.items()):
        counted = await database.run(
            classroom.record_vote, library=library, poll_id=poll_id, user_id=user,
            first_name=name, option_ids=[(to_send.correct_option + n) % 3],
            now=NOW + timedelta(seconds=n + 1),
        )  # fmt: skip
        assert counted is not None
    await database.run(classroom.poll_closed, poll_id=poll_id, now=NOW + timedelta(seconds=40))


async def members_of(database: Database, homework_id: int) -> dict[int, datetime | None]:
    """Whom the homework is assigned to in the store, with their nudge time."""
    return {
        m.learner_id: m.nudge_at for m in await stored(database, HomeworkMember)
        if m.homework_id == homework_id
    }  # fmt: skip


async def report(database: Database, homework_id: int) -> homework_due.HomeworkReport:
    found = await database.run(
        homework_due.homework_report, homework_id=homework_id, default_zone=ZONE
    )
    assert found is not None
    return found


def names(figures: Any) -> tuple[list[str], list[str], list[str]]:
    return (
        [p.name for p in figures.finished],
        [p.name for p in figures.started],
        list(figures.not_started),
    )


async def claim_nudges(database: Database, now: datetime) -> list[tuple[int, int]]:
    found = await database.run(homework_due.claim_nudges, now=now, default_zone=ZONE)
    return [(n.homework_id, n.learner_id) for n in found]


# --- 1. whom an assignment goes to --------------------------------------------------------------


async def test_an_assignment_goes_to_every_member_the_bot_knows_in_the_chat(
    database: Database, library: Library
) -> None:
    # Ann studies in private; Ben never started the bot; both joined before the homework.
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann"), (BEN, "Ben")])
    # Cy answered a quiz poll in the group; Dee, a member of another chat, did not.
    await vote(database, library, {CY: "Cy"})
    await join(database, [(DEE, "Dee")], chat=CHAT - 1)
    # Eve joined, and left again.
    await join(database, [(EVE, "Eve")])
    await database.run(reports.member_left, chat_id=CHAT, user_id=EVE, now=NOW)

    assigned = await assign(database, library)

    assert (assigned.due_at, assigned.zone, assigned.items, assigned.members) == (
        DUE, ZONE, 5, 3,
    )  # fmt: skip
    on_it = await members_of(database, assigned.homework_id)
    assert sorted(on_it) == [ANN, BEN, CY]
    # Ann is nudged at her reminder time the day before; the bot may not write to Ben.
    assert on_it[ANN] == NUDGE and on_it[BEN] is None
    assert {m.learner_id: m.first_name for m in await stored(database, HomeworkMember)} == {
        ANN: "Ann", BEN: "Ben", CY: "Cy",
    }  # fmt: skip
    hw = (await stored(database, Homework))[0]
    assert (hw.chat_id, hw.assigned_by, hw.code, hw.due_at) == (
        CHAT, ADMIN, assigned.code, DUE,
    )  # fmt: skip
    assert [item.id for item in restore(hw.items)] == [
        "alpha-c0", "alpha-q0", "alpha-e0", "alpha-c1", "alpha-q1",
    ]  # fmt: skip
    assert await database.run(homework_steps.chat_of_link, code=assigned.code) == CHAT
    assert await database.run(homework_steps.chat_of_link, code="nope") is None


async def test_a_member_who_joins_later_is_on_each_assignment_not_yet_due(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann")])
    soon = await assign(database, library, days=1)
    later = await assign(database, library, source="beta", days=3)
    assert soon.members == later.members == 1

    # Dee studies in private in Tokyo at 20:00; Ben never started the bot; Cy turned his
    # reminders off. They join on Monday at 10:00 UTC.
    await start(database, DEE, "Dee", timezone="Asia/Tokyo", reminder_time="20:00")
    await start(database, CY, "Cy", reminders_on=False)
    joined_at = NOW + timedelta(hours=3)
    await join(database, [(DEE, "Dee"), (BEN, "Ben"), (CY, "Cy")], now=joined_at)

    on_soon = await members_of(database, soon.homework_id)
    assert sorted(on_soon) == [ANN, BEN, CY, DEE]
    # Due Wednesday 02:00 in Tokyo: Dee's nudge is Tuesday 20:00 there (11:00 UTC).
    assert on_soon[DEE] == datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
    assert on_soon[BEN] is None and on_soon[CY] is None and on_soon[ANN] == NUDGE
    on_later = await members_of(database, later.homework_id)
    assert sorted(on_later) == [ANN, BEN, CY, DEE]
    assert on_later[DEE] == datetime(2026, 3, 5, 11, 0, tzinfo=UTC)

    # Joining again (a chat_member update after the service message) changes nothing.
    await join(database, [(DEE, "Dee B.")], now=joined_at + timedelta(hours=1))
    dee = await stored(database, HomeworkMember, learner_id=DEE)
    assert {m.first_name for m in dee} == {"Dee"}
    assert on_soon == await members_of(database, soon.homework_id)

    # Once the first is due, who joins is on the second only; and on the next assignment.
    await join(database, [(EVE, "Eve")], now=DUE + timedelta(minutes=1))
    assert EVE not in await members_of(database, soon.homework_id)
    assert EVE in await members_of(database, later.homework_id)
    after = await assign(database, library, now=DUE + timedelta(minutes=2))
    assert after.members == 5
    assert sorted(await members_of(database, after.homework_id)) == [ANN, BEN, CY, DEE, EVE]
    assert {(m.chat_id, m.learner_id) for m in await stored(database, ClassMember)} == {
        (CHAT, ANN), (CHAT, BEN), (CHAT, CY), (CHAT, DEE), (CHAT, EVE),
    }  # fmt: skip


async def test_opening_the_link_puts_a_member_the_bot_did_not_know_on_it(
    database: Database, library: Library
) -> None:
    assigned = await assign(database, library)
    assert assigned.members == 0
    step = await open_link(database, assigned.code, ANN, "Ann", now=NOW + timedelta(hours=2))
    assert (step.homework_id, step.total, step.answered, step.position) == (
        assigned.homework_id, 5, 0, 0,
    )  # fmt: skip
    assert step.chat_title == "Optics 101" and not step.late and not step.finished
    assert isinstance(step.item, Card) and step.item.id == "alpha-c0"
    member = (await stored(database, HomeworkMember, learner_id=ANN))[0]
    assert member.started_at == NOW + timedelta(hours=2)
    # She started the bot there and then: she is nudged too, on the due day (Monday's
    # 09:00 in Berlin had gone when she opened it).
    assert member.nudge_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert await database.run(queries.class_roster, chat_id=CHAT) == {ANN: "Ann"}
    unknown = await database.run(
        homework_steps.open_link, code="nope", learner_id=ANN, first_name="Ann", now=NOW,
        default_zone=ZONE,
    )  # fmt: skip
    assert unknown is homework_steps.Opened.UNKNOWN


async def test_the_weakest_source_assigns_the_questions_the_class_knows_least(
    database: Database, library: Library
) -> None:
    before = await database.run(homework.choices, library=library, chat_id=CHAT)
    assert not before.has_weakest
    assert before.decks == [("alpha", "Deck alpha"), ("beta", "Deck beta")]
    await vote(database, library, {ANN: "Ann", BEN: "Ben"})
    after = await database.run(homework.choices, library=library, chat_id=CHAT)
    assert after.has_weakest

    assigned = await assign(database, library, source=homework.WEAKEST, count=5)
    assert assigned.items == 1 and assigned.members == 2
    hw = (await stored(database, Homework))[0]
    assert [type(item) for item in restore(hw.items)] == [QuizQuestion]


# --- 2. who left ----------------------------------------------------------------------------


async def test_a_member_who_left_the_chat_drops_off_the_homework(
    database: Database, library: Library
) -> None:
    for user, name in ((ANN, "Ann"), (BEN, "Ben")):
        await start(database, user, name)
    await join(database, [(ANN, "Ann"), (BEN, "Ben")])
    assigned = await assign(database, library)
    hw_id = assigned.homework_id
    for user in (ANN, BEN):
        await answer_right(database, library, hw_id, user, 0)
    assert names((await report(database, hw_id)).figures) == ([], ["Ann", "Ben"], [])

    await database.run(reports.member_left, chat_id=CHAT, user_id=BEN, now=NOW)

    figures = (await report(database, hw_id)).figures
    assert names(figures) == ([], ["Ann"], [])
    assert figures.items[0].answered == 1
    assert await database.run(
        homework_steps.current_step, homework_id=hw_id, learner_id=BEN, now=NOW
    ) is None  # fmt: skip
    assert await database.run(homework_steps.assignments, learner_id=BEN, now=NOW) == []
    gone = await answer_right(database, library, hw_id, BEN, 1)
    assert gone.outcome is Outcome.GONE
    assert len(await stored(database, HomeworkAnswer, learner_id=BEN)) == 1
    # Ben's nudge is claimed and dropped; Ann's goes out.
    assert await claim_nudges(database, NUDGE) == [(hw_id, ANN)]
    assert all(m.nudged_at == NUDGE for m in await stored(database, HomeworkMember))
    assert [a.learner_id for a in await database.run(
        homework_due.exported_answers, chat_id=CHAT
    )] == [ANN]  # fmt: skip
    # Ann is still on it.
    step = await database.run(
        homework_steps.current_step, homework_id=hw_id, learner_id=ANN, now=NOW
    )
    assert step is not None and step.answered == 1
    assert [a.homework_id for a in await database.run(
        homework_steps.assignments, learner_id=ANN, now=NOW
    )] == [hw_id]  # fmt: skip

    # Back in the chat: on it again, with what he had answered.
    await database.run(reports.members_back, chat_id=CHAT, user_ids=[BEN])
    assert names((await report(database, hw_id)).figures) == ([], ["Ann", "Ben"], [])


# --- 3. /forget -----------------------------------------------------------------------------


async def test_forget_removes_a_members_homework_rows_and_the_admins_name_on_it(
    database: Database, library: Library
) -> None:
    for user, name in ((ADMIN, "Tess"), (2, "Tom"), (ANN, "Ann"), (BEN, "Ben")):
        await start(database, user, name)
    await join(database, [(ANN, "Ann"), (BEN, "Ben")])
    by_tess = await assign(database, library, admin=ADMIN)
    by_tom = await assign(database, library, source="beta", admin=2)
    for user in (ANN, BEN):
        await answer_right(database, library, by_tess.homework_id, user, 0)
        await answer_right(database, library, by_tom.homework_id, user, 1)
    assert await database.run(
        homework_steps.ask_prompt, homework_id=by_tess.homework_id, learner_id=ANN, position=2,
        now=NOW,
    )  # fmt: skip

    counted = await database.run(learners.count_rows, learner_id=ANN)
    assert counted["homeworkmember"] == 2 and counted["homeworkanswer"] == 2
    assert counted["classmember"] == 1
    forgotten = await database.run(learners.forget, learner_id=ANN)
    assert forgotten.rows["homeworkmember"] == 2 and forgotten.rows["homeworkanswer"] == 2

    for model in (HomeworkMember, HomeworkAnswer, ClassMember, PendingExplain):
        assert await stored(database, model, learner_id=ANN) == []
    assert len(await stored(database, HomeworkAnswer, learner_id=BEN)) == 2
    assert await database.run(queries.class_roster, chat_id=CHAT) == {BEN: "Ben"}
    assert names((await report(database, by_tess.homework_id)).figures) == ([], ["Ben"], [])

    await database.run(learners.forget, learner_id=ADMIN)
    assert {h.id: h.assigned_by for h in await stored(database, Homework)} == {
        by_tess.homework_id: None, by_tom.homework_id: 2,
    }  # fmt: skip
    assert (await report(database, by_tess.homework_id)).recipient is None
    assert (await report(database, by_tom.homework_id)).recipient == 2
    # The homework itself goes on.
    assert (await answer_right(database, library, by_tess.homework_id, BEN, 1)).right


# --- 4. several at once ---------------------------------------------------------------------


async def test_several_assignments_in_one_chat_each_keep_their_own_progress(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann"), (BEN, "Ben")])
    first = await assign(database, library, source="alpha", count=5, days=2)
    second = await assign(database, library, source="beta", count=3, days=1)
    third = await assign(database, library, source=homework.ALL_DECKS, count=10, days=3)
    assert (first.items, second.items, third.items) == (5, 3, 10)
    assert len({first.code, second.code, third.code}) == 3
    assert third.title == "10 items from the class's decks"
    assert second.title == "3 items from Deck beta"

    for position in (0, 1):
        await answer_right(database, library, first.homework_id, ANN, position)
    await answer(database, library, second.homework_id, ANN, 0, rating=Rating.AGAIN)

    # Due first, each with its own count.
    listed = await database.run(homework_steps.assignments, learner_id=ANN, now=NOW)
    assert [(a.homework_id, a.total, a.answered) for a in listed] == [
        (second.homework_id, 3, 1), (first.homework_id, 5, 2), (third.homework_id, 10, 0),
    ]  # fmt: skip
    assert {a.chat_title for a in listed} == {"Optics 101"}
    steps = {
        hw: await database.run(
            homework_steps.current_step, homework_id=hw, learner_id=ANN, now=NOW
        )
        for hw in (first.homework_id, second.homework_id, third.homework_id)
    }
    assert {hw: (s.answered, s.position) for hw, s in steps.items() if s is not None} == {
        first.homework_id: (2, 2), second.homework_id: (1, 1), third.homework_id: (0, 0),
    }  # fmt: skip

    await finish(database, library, second.homework_id, ANN)
    listed = await database.run(homework_steps.assignments, learner_id=ANN, now=NOW)
    assert [a.homework_id for a in listed] == [first.homework_id, third.homework_id]
    assert await database.run(
        homework_steps.right_answers, homework_id=second.homework_id, learner_id=ANN
    ) == 2  # fmt: skip
    reports_ = {
        hw: (await report(database, hw)).figures
        for hw in (first.homework_id, second.homework_id, third.homework_id)
    }
    assert names(reports_[first.homework_id]) == ([], ["Ann"], ["Ben"])
    assert names(reports_[second.homework_id]) == (["Ann"], [], ["Ben"])
    assert names(reports_[third.homework_id]) == ([], [], ["Ann", "Ben"])
    assert reports_[second.homework_id].finished[0].right == 2
    finished = {
        m.homework_id: m.finished_at
        for m in await stored(database, HomeworkMember, learner_id=ANN)
    }
    assert finished == {first.homework_id: None, second.homework_id: NOW, third.homework_id: None}


# --- 5. a deck deleted since -------------------------------------------------------------------


async def own_deck_homework(database: Database, library: Library) -> tuple[int, int]:
    """The admin's own deck, offered to the group and assigned: its number, the homework."""
    optics = parsed(
        "Optics",
        [card("c1", "What bends light?"), card("c2", "What is a focal length?")],
        [question("q1", "Which lens converges light?")],
        [prompt("e1")],
    )
    number = (await imported(database, optics, ADMIN)).number
    on, _ = await database.run(
        groupdecks.toggle_group_deck, library=library, chat_id=CHAT, deck=f"own{number}",
        admin_id=ADMIN,
    )  # fmt: skip
    assert on
    offered = await database.run(homework.choices, library=library, chat_id=CHAT)
    assert offered.decks == [
        ("alpha", "Deck alpha"), ("beta", "Deck beta"), (f"own{number}", "Optics"),
    ]  # fmt: skip
    assigned = await assign(database, library, source=f"own{number}", count=5)
    assert assigned.items == 4 and assigned.title == "4 items from Optics"
    return number, assigned.homework_id


async def test_homework_from_a_deck_deleted_since_goes_on_from_the_items_it_kept(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann")])
    number, hw_id = await own_deck_homework(database, library)
    kept = (await stored(database, Homework))[0].items
    first = await answer_right(database, library, hw_id, ANN, 0, name="Ann")
    assert first.outcome is Outcome.RECORDED and first.right
    # While the deck is there, the answer is a review in Ann's own schedule.
    logs = await stored(database, ReviewLog, learner_id=ANN)
    assert [(r.item_id, r.source) for r in logs] == [(f"own{number}-c1", "homework")]

    assert await database.run(deckpage.delete_deck, learner_id=ADMIN, deck_number=number)

    step = await database.run(
        homework_steps.current_step, homework_id=hw_id, learner_id=ANN, now=NOW
    )
    assert step is not None and step.position == 1
    assert isinstance(step.item, QuizQuestion)
    assert step.item.question == "Which lens converges light?"
    for position in (1, 2, 3):
        done = await answer_right(database, library, hw_id, ANN, position, name="Ann")
        assert done.outcome is Outcome.RECORDED and done.right
    assert done.next is not None and done.next.finished
    # Stored, counted in the report, and never reviewed: the items exist no longer.
    assert sorted(a.position for a in await stored(database, HomeworkAnswer)) == [0, 1, 2, 3]
    assert len(await stored(database, ReviewLog, learner_id=ANN)) == 1
    figures = (await report(database, hw_id)).figures
    assert [(p.name, p.answered, p.right) for p in figures.finished] == [("Ann", 4, 4)]
    assert (await stored(database, Homework))[0].items == kept
    exported = await database.run(homework_due.exported_answers, chat_id=CHAT)
    assert sorted((a.question, a.option) for a in exported) == [
        ("What bends light?", ""), ("What is a focal length?", ""),
        ("Which lens converges light?", "The right one"),
        ("Why does light bend in glass?", ""),
    ]  # fmt: skip


async def test_an_answer_to_an_own_decks_item_is_reviewed_when_its_deck_is_not_cached(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann")])
    number, hw_id = await own_deck_homework(database, library)
    # Another instance, or a restart: the deck is not in this process's cache. Ann has
    # changed her name in Telegram since she started the bot.
    libraries.clear_caches()
    done = await answer(database, library, hw_id, ANN, 0, rating=Rating.GOOD, name="Annie")
    assert done.outcome is Outcome.RECORDED
    logs = await stored(database, ReviewLog, learner_id=ANN)
    assert [(r.item_id, r.source) for r in logs] == [(f"own{number}-c1", "homework")]


async def test_an_explain_answer_to_an_own_decks_prompt_is_graded_when_not_cached(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann")])
    number, hw_id = await own_deck_homework(database, library)
    assert await database.run(
        homework_steps.ask_prompt, homework_id=hw_id, learner_id=ANN, position=2, now=NOW
    )
    libraries.clear_caches()
    explained = await database.run(
        homework_steps.answer_prompt, library=library, homework_id=hw_id, learner_id=ANN,
        first_name="Annie", text=MODEL_ANSWER, now=NOW,
    )  # fmt: skip
    assert explained.answered.outcome is Outcome.RECORDED and explained.grade is not None
    logs = await stored(database, ReviewLog, learner_id=ANN)
    assert [(r.item_id, r.source) for r in logs] == [(f"own{number}-e1", "homework")]


# --- 6. the group became a supergroup -------------------------------------------------------


async def test_a_group_that_became_a_supergroup_keeps_its_homework_and_its_class(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="Optics 101", now=NOW)
    await join(database, [(ANN, "Ann"), (BEN, "Ben")])
    # Ben's join reached the bot from the new chat already.
    await join(database, [(BEN, "Ben")], chat=SUPERGROUP)
    assigned = await assign(database, library)
    await answer_right(database, library, assigned.homework_id, ANN, 0)

    await database.run(groupchats.migrate_chat, old_id=CHAT, new_id=SUPERGROUP, now=NOW)

    assert [h.chat_id for h in await stored(database, Homework)] == [SUPERGROUP]
    assert sorted((m.chat_id, m.learner_id) for m in await stored(database, ClassMember)) == [
        (SUPERGROUP, ANN), (SUPERGROUP, BEN),
    ]  # fmt: skip
    assert await database.run(queries.class_roster, chat_id=SUPERGROUP) == {
        ANN: "Ann", BEN: "Ben",
    }  # fmt: skip
    assert await database.run(queries.class_roster, chat_id=CHAT) == {}
    assert await database.run(homework_steps.chat_of_link, code=assigned.code) == SUPERGROUP
    found = await report(database, assigned.homework_id)
    assert (found.chat_id, found.chat_title) == (SUPERGROUP, "Optics 101")
    assert names(found.figures) == ([], ["Ann"], ["Ben"])
    step = await database.run(
        homework_steps.current_step, homework_id=assigned.homework_id, learner_id=ANN, now=NOW
    )
    assert step is not None and step.answered == 1 and step.chat_title == "Optics 101"

    # Who joins the supergroup is on its homework; who leaves it drops off.
    await join(database, [(CY, "Cy")], chat=SUPERGROUP, now=NOW + timedelta(hours=1))
    assert sorted(await members_of(database, assigned.homework_id)) == [ANN, BEN, CY]
    await database.run(reports.member_left, chat_id=SUPERGROUP, user_id=BEN, now=NOW)
    assert names((await report(database, assigned.homework_id)).figures) == (
        [], ["Ann"], ["Cy"],
    )  # fmt: skip
    # The next assignment there goes to its class.
    again = await assign(database, library, chat=SUPERGROUP, now=NOW + timedelta(hours=2))
    assert again.members == 2


# --- 7. two instances -----------------------------------------------------------------------


async def test_each_nudge_goes_out_once_and_never_to_who_finished(
    database: Database, library: Library
) -> None:
    for user, name in ((ANN, "Ann"), (BEN, "Ben"), (CY, "Cy"), (DEE, "Dee")):
        await start(database, user, name)
    await join(database, [(ANN, "Ann"), (BEN, "Ben"), (CY, "Cy"), (DEE, "Dee")])
    soon = await assign(database, library, count=3)
    later = await assign(database, library, source="beta", count=3, days=2)
    # Cy finished the first before his nudge; Ben answered one.
    await finish(database, library, soon.homework_id, CY)
    await answer_right(database, library, soon.homework_id, BEN, 0)

    assert await claim_nudges(database, NUDGE - timedelta(minutes=1)) == []
    # Two instances at once.
    both = await asyncio.gather(
        database.run(homework_due.claim_nudges, now=NUDGE, default_zone=ZONE),
        database.run(homework_due.claim_nudges, now=NUDGE, default_zone=ZONE),
    )
    claimed = [(n.homework_id, n.learner_id) for found in both for n in found]
    assert sorted(claimed) == [(soon.homework_id, u) for u in (ANN, BEN, DEE)]
    nudge = next(n for found in both for n in found if n.learner_id == BEN)
    assert (nudge.first_name, nudge.title, nudge.chat_title, nudge.zone) == (
        "Ben", soon.title, "Optics 101", ZONE,
    )  # fmt: skip
    assert (nudge.total, nudge.answered, nudge.due_at) == (3, 1, DUE)
    # And again, one after the other, later.
    assert await claim_nudges(database, NUDGE + timedelta(hours=1)) == []

    # An instance that read the due nudges before another claimed them claims none.
    next_day = NUDGE + timedelta(days=1)
    seen = await database.run(queries.nudges_due, now=next_day, limit=100)
    assert sorted(seen) == [(later.homework_id, u) for u in (ANN, BEN, CY, DEE)]
    await finish(database, library, later.homework_id, DEE)
    assert sorted(await claim_nudges(database, next_day)) == [
        (later.homework_id, u) for u in (ANN, BEN, CY)
    ]

    def claim_stale(session: Session) -> list[bool]:
        taken = [
            queries.claim_nudge(session, homework_id=h, learner_id=u, now=next_day)
            for h, u in seen
        ]
        session.commit()
        return taken

    assert await database.run(claim_stale) == [False] * 4
    assert await claim_nudges(database, next_day) == []


async def test_a_nudge_whose_homework_is_past_due_is_dropped(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann")])
    await assign(database, library)
    # The bot was down from before the nudge until after the due time.
    assert await claim_nudges(database, DUE + timedelta(minutes=1)) == []
    assert await stored(database, HomeworkMember, nudged_at=None) == []


async def test_each_report_is_claimed_once(database: Database, library: Library) -> None:
    await join(database, [(ANN, "Ann")])
    first = await assign(database, library, days=1)
    second = await assign(database, library, days=2)
    assert await database.run(homework_due.claim_reports, now=DUE - timedelta(seconds=1)) == []
    both = await asyncio.gather(
        database.run(homework_due.claim_reports, now=DUE),
        database.run(homework_due.claim_reports, now=DUE),
    )
    assert sorted(both, key=len) == [[], [first.homework_id]]
    assert await database.run(homework_due.claim_reports, now=DUE + timedelta(hours=1)) == []
    in_two_days = DUE + timedelta(days=1)
    assert await database.run(homework_due.claim_reports, now=in_two_days) == [second.homework_id]
    assert await database.run(homework_due.claim_reports, now=in_two_days) == []
    assert await database.run(queries.claim_report, homework_id=first.homework_id, now=DUE) is (
        False
    )
    assert {h.id: h.reported_at for h in await stored(database, Homework)} == {
        first.homework_id: DUE, second.homework_id: in_two_days,
    }  # fmt: skip


# --- 8. answers ---------------------------------------------------------------------------------


async def test_an_answer_is_stored_once_late_ones_marked_and_each_a_review(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann"), (BEN, "Ben")])
    assigned = await assign(database, library, count=5)
    hw_id = assigned.homework_id
    await open_link(database, assigned.code, ANN, "Ann")

    first = await answer(database, library, hw_id, ANN, 0, rating=Rating.GOOD, name="Ann")
    assert first.outcome is Outcome.RECORDED and first.right
    assert isinstance(first.item, Card) and first.item.id == "alpha-c0"
    assert first.next is not None and first.next.position == 1
    again = await answer(database, library, hw_id, ANN, 0, rating=Rating.AGAIN, name="Ann")
    assert again.outcome is Outcome.ALREADY and not again.right
    assert again.next is not None and again.next.position == 1
    # A wrong option: not right, a review at Again, the option kept.
    wrong = await answer(database, library, hw_id, ANN, 1, option=1, name="Ann")
    assert wrong.outcome is Outcome.RECORDED and not wrong.right
    # An option the question does not have, a position the homework does not have, a
    # homework that does not exist, a member not on it: nothing.
    assert (await answer(database, library, hw_id, ANN, 4, option=7)).outcome is Outcome.GONE
    assert (await answer(database, library, hw_id, ANN, 3, option=0)).outcome is Outcome.GONE
    assert (await answer(database, library, hw_id, ANN, 9, option=0)).outcome is Outcome.GONE
    assert (
        await answer(database, library, hw_id + 99, ANN, 0, rating=Rating.GOOD)
    ).outcome is Outcome.GONE
    assert (
        await answer(database, library, hw_id, DEE, 0, rating=Rating.GOOD)
    ).outcome is Outcome.GONE
    # After the due time: still taken, marked late.
    late_at = DUE + timedelta(hours=2)
    late = await answer(
        database, library, hw_id, ANN, 3, rating=Rating.HARD, now=late_at, name="Ann"
    )
    assert late.outcome is Outcome.RECORDED and late.right
    assert late.next is not None and late.next.late and late.next.position == 2
    # Ben never started the bot: his answer makes him a learner, and is a review too.
    assert (await answer(database, library, hw_id, BEN, 0, rating=Rating.EASY, name="Ben")).right

    answers = {(a.learner_id, a.position): a for a in await stored(database, HomeworkAnswer)}
    assert sorted(answers) == [(ANN, 0), (ANN, 1), (ANN, 3), (BEN, 0)]
    assert [(a.rating, a.correct, a.chosen_option, a.late) for a in (
        answers[ANN, 0], answers[ANN, 1], answers[ANN, 3], answers[BEN, 0]
    )] == [
        (int(Rating.GOOD), True, None, False),
        (int(Rating.AGAIN), False, 1, False),
        (int(Rating.HARD), True, None, True),
        (int(Rating.EASY), True, None, False),
    ]  # fmt: skip
    assert answers[ANN, 1].item_id == "alpha-q0" and answers[ANN, 3].answered_at == late_at
    logs = await stored(database, ReviewLog)
    assert sorted((r.learner_id, r.item_id, r.rating, r.source) for r in logs) == [
        (ANN, "alpha-c0", int(Rating.GOOD), "homework"),
        (ANN, "alpha-c1", int(Rating.HARD), "homework"),
        (ANN, "alpha-q0", int(Rating.AGAIN), "homework"),
        (BEN, "alpha-c0", int(Rating.EASY), "homework"),
    ]
    figures = (await report(database, hw_id)).figures
    assert figures.late_answers == 1
    assert [(p.name, p.answered, p.right, p.late) for p in figures.started] == [
        ("Ann", 3, 2, 1), ("Ben", 1, 1, 0),
    ]  # fmt: skip
    exported = await database.run(homework_due.exported_answers, chat_id=CHAT)
    assert sorted((a.learner_id, a.item_id, a.name, a.option, a.late) for a in exported) == [
        (ANN, "alpha-c0", "Ann", "", False), (ANN, "alpha-c1", "Ann", "", True),
        (ANN, "alpha-q0", "Ann", "A wrong one", False), (BEN, "alpha-c0", "Ben", "", False),
    ]  # fmt: skip


async def test_two_presses_at_once_store_one_answer_and_one_review(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann")])
    assigned = await assign(database, library)
    both = await asyncio.gather(
        answer(database, library, assigned.homework_id, ANN, 1, option=0, name="Ann"),
        answer(database, library, assigned.homework_id, ANN, 1, option=1, name="Ann"),
    )
    assert sorted(a.outcome.value for a in both) == ["already", "recorded"]
    assert len(await stored(database, HomeworkAnswer)) == 1
    assert len(await stored(database, ReviewLog, learner_id=ANN)) == 1


# --- 9. explain answers ---------------------------------------------------------------------


async def test_an_explain_answer_is_graded_once_and_stored_right_when_good(
    database: Database, library: Library
) -> None:
    for user, name in ((ANN, "Ann"), (BEN, "Ben")):
        await start(database, user, name)
    await join(database, [(ANN, "Ann"), (BEN, "Ben")])
    assigned = await assign(database, library)
    hw_id = assigned.homework_id
    explain_at = 2  # a card, a question, the prompt

    def ask(learner_id: int, position: int = explain_at) -> Any:
        return database.run(
            homework_steps.ask_prompt, homework_id=hw_id, learner_id=learner_id, position=position,
            now=NOW,
        )  # fmt: skip

    def reply(learner_id: int, text: str, homework_id: int = hw_id) -> Any:
        return database.run(
            homework_steps.answer_prompt, library=library, homework_id=homework_id,
            learner_id=learner_id, first_name="M", text=text, now=NOW + timedelta(seconds=30),
        )  # fmt: skip

    # Only an explain item is asked.
    assert not await ask(ANN, 0) and not await ask(ANN, 99)
    assert not await database.run(
        homework_steps.ask_prompt, homework_id=hw_id + 99, learner_id=ANN, position=2, now=NOW
    )
    assert await ask(ANN) and await ask(BEN)
    pending = {p.learner_id: p for p in await stored(database, PendingExplain)}
    assert {(u, p.item_id, p.homework_id) for u, p in pending.items()} == {
        (ANN, "alpha-e0", hw_id), (BEN, "alpha-e0", hw_id),
    }  # fmt: skip

    # A reply for another homework takes nothing.
    other = await reply(ANN, MODEL_ANSWER, homework_id=hw_id + 99)
    assert other.answered.outcome is Outcome.GONE and other.grade is None
    assert len(await stored(database, PendingExplain)) == 2

    good = await reply(ANN, MODEL_ANSWER)
    assert good.answered.outcome is Outcome.RECORDED and good.answered.right
    assert good.grade is not None and good.grade.rating >= Rating.GOOD
    assert good.prompt is not None and good.prompt.id == "alpha-e0"
    # The prompt was taken: a second reply grades nothing, stores nothing.
    twice = await reply(ANN, MODEL_ANSWER)
    assert twice.answered.outcome is Outcome.GONE and twice.grade is None

    bad = await reply(BEN, "No idea, sorry.")
    assert bad.answered.outcome is Outcome.RECORDED and not bad.answered.right
    assert bad.grade is not None and bad.grade.rating < Rating.GOOD

    assert await stored(database, PendingExplain) == []
    answers = {a.learner_id: a for a in await stored(database, HomeworkAnswer)}
    assert {u: (a.position, a.item_id, a.rating, a.correct) for u, a in answers.items()} == {
        ANN: (explain_at, "alpha-e0", int(good.grade.rating), True),
        BEN: (explain_at, "alpha-e0", int(bad.grade.rating), False),
    }
    logs = await stored(database, ReviewLog)
    assert sorted((r.learner_id, r.item_id, r.source, r.duration_ms) for r in logs) == [
        (ANN, "alpha-e0", "homework", 30_000), (BEN, "alpha-e0", "homework", 30_000),
    ]  # fmt: skip
    # Asked again once answered: the reply changes nothing.
    assert await ask(ANN)
    already = await reply(ANN, "Something else entirely.")
    assert already.answered.outcome is Outcome.ALREADY
    assert [(a.learner_id, a.correct) for a in await stored(database, HomeworkAnswer)] in (
        [(ANN, True), (BEN, False)], [(BEN, False), (ANN, True)],
    )  # fmt: skip


async def test_an_explain_answer_the_grader_cannot_tell_is_rated_by_the_member(
    database: Database, library: Library
) -> None:
    await start(database, ANN, "Ann")
    await join(database, [(ANN, "Ann")])
    hw_id = (await assign(database, library)).homework_id
    assert await database.run(
        homework_steps.ask_prompt, homework_id=hw_id, learner_id=ANN, position=2, now=NOW
    )
    unsure = await database.run(
        homework_steps.answer_prompt, library=library, homework_id=hw_id, learner_id=ANN,
        first_name="Ann", text="Glass bends light because of how light moves in glass.",
        now=NOW,
    )  # fmt: skip
    assert unsure.grade is not None and unsure.grade.unsure and unsure.rate_yourself
    assert unsure.position == 2
    # Nothing stored yet, and the prompt is taken: a second reply grades nothing.
    assert await stored(database, HomeworkAnswer) == []
    assert await stored(database, PendingExplain) == []
    # The member rates it: Hard is not right, and counts once.
    rated = await answer(database, library, hw_id, ANN, 2, rating=Rating.HARD)
    assert rated.outcome is Outcome.RECORDED and not rated.right
    assert (await answer(database, library, hw_id, ANN, 2, rating=Rating.GOOD)).outcome is (
        Outcome.ALREADY
    )
    assert [(a.position, a.rating, a.correct) for a in await stored(database, HomeworkAnswer)] == [
        (2, int(Rating.HARD), False)
    ]
    assert [(r.item_id, r.source) for r in await stored(database, ReviewLog)] == [
        ("alpha-e0", "homework")
    ]


# --- 10. nothing to assign --------------------------------------------------------------------


async def test_a_source_with_nothing_to_assign_is_refused(database: Database) -> None:
    library = library_of([homework_deck("alpha"), pictures_deck()])
    await join(database, [(ANN, "Ann")])
    offered = await database.run(homework.choices, library=library, chat_id=CHAT)
    assert offered.decks == [("alpha", "Deck alpha")] and not offered.has_weakest

    for source in ("pix", homework.WEAKEST, "nope"):
        with pytest.raises(HomeworkError, match="nothing to assign"):
            await assign(database, library, source=source)
    # Due today at a time already past: refused too.
    with pytest.raises(HomeworkError, match="future"):
        await assign(database, library, days=0, clock="06:00")
    assert await stored(database, Homework) == []
    assert await stored(database, HomeworkMember) == []
