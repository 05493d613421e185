"""Draws a demo's result as one PNG that reads at a glance on a phone: 1200×1200, the legend
under the plot across the whole width, and type large enough to read in the chat without
opening the picture (a phone shows it about 380 px wide: 15 pt at 150 dpi is 10 px there).

Uses matplotlib's object API on the Agg canvas (no pyplot, no global figure state), log-scale
losses, the Okabe–Ito colour-blind-safe palette with distinct line styles as a second cue,
and a ✕ where a run diverged.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import matplotlib as mpl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from tutor.demo import texts
from tutor.demo.outcomes import FAST_BELOW, SLOW_ABOVE
from tutor.demo.request import DemoName
from tutor.demo.results import DIVERGENCE_FACTOR, Curve, TrainingResult
from tutor.demo.specs import ScheduleSpec, WarmupSpec

WIDTH_PX, HEIGHT_PX, DPI = 1200, 1200, 150
# Okabe & Ito (2008), ordered so that the first three are far apart for the usual 3–4 lines.
PALETTE = ("#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 1)))
MUTED = "#555555"
# The plots take the top of the figure, the legend the bottom: at most PLOT_BOTTOM of it,
# as much as its rows need (figure fractions: the axis labels, a line, a row's spacing).
PLOT_BOTTOM = 0.42
LEGEND_BASE, LEGEND_LINE, LEGEND_ROW = 0.17, 0.032, 0.02
# Points at 150 dpi (1 pt is about 2 px of the 1200).
STYLE: dict[RcKeyType, Any] = {
    "font.size": 16,
    "axes.titlesize": 18,
    "axes.labelsize": 17,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 15,
    "figure.titlesize": 20,
    "lines.linewidth": 3.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.35,
    "axes.titlelocation": "left",
}


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _linestyle(index: int) -> Any:
    return LINESTYLES[index % len(LINESTYLES)]


@contextmanager
def _style() -> Iterator[None]:
    # rc_context restores the defaults afterwards: nothing leaks into other figures.
    with mpl.rc_context(STYLE):
        yield


def _figure() -> Figure:
    # A fixed layout rather than "constrained": the figures' parts never change, and solving
    # the layout would draw every figure twice.
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    figure.subplots_adjust(left=0.13, right=0.96, top=0.88, bottom=PLOT_BOTTOM, hspace=0.45)
    return figure


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    # Fast zlib level: the PNG grows by a few kB and saves tens of milliseconds.
    figure.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _loss_limits(
    series: Sequence[Sequence[float]], threshold: float | None
) -> tuple[float, float]:
    # Only positive finite values (all of them, unless a run went wrong from its start).
    values = [v for s in series for v in s if v > 0 and math.isfinite(v)] or [1.0]
    low = min(values) / 1.6
    high = max(values) * 1.6
    if threshold is not None:
        # Room above the threshold for the ✕, but not for the explosion itself.
        high = min(high, threshold * 2.5)
    return low, high


def _plot_losses(
    axes: Axes, curves: Sequence[Curve], series: Sequence[Sequence[float]], *, steps: int
) -> None:
    """Draws one loss line per curve on a log scale, with a ✕ where a run diverged."""
    diverged = [curve for curve in curves if curve.diverged_at is not None]
    initial = max((values[0] for values in series if values), default=1.0)
    threshold = initial * DIVERGENCE_FACTOR
    low, high = _loss_limits(series, threshold if diverged else None)
    marks: list[tuple[int, float]] = []
    for index, (curve, values) in enumerate(zip(curves, series, strict=True)):
        colour = _colour(index)
        axes.plot(range(len(values)), values, color=colour, linestyle=_linestyle(index))
        if curve.diverged_at is None:
            continue
        step = curve.diverged_at
        # The last value is the exploded loss, unless it was NaN or inf and so left out.
        y = min(values[-1] if len(values) > step else high, high / 1.3)
        # Runs that blew up at the same step get their ✕ stacked, not hidden behind another.
        while any(s == step and abs(math.log(y / other)) < 0.25 for s, other in marks):
            y /= 1.35
        marks.append((step, y))
        axes.plot(
            [step],
            [y],
            marker="X",
            markersize=22,
            color=colour,
            markeredgecolor="black",
            markeredgewidth=1.5,
            linestyle="none",
            zorder=5,
        )
        if len(diverged) == 1:
            axes.annotate(
                texts.DIVERGED_MARK.format(step=step),
                xy=(step, y),
                xytext=(18, 0),
                textcoords="offset points",
                color=colour,
                fontweight="bold",
                va="center",
            )
    if diverged:
        _reference_line(axes, threshold, texts.THRESHOLD_MARK.format(factor=DIVERGENCE_FACTOR))
    axes.set_yscale("log")
    axes.set_ylim(low, high)
    if diverged and len(diverged) == len(curves):
        # Everything blew up within a few steps: show those steps, not hundreds of empty ones.
        last = max(curve.diverged_at or 0 for curve in curves)
        axes.set_xlim(0, max(5, math.ceil(last * 1.5)))
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        # A little room left of step 0: a run that blew up at once is a line and a ✕ clear
        # of the axis, not a sliver on it.
        axes.set_xlim(-steps * 0.02, steps)
    axes.set_ylabel(texts.LOSS_AXIS)


def _reference_line(axes: Axes, y: float, text: str, *, above: bool = False) -> None:
    axes.axhline(y, color=MUTED, linestyle=(0, (2, 3)), linewidth=1.5, zorder=1)
    axes.annotate(
        text,
        xy=(1.0, y),
        xycoords=("axes fraction", "data"),
        xytext=(-6, 6 if above else -5),
        textcoords="offset points",
        ha="right",
        va="bottom" if above else "top",
        color=MUTED,
        fontsize=14,
    )


def _title(figure: Figure, text: str) -> None:
    figure.suptitle(text, x=0.02, y=0.975, ha="left", fontweight="bold")


def _legend(figure: Figure, curves: Sequence[Curve], notes: Sequence[str], title: str) -> None:
    """One legend for the whole figure, under the plots: it never hides a line."""
    handles = [
        Line2D([], [], color=_colour(index), linestyle=_linestyle(index))
        for index in range(len(curves))
    ]
    labels = [
        "\n".join(part for part in (curve.label, curve.detail, note) if part)
        for curve, note in zip(curves, notes, strict=True)
    ]
    # The plots end where the legend's rows (two entries a row) need the room below them.
    columns = min(2, len(curves))
    rows = [labels[i : i + columns] for i in range(0, len(labels), columns)]
    lines = sum(max(label.count("\n") + 1 for label in row) for row in rows)
    bottom = min(PLOT_BOTTOM, LEGEND_BASE + LEGEND_LINE * lines + LEGEND_ROW * len(rows))
    figure.subplots_adjust(bottom=bottom)
    figure.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(0.02, bottom - 0.08),
        ncols=columns,
        title=title,
        alignment="left",
        labelspacing=0.9,
        handlelength=2.2,
        columnspacing=1.5,
        frameon=False,
    )


def _outcome(curve: Curve, *, best: Curve | None, spikes: bool = False) -> str:
    if curve.diverged_at is not None:
        return texts.LEGEND_DIVERGED.format(step=curve.diverged_at)
    mark = texts.BEST_MARK if curve is best else ""
    outcome = texts.LEGEND_FINAL.format(loss=texts.format_loss(curve.final_loss)) + mark
    if spikes and curve.spikes:
        outcome += "\n" + texts.LEGEND_SPIKES.format(spikes=curve.spikes)
    return outcome


def _render_lr(result: TrainingResult) -> Figure:
    figure = _figure()
    axes = figure.subplots()
    curves = result.curves
    _plot_losses(axes, curves, [c.loss for c in curves], steps=result.steps)
    if result.request.outcomes:
        # What /predict's choices meant, where the curves end (both lines in sight).
        low, high = axes.get_ylim()
        axes.set_ylim(min(low, FAST_BELOW / 1.6), max(high, SLOW_ABOVE * 1.6))
        _reference_line(axes, SLOW_ABOVE, texts.SLOW_MARK.format(loss=SLOW_ABOVE), above=True)
        _reference_line(axes, FAST_BELOW, texts.FAST_MARK.format(loss=FAST_BELOW))
    axes.set_xlabel(texts.STEP_AXIS)
    axes.set_title(texts.LR_SUBTITLE.format(steps=result.steps), color=MUTED, fontsize=16)
    lone = len(curves) == 1
    _title(figure, texts.LR_TITLE_ONE.format(label=curves[0].label) if lone else texts.LR_TITLE)
    if result.request.labels is not None:
        # Blind curves (a "which run is this?" question): names only, no rates, no numbers.
        _legend(figure, curves, [""] * len(curves), texts.BLIND_LEGEND)
    else:
        notes = [_outcome(c, best=result.best, spikes=True) for c in curves]
        _legend(figure, curves, notes, texts.LR_LEGEND)
    return figure


def _render_schedule(result: TrainingResult) -> Figure:
    """The loss of each schedule over the rate it used: the ``schedule`` and ``warmup`` demos."""
    assert isinstance(result.spec, ScheduleSpec | WarmupSpec)
    figure = _figure()
    loss_axes, lr_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    curves = result.curves
    _plot_losses(loss_axes, curves, [c.loss for c in curves], steps=result.steps)
    loss_axes.set_title(texts.SCHEDULE_LOSS_PANEL)
    loss_axes.set_ylabel(texts.LOSS_AXIS_SHORT)
    for index, curve in enumerate(curves):
        lr = curve.lr or ()
        lr_axes.plot(range(len(lr)), lr, color=_colour(index), linestyle=_linestyle(index))
    lr_axes.set_ylim(0, result.spec.peak_lr * 1.12)
    lr_axes.set_ylabel(texts.LR_AXIS)
    lr_axes.set_xlabel(texts.STEP_AXIS)
    lr_axes.set_title(texts.SCHEDULE_LR_PANEL)
    warmup = isinstance(result.spec, WarmupSpec)
    title = texts.WARMUP_TITLE if warmup else texts.SCHEDULE_TITLE
    _title(figure, title.format(peak=result.spec.peak_lr))
    notes = [_outcome(c, best=result.best) for c in curves]
    _legend(figure, curves, notes, texts.WARMUP_LEGEND if warmup else texts.SCHEDULE_LEGEND)
    return figure


def _render_differential(result: TrainingResult) -> Figure:
    figure = _figure()
    new_axes, old_axes = figure.subplots(2, 1, sharex=True)
    curves = result.curves
    _plot_losses(new_axes, curves, [c.loss for c in curves], steps=result.steps)
    new_axes.set_title(texts.DIFFERENTIAL_NEW_PANEL)
    new_axes.set_ylabel(texts.LOSS_AXIS_SHORT)
    kept = [c.kept_loss or () for c in curves]
    _plot_losses(
        old_axes, [replace(c, diverged_at=None) for c in curves], kept, steps=result.steps
    )
    pretrained = next((values[0] for values in kept if values), None)
    if pretrained is not None:
        _reference_line(old_axes, pretrained, texts.PRETRAINED_MARK, above=True)
    old_axes.set_title(texts.DIFFERENTIAL_OLD_PANEL)
    old_axes.set_ylabel(texts.LOSS_AXIS_SHORT)
    old_axes.set_xlabel(texts.STEP_AXIS)
    _title(figure, texts.DIFFERENTIAL_TITLE)
    notes = [
        texts.LEGEND_FINE_TUNED.format(
            new=texts.format_loss(c.final_loss), old=texts.format_loss(c.final_kept_loss or 0.0)
        )
        for c in curves
    ]
    _legend(figure, curves, notes, texts.DIFFERENTIAL_LEGEND)
    return figure


def render(result: TrainingResult) -> bytes:
    """Draws the demo's result.

    Args:
        result: What a training measured.

    Returns:
        A 1200×1200 PNG.
    """
    with _style():
        if result.request.demo is DemoName.LR:
            figure = _render_lr(result)
        elif result.request.demo in (DemoName.SCHEDULE, DemoName.WARMUP):
            figure = _render_schedule(result)
        else:
            figure = _render_differential(result)
        return _png(figure)
