"""A topic whose meeting is over and whose action items are under way, written straight into
the database as the earlier steps would leave it (resolution, rating and 回头看 tests start
here).

People (Telegram ids): 王阿姨 1001 raised an issue of the topic, 李大爷 1002 raised two of
them, 赵姐 1003 joined (附议) 王阿姨's, 孙叔 1004 raised nothing; 老刘 5001 is a member and
owns the first action item (the second belongs to the 城管办); 小张 9001 is staff and
老陈 5002 a member who follows the topic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from bot.services import joining, topics
from bot.services.outcomes import township_zone
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import ActionItem, Meeting, MeetingTopic, Outcome, Topic
from storage.uow import UnitOfWork
from tests import factories

RESIDENTS = {"王阿姨": 1001, "李大爷": 1002, "赵姐": 1003, "孙叔": 1004}
STAFF = {"老刘": (5001, RoleName.MEMBER), "老陈": (5002, RoleName.MEMBER)}
STAFF |= {"小张": (9001, RoleName.STAFF)}


@dataclass
class Followed:
    township_id: int
    topic_id: int
    meeting_id: int
    items: list[int]
    people: dict[str, int] = field(default_factory=dict)


async def implementing_topic(
    factory: SessionFactory, now: datetime, report: SetupReport
) -> Followed:
    people: dict[str, int] = {}
    for name, telegram_id in RESIDENTS.items():
        people[name] = await factories.person(factory, now, telegram_id, name)
    for name, (telegram_id, role) in STAFF.items():
        people[name] = await factories.person(factory, now, telegram_id, name)
        async with UnitOfWork(factory) as uow:
            await uow.people.grant(people[name], report.township_id, role, now)
            await uow.commit()
    wang = await factories.issue(factory, now, report, people["王阿姨"], "东门路灯坏了一个月")
    li = await factories.issue(factory, now, report, people["李大爷"], "东门口晚上太黑")
    li_2 = await factories.issue(factory, now, report, people["李大爷"], "东门路灯不亮")
    async with UnitOfWork(factory) as uow:
        view = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[wang, li, li_2],
            title="东门路灯",
            actor_id=None,
            now=now,
            zone=await township_zone(uow, report.township_id),
        )
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        await joining.join_issue(uow, person_id=people["赵姐"], issue_id=wang, now=now)
        await uow.topics.follow(view.id, people["老陈"], "member", now)
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        meeting = Meeting(
            number="HY-2026-0001",
            township_id=report.township_id,
            title="东门路灯协商议事会",
            starts_at=now - timedelta(days=20),
            duration_minutes=90,
            format="onsite",
            place="镇政府三楼会议室",
            agenda=[],
            description="",
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(meeting)
        await uow.session.flush()
        uow.session.add(MeetingTopic(meeting_id=meeting.id, topic_id=view.id))
        outcome = Outcome(
            meeting_id=meeting.id,
            summary="会议讨论了东门路灯",
            consensus="尽快修好",
            disagreements="",
            status="published",
            updated_at=now,
            published_at=now - timedelta(days=19),
        )
        uow.session.add(outcome)
        await uow.session.flush()
        items = [
            ActionItem(
                outcome_id=outcome.id,
                topic_id=view.id,
                description="更换东门路灯灯泡",
                owner_person_id=people["老刘"],
                due_on=date(2026, 3, 20),
                status="open",
                progress=0,
                created_at=now,
                updated_at=now,
            ),
            ActionItem(
                outcome_id=outcome.id,
                topic_id=view.id,
                description="检查线路",
                owner_name="城管办",
                due_on=date(2026, 3, 20),
                status="open",
                progress=0,
                created_at=now,
                updated_at=now,
            ),
        ]
        for item in items:
            uow.session.add(item)
        topic = await uow.session.get(Topic, view.id)
        assert topic is not None
        topic.status = TopicStatus.IMPLEMENTING
        await uow.session.flush()
        followed = Followed(
            report.township_id, view.id, meeting.id, [item.id for item in items], people
        )
        await uow.commit()
    return followed


async def mark_done(factory: SessionFactory, item_id: int, now: datetime) -> None:
    """What the progress side does when an owner marks an item done."""
    async with UnitOfWork(factory) as uow:
        item = await uow.session.get(ActionItem, item_id)
        assert item is not None
        item.status, item.progress, item.done_at = "done", 100, now
        await uow.commit()
