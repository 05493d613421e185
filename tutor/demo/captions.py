"""The caption under a demo's picture: what this run measured, in one short paragraph."""

from __future__ import annotations

from tutor.demo import texts
from tutor.demo.request import DemoName
from tutor.demo.results import Curve, TrainingResult
from tutor.demo.specs import DifferentialSpec, ScheduleSpec


def _outcome(curve: Curve, best: Curve | None) -> str:
    if curve.diverged_at is not None:
        return texts.DIVERGED_CLAUSE.format(label=curve.label, step=curve.diverged_at)
    clause = texts.REACHED_CLAUSE.format(
        label=curve.label, loss=texts.format_loss(curve.final_loss)
    )
    if curve.spikes:
        clause += texts.SPIKES_CLAUSE.format(
            spikes=curve.spikes, s="" if curve.spikes == 1 else "s"
        )
    return clause + (texts.BEST_MARK if curve is best else "")


def _lr_caption(result: TrainingResult) -> str:
    clauses = "; ".join(_outcome(curve, result.best) for curve in result.curves)
    return f"{texts.LR_CAPTION_HEAD.format(steps=result.steps)} {clauses}."


def _schedule_caption(result: TrainingResult) -> str:
    assert isinstance(result.spec, ScheduleSpec)
    head = texts.SCHEDULE_CAPTION_HEAD.format(peak=result.spec.peak_lr, steps=result.steps)
    clauses = []
    for curve in result.curves:
        if curve.diverged_at is not None:
            clauses.append(texts.DIVERGED_CLAUSE.format(label=curve.label, step=curve.diverged_at))
            continue
        clause = texts.SCHEDULE_CLAUSE.format(
            label=curve.label, detail=curve.detail, loss=texts.format_loss(curve.final_loss)
        )
        clauses.append(clause + (texts.BEST_MARK if curve is result.best else ""))
    return f"{head} {'; '.join(clauses)}."


def _marking_lowest(curves: tuple[Curve, ...], values: list[float | None]) -> list[str]:
    # One clause per setting; the lowest value among runs that did not diverge is marked.
    finite = [
        v
        for curve, v in zip(curves, values, strict=True)
        if v is not None and curve.diverged_at is None
    ]
    lowest = min(finite, default=None)
    clauses = []
    for curve, value in zip(curves, values, strict=True):
        if curve.diverged_at is not None:
            clauses.append(texts.DIVERGED_CLAUSE.format(label=curve.label, step=curve.diverged_at))
        elif value is not None:
            mark = texts.LOWEST_MARK if value == lowest else ""
            clauses.append(
                texts.DIFFERENTIAL_CLAUSE.format(label=curve.label, loss=texts.format_loss(value))
                + mark
            )
    return clauses


def _differential_caption(result: TrainingResult) -> str:
    assert isinstance(result.spec, DifferentialSpec)
    curves = result.curves
    pretrained = next((c.kept_loss[0] for c in curves if c.kept_loss), None)
    settings = ", ".join(
        texts.DIFFERENTIAL_SETTING.format(label=c.label, detail=c.detail) for c in curves
    )
    head = texts.DIFFERENTIAL_CAPTION_HEAD.format(
        pretrained=texts.format_loss(pretrained) if pretrained is not None else "?",
        steps=result.steps,
        settings=settings,
    )
    new = texts.DIFFERENTIAL_NEW_LINE.format(
        clauses=", ".join(_marking_lowest(curves, [c.final_loss for c in curves]))
    )
    old = texts.DIFFERENTIAL_OLD_LINE.format(
        clauses=", ".join(_marking_lowest(curves, [c.final_kept_loss for c in curves]))
    )
    return f"{head}\n{new}\n{old}"


def build_caption(result: TrainingResult) -> str:
    """States what the run measured: final losses, divergence steps, the best setting.

    Args:
        result: The demo's training result.

    Returns:
        Plain text (no markup), at most `texts.CAPTION_LIMIT` characters.
    """
    if result.request.demo is DemoName.LR:
        caption = _lr_caption(result)
    elif result.request.demo is DemoName.SCHEDULE:
        caption = _schedule_caption(result)
    else:
        caption = _differential_caption(result)
    if len(caption) > texts.CAPTION_LIMIT:
        caption = caption[: texts.CAPTION_LIMIT - 1] + "…"
    return caption
