"""The charts: /stats (reviews per day over the last 30 days and due items over the next
14), a session's report (share right per question) and /report's heatmap (share right per
member and deck).

Imports matplotlib, so it runs in the worker process, never in the bot's event loop.
Every text a user wrote (a name, a chat's title, a deck's) is drawn with mathtext off:
``$...$`` in it is shown as typed, never parsed as a formula (which could fail the chart).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.colors import LinearSegmentedColormap
from matplotlib.dates import DateFormatter, DayLocator, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

# Okabe–Ito: distinguishable with every common colour-vision deficiency.
BLUE, ORANGE, VERMILLION, GREY = "#0072B2", "#E69F00", "#D55E00", "#BBBBBB"
SIZE_INCHES, DPI = (12, 8), 100  # 1200 x 800 px
# Questions under this share right are drawn in the warning colour (the class's Again).
WEAK_SHARE = 2 / 3
# Share right from vermillion (none) through white to blue (all): readable without red/green.
SHARE_COLOURS = LinearSegmentedColormap.from_list("share", [VERMILLION, "#FFFFFF", BLUE])
LABEL_CHARS = 28
# For a user's text: drawn as typed, "$" and all (matplotlib's Text(parse_math=False)).
AS_TYPED: dict[str, Any] = {"parse_math": False}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    figure.suptitle(f"{name}'s learning-rate studies", fontsize=20, **AS_TYPED)
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
    return _png(figure)


def render_session_chart(shares: Sequence[float | None], *, title: str) -> bytes:
    """One bar per question of a session: the share of members who answered it right.

    Args:
        shares: Share right per question in the order asked (None: nobody answered).
        title: The chart's title (the chat and the session's date).
    """
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    axes = figure.subplots()
    numbers = list(range(1, len(shares) + 1))
    heights = [0.0 if s is None else s for s in shares]
    colours = [GREY if s is None else ORANGE if s < WEAK_SHARE else BLUE for s in shares]
    axes.bar(numbers, heights, color=colours, width=0.7)
    axes.axhline(WEAK_SHARE, color=VERMILLION, linestyle="--", linewidth=1.2)
    axes.annotate(
        "two thirds", (1.0, WEAK_SHARE), xycoords=("axes fraction", "data"), ha="right",
        va="bottom", fontsize=11, color=VERMILLION,
    )  # fmt: skip
    for number, value in zip(numbers, shares, strict=True):
        label = "no answers" if value is None else f"{value:.0%}"
        axes.annotate(
            label, (number, 0.0 if value is None else value), ha="center", va="bottom",
            fontsize=12, xytext=(0, 3), textcoords="offset points",
        )  # fmt: skip
    figure.suptitle(title, fontsize=20, **AS_TYPED)
    axes.set_title("Share of members who answered right, per question", fontsize=16, loc="left")
    axes.set_xlabel("question (in the order asked)", fontsize=14)
    axes.set_ylabel("answered right (share of members)", fontsize=14)
    axes.set_xticks(numbers)
    axes.set_ylim(0, 1.12)
    axes.set_xlim(0.4, len(shares) + 0.6)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.tick_params(labelsize=12)
    axes.grid(axis="y", alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def render_class_heatmap(
    members: Sequence[str],
    decks: Sequence[str],
    shares: Sequence[Sequence[float | None]],
    *,
    title: str,
) -> bytes:
    """Share right per member (rows) and deck (columns), each cell labelled.

    Args:
        members: Row labels, top to bottom.
        decks: Column labels, left to right.
        shares: ``shares[row][column]``, None where the member answered nothing there.
        title: The chart's title.
    """
    height = min(30.0, max(4.0, 1.6 + 0.38 * len(members)))
    figure = Figure(figsize=(12, height), dpi=DPI, layout="constrained")
    axes = figure.subplots()
    grid = [[float("nan") if s is None else s for s in row] for row in shares]
    image = axes.imshow(
        grid, cmap=SHARE_COLOURS, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest"
    )
    for row, values in enumerate(shares):
        for column, value in enumerate(values):
            # White on the deep ends of the scale, black on the pale middle.
            deep = value is not None and abs(value - 0.5) > 0.3
            axes.text(
                column, row, "–" if value is None else f"{value:.0%}", ha="center",
                va="center", fontsize=10, color="white" if deep else "black",
            )  # fmt: skip
    axes.set_xticks(
        range(len(decks)), [_short(d) for d in decks], rotation=20, ha="right", **AS_TYPED
    )
    axes.set_yticks(range(len(members)), [_short(m, 24) for m in members], **AS_TYPED)
    axes.tick_params(labelsize=11, length=0)
    axes.set_xlabel("deck", fontsize=14)
    axes.set_ylabel("member (lowest share right first)", fontsize=14)
    axes.set_title(title, fontsize=16, loc="left", **AS_TYPED)
    colour_bar = figure.colorbar(image, ax=axes, format=PercentFormatter(1.0), shrink=0.8)
    colour_bar.set_label("answered right (share)", fontsize=12)
    return _png(figure)
