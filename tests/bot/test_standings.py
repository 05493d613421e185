"""The class leaderboard's lines: a medal only for a place earned with right answers, and a
labelled time."""

from __future__ import annotations

from bot.handlers.classroom.texts import render_standings
from tutor.store.classroom import Standing


def test_no_medal_for_nothing_right_and_the_time_says_what_it_is() -> None:
    standings = (
        Standing(1, "Ada", 2, 3, 4200),
        Standing(2, "Ben", 0, 3, 9000),
        Standing(3, "Cy", 0, 1, 1000),
    )
    lines = render_standings("Board", standings, "nobody").splitlines()
    assert lines == [
        "Board",
        "🥇 Ada: 2/3 · 4.2 s to answer",
        "2. Ben: 0/3 · 9.0 s to answer",
        "3. Cy: 0/1 · 1.0 s to answer",
    ]
