"""The exports of the hand-checked November (tests/stats_fixtures.py): the workbook opens
with the right sheets and rows, CSV and JSON hold the same, members' participation is
counted right, and the anonymous raiser appears in none of them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook

from bot.i18n import translator
from bot.services import export_files, exports
from bot.services.stats import Period
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests.stats_fixtures import ANONYMOUS_NAME, november

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
ZH = translator("zh_Hans")


async def _export(session_factory: SessionFactory) -> exports.Export:
    scene = await november(session_factory)
    async with UnitOfWork(session_factory) as uow:
        return await exports.collect(uow, scene.township_id, NOVEMBER)


async def test_the_workbook_opens_with_every_sheet_and_its_rows(
    session_factory: SessionFactory,
) -> None:
    export = await _export(session_factory)
    book = load_workbook(io.BytesIO(export_files.to_xlsx(ZH, export)))
    assert book.sheetnames == [ZH._(title) for title in exports.SHEET_TITLES.values()]
    sizes = {ws.title: ws.max_row - 1 for ws in book.worksheets}
    assert list(sizes.values()) == [6, 3, 2, 4, 3, 2, 3, 2]
    issues = book.worksheets[0]
    header = [cell.value for cell in issues[1]]
    assert header[:3] == [ZH._("Number"), ZH._("Raised at"), ZH._("Village or community")]
    first = [cell.value for cell in issues[2]]
    # I6, raised at 00:30 local on 1 November, comes first; times are local wall-clock time.
    assert first[1] == datetime(2026, 11, 1, 0, 30)
    assert first[2] == "东风村"
    assert first[4] == ZH._("Accepted into a consultation topic")
    assert first[5] == "YT-1"
    assert first[-1] == datetime(2026, 11, 1, 6, 30)


async def test_members_participation(session_factory: SessionFactory) -> None:
    export = await _export(session_factory)
    participation = export.sheets[-1].rows
    assert participation == [
        # member, invited, attended, opinions, updates, closed on time, closed late
        ["老刘", 1, 1, 1, 1, 1, 0],
        ["老陈", 2, 1, 0, 1, 0, 0],
    ]


async def test_the_anonymous_raiser_is_in_no_export(session_factory: SessionFactory) -> None:
    export = await _export(session_factory)
    issues = export.sheets[0]
    anonymous = [row for row in issues.rows if row[7]]
    assert len(anonymous) == 1 and anonymous[0][6] is None
    book = load_workbook(io.BytesIO(export_files.to_xlsx(ZH, export)))
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert ANONYMOUS_NAME not in " ".join(cells)
    assert "王阿姨" in cells  # a raiser who did not ask for anonymity is named
    with zipfile.ZipFile(io.BytesIO(export_files.to_csv_zip(ZH, export))) as archive:
        texts = [archive.read(name).decode("utf-8-sig") for name in archive.namelist()]
    assert ANONYMOUS_NAME not in "".join(texts)
    assert ANONYMOUS_NAME not in export_files.to_json(export).decode("utf-8")
    # Residents at meetings and raters are not named either.
    attendance = export.sheets[3].rows
    assert [row[1] for row in attendance if row[2] == "resident"] == [None]


async def test_csv_and_json_hold_the_same_rows(session_factory: SessionFactory) -> None:
    export = await _export(session_factory)
    with zipfile.ZipFile(io.BytesIO(export_files.to_csv_zip(ZH, export))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{key}.csv" for key in exports.SHEET_TITLES)
        ratings = list(csv.reader(io.StringIO(archive.read("ratings.csv").decode("utf-8-sig"))))
    assert ratings[0] == [ZH._(c.header) for c in exports.RATING_COLUMNS]
    assert sorted(row[3] for row in ratings[1:]) == sorted(
        [ZH._("Satisfied"), ZH._("Basically satisfied"), ZH._("Not satisfied")]
    )
    document = json.loads(export_files.to_json(export))
    assert document["since"] == "2026-11-01" and document["until"] == "2026-11-30"
    assert {key: len(rows) for key, rows in document["sheets"].items()} == {
        "issues": 6,
        "topics": 3,
        "meetings": 2,
        "attendance": 4,
        "action_items": 3,
        "progress_updates": 2,
        "ratings": 3,
        "participation": 2,
    }
    first = document["sheets"]["issues"][0]
    assert first["raised_at"] == "2026-11-01T00:30:00+08:00"
    assert first["status"] == "accepted"
    topics = {t["number"]: t for t in document["sheets"]["topics"]}
    assert (topics["YT-1"]["issues"], topics["YT-1"]["people"]) == (2, 2)


async def test_headers_in_english(session_factory: SessionFactory) -> None:
    export = await _export(session_factory)
    en = translator("en")
    book = load_workbook(io.BytesIO(export_files.to_xlsx(en, export)))
    assert book.sheetnames[0] == "Issues"
    assert book.worksheets[-1][1][0].value == "Member"
