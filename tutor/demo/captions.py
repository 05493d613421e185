"""The caption under a demo's picture: the lesson this run shows, in one sentence read off
its numbers, then what it measured."""

from __future__ import annotations

from tutor.demo import texts
from tutor.demo.outcomes import LossOutcome, classify
from tutor.demo.request import DemoName
from tutor.demo.results import Curve, TrainingResult
from tutor.demo.specs import DifferentialSpec, ScheduleSpec, WarmupSpec


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


_LESSON_ONE = {
    LossOutcome.FAST: texts.LESSON_FAST,
    LossOutcome.SLOW: texts.LESSON_SLOW,
    LossOutcome.OSCILLATE: texts.LESSON_OSCILLATES,
    LossOutcome.DIVERGE: texts.LESSON_DIVERGES,
}


def _unstable(curves: list[Curve]) -> str:
    """What the unstable ``curves`` did: spike, blow up, or both."""
    spiked = any(c.diverged_at is None for c in curves)
    blew_up = any(c.diverged_at is not None for c in curves)
    return texts.UNSTABLE_WORDS[spiked, blew_up]


def _lr_lesson(result: TrainingResult) -> str:
    """The lesson of the lr demo's curves (in the order of their rates), from their
    outcomes: too small, best, too large."""
    curves, best, steps = list(result.curves), result.best, result.steps
    if len(curves) == 1:
        curve = curves[0]
        outcome = classify(curve)
        if outcome is None:
            loss = texts.format_loss(curve.final_loss)
            return texts.LESSON_ONE_UNCLEAR.format(label=curve.label, loss=loss, steps=steps)
        return _LESSON_ONE[outcome].format(label=curve.label, steps=steps)
    if best is None:
        return texts.LESSON_ALL_DIVERGED
    at = curves.index(best)
    below, above = curves[:at], curves[at + 1 :]
    unstable = [c for c in above if c.diverged_at is not None or c.spikes]
    if below and unstable:
        return texts.LESSON_BETWEEN.format(unstable=_unstable(unstable), best=best.label)
    if below and not above:
        return texts.LESSON_LARGER_HELPS.format(steps=steps, best=best.label)
    if below:
        return texts.LESSON_MIDDLE.format(best=best.label)
    if unstable and len(unstable) == len(above):
        return texts.LESSON_SMALLEST.format(best=best.label)
    return texts.LESSON_BEST.format(best=best.label, steps=steps)


def _lr_caption(result: TrainingResult) -> str:
    clauses = "; ".join(_outcome(curve, result.best) for curve in result.curves)
    head = texts.LR_CAPTION_HEAD.format(steps=result.steps)
    return f"{_lr_lesson(result)}\n\n{head} {clauses}."


def _schedule_caption(result: TrainingResult) -> str:
    assert isinstance(result.spec, ScheduleSpec)
    head = texts.SCHEDULE_CAPTION_HEAD.format(peak=result.spec.peak_lr, steps=result.steps)
    clauses = "; ".join(_final_clauses(result))
    return f"{_schedule_lesson(result)}\n\n{head} {clauses}."


def _schedule_lesson(result: TrainingResult) -> str:
    constant, best = result.curves[0], result.best
    if best is None or best is constant:
        return texts.LESSON_SCHEDULE_CONSTANT
    constant_loss = (
        texts.format_loss(constant.final_loss) if constant.diverged_at is None else "diverged"
    )
    return texts.LESSON_SCHEDULE.format(
        best=best.label, loss=texts.format_loss(best.final_loss), constant=constant_loss
    )


def _final_clauses(result: TrainingResult) -> list[str]:
    """Each setting's final loss, with its configuration, the best one marked."""
    clauses = []
    for curve in result.curves:
        if curve.diverged_at is not None:
            clauses.append(texts.DIVERGED_CLAUSE.format(label=curve.label, step=curve.diverged_at))
            continue
        clause = texts.SCHEDULE_CLAUSE.format(
            label=curve.label, detail=curve.detail, loss=texts.format_loss(curve.final_loss)
        )
        clauses.append(clause + (texts.BEST_MARK if curve is result.best else ""))
    return clauses


# The no-warm-up run must have jumped at least this far above its start for the lesson to
# say so; a warmed-up run "never rose" if it stayed within rounding of its start.
WARMUP_JUMP_MIN = 1.5
WARMUP_ROSE = 1.01


def _warmup_caption(result: TrainingResult) -> str:
    assert isinstance(result.spec, WarmupSpec)
    head = texts.WARMUP_CAPTION_HEAD.format(peak=result.spec.peak_lr, steps=result.steps)
    clauses = "; ".join(_final_clauses(result))
    return f"{_warmup_lesson(result, result.spec)}\n\n{head} {clauses}."


def _warmup_lesson(result: TrainingResult, spec: WarmupSpec) -> str:
    """The jolt of Adam's first full-rate steps, when the numbers show it: the cold start's
    loss jumps within the warm-up's span, the warmed-up runs' never rises."""
    cold, *warm = result.curves
    early = spec.warmup_steps
    calm = all(
        c.diverged_at is None and max(c.loss[:early]) <= WARMUP_ROSE * c.initial_loss for c in warm
    )
    best = result.best
    settled = (
        texts.LESSON_WARMUP_SETTLED.format(
            best=best.label, loss=texts.format_loss(best.final_loss)
        )
        if best is not None and best is not cold
        else ""
    )
    if calm and cold.diverged_at is not None:
        return texts.LESSON_WARMUP_DIVERGED.format(step=cold.diverged_at, settled=settled)
    start = cold.loss[:early]
    peak_step = max(range(len(start)), key=start.__getitem__)
    jump = start[peak_step] / cold.initial_loss
    if calm and jump >= WARMUP_JUMP_MIN:
        return texts.LESSON_WARMUP.format(jump=f"{jump:.1f}", step=peak_step, settled=settled)
    return texts.LESSON_WARMUP_PLAIN


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
    return f"{_differential_lesson(curves)}\n\n{head}\n{new}\n{old}"


def _differential_lesson(curves: tuple[Curve, ...]) -> str:
    """The lesson of one rate for all, a frozen body and parameter groups, when their
    numbers show it: groups learn the new task about as well and keep more of the old."""
    one, _, groups = curves
    kept = (one.final_kept_loss, groups.final_kept_loss)
    if (
        one.diverged_at is None
        and groups.diverged_at is None
        and kept[0] is not None
        and kept[1] is not None
        and groups.final_loss <= 1.5 * one.final_loss
        and kept[1] < kept[0]
    ):
        return texts.LESSON_DIFFERENTIAL
    return texts.LESSON_DIFFERENTIAL_PLAIN


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
    elif result.request.demo is DemoName.WARMUP:
        caption = _warmup_caption(result)
    else:
        caption = _differential_caption(result)
    if len(caption) > texts.CAPTION_LIMIT:
        caption = caption[: texts.CAPTION_LIMIT - 1] + "…"
    return caption
