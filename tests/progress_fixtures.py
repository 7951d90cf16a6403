"""A township where a meeting's outcome was published with two action items: what the
follow-through tests (services and chat) start from.

Topic 东门路灯: 王阿姨 raised two of its issues (one anonymously), 李大爷 one, 赵姐 joined
王阿姨's first (附议). The meeting was attended by 王阿姨 and member 老陈. Items: 老刘 (a
member) installs the lights; 城管办 (a department without an account) inspects monthly.
Staff: 小张. Another township's staff member: 小吴.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from bot.services import joining, topics
from bot.services.intake import IssueDraft, submit
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import ActionItem, Outcome
from storage.uow import UnitOfWork
from tests import factories, meeting_fixtures

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Telegram ids of the people, by name.
TELEGRAM_IDS = {
    "王阿姨": 1001,
    "李大爷": 1002,
    "赵姐": 1003,
    "老刘": 5001,
    "老陈": 5002,
    "小张": 9001,
    "小吴": 9101,
}


@dataclass
class FollowThrough:
    township_id: int
    other_township_id: int
    topic_id: int
    meeting_id: int
    people: dict[str, int] = field(default_factory=dict)
    lights: int = 0  # 老刘's item
    patrol: int = 0  # 城管办's item


async def _raise(
    factory: SessionFactory,
    report: SetupReport,
    person: int,
    text: str,
    now: datetime,
    anonymous: bool,
) -> int:
    async with UnitOfWork(factory) as uow:
        categories = await uow.directory.categories(report.township_id)
        draft = IssueDraft(
            township_id=report.township_id,
            village_id=report.villages["东风村"],
            category_id=categories[0].id,
            text=text,
            anonymous=anonymous,
        )
        issue = await submit(uow, person, draft, now=now, daily_limit=1000)
        await uow.commit()
        return issue.id


async def follow_through(
    factory: SessionFactory,
    now: datetime,
    report: SetupReport,
    *,
    lights_due: date | None = None,
    patrol_due: date | None = None,
) -> FollowThrough:
    today = now.astimezone(SHANGHAI).date()
    people = {
        name: await factories.person(factory, now, telegram_id, name)
        for name, telegram_id in TELEGRAM_IDS.items()
    }
    other = await factories.township(factory, now, name="西山镇")
    async with UnitOfWork(factory) as uow:
        for name in ("老刘", "老陈"):
            await uow.people.grant(people[name], report.township_id, RoleName.MEMBER, now)
        await uow.people.grant(people["小张"], report.township_id, RoleName.STAFF, now)
        await uow.people.grant(people["小吴"], other.township_id, RoleName.STAFF, now)
        await uow.commit()
    first = await _raise(factory, report, people["王阿姨"], "东门路灯坏了", now, True)
    second = await _raise(factory, report, people["王阿姨"], "东门口晚上太黑", now, False)
    third = await _raise(factory, report, people["李大爷"], "东门路灯不亮", now, False)
    async with UnitOfWork(factory) as uow:
        topic = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[first, second, third],
            title="东门路灯",
            actor_id=None,
            now=now,
            zone=SHANGHAI,
        )
        await uow.commit()
    async with UnitOfWork(factory) as uow:
        await joining.join_issue(uow, person_id=people["赵姐"], issue_id=first, now=now)
        await uow.commit()
    meeting = await meeting_fixtures.meeting(
        factory,
        township_id=report.township_id,
        topic_ids=[topic.id],
        starts_at=now - timedelta(days=3),
        now=now - timedelta(days=4),
    )
    for name in ("王阿姨", "老陈"):
        await meeting_fixtures.invite(
            factory, meeting, people[name], "resident", now, attended=True
        )
    scene = FollowThrough(report.township_id, other.township_id, topic.id, meeting, people)
    async with UnitOfWork(factory) as uow:
        outcome = Outcome(
            meeting_id=meeting,
            summary="会议听取了居民意见。",
            consensus="东门口加装路灯",
            disagreements="",
            status="published",
            updated_at=now,
            published_at=now,
        )
        uow.session.add(outcome)
        await uow.session.flush()
        # As publishing an outcome with action items leaves it (the meeting fixtures skip it).
        stored = await uow.topics.get(topic.id)
        assert stored is not None
        stored.status = TopicStatus.IMPLEMENTING
        for owner, name, text, due in (
            (
                people["老刘"],
                None,
                "在东门口安装4盏太阳能路灯",
                lights_due or today + timedelta(days=10),
            ),
            (None, "城管办", "东门路灯每月巡查一次", patrol_due or today + timedelta(days=20)),
        ):
            item = ActionItem(
                outcome_id=outcome.id,
                topic_id=topic.id,
                description=text,
                owner_person_id=owner,
                owner_name=name,
                due_on=due,
                status="open",
                progress=0,
                created_at=now,
                updated_at=now,
            )
            uow.session.add(item)
            await uow.session.flush()
            if owner is not None:
                scene.lights = item.id
            else:
                scene.patrol = item.id
        await uow.commit()
    return scene
