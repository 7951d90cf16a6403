"""New-issue alerts: each issue to the township's staff, or a digest once per period."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError
from bot.domain.roles import RoleName
from bot.services import alerts
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import Notification
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def report(session_factory: SessionFactory, clock: MutableClock) -> SetupReport:
    return await factories.township(session_factory, clock.now())


async def _role(
    session_factory: SessionFactory,
    clock: MutableClock,
    report: SetupReport,
    tg: int,
    role: RoleName,
) -> int:
    person_id = await factories.person(session_factory, clock.now(), tg)
    async with UnitOfWork(session_factory) as uow:
        await uow.people.grant(person_id, report.township_id, role, clock.now())
        await uow.commit()
    return person_id


async def _pushes(session_factory: SessionFactory) -> list[tuple[int, str, dict[str, object]]]:
    async with session_factory() as session:
        rows = await session.scalars(select(Notification).order_by(Notification.id))
        return [(n.recipient_id, n.kind, n.payload) for n in rows]


async def _set(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport, mode: str, hours: int
) -> None:
    async with UnitOfWork(session_factory) as uow:
        await alerts.set_alerts(
            uow,
            township_id=report.township_id,
            mode=mode,
            hours=hours,
            actor_id=None,
            now=clock.now(),
        )
        await uow.commit()


def test_digest_periods_end_on_the_same_hours_every_day() -> None:
    at = datetime(2026, 3, 2, 4, 10, tzinfo=UTC)  # 12:10 in Shanghai
    start, end = alerts.digest_period(at, SHANGHAI, 4)
    assert (start.astimezone(SHANGHAI).hour, end.astimezone(SHANGHAI).hour) == (8, 12)
    start, end = alerts.digest_period(at, SHANGHAI, 24)
    assert end == datetime(2026, 3, 2, tzinfo=SHANGHAI) and (end - start).days == 1


async def test_each_issue_alerts_staff_or_else_admins(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    admin = await _role(session_factory, clock, report, 42, RoleName.ADMIN)
    author = await factories.person(session_factory, clock.now(), 1001)
    # Submitting an issue queues its alert in the same commit (bot/services/intake.py).
    first = await factories.issue(session_factory, clock.now(), report, author, "路灯坏了")
    async with UnitOfWork(session_factory) as uow:
        issue = await uow.issues.get_with_history(first)
        assert issue is not None
        assert await alerts.issue_submitted(uow, issue, clock.now()) == 0  # once per issue
        await uow.commit()
    staff = await _role(session_factory, clock, report, 9001, RoleName.STAFF)
    await factories.issue(session_factory, clock.now(), report, staff, "桥栏杆松了")
    await factories.issue(session_factory, clock.now(), report, author, "垃圾没人清")
    pushes = await _pushes(session_factory)
    # No staff yet: the admin heard; then the staff member, though not of what they raised.
    assert [(who, payload["issue_number"]) for who, _kind, payload in pushes] == [
        (admin, "YS-2026-000001"),
        (staff, "YS-2026-000003"),
    ]
    assert pushes[0][2] == {
        "issue_id": first,
        "issue_number": "YS-2026-000001",
        "summary": "路灯坏了",
        "village": "南湖社区",
        "voice": 0,
        "photos": 0,
    }


async def test_a_digest_is_queued_once_per_period_and_only_when_something_came(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    staff = await _role(session_factory, clock, report, 9001, RoleName.STAFF)
    await _set(session_factory, clock, report, "digest", 2)
    author = await factories.person(session_factory, clock.now(), 1001)
    for index in range(12):  # 09:30 in Shanghai
        await factories.issue(session_factory, clock.now(), report, author, f"第{index}件事")
    async with UnitOfWork(session_factory) as uow:
        assert await alerts.queue_digests(uow, clock.now()) == 0  # 06:00–08:00: nothing
        await uow.commit()
    clock.advance(hours=1)  # 10:30: the 08:00–10:00 period is over
    for _ in range(2):
        async with UnitOfWork(session_factory) as uow:
            await alerts.queue_digests(uow, clock.now())
            await uow.commit()
    [(who, kind, payload)] = await _pushes(session_factory)
    assert (who, kind, payload["count"], payload["hours"]) == (staff, "issue_digest", 12, 2)
    assert str(payload["items"]).count("YS-2026-") == alerts.DIGEST_ITEMS


async def test_settings_are_checked(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    await _set(session_factory, clock, report, "digest", 8)
    await _set(session_factory, clock, report, "off", 4)  # keeps the period for later
    async with UnitOfWork(session_factory) as uow:
        assert await alerts.alert_setting(uow, report.township_id) == alerts.AlertSetting("off", 8)
        for mode, hours in (("sometimes", 4), ("digest", 5)):
            with pytest.raises(DomainError):
                await alerts.set_alerts(
                    uow,
                    township_id=report.township_id,
                    mode=mode,
                    hours=hours,
                    actor_id=None,
                    now=clock.now(),
                )
