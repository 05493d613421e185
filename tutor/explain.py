"""Explain-it prompts: ask one, wait for the learner's own words, grade them as a review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from tutor.content import ExplainPrompt, ItemKind, Library
from tutor.grading import Grade, grade_explanation
from tutor.store import ItemState, Learner, PendingExplain
from tutor.study import Outcome, practice_order, record_rating


@dataclass(frozen=True)
class PromptToShow:
    """The prompt the learner is asked, with its deck's title."""

    prompt: ExplainPrompt
    deck_title: str


async def ask(
    *, session: AsyncSession, library: Library, learner: Learner, now: datetime
) -> PromptToShow | None:
    """Pick the learner's next prompt (due first), remember it as pending, and commit.

    Returns:
        The prompt, or None when the learner's decks have no explain prompts.
    """
    order = await session.run_sync(
        practice_order, library=library, learner=learner, kind=ItemKind.EXPLAIN, now=now
    )
    if not order:
        return None
    prompt = library.items[order[0]]
    assert isinstance(prompt, ExplainPrompt)
    pending = await session.get(PendingExplain, learner.id)
    if pending is None:
        pending = PendingExplain(learner_id=learner.id, item_id=prompt.id, asked_at=now)
    pending.item_id, pending.asked_at = prompt.id, now
    session.add(pending)
    await session.commit()
    return PromptToShow(prompt=prompt, deck_title=library.decks[library.deck_of[prompt.id]].title)


async def pending_prompt(
    *, session: AsyncSession, library: Library, learner_id: int
) -> ExplainPrompt | None:
    """The prompt waiting for this learner's answer, if any."""
    pending = await session.get(PendingExplain, learner_id)
    if pending is None:
        return None
    prompt = library.items.get(pending.item_id)
    return prompt if isinstance(prompt, ExplainPrompt) else None


async def cancel(*, session: AsyncSession, learner_id: int) -> bool:
    """Drop the pending prompt and commit; False if there was none."""
    result = await session.execute(
        delete(PendingExplain).where(PendingExplain.learner_id == learner_id)  # type: ignore[arg-type]
    )
    await session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ExplainResult:
    """The grade of an answer to a prompt."""

    prompt: ExplainPrompt
    grade: Grade


async def submit(
    *,
    session: AsyncSession,
    library: Library,
    learner: Learner,
    answer: str,
    now: datetime,
) -> ExplainResult | None:
    """Grade ``answer`` against the pending prompt, record it as a review, and commit.

    The pending prompt is removed in the same transaction as the review, so one prompt is
    graded once even if two messages arrive together.

    Returns:
        The result, or None when no prompt was waiting.
    """
    pending = await session.get(PendingExplain, learner.id)
    if pending is None:
        return None
    prompt = library.items.get(pending.item_id)
    asked_at = pending.asked_at
    taken = await session.execute(
        delete(PendingExplain).where(
            PendingExplain.learner_id == learner.id,  # type: ignore[arg-type]
            PendingExplain.item_id == pending.item_id,  # type: ignore[arg-type]
        )
    )
    if taken.rowcount != 1 or not isinstance(prompt, ExplainPrompt):  # type: ignore[attr-defined]
        await session.commit()
        return None
    grade = grade_explanation(prompt, answer)
    state = await session.get(ItemState, (learner.id, prompt.id))
    recorded = await session.run_sync(
        record_rating,
        library=library,
        learner=learner,
        item=prompt,
        version=state.reps if state is not None else 0,
        rating=grade.rating,
        now=now,
        shown_at=asked_at,
        source="explain",
    )
    if recorded.outcome is not Outcome.RECORDED:
        return None
    return ExplainResult(prompt=prompt, grade=grade)
