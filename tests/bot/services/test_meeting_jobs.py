"""The jobs around a meeting, run by the scheduler on an injected clock (no sleeping): the
opinion digest before it (moving with the meeting, skipped when it is cancelled) and the
outcome reminder after it (from the 8th working day, once per working day, holidays and
the admin's days respected, until the outcome is published)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.domain.roles import RoleName
from bot.i18n import translator
from bot.jobs import JOB_HANDLERS
from bot.scheduler import Scheduler
from bot.services import meeting_jobs, opinions, topics, workdays
from bot.services.container import Services
from bot.services.outbox import NotificationKind
from handlers.notifications import render_notification
from storage.db import SessionFactory
from storage.models import Notification, Outcome, ScheduledJob
from storage.uow import UnitOfWork
from tests import factories, meeting_fixtures
from tests.conftest import MutableClock

ZH = translator("zh_Hans")


@pytest.fixture
def services(settings: Settings, session_factory: SessionFactory, clock: MutableClock) -> Services:
    return Services(settings=settings, session_factory=session_factory, clock=clock)


async def _township(factory: SessionFactory, now: datetime) -> tuple[int, int, int]:
    """A township with one staff member and one collecting topic: (township, staff, topic)."""
    report = await factories.township(factory, now)
    staff = await factories.person(factory, now, 9001, "联络员小张")
    raiser = await factories.person(factory, now, 1001, "王阿姨")
    issue = await factories.issue(factory, now, report, raiser, "东门路灯坏了一个月")
    async with UnitOfWork(factory) as uow:
        await uow.people.grant(staff, report.township_id, RoleName.STAFF, now)
        topic = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[issue],
            title="东门路灯",
            actor_id=None,
            now=now,
            zone=Settings(_env_file=None, bot_token="1:x").zone,  # type: ignore[call-arg]
        )
        await uow.commit()
    return report.township_id, staff, topic.id


async def _meeting(
    factory: SessionFactory, township: int, topic: int, starts_at: datetime, now: datetime
) -> int:
    meeting_id = await meeting_fixtures.meeting(
        factory, township_id=township, topic_ids=[topic], starts_at=starts_at, now=now
    )
    async with UnitOfWork(factory) as uow:
        await meeting_jobs.on_meeting_scheduled(uow, meeting_id, now)
        await uow.commit()
    return meeting_id


async def _pushes(factory: SessionFactory, kind: NotificationKind) -> list[Notification]:
    async with factory() as session:
        query = select(Notification).where(Notification.kind == kind.value)
        return list(await session.scalars(query.order_by(Notification.id)))


async def _pending_jobs(factory: SessionFactory) -> dict[str, datetime]:
    async with factory() as session:
        rows = await session.scalars(select(ScheduledJob).where(ScheduledJob.status == "pending"))
        return {row.key: row.due_at for row in rows}


def _beijing(day: date, hour: int = 9) -> datetime:
    """`hour` o'clock in Beijing on `day`, as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


async def test_the_outcome_reminder_waits_out_seven_working_days_over_national_day(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    clock.current = _beijing(date(2026, 9, 28), 9)
    township, _staff, topic = await _township(session_factory, clock.now())
    # Monday 28 September 2026, 14:00–15:30; then 29, 30 Sep, 8, 9, 10 (a Saturday worked),
    # 12, 13 Oct are the seven working days: the first reminder is on 14 October.
    meeting = await _meeting(
        session_factory, township, topic, _beijing(date(2026, 9, 28), 14), clock.now()
    )
    first = meeting_jobs.nag_key(meeting, date(2026, 10, 14))
    assert await _pending_jobs(session_factory) == {first: _beijing(date(2026, 10, 14))}
    scheduler = Scheduler(services, JOB_HANDLERS)
    clock.current = _beijing(date(2026, 10, 14)) - timedelta(minutes=1)
    assert await scheduler.run_once() == 0
    clock.advance(minutes=1)
    assert await scheduler.run_once() == 1
    told = await _pushes(session_factory, NotificationKind.OUTCOME_OVERDUE)
    assert [row.payload["working_days"] for row in told] == [8]
    assert told[0].payload["fallback_years"] == ""
    text, markup = render_notification(told[0].kind, told[0].payload, "zh_Hans")
    assert "HY-2026-0001" in text and "/holiday" not in text
    assert markup is not None
    # Once that day; the next one on the next working day.
    assert await scheduler.run_once() == 0
    assert list(await _pending_jobs(session_factory)) == [
        meeting_jobs.nag_key(meeting, date(2026, 10, 15))
    ]
    clock.current = _beijing(date(2026, 10, 15))
    assert await scheduler.run_once() == 1
    assert len(await _pushes(session_factory, NotificationKind.OUTCOME_OVERDUE)) == 2
    # Friday 16 Oct is skipped by nobody; the outcome is published that morning.
    async with UnitOfWork(session_factory) as uow:
        outcome = await uow.outcomes.begin_outcome(meeting, None, clock.now())
        outcome.status = "published"
        await uow.commit()
    clock.current = _beijing(date(2026, 10, 16))
    assert await scheduler.run_once() == 1
    assert len(await _pushes(session_factory, NotificationKind.OUTCOME_OVERDUE)) == 2
    assert await _pending_jobs(session_factory) == {}
    async with session_factory() as session:
        job = await session.scalar(
            select(ScheduledJob).where(
                ScheduledJob.key == meeting_jobs.nag_key(meeting, date(2026, 10, 16))
            )
        )
        assert job is not None and (job.status, job.outcome) == (
            "skipped",
            "the outcome is published",
        )


async def test_in_a_year_without_a_schedule_the_admins_days_count_and_staff_are_told(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    clock.current = _beijing(date(2026, 12, 28), 9)
    township, _staff, topic = await _township(session_factory, clock.now())
    async with UnitOfWork(session_factory) as uow:
        await workdays.set_day(
            uow, day=date(2027, 1, 1), working=False, note="元旦", actor_id=None, now=clock.now()
        )
        await uow.commit()
    # Monday 28 Dec 2026: 29, 30, 31 Dec, (1 Jan off), 4, 5, 6, 7 Jan → reminded on Friday 8th.
    meeting = await _meeting(
        session_factory, township, topic, _beijing(date(2026, 12, 28), 14), clock.now()
    )
    assert list(await _pending_jobs(session_factory)) == [
        meeting_jobs.nag_key(meeting, date(2027, 1, 8))
    ]
    # Meanwhile the admin learns that 8 January is a day off too.
    async with UnitOfWork(session_factory) as uow:
        await workdays.set_day(
            uow, day=date(2027, 1, 8), working=False, note="", actor_id=None, now=clock.now()
        )
        await uow.commit()
    scheduler = Scheduler(services, JOB_HANDLERS)
    clock.current = _beijing(date(2027, 1, 8))
    assert await scheduler.run_once() == 1
    assert await _pushes(session_factory, NotificationKind.OUTCOME_OVERDUE) == []
    assert list(await _pending_jobs(session_factory)) == [
        meeting_jobs.nag_key(meeting, date(2027, 1, 11))
    ]
    clock.current = _beijing(date(2027, 1, 11))
    assert await scheduler.run_once() == 1
    [told] = await _pushes(session_factory, NotificationKind.OUTCOME_OVERDUE)
    assert told.payload["fallback_years"] == "2027"
    text, _markup = render_notification(told.kind, told.payload, "zh_Hans")
    assert "/holiday" in text and "2027" in text


async def test_a_meeting_moved_later_is_reminded_from_its_new_date(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    clock.current = _beijing(date(2026, 3, 2), 9)
    township, _staff, topic = await _township(session_factory, clock.now())
    meeting = await _meeting(
        session_factory, township, topic, _beijing(date(2026, 3, 2), 14), clock.now()
    )
    # The convening side moves it a week on without telling this side.
    await meeting_fixtures.move(session_factory, meeting, to=_beijing(date(2026, 3, 9), 14))
    scheduler = Scheduler(services, JOB_HANDLERS)
    clock.current = _beijing(date(2026, 3, 12))  # the old first reminder day
    assert await scheduler.run_once() == 1
    assert await _pushes(session_factory, NotificationKind.OUTCOME_OVERDUE) == []
    assert list(await _pending_jobs(session_factory)) == [
        meeting_jobs.nag_key(meeting, date(2026, 3, 19))
    ]


async def test_the_digest_moves_with_the_meeting_and_is_skipped_when_it_is_cancelled(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    township, staff, topic = await _township(session_factory, clock.now())
    starts = clock.now() + timedelta(days=3)
    meeting = await _meeting(session_factory, township, topic, starts, clock.now())
    async with UnitOfWork(session_factory) as uow:
        link = (await uow.opinions.meeting_topics(meeting))[0][0].id
        await opinions.set_gathering(
            uow,
            township_id=township,
            meeting_topic_id=link,
            gather=True,
            actor_id=staff,
            now=clock.now(),
        )
        raiser = await uow.people.by_telegram_id(1001)
        assert raiser is not None
        await opinions.submit(
            uow,
            person_id=raiser.id,
            meeting_topic_id=link,
            text="先修最暗的那一段",
            anonymous=True,
            now=clock.now(),
        )
        await uow.commit()
    # Moved a day later before the digest was due: nothing is sent early.
    await meeting_fixtures.move(session_factory, meeting, to=starts + timedelta(days=1))
    scheduler = Scheduler(services, JOB_HANDLERS)
    clock.current = starts - timedelta(hours=3)
    assert await scheduler.run_once() == 1
    assert await _pushes(session_factory, NotificationKind.OPINION_DIGEST) == []
    clock.current = starts + timedelta(days=1) - timedelta(hours=3)
    assert await scheduler.run_once() == 1
    [digest] = await _pushes(session_factory, NotificationKind.OPINION_DIGEST)
    assert digest.recipient_id == staff
    [entry] = json.loads(digest.payload["topics"])
    assert entry["ranked"][0]["text"] == "先修最暗的那一段"
    text, _markup = render_notification(digest.kind, digest.payload, "zh_Hans")
    assert "先修最暗的那一段" in text and "王阿姨" in text  # staff see the anonymous author
    assert ZH._("{name} (anonymous to others)", name="王阿姨") in text
    # A cancelled meeting gets no digest, however its job was planned.
    await meeting_fixtures.move(session_factory, meeting, to=starts + timedelta(days=7))
    async with UnitOfWork(session_factory) as uow:
        row = await uow.outcomes.meeting(meeting)
        assert row is not None
        await meeting_jobs.on_meeting_scheduled(uow, meeting, clock.now())
        await uow.commit()
    await meeting_fixtures.cancel(session_factory, meeting)
    clock.current = starts + timedelta(days=7) - timedelta(hours=3)
    assert await scheduler.run_once() >= 1
    assert len(await _pushes(session_factory, NotificationKind.OPINION_DIGEST)) == 1
    async with session_factory() as session:
        outcomes_ = {job.outcome for job in await session.scalars(select(ScheduledJob))}
        assert "the meeting was cancelled" in outcomes_
        assert await session.scalar(select(Outcome)) is None
