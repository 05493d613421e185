"""A member who left a class is out of its /report and /export (from the store, on SQLite
and PostgreSQL) until they come back; their own /forget removes the record too."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.tutor.services.test_reports import CHAT, NOW, library, play_session  # noqa: F401
from tutor.domain.library import Library
from tutor.services import groupchats, learners, report_export, reports
from tutor.store import Database
from tutor.store import reports as queries

LATER = NOW + timedelta(hours=1)


async def report_names(database: Database, library: Library) -> list[str]:  # noqa: F811
    report = await database.run(
        reports.class_report,
        library=library,
        chat_id=CHAT,
        days=30,
        now=LATER,
        default_zone="UTC",
    )
    return [] if report is None else sorted(m.name for m in report.figures.members)


async def export_names(database: Database, library: Library) -> list[str]:  # noqa: F811
    plan = await database.run(report_export.plan_export, chat_id=CHAT, default_zone="UTC")
    assert plan is not None
    export = report_export.CsvExport(plan, library=library)
    for first, last in plan.pages:
        export.add(
            await database.run(
                report_export.export_page, chat_id=CHAT, first_session=first, last_session=last
            )
        )
    table = list(csv.reader(io.StringIO(export.getvalue().decode("utf-8-sig"))))
    assert export.rows == len(table) - 1
    return sorted({row[6] for row in table[1:]})


async def test_who_left_is_out_of_the_report_and_the_export_until_back(
    database: Database,
    library: Library,  # noqa: F811
) -> None:
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="ML 101", now=NOW)
    await play_session(database, library, {5: [True, False], 6: [False, True]}, at=NOW)
    assert await report_names(database, library) == ["M5", "M6"]

    await database.run(reports.member_left, chat_id=CHAT, user_id=6, now=NOW)
    await database.run(reports.member_left, chat_id=CHAT, user_id=6, now=LATER)  # twice: once
    assert await report_names(database, library) == ["M5"]
    assert await export_names(database, library) == ["M5"]

    await database.run(reports.members_back, chat_id=CHAT, user_ids=[6])
    assert await report_names(database, library) == ["M5", "M6"]
    assert await export_names(database, library) == ["M5", "M6"]

    # Everyone left: nothing to report; another chat's leaving changes nothing here.
    await database.run(reports.member_left, chat_id=CHAT - 1, user_id=5, now=NOW)
    assert await report_names(database, library) == ["M5", "M6"]
    for member in (5, 6):
        await database.run(reports.member_left, chat_id=CHAT, user_id=member, now=NOW)
    assert await report_names(database, library) == []

    # A member's /forget takes the record with everything else.
    await database.run(learners.forget, learner_id=5)
    assert await database.run(queries.left_members, chat_id=CHAT) == {6}


async def test_who_left_a_group_left_its_supergroup(
    database: Database,
    library: Library,  # noqa: F811
) -> None:
    await database.run(groupchats.ensure_group, chat_id=CHAT, title="ML 101", now=NOW)
    await database.run(reports.member_left, chat_id=CHAT, user_id=6, now=NOW)
    await database.run(groupchats.migrate_chat, old_id=CHAT, new_id=CHAT - 7, now=NOW)
    assert await database.run(queries.left_members, chat_id=CHAT - 7) == {6}
    assert await database.run(queries.left_members, chat_id=CHAT) == set()
