"""Render the README's example reports from a made-up class: ``docs/report.png`` (a
session's chart), ``docs/heatmap.png`` (/report's chart), and the texts, printed.

    python docs/example_report.py
"""

from __future__ import annotations

import random
import re
import sys
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.handlers.reports import render_class_report, render_session_report  # noqa: E402
from tutor.catalog import load_library  # noqa: E402
from tutor.domain import charts, classreport  # noqa: E402
from tutor.domain.classreport import MemberItemTotal, PollAsked, SessionVote  # noqa: E402
from tutor.domain.content import ItemKind, QuizQuestion  # noqa: E402
from tutor.services import reports  # noqa: E402

NAMES = ["Ada", "Ben", "Chloé", "Dev", "Emil", "Fatima", "Gus", "Hana", "Ivo", "Jun", "Kai"]
START = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def main() -> None:
    library = load_library(ROOT / "content")
    rng = random.Random(15)
    quiz = {q.id: q for q in library.items_of_kind(ItemKind.QUIZ) if isinstance(q, QuizQuestion)}
    # The first question of each deck.
    ids = [next(i for i in quiz if library.deck_of[i] == deck) for deck in library.decks]
    ability = {n: rng.uniform(0.3, 0.95) for n in range(len(NAMES))}
    polls, votes = [], []
    for position, item_id in enumerate(ids):
        question = quiz[item_id]
        polls.append(
            PollAsked(f"p{position}", position, item_id, question.question,
                      [o.text for o in question.options], None, 0)
        )  # fmt: skip
        wrong = [i for i in range(len(question.options)) if i != question.correct_index]
        # The third question is the hard one: most pick the same wrong option.
        ease = -0.45 if position == 2 else 0.0
        for n, name in enumerate(NAMES):
            right = rng.random() < ability[n] + ease
            chosen = question.correct_index if right else (wrong[0] if ease else rng.choice(wrong))
            votes.append(SessionVote(f"p{position}", n + 1, name, right, chosen,
                                     rng.randint(3_000, 28_000)))  # fmt: skip
    figures = classreport.session_figures(polls, votes, library=library)
    session = reports.SessionReport(
        session_id=42, chat_id=-100, chat_title="ML 101", recipient=1, started_at=START,
        zone="Europe/Berlin", figures=figures,
    )  # fmt: skip
    print(plain(render_session_report(session)))
    chart = charts.render_session_chart(
        [q.share for q in figures.questions], title="ML 101: quiz of 2 Mar 2026, 10:15"
    )
    (ROOT / "docs" / "report.png").write_bytes(chart)

    totals = []
    for n in range(len(NAMES)):
        for item_id in rng.sample(sorted(quiz), 24):
            answers = []  # (in the window's later half, right)
            for _ in range(rng.randint(1, 3)):
                later = rng.random() < 0.5
                # Emil did well, then got nothing right in the last two weeks.
                answers.append((later, rng.random() < ability[n] and not (n == 4 and later)))
            totals.append(
                MemberItemTotal(
                    n + 1, item_id, len(answers), sum(r for _, r in answers),
                    sum(1 for lt, _ in answers if lt), sum(1 for lt, r in answers if lt and r),
                )
            )  # fmt: skip
    names = {n + 1: name for n, name in enumerate(NAMES)}
    recent = set(names) - {7}  # Gus missed the last three sessions
    recall = {1: 0.91, 3: 0.84, 6: 0.77}
    class_figures = classreport.class_figures(totals, names, recent, recall, library=library)
    report = reports.ClassReport(chat_id=-100, chat_title="ML 101", days=30,
                                 figures=class_figures)  # fmt: skip
    print()
    print(plain(render_class_report(report)))
    heatmap = class_figures.heatmap
    chart = charts.render_class_heatmap(
        heatmap.members, heatmap.decks, heatmap.shares,
        title="ML 101: share right per member and deck, the last 30 days",
    )  # fmt: skip
    (ROOT / "docs" / "heatmap.png").write_bytes(chart)


if __name__ == "__main__":
    main()
