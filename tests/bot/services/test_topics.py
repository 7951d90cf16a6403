"""Topics: created from issues, merged and split with their people, joined by neighbours."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError
from bot.domain.issue_status import IllegalTransition, IssueStatus
from bot.domain.topic_status import TopicStatus
from bot.services import topics
from storage.db import SessionFactory
from storage.models import Follower, Issue, Notification, Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

ZONE = ZoneInfo("Asia/Shanghai")


async def _followers(session_factory: SessionFactory, topic_id: int) -> dict[int, str]:
    async with session_factory() as session:
        rows = await session.scalars(select(Follower).where(Follower.topic_id == topic_id))
        return {f.person_id: f.reason for f in rows}


async def _setup(
    session_factory: SessionFactory, clock: MutableClock
) -> tuple[factories.SetupReport, list[int], list[int]]:
    report = await factories.township(session_factory, clock.now())
    people = [await factories.person(session_factory, clock.now(), 1000 + i) for i in range(4)]
    issues = [
        await factories.issue(
            session_factory, clock.now(), report, people[0], "魅力之城小区楼下餐馆油烟太大"
        ),
        await factories.issue(
            session_factory, clock.now(), report, people[1], "魅力之城小区餐馆晚上噪音扰民"
        ),
        await factories.issue(
            session_factory, clock.now(), report, people[2], "学校强制学生去企业实习"
        ),
    ]
    return report, people, issues


async def test_create_topic_accepts_issues_and_carries_people(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        await topics.join_issue(uow, person_id=people[3], issue_id=issues[0], now=clock.now())
    async with UnitOfWork(session_factory) as uow:
        view = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=issues[:2],
            title="魅力之城小区餐馆油烟噪音",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
    assert view.number == "YT-2026-0001"
    assert view.issue_count == 2
    assert view.head_count == 3  # two raisers and the neighbour who joined
    assert await _followers(session_factory, view.id) == {
        people[0]: "raiser",
        people[1]: "raiser",
        people[3]: "supporter",
    }
    async with session_factory() as session:
        statuses = {i.id: i.status for i in await session.scalars(select(Issue))}
        kinds = [(n.recipient_id, n.kind) for n in await session.scalars(select(Notification))]
    assert statuses[issues[0]] is IssueStatus.ACCEPTED
    assert statuses[issues[2]] is IssueStatus.SUBMITTED
    assert sorted(kinds) == sorted([(people[0], "issue_accepted"), (people[1], "issue_accepted")])
    # An accepted issue cannot be accepted again elsewhere.
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(IllegalTransition):
            await topics.create_topic(
                uow,
                township_id=report.township_id,
                issue_ids=[issues[0]],
                title="again",
                actor_id=None,
                now=clock.now(),
                zone=ZONE,
            )


async def test_merge_moves_issues_and_followers(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        first = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[issues[0]],
            title="油烟",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
    async with UnitOfWork(session_factory) as uow:
        second = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[issues[1]],
            title="噪音",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
    async with UnitOfWork(session_factory) as uow:
        merged = await topics.merge_topics(
            uow, source_id=second.id, target_id=first.id, actor_id=None, now=clock.now()
        )
    assert merged.issue_count == 2
    assert set(await _followers(session_factory, first.id)) == {people[0], people[1]}
    assert await _followers(session_factory, second.id) == {}
    async with session_factory() as session:
        source = await session.get(Topic, second.id)
        assert source is not None
        assert source.status is TopicStatus.WITHDRAWN
        assert source.merged_into_id == first.id
        told = await session.scalars(
            select(Notification).where(Notification.kind == "topic_merged")
        )
        assert [n.recipient_id for n in told] == [people[1]]


async def test_split_moves_only_the_people_of_the_moved_issues(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        whole = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=issues,
            title="魅力之城与学校",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
    async with UnitOfWork(session_factory) as uow:
        school = await topics.split_topic(
            uow,
            topic_id=whole.id,
            issue_ids=[issues[2]],
            title="学校强制实习",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
    assert school.issue_count == 1
    assert await _followers(session_factory, school.id) == {people[2]: "raiser"}
    assert set(await _followers(session_factory, whole.id)) == {people[0], people[1]}
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(DomainError):
            await topics.split_topic(
                uow,
                topic_id=whole.id,
                issue_ids=[issues[0], issues[1]],
                title="all",
                actor_id=None,
                now=clock.now(),
                zone=ZONE,
            )


async def test_other_townships_issues_cannot_join(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    other = await factories.township(session_factory, clock.now(), name="西山乡")
    foreign = await factories.issue(
        session_factory, clock.now(), other, people[0], "西山乡的路", village="东风村"
    )
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(topics.WrongTownship):
            await topics.create_topic(
                uow,
                township_id=report.township_id,
                issue_ids=[issues[0], foreign],
                title="x",
                actor_id=None,
                now=clock.now(),
                zone=ZONE,
            )


async def test_joining_a_topic_makes_a_supporting_follower(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        view = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[issues[0]],
            title="油烟",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
    async with UnitOfWork(session_factory) as uow:
        told = await topics.join_topic(uow, person_id=people[3], topic_id=view.id, now=clock.now())
    assert told == view.number
    async with UnitOfWork(session_factory) as uow:
        told = await topics.join_issue(
            uow, person_id=people[2], issue_id=issues[0], now=clock.now()
        )
    assert told == view.number  # joining an accepted issue is joining its topic
    assert (await _followers(session_factory, view.id))[people[2]] == "supporter"
