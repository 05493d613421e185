"""The /stats chart: reviews per day over the last 30 days and due items over the next 14.

Imports matplotlib, so it runs in the worker process, never in the bot's event loop.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib

matplotlib.use("Agg")

from matplotlib.dates import DateFormatter, DayLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
BLUE, ORANGE = "#0072B2", "#E69F00"
SIZE_INCHES, DPI = (12, 8), 100  # 1200 x 800 px


def render_stats_chart(
    history: Sequence[tuple[date, int]], forecast: Sequence[tuple[date, int]], *, name: str
) -> bytes:
    """Render the two bar charts as one PNG.

    Args:
        history: (day, reviews) for the past days, oldest first.
        forecast: (day, items due) for the coming days, today first (overdue counted today).
        name: The learner's first name, for the title.
    """
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    figure.suptitle(f"{name}'s learning-rate studies", fontsize=20)
    past, coming = figure.subplots(2, 1)
    panels = (
        (past, history, BLUE, "Reviews per day, last 30 days", "reviews"),
        (coming, forecast, ORANGE, "Items due per day, next 14 days", "items due"),
    )
    for axes, series, colour, title, unit in panels:
        days = [day for day, _ in series]
        counts = [count for _, count in series]
        axes.bar(days, counts, color=colour, width=0.8)
        axes.set_title(title, fontsize=16, loc="left")
        axes.set_ylabel(f"{unit} (count)", fontsize=14)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.xaxis.set_major_locator(DayLocator(interval=max(1, len(days) // 10)))
        axes.xaxis.set_major_formatter(DateFormatter("%d %b"))
        axes.tick_params(labelsize=12)
        axes.set_ylim(bottom=0, top=max(1, *counts) * 1.15)
        axes.set_xlim(date2num(days[0]) - 0.6, date2num(days[-1]) + 0.6)
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        for day, count in series:
            if count:
                axes.annotate(
                    str(count), (day, count), ha="center", va="bottom", fontsize=11,
                    xytext=(0, 2), textcoords="offset points",
                )  # fmt: skip
    coming.set_xlabel("date (your time zone)", fontsize=14)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
