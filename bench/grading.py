"""``python -m bench grading``: the explain grader on the labelled answer set.

Prints, per label, how the grader rates the hand-labelled answers in tests/grading/, the
shares the targets are set on, and how long grading one answer takes (median and p99).
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tutor.catalog import load_library
from tutor.domain.content import ExplainPrompt
from tutor.domain.grading import Grade, grade_explanation
from tutor.domain.language import Lexicon
from tutor.domain.library import Library
from tutor.domain.scheduling import Rating

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "tests" / "grading"
LABELS = (
    "correct",
    "correct-unusual-wording",
    "partial",
    "negated",
    "reversed",
    "misconceived",
    "keyword-list",
    "echo",
    "off-topic",
    "empty",
)
CORRECT = ("correct", "correct-unusual-wording")
WRONG = ("negated", "reversed", "misconceived")
IGNORED = ("echo", "off-topic")


@dataclass(frozen=True)
class Labelled:
    """One hand-labelled answer to a shipped explain prompt."""

    prompt: ExplainPrompt
    answer: str
    label: str


def load_answers(library: Library, directory: Path = ANSWERS) -> list[Labelled]:
    """Every labelled answer in ``directory``/*.yaml, checked against the library."""
    answers = []
    for path in sorted(directory.glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")):
            prompt = library.items.get(row["prompt"])
            if not isinstance(prompt, ExplainPrompt):
                raise ValueError(f"{path}: {row['prompt']!r} is not an explain prompt")
            if row["label"] not in LABELS:
                raise ValueError(f"{path}: unknown label {row['label']!r}")
            answers.append(Labelled(prompt, str(row["answer"]), row["label"]))
    return answers


BLIND = ANSWERS / "blind" / "answers.yaml"
# More blind sets by other writers. A to D were measured, then their misses were read to
# find causes (so they are no longer unseen); E and F were measured once each, after the
# changes their misses led to; G was written after the last change and measured once.
# H answers the sixth deck's four prompts, written blind once they were shipped.
BLIND_B = ANSWERS / "blind-b" / "answers.yaml"
BLIND_C = ANSWERS / "blind-c" / "answers.yaml"
BLIND_D = ANSWERS / "blind-d" / "answers.yaml"
BLIND_E = ANSWERS / "blind-e" / "answers.yaml"
BLIND_F = ANSWERS / "blind-f" / "answers.yaml"
BLIND_G = ANSWERS / "blind-g" / "answers.yaml"
BLIND_H = ANSWERS / "blind-h" / "answers.yaml"
BLIND_SETS = {
    "A": BLIND,
    "B": BLIND_B,
    "C": BLIND_C,
    "D": BLIND_D,
    "E": BLIND_E,
    "F": BLIND_F,
    "G": BLIND_G,
    "H": BLIND_H,
}
# The blind set's kinds (tests/grading/blind/README.md) as the labelled set's labels.
BLIND_LABELS = {
    "good": "correct",
    "wrong": "misconceived",
    "partial": "partial",
    "keywords": "keyword-list",
    "off-topic": "off-topic",
    "restated": "echo",
}


def load_blind(library: Library, path: Path = BLIND) -> list[Labelled]:
    """The blind set (written without sight of the grader), labelled as the tuned set is."""
    answers = []
    for row in yaml.safe_load(path.read_text(encoding="utf-8")):
        prompt = library.items.get(row["prompt"])
        if not isinstance(prompt, ExplainPrompt):
            raise ValueError(f"{path}: {row['prompt']!r} is not an explain prompt")
        answers.append(Labelled(prompt, str(row["answer"]), BLIND_LABELS[row["kind"]]))
    return answers


@dataclass
class Figures:
    """The shares the issue's targets are set on, and the counts behind them."""

    count: Counter[str] = field(default_factory=Counter)
    correct_half: int = 0  # correct answers covering at least half the concepts
    wrong_good: int = 0  # wrong answers rated Good or Easy
    wrong_again: int = 0  # wrong answers rated Again
    lists_over_hard: int = 0  # keyword lists rated above Hard
    ignored_not_again: int = 0  # echoes and off-topic answers not rated Again
    correct_cautioned: int = 0  # correct answers told they hold a misconception
    ratings: dict[str, Counter[str]] = field(default_factory=dict)
    unsure: Counter[str] = field(default_factory=Counter)  # per label: the learner rates

    def add(self, item: Labelled, grade: Grade) -> None:
        label = item.label
        self.count[label] += 1
        self.ratings.setdefault(label, Counter())[grade.rating.name.title()] += 1
        self.unsure[label] += grade.unsure
        if label in CORRECT and 2 * grade.score >= grade.total:
            self.correct_half += 1
        if label in CORRECT and (grade.cautions or grade.contradicted):
            self.correct_cautioned += 1
        if label in WRONG:
            self.wrong_good += grade.rating >= Rating.GOOD
            self.wrong_again += grade.rating is Rating.AGAIN
        if label == "keyword-list":
            self.lists_over_hard += grade.rating > Rating.HARD
        if label in IGNORED:
            self.ignored_not_again += grade.rating is not Rating.AGAIN

    def total(self, labels: tuple[str, ...]) -> int:
        return sum(self.count[label] for label in labels)

    @property
    def correct_half_share(self) -> float:
        return self.correct_half / max(1, self.total(CORRECT))

    @property
    def wrong_again_share(self) -> float:
        return self.wrong_again / max(1, self.total(WRONG))


def evaluate(answers: list[Labelled], lexicon: Lexicon) -> Figures:
    """Grade every labelled answer through its library's lexicon and count the outcomes."""
    figures = Figures()
    for item in answers:
        figures.add(item, grade_explanation(item.prompt, item.answer, lexicon))
    return figures


def timings(answers: list[Labelled], lexicon: Lexicon, rounds: int = 20) -> list[float]:
    """Seconds per grading, each answer graded ``rounds`` times (after one warm-up pass)."""
    for item in answers:
        grade_explanation(item.prompt, item.answer, lexicon)
    times = []
    for _ in range(rounds):
        for item in answers:
            start = time.perf_counter()
            grade_explanation(item.prompt, item.answer, lexicon)
            times.append(time.perf_counter() - start)
    return times


# Answers of Telegram's longest message (4,096 characters) built to make a pattern backtrack:
# runs of one character that a pattern could rescan from every position of the run.
TEXT_LIMIT = 4096
HOSTILE_ANSWERS = {
    "digits": "1" * TEXT_LIMIT,
    "dashes": "-" * TEXT_LIMIT,
    "marks": "!" * (TEXT_LIMIT - 1) + "a",
    "dots": "." * TEXT_LIMIT,
    "words": "a " * (TEXT_LIMIT // 2),
    "negations": "not " * (TEXT_LIMIT // 4),
    "number-dash": "1-" * (TEXT_LIMIT // 2),
    "assignments": "lr=0.1 " * (TEXT_LIMIT // 7),
}


def hostile_timings(library: Library) -> dict[str, float]:
    """The slowest grading, over every shipped prompt, of each hostile answer (seconds)."""
    prompts = [item for item in library.items.values() if isinstance(item, ExplainPrompt)]
    worst = {}
    for name, answer in HOSTILE_ANSWERS.items():
        slowest = 0.0
        for prompt in prompts:
            start = time.perf_counter()
            grade_explanation(prompt, answer, library.lexicon)
            slowest = max(slowest, time.perf_counter() - start)
        worst[name] = slowest
    return worst


def print_figures(title: str, answers: list[Labelled], lexicon: Lexicon) -> None:
    """The figures of one answer set, against the targets."""
    figures = evaluate(answers, lexicon)
    prompts = {item.prompt.id for item in answers}
    print(f"{title}: {len(answers)} answers over {len(prompts)} prompts")
    for label in LABELS:
        ratings = figures.ratings.get(label, Counter())
        spread = ", ".join(f"{name} {ratings[name]}" for name in ("Again", "Hard", "Good", "Easy"))
        print(f"  {label:24} {figures.count[label]:3}   {spread}")
    correct, wrong = figures.total(CORRECT), figures.total(WRONG)
    print(
        f"correct answers with at least half the concepts: {figures.correct_half}/{correct}"
        f" = {figures.correct_half_share:.0%} (target >= 85%)"
    )
    print(
        f"wrong answers (negated, reversed, misconceived) rated Good or Easy:"
        f" {figures.wrong_good}/{wrong} = {figures.wrong_good / max(1, wrong):.0%}"
        " (target <= 10%)"
    )
    print(
        f"wrong answers rated Again: {figures.wrong_again}/{wrong}"
        f" = {figures.wrong_again_share:.0%} (target >= 70%)"
    )
    print(
        f"keyword lists rated above Hard: {figures.lists_over_hard}/"
        f"{figures.count['keyword-list']} (target 0)"
    )
    print(
        f"echoes and off-topic answers not rated Again: {figures.ignored_not_again}/"
        f"{figures.total(IGNORED)} (target 0)"
    )
    print(
        f"correct answers told 'Careful' (a misconception or a key idea turned round):"
        f" {figures.correct_cautioned}/{correct} (target 0)"
    )
    unsure = ", ".join(
        f"{label} {figures.unsure[label]}" for label in LABELS if figures.unsure[label]
    )
    print(f"answers the grader could not tell, so the learner rates them: {unsure or 'none'}")


def main() -> int:
    """Print the figures (the targets are asserted by tests/grading, not here)."""
    library = load_library(ROOT / "content")
    answers = load_answers(library)
    lexicon = library.lexicon
    print_figures("Explain grading: labelled answers (written with the grader)", answers, lexicon)
    for name, path in BLIND_SETS.items():
        print_figures(
            f"Explain grading: blind set {name} (written without sight of the grader)",
            load_blind(library, path),
            lexicon,
        )
    times = sorted(timings(answers, lexicon))
    median = statistics.median(times) * 1000
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000
    print(f"time to grade one answer: median {median:.2f} ms, p99 {p99:.2f} ms (target < 5 ms)")
    worst = hostile_timings(library)
    spread = ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in worst.items())
    print(f"hostile {TEXT_LIMIT}-character answers, slowest over all prompts (ms): {spread}")
    return 0
