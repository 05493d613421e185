"""Cells of the CSV files the bot sends, safe to open in a spreadsheet program.

A spreadsheet runs a cell that starts like a formula (``=``, ``+``, ``-``, ``@``) and
drops a leading tab or carriage return before looking, so a member's name or a question
could run a command on the teacher's computer (CSV injection). OWASP's advice: put a
single quote in front of such a cell, which a spreadsheet shows as text and a reader
still recognises, and quote every field the CSV rules require.
"""

from __future__ import annotations

# What a spreadsheet may read as the start of a formula: OWASP's list, NUL (OWASP ASVS
# 1.2.10), a line feed (stripped like a carriage return by some programs) and the
# full-width forms some programs convert to ASCII.
FORMULA_STARTS = frozenset("=+-@\t\r\n\0＝＋－＠")
CSV_SPECIALS = frozenset(',"\r\n')


def safe_cell(text: str) -> str:
    """The text with a single quote in front when a spreadsheet would run it."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_field(text: str) -> str:
    """One CSV field, formula-safe and quoted only where it must be (as ``csv`` writes
    it): for rows put together by hand."""
    text = safe_cell(text)
    if not CSV_SPECIALS.isdisjoint(text):
        return '"' + text.replace('"', '""') + '"'
    return text
