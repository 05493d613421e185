"""The charts render whatever a user named themselves, their chat or their deck:
``$...$`` is text, not a formula matplotlib must parse."""

from __future__ import annotations

import struct
from datetime import date, timedelta

from tutor.domain import charts

# Each fails mathtext's parser, or would be drawn as a formula.
DOLLARS = ["$\\frac{$", "Ann $x^2$", "$$", "$\\alpha", "Bob $5 $10", "\\$ $_$"]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_heatmap_of_members_and_decks_with_dollars_renders() -> None:
    data = charts.render_class_heatmap(
        DOLLARS, ["$deck$", "Optics $\\frac{"], [[0.5, None]] * len(DOLLARS),
        title="$ML 101$: share right per member and deck, the last 30 days",
    )  # fmt: skip
    assert png_size(data)[0] == 1200


def test_a_session_chart_titled_with_dollars_renders() -> None:
    data = charts.render_session_chart([1.0, 0.5, None], title="$\\frac{$ class: quiz of 2 Mar")
    assert png_size(data) == (1200, 800)


def test_a_stats_chart_for_a_name_with_dollars_renders() -> None:
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(14)]
    data = charts.render_stats_chart(
        [(day, n % 3) for n, day in enumerate(days)], [(day, 1) for day in days], name="$\\frac{$"
    )
    assert png_size(data) == (1200, 800)
