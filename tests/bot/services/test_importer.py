from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from sqlalchemy import func, select

from bot.domain.issue_status import IssueStatus
from bot.services.import_table import SourceTable, read_table
from bot.services.importer import SOURCE, ImportReport, import_issues, parse_time
from storage.db import SessionFactory
from storage.models import AuditLog, Category, Issue, IssueEvent, Village
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

DATA = Path(__file__).resolve().parents[2] / "data"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _import(
    session_factory: SessionFactory,
    township_id: int,
    table: SourceTable,
    clock: MutableClock,
    chunk_size: int = 500,
) -> ImportReport:
    async with UnitOfWork(session_factory) as uow:
        return await import_issues(
            uow, township_id, table, now=clock.now(), file_name="test", chunk_size=chunk_size
        )


async def _issues(session_factory: SessionFactory) -> dict[str, Issue]:
    async with session_factory() as session:
        rows = (await session.scalars(select(Issue).order_by(Issue.id))).all()
    return {issue.source_ref or issue.number: issue for issue in rows}


async def _count(session_factory: SessionFactory, column: Any) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count(column))) or 0)


def test_times_in_common_formats_are_local_and_stored_as_utc() -> None:
    expected = datetime(2019, 2, 28, 3, 25, 5, tzinfo=UTC)
    assert parse_time("2019-02-28 11:25:05", SHANGHAI) == expected
    assert parse_time(" 2019-2-28 11:25:05 ", SHANGHAI) == expected
    assert parse_time("2019/2/28 11:25", SHANGHAI) == expected.replace(second=0)
    assert parse_time("2019年2月28日11:25", SHANGHAI) == expected.replace(second=0)
    assert parse_time(datetime(2019, 2, 28, 11, 25, 5), SHANGHAI) == expected
    assert parse_time(date(2019, 2, 28), SHANGHAI) == datetime(2019, 2, 27, 16, tzinfo=UTC)
    # An Excel serial day number: 43524 is 2019-02-28, .5 is noon.
    assert parse_time(43524.5, SHANGHAI) == datetime(2019, 2, 28, 4, tzinfo=UTC)
    # An explicit offset wins over the township's timezone.
    assert parse_time("2019-02-28T11:25:05+00:00", SHANGHAI) == expected.replace(hour=11)


async def test_chinese_csv_import_matches_villages_and_categories_and_reports_bad_rows(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report_setup = await factories.township(session_factory, clock.now())
    township_id = report_setup.township_id
    report = await _import(session_factory, township_id, read_table(DATA / "hotline_zh.csv"), clock)

    assert (report.imported, report.already_present) == (4, 0)
    # The second record spans lines 3-4, so the rows after it keep their real line numbers.
    assert [(s.line, s.reason) for s in report.skipped] == [
        (5, "no id"),
        (6, "time '去年冬天' is not a date and time"),
        (7, "title and body are both empty"),
    ]
    assert report.unmatched_categories == {"市容管理": 1}

    issues = await _issues(session_factory)
    assert set(issues) == {"H1001", "H1002", "H1005", "H1006"}
    async with session_factory() as session:
        villages = {v.name: v.id for v in await session.scalars(select(Village))}
        categories = {c.label: c.id for c in await session.scalars(select(Category))}

    first = issues["H1001"]
    assert first.source == SOURCE
    assert first.author_id is None
    assert first.status is IssueStatus.SUBMITTED
    assert first.township_id == township_id
    assert first.title == "东风村垃圾站清运不及时"
    assert first.text == "东风村垃圾站的垃圾已经堆了一个星期，天热臭味很大。"
    assert first.village_id == villages["东风村"]
    assert first.category_id == categories["环境保护"]
    assert first.category_confirmed is False
    assert first.likes == 3
    assert first.place is None
    assert first.created_at == datetime(2026, 2, 10, 1, 15, tzinfo=UTC)

    second = issues["H1002"]
    # "南湖" names 南湖社区 without its suffix.
    assert second.village_id == villages["南湖社区"]
    assert second.category_id == categories["交通运输"]
    assert second.created_at == datetime(2026, 2, 10, 23, 5, tzinfo=UTC)
    assert "\n下雨天" in second.text

    night_market = issues["H1005"]
    assert night_market.village_id is None
    assert night_market.place == "城关街道"  # not a village of the township: kept as place
    assert night_market.category_id is None
    assert night_market.likes == 12

    school = issues["H1006"]
    assert school.village_id == villages["柳树屯"]
    assert school.text == "柳树屯小学门口缺少减速带"  # no body: the title is what views show

    # Numbered like chat issues, in file order, year of the import.
    assert [issues[ref].number for ref in ("H1001", "H1002", "H1005", "H1006")] == [
        "YS-2026-000001",
        "YS-2026-000002",
        "YS-2026-000003",
        "YS-2026-000004",
    ]
    assert (report.first_number, report.last_number) == ("YS-2026-000001", "YS-2026-000004")
    async with session_factory() as session:
        events = (await session.scalars(select(IssueEvent))).all()
        audit = (await session.scalars(select(AuditLog))).all()
    assert {(e.issue_id, e.to_status, e.at) for e in events} == {
        (issue.id, IssueStatus.SUBMITTED, issue.created_at) for issue in issues.values()
    }
    assert [a.action for a in audit if a.action == "issues.import"] == ["issues.import"]


async def test_reimport_creates_nothing_new(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    township_id = (await factories.township(session_factory, clock.now())).township_id
    table = read_table(DATA / "hotline_zh.csv")
    await _import(session_factory, township_id, table, clock)
    clock.advance(days=1)
    again = await _import(session_factory, township_id, table, clock)
    assert (again.imported, again.already_present, len(again.skipped)) == (0, 4, 3)
    assert again.first_number is None
    assert await _count(session_factory, Issue.id) == 4
    assert await _count(session_factory, IssueEvent.id) == 4
    # Only the run that changed something is audited.
    async with session_factory() as session:
        actions = list(await session.scalars(select(AuditLog.action)))
    assert actions.count("issues.import") == 1


async def test_an_interrupted_import_resumes_in_chunks(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    township_id = (await factories.township(session_factory, clock.now())).township_id
    table = read_table(DATA / "candidates_sample.csv")
    # As if the first run had committed only the first chunks before stopping.
    part = SourceTable(columns=table.columns, rows=table.rows[:3])
    await _import(session_factory, township_id, part, clock, chunk_size=2)
    report = await _import(session_factory, township_id, table, clock, chunk_size=4)
    assert (report.imported, report.already_present) == (len(table.rows) - 3, 3)
    numbers = sorted(issue.number for issue in (await _issues(session_factory)).values())
    assert numbers == [f"YS-2026-{n:06d}" for n in range(1, len(table.rows) + 1)]


async def test_numbers_continue_after_chat_issues_and_other_townships(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    east = (await factories.township(session_factory, clock.now())).township_id
    west = (await factories.township(session_factory, clock.now(), name="西山乡")).township_id
    async with UnitOfWork(session_factory) as uow:
        # A resident's issue took the first number of the year.
        assert await uow.issues.next_sequence("issue-number:2026") == 1
        await uow.commit()
    table = read_table(DATA / "hotline_zh.csv")
    await _import(session_factory, east, table, clock)
    report = await _import(session_factory, west, table, clock)
    # The same export in another township is that township's own set of issues.
    assert report.imported == 4
    assert (report.first_number, report.last_number) == ("YS-2026-000006", "YS-2026-000009")
    async with UnitOfWork(session_factory) as uow:
        assert await uow.issues.next_sequence("issue-number:2026") == 10


async def test_xlsx_with_excel_datetimes(
    session_factory: SessionFactory, clock: MutableClock, tmp_path: Path
) -> None:
    township_id = (await factories.township(session_factory, clock.now())).township_id
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    # A title line above the header, as exports from the hotline system have.
    sheet.append(["东风镇12345工单导出（2026年2月）"])
    sheet.append(["工单号", "标题", "诉求内容", "受理时间", "社区", "类别", "点赞"])
    sheet.append(
        [
            20260001,
            "南湖社区广场舞音响太吵",
            "每晚八点到十点音响声音很大。",
            datetime(2026, 2, 1, 20, 30),
            "南湖社区",
            "环境保护",
            5,
        ]
    )
    sheet.append([20260002, "东风村自来水发黄", "", 46054.375, "东风村", "城乡建设", None])
    sheet.append([None, None, None, None, None, None, None])  # blank rows are not errors
    sheet.append([20260003, "柳树屯桥面开裂", "桥面裂缝越来越宽。", "不详", "柳树屯", "", ""])
    sheet.append(
        [20260004, "东风村卫生室缺药", "常用药经常缺货。", "2026/2/3 8:00", "", "", "很多"]
    )
    path = tmp_path / "工单导出.xlsx"
    workbook.save(path)

    report = await _import(session_factory, township_id, read_table(path), clock)
    assert report.imported == 2
    assert [(s.line, s.reason) for s in report.skipped] == [
        (6, "time '不详' is not a date and time"),
        (7, "likes '很多' is not a whole number"),
    ]
    issues = await _issues(session_factory)
    # Numeric ids come back as the digits the operator sees, not "20260001.0".
    assert set(issues) == {"20260001", "20260002"}
    assert issues["20260001"].created_at == datetime(2026, 2, 1, 12, 30, tzinfo=UTC)
    assert issues["20260001"].likes == 5
    # 46054.375 is 2026-02-01 09:00 in Excel's day count.
    assert issues["20260002"].created_at == datetime(2026, 2, 1, 1, 0, tzinfo=UTC)
    assert issues["20260002"].category_id is not None


async def test_gbk_csv_and_repeated_ids(
    session_factory: SessionFactory, clock: MutableClock, tmp_path: Path
) -> None:
    township_id = (await factories.township(session_factory, clock.now())).township_id
    path = tmp_path / "export.csv"
    path.write_bytes(
        (
            "编号,主题,内容,时间,地点\n"
            "A1,东风村小广场路面积水,下雨后积水很深,2026-01-03 08:00,东风村小广场\n"
            "A1,东风村小广场路面积水,重复提交,2026-01-03 08:05,东风村小广场\n"
            "A2,明天的事,写成了将来的时间,2027-01-01 08:00,\n"
        ).encode("gb18030")
    )
    report = await _import(session_factory, township_id, read_table(path), clock)
    assert report.imported == 1
    assert [(s.line, s.reason) for s in report.skipped] == [
        (3, "id A1 repeats line 2"),
        (4, "time '2027-01-01 08:00' lies in the future"),
    ]
    issue = (await _issues(session_factory))["A1"]
    assert issue.place == "东风村小广场"
    assert issue.village_id is None
