"""The class's rating of a question from one poll's answers: its share right as FSRS's rating."""

from __future__ import annotations

from fractions import Fraction

from tutor.domain.scheduling import Rating

# A closing poll's share of right answers → the class's rating of the question: under two
# thirds right the class forgot it (Again); then Hard, Good, and Easy from 95% up.
HARD_FROM, GOOD_FROM, EASY_FROM = Fraction(2, 3), Fraction(85, 100), Fraction(95, 100)


def class_rating(answered: int, right: int) -> Rating | None:
    """The class's rating of a question from one poll's answers (None: nobody answered,
    which says nothing about what the class remembers)."""
    if answered <= 0:
        return None
    share = Fraction(right, answered)
    if share < HARD_FROM:
        return Rating.AGAIN
    if share < GOOD_FROM:
        return Rating.HARD
    return Rating.GOOD if share < EASY_FROM else Rating.EASY
