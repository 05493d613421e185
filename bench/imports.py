"""Own decks from files: the time to parse a 5,000-row CSV and a 5,000-note Anki package
(classic and newer format), and to export a deck and read the export back; the real decks
(REALDECKS, when present); and each hostile file of tests/hostile.py, parsed in a child
process under the suite's memory limit and deadline, with its time and peak memory.

Run with ``python -m bench imports``. Prints figures; never fails on time. The issue's
target (3 s per import) covers parsing and storing; this measures the parsing half, and
the store's half is timed where own decks are stored.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import zstandard

from tutor.imports import MAX_ITEMS, ImportFailed, ParsedDeck, export_deck, parse_file

TARGET_SECONDS = 3.0
RUNS = 5
# Deck files people made (tests/tutor/imports/test_linear.py reads the same).
REALDECKS = Path(
    os.environ.get("TUTOR_REALDECKS", Path(__file__).resolve().parents[2] / "shared" / "realdecks")
)


def make_csv(rows: int = MAX_ITEMS) -> bytes:
    """A CSV as a teacher writes it: named columns, one row in five a quiz question, some
    answers over several lines (quoted), commas and quotes in the text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    out.write("#separator:comma\n#deck:Bench\n")
    writer.writerow(["Front", "Back", "Correct", "Wrong 1", "Wrong 2", "Wrong 3", "Explanation"])
    for n in range(rows):
        if n % 5 == 4:
            writer.writerow(
                [f"Question {n}: which rate diverges?", "", "1.5", "0.01", "0.1", "0.001",
                 f"Explanation {n}: a rate of 1.5 overshoots, \"every\" step."]
            )  # fmt: skip
        else:
            back = f"Answer {n}, with a comma" + ("\nand a second line" if n % 3 == 0 else "")
            writer.writerow([f"Front {n}: what is the learning rate?", back])
    return out.getvalue().encode("utf-8")


def make_newer_apkg(notes: int = MAX_ITEMS) -> bytes:
    """A newer-format package (zstd collection.anki21b): Basic notes, one in ten reversed
    would pass the limit, so all are Basic; HTML in the fields."""
    from tests.tutor.imports.anki_files import BASIC, collection, newer_package

    rows = [
        (n, f"guid{n}", BASIC.id, [f"<b>Front</b> {n}<br>line two", f"<div>Back {n}</div>"])
        for n in range(1, notes + 1)
    ]
    data = collection(
        note_types=[BASIC],
        decks={1: "Default", 9: "Bench"},
        notes=rows,
        cards=[(n, 9, 0) for n, *_ in rows],
    )
    return newer_package(data)


def make_pictured_apkg(notes: int = MAX_ITEMS, images: int = 100) -> bytes:
    """A newer-format package whose every note shows one of ``images`` pictures (64x64
    PNGs, zstd-compressed in the package as Anki writes them) on its front."""
    from tests.hostile import package_with_media, png
    from tests.tutor.imports.anki_files import BASIC, collection

    rows = [
        (n, f"guid{n}", BASIC.id, [f'<img src="p{n % images}.png"> {n}', f"Back {n}"])
        for n in range(1, notes + 1)
    ]
    data = collection(
        note_types=[BASIC], decks={9: "Bench"}, notes=rows, cards=[(n, 9, 0) for n, *_ in rows]
    )
    pictures = {f"p{k}.png": png(64, 64 + k) for k in range(images)}
    compressor = zstandard.ZstdCompressor()
    return package_with_media(
        data, {name: compressor.compress(image) for name, image in pictures.items()}
    )


def make_classic_apkg(notes: int = MAX_ITEMS) -> bytes | None:
    """A classic package (collection.anki2) written by genanki and deflated as Anki does;
    None when genanki (a dev dependency) is not installed."""
    try:
        import genanki
    except ModuleNotFoundError:
        return None
    deck = genanki.Deck(1_234_567, "Bench")
    for n in range(notes):
        fields = [f"<b>Front</b> {n}<br>line two", f"<div>Back {n}</div>"]
        deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=fields, guid=f"g{n}"))
    stored = io.BytesIO()
    genanki.Package(deck).write_to_file(stored, timestamp=1_700_000_000)
    deflated = io.BytesIO()
    with (
        zipfile.ZipFile(stored) as source,
        zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for name in source.namelist():
            target.writestr(name, source.read(name))
    return deflated.getvalue()


def time_it(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median and worst seconds of ``runs`` calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def _line(label: str, data: bytes, deck: ParsedDeck, median: float, worst: float) -> None:
    items = f"{len(deck.cards)} cards, {len(deck.quiz)} questions, {len(deck.explain)} explain"
    print(
        f"{label:<26}{len(data) / 1024:>8.0f} KiB  {median * 1000:>8.1f} ms  "
        f"{worst * 1000:>8.1f} ms  {items}"
    )


def main() -> int:
    """Print the parse figures; 0 always (a benchmark, not a test)."""
    print(
        f"{'parse_file':<26}{'size':>12}{'median':>11}{'worst':>11}  "
        f"({RUNS} runs; target {TARGET_SECONDS:.0f} s per import, storing included)"
    )
    files: list[tuple[str, str, bytes | None]] = [
        ("5,000-row CSV", "bench.csv", make_csv()),
        ("5,000-note .apkg (zstd)", "bench.apkg", make_newer_apkg()),
        ("5,000-note .apkg (classic)", "bench.apkg", make_classic_apkg()),
        ("5,000 notes, 100 images", "bench.apkg", make_pictured_apkg()),
    ]
    exported: ParsedDeck | None = None
    for label, name, data in files:
        if data is None:
            print(f"{label:<26}  skipped: genanki is not installed (pip install -e '.[dev]')")
            continue
        deck = parse_file(name, data)
        median, worst = time_it(lambda name=name, data=data: parse_file(name, data))
        _line(label, data, deck, median, worst)
        exported = exported or deck
    assert exported is not None
    export_name, export_data = export_deck(exported)
    median, worst = time_it(lambda: export_deck(exported))
    _line("export the CSV's deck", export_data, exported, median, worst)
    again = parse_file(export_name, export_data)
    median, worst = time_it(lambda: parse_file(export_name, export_data))
    _line("read the export back", export_data, again, median, worst)
    print()
    real_decks()
    print()
    hostile_files()
    return 0


def real_decks() -> None:
    """Every real deck file parsed once: how many imported, the items, the time."""
    paths = sorted(p for p in REALDECKS.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    if not paths:
        print(f"real decks: none at {REALDECKS} (set TUTOR_REALDECKS)")
        return
    imported = items = 0
    size = 0
    slowest, slowest_seconds = paths[0], 0.0
    started = time.perf_counter()
    for path in paths:
        data = path.read_bytes()
        size += len(data)
        began = time.perf_counter()
        try:
            deck = parse_file(path.name, data)
        except ImportFailed:
            continue
        if time.perf_counter() - began > slowest_seconds:
            slowest, slowest_seconds = path, time.perf_counter() - began
        imported += 1
        items += deck.item_count
    seconds = time.perf_counter() - started
    print(
        f"real decks: {len(paths)} files, {size / 1024 / 1024:.1f} MiB: {imported} imported "
        f"({items:,} items), {len(paths) - imported} refused, {seconds:.2f} s in all"
    )
    # The slowest, parsed again in a child (as the bot's file workers do) for its memory.
    from tests.hostile import HostileFile, parse_in_child

    child = parse_in_child(HostileFile(slowest.name, slowest.read_bytes(), "", "imported"))
    extra = (child.peak_rss_kib - child.start_rss_kib) >> 10
    print(
        f"slowest real deck ({slowest.name}, {child.items:,} items): parsed in "
        f"{child.seconds * 1000:.0f} ms, peak memory {extra} MiB over the child's start "
        "(targets: 1 s, 50 MB)"
    )


def hostile_files() -> None:
    """Each hostile file parsed in a child process: outcome, parse time, peak memory."""
    from tests.hostile import CHILD_MEMORY_BYTES, CHILD_SECONDS, build_corpus, parse_in_child

    print(
        f"{'hostile file':<24}{'size':>10}  {'expected':<9}{'outcome':<10}{'parse':>9}"
        f"{'peak RSS':>10}  (a child each: {CHILD_MEMORY_BYTES >> 20} MiB address space, "
        f"{CHILD_SECONDS:.0f} s)"
    )
    start_rss = 0
    for hostile in build_corpus():
        outcome = parse_in_child(hostile)
        start_rss = max(start_rss, outcome.start_rss_kib)
        print(
            f"{hostile.name:<24}{len(hostile.data) / 1024:>7.0f} KiB  {hostile.expect:<9}"
            f"{outcome.kind:<10}{outcome.seconds * 1000:>6.0f} ms"
            f"{outcome.peak_rss_kib / 1024:>6.0f} MiB  {hostile.attack}"
        )
    print(f"(a child's RSS before parsing, the interpreter and the parser: {start_rss >> 10} MiB)")


if __name__ == "__main__":
    raise SystemExit(main())
