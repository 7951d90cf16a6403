"""The monthly 社情民意 report: what it gathers from the hand-checked November, its .docx,
and the job on the 1st that tells staff once (injected clock, no sleeping)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import translator
from bot.jobs import JOB_HANDLERS
from bot.scheduler import Scheduler
from bot.services import monthly_report
from bot.services.container import Services
from bot.services.outbox import NotificationKind
from handlers.report_docx import report_docx
from storage.db import SessionFactory
from storage.models import Notification, ScheduledJob
from storage.uow import UnitOfWork
from tests.conftest import MutableClock
from tests.stats_fixtures import ANONYMOUS_NAME, NOW, november

FIRST_OF_DECEMBER = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai


@pytest.fixture
def services(settings: Settings, session_factory: SessionFactory, clock: MutableClock) -> Services:
    return Services(settings=settings, session_factory=session_factory, clock=clock)


async def test_what_the_report_of_november_holds(session_factory: SessionFactory) -> None:
    scene = await november(session_factory)
    async with UnitOfWork(session_factory) as uow:
        shares: list[int] = []

        async def progress(share: int) -> None:
            shares.append(share)

        report = await monthly_report.gather(
            uow, scene.township_id, date(2026, 11, 1), NOW, progress
        )
    assert shares == [16, 33, 50, 66, 83, 100]
    assert [(t.number, t.people, t.issues) for t in report.top_topics] == [
        ("YT-1", 2, 2),
        ("YT-2", 1, 1),
    ]
    assert [(h.number, h.topics) for h in report.held] == [
        ("HY-2026-0001", ["议题YT-1"]),
        ("HY-2026-0002", ["议题YT-2"]),
    ]
    assert [(d.meeting_number, d.items) for d in report.decisions] == [
        ("HY-2026-0001", 1),
        ("HY-2026-0002", 2),
    ]
    assert [(d.item, d.owner) for d in report.done] == [("更换路灯", "老刘")]
    # The issues of November outside a topic, newest first.
    assert [m.number for m in report.new_matters] == [
        "YS-2026-000005",
        "YS-2026-000003",
        "YS-2026-000002",
    ]
    assert report.overall.satisfaction.percent() == "66.7%"

    document = Document(io.BytesIO(report_docx(translator("zh_Hans"), report)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "东风镇" in text and "HY-2026-0001" in text and "YS-2026-000005" in text
    assert "议题YT-1" in cells and "66.7%" in cells and "更换路灯" in cells
    assert ANONYMOUS_NAME not in text + cells


async def test_staff_are_told_once_on_the_first(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await november(session_factory)
    clock.current = NOW
    async with services.uow() as uow:
        await monthly_report.schedule_all(uow, clock.now())
        await monthly_report.schedule_all(uow, clock.now())  # every start schedules it again
        await uow.commit()
    async with session_factory() as session:
        jobs = (await session.scalars(select(ScheduledJob))).all()
    assert [(j.key, j.due_at) for j in jobs] == [
        (f"monthly-report:{scene.township_id}:2026-12", FIRST_OF_DECEMBER)
    ]
    scheduler = Scheduler(services, JOB_HANDLERS)
    clock.current = FIRST_OF_DECEMBER - timedelta(minutes=1)
    assert await scheduler.run_once() == 0
    clock.current = FIRST_OF_DECEMBER + timedelta(minutes=1)
    assert await scheduler.run_once() == 1
    assert await scheduler.run_once() == 0  # once
    async with session_factory() as session:
        pushes = (await session.scalars(select(Notification))).all()
        jobs = (await session.scalars(select(ScheduledJob).order_by(ScheduledJob.id))).all()
    assert [(p.recipient_id, p.kind, p.payload) for p in pushes] == [
        (
            scene.people["小张"],
            NotificationKind.MONTHLY_REPORT.value,
            {"township": "东风镇", "year": 2026, "month": 11},
        )
    ]
    # The next one waits for the 1st of January.
    assert jobs[-1].key == f"monthly-report:{scene.township_id}:2027-01"
    assert jobs[-1].due_at == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)


async def test_the_bot_schedules_it_at_start_unless_turned_off(
    settings: Settings, session_factory: SessionFactory, clock: MutableClock
) -> None:
    from bot.jobs import start_repeating_jobs

    scene = await november(session_factory)
    clock.current = NOW
    for enabled, expected in ((False, []), (True, [f"monthly-report:{scene.township_id}:2026-12"])):
        on = settings.model_copy(update={"monthly_report": enabled})
        await start_repeating_jobs(
            Services(settings=on, session_factory=session_factory, clock=clock)
        )
        async with session_factory() as session:
            keys = (
                await session.scalars(
                    select(ScheduledJob.key).where(ScheduledJob.kind == monthly_report.JOB_KIND)
                )
            ).all()
        assert list(keys) == expected
