"""Topics and their followers: following is idempotent, head-counts count the people who
raised or joined the matter."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.domain.topic_status import TopicStatus
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def report(session_factory: SessionFactory, clock: MutableClock) -> SetupReport:
    return await factories.township(session_factory, clock.now())


async def _topic(
    session_factory: SessionFactory,
    clock: MutableClock,
    report: SetupReport,
    number: str,
    status: TopicStatus = TopicStatus.COLLECTING,
) -> int:
    async with UnitOfWork(session_factory) as uow:
        topic = await uow.topics.add(
            Topic(
                number=number,
                township_id=report.township_id,
                title=f"议题 {number}",
                summary="",
                status=status,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()
        return topic.id


async def _people(session_factory: SessionFactory, clock: MutableClock, count: int) -> list[int]:
    return [await factories.person(session_factory, clock.now(), 1000 + i) for i in range(count)]


async def test_following_is_idempotent_and_keeps_the_first_reason(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    topic = await _topic(session_factory, clock, report, "YT-2026-0001")
    (person,) = await _people(session_factory, clock, 1)
    async with UnitOfWork(session_factory) as uow:
        assert await uow.topics.follow(topic, person, "raiser", clock.now())
        assert not await uow.topics.follow(topic, person, "member", clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert not await uow.topics.follow(topic, person, "supporter", clock.now())
        followers = await uow.topics.followers(topic)
        assert [(f.person_id, f.reason) for f in followers] == [(person, "raiser")]


async def test_unfollow_and_follow_again(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    first = await _topic(session_factory, clock, report, "YT-2026-0001")
    second = await _topic(session_factory, clock, report, "YT-2026-0002")
    person, other = await _people(session_factory, clock, 2)
    async with UnitOfWork(session_factory) as uow:
        await uow.topics.follow(first, person, "member", clock.now())
        await uow.topics.follow(second, person, "member", clock.now())
        await uow.topics.follow(first, other, "staff", clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.topics.followed_by(person) == {first, second}
        await uow.topics.unfollow(first, person)
        await uow.topics.unfollow(first, person)  # not following any more: nothing happens
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.topics.followed_by(person) == {second}
        assert [f.person_id for f in await uow.topics.followers(first)] == [other]
        assert await uow.topics.follow(first, person, "member", clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.topics.followed_by(person) == {first, second}
        assert await uow.topics.followed_by(999999) == set()


async def test_head_counts_count_raisers_and_supporters(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    topic = await _topic(session_factory, clock, report, "YT-2026-0001")
    empty = await _topic(session_factory, clock, report, "YT-2026-0002")
    people = await _people(session_factory, clock, 4)
    async with UnitOfWork(session_factory) as uow:
        for person, reason in zip(people, ("raiser", "supporter", "member", "staff"), strict=True):
            await uow.topics.follow(topic, person, reason, clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.topics.head_count(topic) == 2  # members and staff only follow
        assert await uow.topics.head_count(empty) == 0
        assert await uow.topics.head_counts([topic, empty]) == {topic: 2}
        assert await uow.topics.head_counts([]) == {}


async def test_topics_of_a_township_by_status(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    old = await _topic(session_factory, clock, report, "YT-2026-0001")
    clock.advance(hours=1)
    new = await _topic(session_factory, clock, report, "YT-2026-0002")
    withdrawn = await _topic(session_factory, clock, report, "YT-2026-0003", TopicStatus.WITHDRAWN)
    await _topic(session_factory, clock, other, "YT-2026-0004")
    async with UnitOfWork(session_factory) as uow:
        every = [t.id for t in await uow.topics.in_township(report.township_id)]
        assert set(every) == {old, new, withdrawn} and every[-1] == old  # newest first
        collecting = await uow.topics.in_township(
            report.township_id, frozenset({TopicStatus.COLLECTING})
        )
        assert [t.id for t in collecting] == [new, old]
        assert sorted(await uow.topics.many([old, withdrawn, 999999])) == [old, withdrawn]
        assert await uow.topics.many([]) == {}
        assert await uow.topics.get(999999) is None
        assert await uow.topics.issues(old) == []
