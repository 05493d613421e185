"""Generated kinds as study items: one schedule entry each, a fresh instance each showing."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.tutor.services.test_practice import quiz_deck
from tutor.domain.content import ItemKind, QuizQuestion
from tutor.domain.library import INTERLEAVE_LEAD, Library, library_of
from tutor.services import classroom, groupchats, quiz
from tutor.services.generated import QUIZ_TEMPLATES, TEMPLATES
from tutor.store import Database, ItemState

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
GENERATED = [t.id for t in TEMPLATES]


@pytest.fixture
def generated_library() -> Library:
    """A basics deck with one question of its own and no other: the templates join it."""
    return library_of([quiz_deck("lr-basics", 1)], templates=QUIZ_TEMPLATES)


def test_the_shipped_library_has_each_generated_kind_once_as_a_quiz_item(
    library: Library,
) -> None:
    quiz_ids = list(library.ids_of_kind(ItemKind.QUIZ))
    for item_id in GENERATED:
        assert quiz_ids.count(item_id) == 1
        assert library.deck_of[item_id] in library.decks


def test_a_library_without_the_templates_decks_leaves_them_out() -> None:
    library = library_of([quiz_deck("alpha", 2)], templates=QUIZ_TEMPLATES)
    assert list(library.ids_of_kind(ItemKind.QUIZ)) == ["alpha-q0", "alpha-q1"]


def test_generated_questions_are_spread_among_the_decks_own_not_left_to_the_end() -> None:
    # The numeric kinds: six of them among fifteen questions of the deck's own.
    numeric = [t for t in QUIZ_TEMPLATES if t.id in GENERATED]
    library = library_of([quiz_deck("lr-basics", 15)], templates=numeric)
    order = list(library.ids_of_kind(ItemKind.QUIZ))
    own = [i for i in order if not i.startswith("gen-")]
    assert own == [f"lr-basics-q{n}" for n in range(15)]  # teaching order kept
    assert [i for i in order if i.startswith("gen-")] == GENERATED
    at = [n for n, i in enumerate(order) if i.startswith("gen-")]
    # The first after three of the deck's own, then one every two own questions.
    assert at[0] == INTERLEAVE_LEAD == 3
    assert [b - a for a, b in itertools.pairwise(at)] == [3] * (len(at) - 1)
    assert order[-1] == "lr-basics-q14"


def _states(session: Session) -> dict[str, int]:
    return {s.item_id: s.reps for s in session.execute(select(ItemState)).scalars()}


async def test_a_quiz_round_shows_fresh_numbers_and_grades_the_instance_shown(
    database: Database, generated_library: Library
) -> None:
    rng = random.Random(5)
    shown: dict[str, list[str]] = {}
    for round_number in range(2):
        now = NOW + timedelta(days=round_number)
        question = await database.run(
            quiz.start_round, library=generated_library, learner_id=1, first_name="Ada",
            now=now, rng=rng, size=7,
        )  # fmt: skip
        while question is not None:
            instance = question.question
            shown.setdefault(instance.id, []).append(instance.question)
            # The learner presses the option the shown instance marks right.
            result = await database.run(
                quiz.answer_question, library=generated_library, learner_id=1,
                first_name="Ada", round_id=question.round_id, index=question.index,
                chosen=instance.correct_index, now=now, rng=rng,
            )  # fmt: skip
            assert result.outcome is quiz.AnswerOutcome.RECORDED
            assert result.correct, instance.question
            assert isinstance(result.question, QuizQuestion)
            assert result.question.question == instance.question
            question = result.next_question
    assert sorted(shown) == sorted(["lr-basics-q0", *GENERATED])
    # Every generated kind is one item with two reviews, and came back with new numbers.
    states = await database.run(_states)
    for item_id in GENERATED:
        assert states[item_id] == 2
        assert shown[item_id][0] != shown[item_id][1], item_id


async def test_a_group_quiz_polls_a_generated_question_with_its_right_option(
    database: Database,
) -> None:
    library = library_of([quiz_deck("lr-basics", 0)], templates=QUIZ_TEMPLATES[:1])
    chat = -100555
    await database.run(groupchats.ensure_group, chat_id=chat, title="Class", now=NOW)
    started = await database.run(
        classroom.start_session, library=library, chat_id=chat, questions=1, seconds=30,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert started is not None and started.id is not None
    to_send = await database.run(
        classroom.advance, library=library, session_id=started.id, from_position=-1,
        now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert isinstance(to_send, classroom.PollToSend)
    assert "StepLR" in to_send.question.question
    right = next(o.text for o in to_send.question.options if o.correct)
    assert to_send.options[to_send.correct_option] == right
