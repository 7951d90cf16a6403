"""Overdue action items on an injected clock: one nudge per working day to the owner (the
National Day holidays and the worked Saturday respected), staff told once after the fifth,
a department's item told to staff at once, and the weekly digest by owner."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.i18n import translator
from bot.jobs import JOB_HANDLERS
from bot.scheduler import Scheduler
from bot.services import overdue, progress
from bot.services.container import Services
from bot.services.outbox import NotificationKind
from handlers.notifications import render_notification
from storage.db import SessionFactory
from storage.models import Notification, ScheduledJob
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock
from tests.progress_fixtures import FollowThrough, follow_through

ZH = translator("zh_Hans")
DUE = date(2026, 9, 29)  # a Tuesday, before the National Day holidays (1–7 October)


@pytest.fixture
def services(settings: Settings, session_factory: SessionFactory, clock: MutableClock) -> Services:
    return Services(settings=settings, session_factory=session_factory, clock=clock)


def _beijing(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


async def _scene(factory: SessionFactory, clock: MutableClock) -> FollowThrough:
    clock.current = _beijing(date(2026, 9, 20), 8)
    report = await factories.township(factory, clock.now())
    scene = await follow_through(factory, clock.now(), report, lights_due=DUE, patrol_due=DUE)
    clock.current = _beijing(date(2026, 9, 28), 8)
    async with UnitOfWork(factory) as uow:
        await overdue.schedule_all(uow, clock.now())
        await uow.commit()
    return scene


async def _pushes(factory: SessionFactory, kind: NotificationKind) -> list[Notification]:
    async with factory() as session:
        query = select(Notification).where(Notification.kind == kind.value)
        return list(await session.scalars(query.order_by(Notification.id)))


async def _day(scheduler: Scheduler, clock: MutableClock, day: date) -> int:
    """Run whatever is due by 9:01 on `day` (twice: a second run finds nothing)."""
    clock.current = _beijing(day, 9, 1)
    ran = await scheduler.run_once()
    assert await scheduler.run_once() == 0
    return ran


async def _pending(factory: SessionFactory, kind: str) -> list[str]:
    async with factory() as session:
        query = select(ScheduledJob.key).where(
            ScheduledJob.status == "pending", ScheduledJob.kind == kind
        )
        return sorted(await session.scalars(query))


async def test_nudges_on_working_days_up_to_the_limit_then_staff_once(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    scheduler = Scheduler(services, JOB_HANDLERS)
    nudged: dict[date, list[int]] = {}
    day = date(2026, 9, 28)
    while day <= date(2026, 10, 15):
        if day == date(2026, 10, 1):  # after the sweep of 30 September: none until 8 October
            assert f"{overdue.SWEEP_JOB}:{scene.township_id}:2026-10-08" in await _pending(
                session_factory, overdue.SWEEP_JOB
            )
        before = len(await _pushes(session_factory, NotificationKind.ITEM_OVERDUE))
        await _day(scheduler, clock, day)
        rows = (await _pushes(session_factory, NotificationKind.ITEM_OVERDUE))[before:]
        if rows:
            nudged[day] = [int(row.payload["nudge"]) for row in rows]
        day += timedelta(days=1)
    # 30 Sep, then (1–7 Oct off) 8, 9, 10 (a worked Saturday), (11 off) 12 Oct: five nudges.
    assert nudged == {
        date(2026, 9, 30): [1],
        date(2026, 10, 8): [2],
        date(2026, 10, 9): [3],
        date(2026, 10, 10): [4],
        date(2026, 10, 12): [5],
    }
    owner = scene.people["老刘"]
    nudges = await _pushes(session_factory, NotificationKind.ITEM_OVERDUE)
    assert {row.recipient_id for row in nudges} == {owner}
    # Staff: the department's item on the first overdue working day, 老刘's after his fifth.
    staff = await _pushes(session_factory, NotificationKind.ITEM_OVERDUE_STAFF)
    assert [
        (row.recipient_id, row.payload["owner"], row.payload["nudges"], row.created_at)
        for row in staff
    ] == [
        (scene.people["小张"], "城管办", 0, _beijing(date(2026, 9, 30), 9, 1)),
        (scene.people["小张"], "老刘", 5, _beijing(date(2026, 10, 13), 9, 1)),
    ]
    text, markup = render_notification(nudges[-1].kind, nudges[-1].payload, "zh_Hans")
    assert "在东门口安装4盏太阳能路灯" in text and "2026年9月29日" in text and markup is not None
    text, _markup = render_notification(staff[1].kind, staff[1].payload, "zh_Hans")
    assert "老刘" in text
    # The next sweep waits for the next working day; no sweep on a holiday.
    assert await _pending(session_factory, overdue.SWEEP_JOB) == sorted(
        f"{overdue.SWEEP_JOB}:{township}:2026-10-16"
        for township in (scene.township_id, scene.other_township_id)
    )


async def test_a_done_item_is_nudged_no_more(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    scheduler = Scheduler(services, JOB_HANDLERS)
    await _day(scheduler, clock, date(2026, 9, 30))
    async with UnitOfWork(session_factory) as uow:
        await progress.post_update(
            uow,
            township_id=scene.township_id,
            item_id=scene.lights,
            actor_id=scene.people["老刘"],
            text="装好了",
            photos=(),
            percent=None,
            done=True,
            now=clock.now(),
        )
        await uow.commit()
    await _day(scheduler, clock, date(2026, 10, 8))
    assert len(await _pushes(session_factory, NotificationKind.ITEM_OVERDUE)) == 1


async def test_the_weekly_digest_groups_overdue_items_by_owner(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    scene = await _scene(session_factory, clock)
    scheduler = Scheduler(services, JOB_HANDLERS)
    # Monday 28 September: nothing overdue yet, so no digest; the next in the week of 5
    # October, whose Monday to Wednesday are holidays: Thursday 8 October.
    await _day(scheduler, clock, date(2026, 9, 28))
    assert await _pushes(session_factory, NotificationKind.OVERDUE_DIGEST) == []
    assert f"{overdue.DIGEST_JOB}:{scene.township_id}:2026-10-08" in await _pending(
        session_factory, overdue.DIGEST_JOB
    )
    for day in (date(2026, 9, 30), date(2026, 10, 8)):
        await _day(scheduler, clock, day)
    [digest] = await _pushes(session_factory, NotificationKind.OVERDUE_DIGEST)
    assert digest.recipient_id == scene.people["小张"] and digest.payload["count"] == 2
    owners = json.loads(digest.payload["owners"])
    assert [(o["owner"], o["count"]) for o in owners] == [("城管办", 1), ("老刘", 1)]
    text, _markup = render_notification(digest.kind, digest.payload, "zh_Hans")
    assert "城管办" in text and "老刘" in text and "东门路灯每月巡查一次" in text
    # The next one: Monday 12 October.
    assert f"{overdue.DIGEST_JOB}:{scene.township_id}:2026-10-12" in await _pending(
        session_factory, overdue.DIGEST_JOB
    )
