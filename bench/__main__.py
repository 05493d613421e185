"""``python -m bench [all | review | reminders | demo | grading | generated | imports |
owndecks | workers | heavy | report | startup | busyclass | memory | homework | draw]``: print
figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run_demos(*, required: bool) -> int:
    """Run ``bench.demo`` if it exists; without it, a note (and a failure if it was asked for)."""
    try:
        from bench import demo
    except ModuleNotFoundError as exc:
        if exc.name != "bench.demo":
            raise
        print("no demo benchmark: bench/demo.py does not exist yet", file=sys.stderr)
        return 1 if required else 0
    demo.main()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run what it names (everything by default)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Print the project's benchmark figures."
    )
    parser.add_argument(
        "what",
        nargs="?",
        choices=(
            "all",
            "review",
            "reminders",
            "demo",
            "grading",
            "generated",
            "imports",
            "owndecks",
            "workers",
            "heavy",
            "report",
            "startup",
            "busyclass",
            "memory",
            "homework",
            "draw",
        ),
        default="all",
        help=(
            "review: review throughput and latency; reminders: the reminder tick and "
            "10,000 deliveries (about 7 minutes); demo: the demos, and the event loop while "
            "one trains; grading: the explain grader"
            " on the labelled answer set; generated: making generated questions and a /predict "
            "answer; imports: own decks from a 5,000-row CSV and a 5,000-note .apkg; owndecks: "
            "those files parsed and stored (SQLite, PostgreSQL) and the own-deck cache; "
            "workers: a parse past its deadline, and a canary's /help while hostile files "
            "are read; "
            "heavy: two accounts at the quota on items taking turns at /review beside "
            "ordinary learners (SQLite, PostgreSQL); "
            "report: /report and /export for a class of 300,000 answers; startup: from the "
            "bot's process start to its first poll and first replies, and from SIGTERM (or "
            "Ctrl-C in the playground) to its exit; busyclass: a private "
            "/review behind a class of 400 answering (SQLite, PostgreSQL); memory: fitting a "
            "learner's memory model, and review presses while fits run; homework: an "
            "assignment for a class of 300, its due-date nudges through the stand-in's flood "
            "limits and the admin's report (SQLite, PostgreSQL); draw: a rating's unit of work "
            "beside a history of 0 to 5,000 reviewed cards (SQLite, PostgreSQL); all: everything "
            "(default)"
        ),
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="run the review bench's bots under cProfile, writing DIR/tutor.prof, DIR/echo.prof",
    )
    args = parser.parse_args(argv)
    code = 0
    if args.what in ("all", "review"):
        from bench import review

        code = review.main(profile_dir=args.profile)
    if args.what in ("all", "reminders"):
        from bench import reminders

        print()
        code = max(code, reminders.main())
    if args.what in ("all", "grading"):
        from bench import grading

        if args.what == "all":
            print()
        code = max(code, grading.main())
    if args.what in ("all", "generated"):
        from bench import generated

        if args.what == "all":
            print()
        code = max(code, generated.main())
    if args.what in ("all", "imports"):
        from bench import imports

        if args.what == "all":
            print()
        code = max(code, imports.main())
    if args.what in ("all", "owndecks"):
        from bench import owndecks

        if args.what == "all":
            print()
        code = max(code, owndecks.main())
    if args.what in ("all", "workers"):
        from bench import workers

        if args.what == "all":
            print()
        code = max(code, workers.main())
    if args.what in ("all", "heavy"):
        from bench import heavy

        if args.what == "all":
            print()
        code = max(code, heavy.main())
    if args.what in ("all", "report"):
        from bench import report

        if args.what == "all":
            print()
        code = max(code, report.main())
    if args.what in ("all", "startup"):
        from bench import startup

        if args.what == "all":
            print()
        code = max(code, startup.main())
    if args.what in ("all", "busyclass"):
        from bench import busyclass

        if args.what == "all":
            print()
        code = max(code, busyclass.main())
    if args.what in ("all", "memory"):
        from bench import memory

        if args.what == "all":
            print()
        code = max(code, memory.main())
    if args.what in ("all", "homework"):
        from bench import homework

        if args.what == "all":
            print()
        code = max(code, homework.main())
    if args.what in ("all", "draw"):
        from bench import draw

        if args.what == "all":
            print()
        code = max(code, draw.main())
    if args.what in ("all", "demo"):
        if args.what == "all":
            print()
        code = max(code, run_demos(required=args.what == "demo"))
    return code


if __name__ == "__main__":
    sys.exit(main())
