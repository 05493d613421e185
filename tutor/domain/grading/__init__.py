"""Grading explain-it answers against a prompt: relations, contradictions, the grade."""

from tutor.domain.grading.flags import ECHO_SHARE, LIST_ITEM_WORDS
from tutor.domain.grading.grade import LIST_NOTE, Caution, Grade, grade_explanation, rating_for

__all__ = [
    "ECHO_SHARE",
    "LIST_ITEM_WORDS",
    "LIST_NOTE",
    "Caution",
    "Grade",
    "grade_explanation",
    "rating_for",
]
