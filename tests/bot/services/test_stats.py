"""Every figure of /stats on the hand-checked November of tests/stats_fixtures.py."""

from __future__ import annotations

from datetime import date

import pytest

from bot.services import stats
from bot.services.stats import InvertedRange, Period, PeriodKind, Rate
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests.stats_fixtures import NOW, november

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


async def _report(session_factory: SessionFactory, period: Period = NOVEMBER) -> stats.Report:
    scene = await november(session_factory)
    async with UnitOfWork(session_factory) as uow:
        return await stats.figures(uow, scene.township_id, period, NOW)


async def test_overall_figures_of_the_month(session_factory: SessionFactory) -> None:
    overall = (await _report(session_factory)).overall
    assert overall.received == 6  # I0 was raised at 23:30 on 31 October, local time
    assert overall.response == Rate(4, 6)  # I1 24 h, I3 2 h, I4 48 h, I6 6 h; I2 took 120 h
    assert overall.response.percent() == "66.7%"
    assert overall.median_response_hours == pytest.approx(24.0)  # 2, 6, 24, 48, 120
    assert overall.selection == Rate(3, 6)  # I1, I4, I6 reached a selected topic
    assert overall.resolution == Rate(1, 2)  # T1 resolved of T1, T2 (T4 not selected)
    assert overall.satisfaction == Rate(2, 3)
    assert overall.items_open == 2 and overall.items_overdue == 1
    assert overall.still_solved == Rate(3, 4)
    assert overall.still_solved.percent() == "75.0%"


async def test_by_village(session_factory: SessionFactory) -> None:
    villages = {f.name: f for f in (await _report(session_factory)).by_village}
    assert list(villages) == ["东风村", "南湖社区", "柳树屯"]
    east, lake, willow = villages["东风村"], villages["南湖社区"], villages["柳树屯"]
    assert (east.received, east.response, east.selection) == (3, Rate(2, 3), Rate(2, 3))
    assert east.median_response_hours == pytest.approx(24.0)  # 6, 24, 120
    assert east.resolution == Rate(1, 1) and east.satisfaction == Rate(2, 3)
    assert east.still_solved == Rate(3, 4) and east.items_open == 0
    assert (lake.received, lake.response, lake.selection) == (2, Rate(2, 2), Rate(1, 2))
    assert lake.median_response_hours == pytest.approx(25.0)  # the mean of 2 and 48
    assert lake.resolution == Rate(0, 1) and lake.resolution.percent() == "0.0%"
    assert (lake.items_open, lake.items_overdue) == (2, 1)
    assert lake.satisfaction == Rate(0, 0) and lake.satisfaction.percent() == "—"
    assert (willow.received, willow.response, willow.median_response_hours) == (1, Rate(0, 1), None)


async def test_by_category(session_factory: SessionFactory) -> None:
    report = await _report(session_factory)
    first, second = report.by_category
    assert (first.received, first.response, first.selection) == (4, Rate(3, 4), Rate(3, 4))
    assert first.median_response_hours == pytest.approx(36.0)  # 6, 24, 48, 120
    assert first.resolution == Rate(1, 2)
    assert (second.received, second.response, second.selection) == (2, Rate(1, 2), Rate(0, 2))
    assert second.median_response_hours == pytest.approx(2.0)


async def test_an_empty_period_is_empty(session_factory: SessionFactory) -> None:
    report = await _report(session_factory, Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert report.empty
    assert report.by_village == [] and report.by_category == []
    assert report.overall.response.percent() == "—"


async def test_october_holds_the_issue_raised_before_midnight(
    session_factory: SessionFactory,
) -> None:
    report = await _report(session_factory, Period(date(2026, 10, 1), date(2026, 10, 31)))
    assert report.overall.received == 1
    assert report.overall.response == Rate(1, 1)  # answered 9.5 hours later
    assert report.overall.selection == Rate(0, 1)  # T3 is still collecting


async def test_monthly_series(session_factory: SessionFactory) -> None:
    scene = await november(session_factory)
    async with UnitOfWork(session_factory) as uow:
        series = await stats.monthly(
            uow, scene.township_id, Period(date(2026, 9, 1), NOVEMBER.last)
        )
    assert series.months == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert series.issues == [0, 1, 6]
    assert series.resolved == [0, 0, 1]


def test_named_periods() -> None:
    today = date(2026, 1, 15)
    assert stats.period_of(PeriodKind.THIS_MONTH, today) == Period(
        date(2026, 1, 1), date(2026, 1, 31)
    )
    assert stats.period_of(PeriodKind.LAST_MONTH, today) == Period(
        date(2025, 12, 1), date(2025, 12, 31)
    )
    assert stats.period_of(PeriodKind.THIS_YEAR, today) == Period(
        date(2026, 1, 1), date(2026, 12, 31)
    )


def test_an_inverted_range_is_refused() -> None:
    with pytest.raises(InvertedRange):
        stats.custom_period(date(2026, 11, 30), date(2026, 11, 1))
    assert stats.custom_period(date(2026, 11, 1), date(2026, 11, 1)).first == date(2026, 11, 1)


def test_ranges_as_people_type_them() -> None:
    today = date(2026, 11, 20)
    nov = (date(2026, 11, 1), date(2026, 11, 30))
    assert stats.parse_range("2026-11-01 2026-11-30", today) == nov
    assert stats.parse_range("11月1日至11月30日", today) == nov
    assert stats.parse_range("２０２６年１１月１日 到 2026/11/30", today) == nov
    assert stats.parse_range("2026-11-30 2026-11-01", today) == (nov[1], nov[0])
    assert stats.parse_range("2026-11-01", today) is None
    assert stats.parse_range("2026-02-30 2026-03-01", today) is None
    assert stats.parse_range("上个月", today) is None


async def test_the_first_answer_is_kept_on_the_issue(session_factory: SessionFactory) -> None:
    """A question counts as the first answer; the rejection after it does not move it."""
    from datetime import UTC, datetime, timedelta

    from bot.services import triage
    from storage.models import Issue
    from tests import factories

    raised = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    report = await factories.township(session_factory, raised)
    resident = await factories.person(session_factory, raised, 1001, "王阿姨")
    issue_id = await factories.issue(session_factory, raised, report, resident, "路灯坏了")
    for hours, act in ((5, "ask"), (30, "reject")):
        async with UnitOfWork(session_factory) as uow:
            now = raised + timedelta(hours=hours)
            if act == "ask":
                await triage.ask_for_information(
                    uow,
                    township_id=report.township_id,
                    issue_id=issue_id,
                    question="具体在哪里？",
                    actor_id=None,
                    now=now,
                )
            else:
                await triage.reject(
                    uow,
                    township_id=report.township_id,
                    issue_id=issue_id,
                    reason="已经修好",
                    actor_id=None,
                    now=now,
                )
            await uow.commit()
    async with session_factory() as session:
        issue = await session.get(Issue, issue_id)
        assert issue is not None and issue.first_answered_at == raised + timedelta(hours=5)
    async with UnitOfWork(session_factory) as uow:
        november = await stats.figures(uow, report.township_id, NOVEMBER, NOW)
    assert november.overall.response == Rate(1, 1)
    assert november.overall.median_response_hours == pytest.approx(5.0)
