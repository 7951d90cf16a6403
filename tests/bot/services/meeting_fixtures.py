"""A township with a selected topic whose issues three residents raised, two members and a
staff member: what meeting tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.roles import RoleName
from bot.services import meetings, topics
from bot.services.meeting_views import MeetingView
from bot.services.meetings import MeetingDraft
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests import factories

# Monday 30 November 2026, 10:00 in Shanghai.
MONDAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
# Saturday 5 December 2026, 19:00 in Shanghai.
SATURDAY_EVENING = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)


@dataclass
class Cast:
    township_id: int
    topic_id: int
    residents: list[int]  # person ids (telegram ids 3001…)
    members: list[int]  # telegram ids 5001…
    staff: int  # telegram id 9001


async def cast(factory: SessionFactory, now: datetime, *, select: bool = True) -> Cast:
    report = await factories.township(factory, now)
    residents = [
        await factories.person(factory, now, 3001 + n, name)
        for n, name in enumerate(("王阿姨", "李大爷", "张师傅"))
    ]
    texts = ("东门路灯坏了", "东门路灯一直不亮", "东门口晚上太黑")
    issue_ids = [
        await factories.issue(factory, now, report, person, text)
        for person, text in zip(residents, texts, strict=True)
    ]
    members = []
    for n, name in enumerate(("委员老刘", "委员小陈")):
        person = await factories.person(factory, now, 5001 + n, name)
        members.append(person)
    staff = await factories.person(factory, now, 9001, "联络员")
    async with UnitOfWork(factory) as uow:
        for person in members:
            await uow.people.grant(person, report.township_id, RoleName.MEMBER, now)
        await uow.people.grant(staff, report.township_id, RoleName.STAFF, now)
        topic = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=issue_ids,
            title="东门路灯",
            actor_id=staff,
            now=now,
            zone=ZoneInfo("Asia/Shanghai"),
        )
        if select:
            await meetings.select_topic(
                uow, township_id=report.township_id, topic_id=topic.id, actor_id=staff, now=now
            )
        await uow.commit()
    return Cast(report.township_id, topic.id, residents, members, staff)


async def meeting(
    factory: SessionFactory,
    people: Cast,
    now: datetime,
    *,
    capacity: int | None = None,
    starts_at: datetime = SATURDAY_EVENING,
) -> MeetingView:
    async with UnitOfWork(factory) as uow:
        view = await meetings.create_meeting(
            uow,
            township_id=people.township_id,
            draft=MeetingDraft(
                topic_ids=[people.topic_id],
                starts_at=starts_at,
                place="东风镇协商议事室",
                latitude=30.5,
                longitude=114.3,
                capacity=capacity,
                description="请带上身份证",
            ),
            actor_id=people.staff,
            now=now,
        )
        await uow.commit()
    return view


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
