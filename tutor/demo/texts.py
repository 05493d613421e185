"""Every word the demos show a learner: usage, setting names, plot labels and caption phrases."""

from __future__ import annotations

from collections.abc import Sequence

from tutor.demo.specs import DifferentialSpec, ScheduleSpec, WarmupSpec

# Asking for a demo.
USAGE_TEMPLATE = (
    "Usage: /demo lr | schedule | differential | warmup\n"
    "For lr you may give 1 to {max_rates} learning rates of your own, each above 0 and at most "
    "{max_rate:g}, e.g. /demo lr 0.001 0.1 1.5"
)
NO_DEMO = "Which demo?"
UNKNOWN_DEMO = "There is no demo called “{name}”."
RATES_ONLY_FOR_LR = "Only the lr demo takes learning rates, not {demo}."
RATE_COUNT = "Give 1 to {max_rates} learning rates."
TOO_MANY_RATES = "Give at most {max_rates} learning rates."
NOT_A_NUMBER = "“{text}” is not a number."
RATE_RANGE = "A learning rate must be a number above 0 and at most {max_rate:g}."

# Running one.
BUSY = "Your previous demo is still running; it will arrive in a moment."
QUEUE_FULL = "Too many demos are waiting right now; please try again in a minute."
FAILED = "The demo could not run this time; please try again later."

# Setting names (legend entries and caption clauses) and how each was configured.
LR_LABEL = "lr={rate:g}"
SCHEDULE_SETTINGS = (
    ("constant", "lr={peak:g} throughout"),
    ("StepLR", "×{gamma:g} every {step_size} steps"),
    ("ReduceLROnPlateau", "×{factor:g} after {patience} flat steps"),
    ("cosine + warm-up", "{warmup}-step warm-up, cosine"),
)
WARMUP_SETTINGS = (
    ("no warm-up", "lr={peak:g} from step 0"),
    ("warm-up", "{warmup}-step warm-up, then flat"),
    ("warm-up + cosine", "{warmup}-step warm-up, cosine"),
)
DIFFERENTIAL_SETTINGS = (
    ("one rate for all", "lr={large:g} everywhere"),
    ("frozen body", "body 0, new head {large:g}"),
    ("parameter groups", "body {small:g}, new head {large:g}"),
)

# Plots.
STEP_AXIS = "training step"
LOSS_AXIS = "loss (MSE, log scale)"
LOSS_AXIS_SHORT = "loss (log scale)"  # beside a panel half as high
LR_AXIS = "learning rate"
LR_TITLE = "Only the learning rate differs"
LR_TITLE_ONE = "One run at {label}"
LR_SUBTITLE = "same network and data; plain SGD, full batch, {steps} steps"
LR_LEGEND = "learning rate"
BLIND_LEGEND = "run"
SCHEDULE_LEGEND = "schedule"
DIFFERENTIAL_LEGEND = "fine-tuning rates"
LEGEND_FINAL = "final loss {loss}"
LEGEND_SPIKES = "loss spiked {spikes}×"
LEGEND_FINE_TUNED = "final: B {new}, A {old}"
LEGEND_DIVERGED = "diverged at step {step}"
SCHEDULE_TITLE = "Schedules: mini-batch SGD from lr={peak:g}"
SCHEDULE_LOSS_PANEL = "training loss (whole data set)"
SCHEDULE_LR_PANEL = "learning rate each schedule used"
WARMUP_LEGEND = "schedule"
WARMUP_TITLE = "Adam at lr={peak:g}: with and without warm-up"
DIFFERENTIAL_TITLE = "Fine-tuning a pretrained network"
DIFFERENTIAL_NEW_PANEL = "new task B: loss (lower = learnt)"
DIFFERENTIAL_OLD_PANEL = "old task A: loss (lower = kept)"
PRETRAINED_MARK = "after pretraining"
DIVERGED_MARK = "diverged at step {step}"
THRESHOLD_MARK = "divergence: loss above {factor:g}× its start"
SLOW_MARK = "converging slowly: ends above {loss:g}"
FAST_MARK = "converging fast: ends below {loss:g}"

# Captions.
CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption
LR_CAPTION_HEAD = "Plain full-batch SGD, {steps} steps, same network, data and start."
REACHED_CLAUSE = "{label} reached {loss}"
SPIKES_CLAUSE = " but its loss spiked {spikes} time{s}"
DIVERGED_CLAUSE = "{label} diverged at step {step}"
BEST_MARK = " (best)"
SCHEDULE_CAPTION_HEAD = "Mini-batch SGD from lr={peak:g}, {steps} steps. Final loss:"
SCHEDULE_CLAUSE = "{label} ({detail}) {loss}"
WARMUP_CAPTION_HEAD = "Mini-batch Adam at lr={peak:g}, {steps} steps. Final loss:"
DIFFERENTIAL_CAPTION_HEAD = (
    "Pretrained on task A (loss {pretrained}), then {steps} fine-tuning steps on task B "
    "with a new head, three ways: {settings}."
)
DIFFERENTIAL_SETTING = "{label} ({detail})"
DIFFERENTIAL_NEW_LINE = "Task B loss: {clauses}."
DIFFERENTIAL_OLD_LINE = "Task A loss kept: {clauses}."
DIFFERENTIAL_CLAUSE = "{label} {loss}"
LOWEST_MARK = " (lowest)"

# The lesson each caption starts with, read off the run it describes.
LESSON_ALL_DIVERGED = "Every rate here was too large: each run blew up within a few steps."
# A lone run's lesson, by its outcome (tutor.demo.outcomes).
LESSON_FAST = "At {label} the loss fell close to the noise floor: a rate that works here."
LESSON_SLOW = "At {label} the loss is still high after {steps} steps: too small a rate to get far."
LESSON_OSCILLATES = (
    "At {label} the loss jumped up again and again: the steps overshoot the valley."
)
LESSON_DIVERGES = "At {label} the loss blew up: the rate is too large for this network."
LESSON_ONE_UNCLEAR = "At {label} the loss reached {loss} in {steps} steps."
LESSON_BETWEEN = (
    "Too small a rate crawls and too large a rate {unstable}: {best} did best, below where "
    "training turned unstable."
)
LESSON_LARGER_HELPS = "A larger rate got further in the same {steps} steps: {best} did best."
LESSON_MIDDLE = "{best} did best: smaller rates got less far, larger ones ended higher."
LESSON_SMALLEST = "The larger rates turned unstable; {best}, the smallest here, did best."
LESSON_BEST = "{best} did best in {steps} steps."
UNSTABLE_WORDS = {
    (True, False): "spikes",
    (False, True): "blows up",
    (True, True): "spikes or blows up",
}
LESSON_SCHEDULE = (
    "Lowering the rate as training goes on let the loss settle lower than a constant rate: "
    "{best} ended at {loss}, constant at {constant}."
)
LESSON_SCHEDULE_CONSTANT = "Here a constant rate did as well as lowering it over time."
LESSON_WARMUP = (
    "Adam's first steps move every weight by about the full rate at once: without warm-up "
    "the loss jumped to {jump}× its start by step {step}. Warmed up to the same rate, it "
    "never rose above its start{settled}."
)
LESSON_WARMUP_DIVERGED = (
    "Adam's first steps move every weight by about the full rate at once: without warm-up "
    "the loss blew up at step {step}. Warmed up to the same rate, it never rose above its "
    "start{settled}."
)
LESSON_WARMUP_SETTLED = "; {best} ended lowest, at {loss}"
LESSON_WARMUP_PLAIN = (
    "Here Adam started at the full rate without harm: compare the first steps of each run."
)
LESSON_DIFFERENTIAL = (
    "A small rate for the pretrained body and a large one for the new head learnt task B "
    "about as well as one rate for all, and kept more of task A."
)
LESSON_DIFFERENTIAL_PLAIN = (
    "Compare how much of task B each way learnt and how much of task A it kept."
)


def format_loss(value: float) -> str:
    """A loss as shown to a learner: 2 significant digits, 3 from 10 up (0.021, 1.2, 141)."""
    return f"{value:.2g}" if value < 10 else f"{value:.3g}"


def lr_labels(rates: Sequence[float]) -> list[str]:
    """The ``lr`` demo's setting names, one per rate."""
    return [LR_LABEL.format(rate=rate) for rate in rates]


def schedule_settings(spec: ScheduleSpec) -> list[tuple[str, str]]:
    """The ``schedule`` demo's (name, configuration) pairs, in `Schedule` order."""
    values = {
        "peak": spec.peak_lr,
        "gamma": spec.step_gamma,
        "step_size": spec.step_size,
        "factor": spec.plateau_factor,
        "patience": spec.plateau_patience,
        "warmup": spec.warmup_steps,
    }
    return [(name, detail.format(**values)) for name, detail in SCHEDULE_SETTINGS]


def warmup_settings(spec: WarmupSpec) -> list[tuple[str, str]]:
    """The ``warmup`` demo's (name, configuration) pairs, in `Warmup` order."""
    values = {"peak": spec.peak_lr, "warmup": spec.warmup_steps}
    return [(name, detail.format(**values)) for name, detail in WARMUP_SETTINGS]


def differential_settings(spec: DifferentialSpec) -> list[tuple[str, str]]:
    """The ``differential`` demo's (name, configuration) pairs: one rate, frozen, groups."""
    values = {"large": spec.large_lr, "small": spec.small_lr}
    return [(name, detail.format(**values)) for name, detail in DIFFERENTIAL_SETTINGS]
