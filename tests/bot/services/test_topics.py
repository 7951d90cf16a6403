"""Topics: created from issues, merged and split with their people, joined by neighbours."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError, NotFound, StaleState
from bot.domain.issue_status import IssueStatus
from bot.domain.topic_status import TopicStatus
from bot.services import joining, topics
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import Follower, Issue, Notification, Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.bot.services.state import snapshot
from tests.conftest import MutableClock

ZONE = ZoneInfo("Asia/Shanghai")


async def _followers(session_factory: SessionFactory, topic_id: int) -> dict[int, str]:
    async with session_factory() as session:
        rows = await session.scalars(select(Follower).where(Follower.topic_id == topic_id))
        return {f.person_id: f.reason for f in rows}


async def _setup(
    session_factory: SessionFactory, clock: MutableClock
) -> tuple[SetupReport, list[int], list[int]]:
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


async def _topic(
    session_factory: SessionFactory,
    clock: MutableClock,
    township_id: int,
    issue_ids: Sequence[int],
    title: str,
) -> topics.TopicView:
    async with UnitOfWork(session_factory) as uow:
        view = await topics.create_topic(
            uow,
            township_id=township_id,
            issue_ids=issue_ids,
            title=title,
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
        await uow.commit()
        return view


async def test_create_topic_accepts_issues_and_carries_people(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        await joining.join_issue(uow, person_id=people[3], issue_id=issues[0], now=clock.now())
        await uow.commit()
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
        changes = await uow.commit()
    assert changes.open_items == {report.township_id} and changes.outbox
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
    # Both raisers, and the neighbour who joined the first issue, are told.
    assert sorted(kinds) == sorted(
        [
            (people[0], "issue_accepted"),
            (people[1], "issue_accepted"),
            (people[3], "issue_accepted"),
        ]
    )
    # An accepted issue cannot be accepted again elsewhere: the refusal names its topic.
    before = await snapshot(session_factory)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(StaleState) as raised:
            await topics.create_topic(
                uow,
                township_id=report.township_id,
                issue_ids=[issues[0]],
                title="again",
                actor_id=None,
                now=clock.now(),
                zone=ZONE,
            )
        assert not await uow.commit()
    assert (raised.value.subject, raised.value.status, raised.value.related) == (
        "YS-2026-000001",
        IssueStatus.ACCEPTED,
        view.number,
    )
    assert await snapshot(session_factory) == before  # not even a topic number was taken


async def test_accept_into_an_open_topic(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    view = await _topic(session_factory, clock, report.township_id, [issues[0]], "油烟")
    async with UnitOfWork(session_factory) as uow:
        accepted = await topics.accept_into_topic(
            uow,
            township_id=report.township_id,
            issue_id=issues[1],
            topic_id=view.id,
            actor_id=None,
            now=clock.now(),
        )
        changes = await uow.commit()
    assert changes.open_items == {report.township_id} and changes.outbox
    assert (accepted.id, accepted.issue_count, accepted.head_count) == (view.id, 2, 2)
    assert await _followers(session_factory, view.id) == {
        people[0]: "raiser",
        people[1]: "raiser",
    }
    before = await snapshot(session_factory)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(StaleState) as raised:
            await topics.accept_into_topic(
                uow,
                township_id=report.township_id,
                issue_id=issues[1],
                topic_id=view.id,
                actor_id=None,
                now=clock.now(),
            )
        assert not await uow.commit()
    assert (raised.value.subject, raised.value.status, raised.value.related) == (
        "YS-2026-000002",
        IssueStatus.ACCEPTED,
        view.number,
    )
    assert await snapshot(session_factory) == before


async def test_merge_moves_issues_and_followers(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    first = await _topic(session_factory, clock, report.township_id, [issues[0]], "油烟")
    second = await _topic(session_factory, clock, report.township_id, [issues[1]], "噪音")
    async with UnitOfWork(session_factory) as uow:
        # Someone who follows the topic without having raised or joined any of its issues.
        await uow.topics.follow(second.id, people[0], "member", clock.now())
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        merged = await topics.merge_topics(
            uow,
            township_id=report.township_id,
            source_id=second.id,
            target_id=first.id,
            actor_id=None,
            now=clock.now(),
        )
        changes = await uow.commit()
    assert changes.open_items == {report.township_id} and changes.outbox
    assert merged.issue_count == 2
    assert set(await _followers(session_factory, first.id)) == {people[0], people[1]}
    assert await _followers(session_factory, second.id) == {}
    async with session_factory() as session:
        source = await session.get(Topic, second.id)
        assert source is not None
        assert source.status is TopicStatus.WITHDRAWN
        assert source.merged_into_id == first.id
        told = {
            n.kind: (n.recipient_id, n.payload)
            for n in await session.scalars(
                select(Notification).where(Notification.kind.like("%merged%"))
            )
        }
    # The raiser hears of their issue, by its number; the other follower of the topic.
    assert told["issue_topic_merged"] == (
        people[1],
        {
            "issue_number": "YS-2026-000002",
            "from_number": second.number,
            "topic_number": first.number,
            "topic_title": "油烟",
            "role": "raiser",
        },
    )
    assert told["topic_merged"][0] == people[0]


async def test_a_stale_second_merge_changes_nothing(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    a = await _topic(session_factory, clock, report.township_id, [issues[0]], "油烟")
    b = await _topic(session_factory, clock, report.township_id, [issues[1]], "噪音")
    async with UnitOfWork(session_factory) as uow:
        await topics.merge_topics(
            uow,
            township_id=report.township_id,
            source_id=a.id,
            target_id=b.id,
            actor_id=None,
            now=clock.now(),
        )
        await uow.commit()
    before = await snapshot(session_factory)
    clock.advance(minutes=1)
    # Two old keyboards: "merge B into A" now finds A withdrawn into B; "merge A into B"
    # again finds A gone; A cannot be split either.
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda uow: topics.merge_topics(
            uow,
            township_id=report.township_id,
            source_id=b.id,
            target_id=a.id,
            actor_id=None,
            now=clock.now(),
        ),
        lambda uow: topics.merge_topics(
            uow,
            township_id=report.township_id,
            source_id=a.id,
            target_id=b.id,
            actor_id=None,
            now=clock.now(),
        ),
        lambda uow: topics.accept_into_topic(
            uow,
            township_id=report.township_id,
            issue_id=issues[2],
            topic_id=a.id,
            actor_id=None,
            now=clock.now(),
        ),
        lambda uow: joining.join_topic(uow, person_id=people[3], topic_id=a.id, now=clock.now()),
    ]
    for attempt in attempts:
        async with UnitOfWork(session_factory) as uow:
            with pytest.raises(StaleState) as raised:
                await attempt(uow)
            assert not await uow.commit()
        assert (raised.value.subject, raised.value.status, raised.value.related) == (
            a.number,
            TopicStatus.WITHDRAWN,
            b.number,
        )
        assert await snapshot(session_factory) == before
    async with session_factory() as session:
        statuses = {
            t.id: (t.status, t.merged_into_id) for t in await session.scalars(select(Topic))
        }
        homes = {i.id: i.topic_id for i in await session.scalars(select(Issue))}
    assert statuses == {a.id: (TopicStatus.WITHDRAWN, b.id), b.id: (TopicStatus.COLLECTING, None)}
    assert homes == {issues[0]: b.id, issues[1]: b.id, issues[2]: None}


async def test_split_moves_only_the_people_of_the_moved_issues(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    whole = await _topic(session_factory, clock, report.township_id, issues, "魅力之城与学校")
    async with UnitOfWork(session_factory) as uow:
        must, cannot = await uow.grouping_links.in_township(report.township_id)
    assert set(must) == {(issues[0], issues[1]), (issues[0], issues[2])} and not cannot
    async with UnitOfWork(session_factory) as uow:
        school = await topics.split_topic(
            uow,
            township_id=report.township_id,
            topic_id=whole.id,
            issue_ids=[issues[2]],
            title="学校强制实习",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        )
        changes = await uow.commit()
    assert changes.open_items == {report.township_id}
    assert school.issue_count == 1
    assert await _followers(session_factory, school.id) == {people[2]: "raiser"}
    assert set(await _followers(session_factory, whole.id)) == {people[0], people[1]}
    # Later groupings keep what staff decided: the moved issue apart from those that stayed,
    # which stay together though their link ran through it.
    async with UnitOfWork(session_factory) as uow:
        must, cannot = await uow.grouping_links.in_township(report.township_id)
    assert set(cannot) == {(issues[0], issues[2]), (issues[1], issues[2])}
    assert set(must) == {(issues[0], issues[1])}
    before = await snapshot(session_factory)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(DomainError):
            await topics.split_topic(
                uow,
                township_id=report.township_id,
                topic_id=whole.id,
                issue_ids=[issues[0], issues[1]],
                title="all",
                actor_id=None,
                now=clock.now(),
                zone=ZONE,
            )
        assert not await uow.commit()
    assert await snapshot(session_factory) == before


async def test_other_townships_objects_are_not_found(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    other = await factories.township(session_factory, clock.now(), name="西山乡")
    foreign = await factories.issue(
        session_factory, clock.now(), other, people[0], "西山乡的路", village="东风村"
    )
    foreign_other = await factories.issue(
        session_factory, clock.now(), other, people[1], "西山乡的桥", village="东风村"
    )
    own = await _topic(session_factory, clock, report.township_id, issues[:2], "油烟")
    theirs = await _topic(session_factory, clock, other.township_id, [foreign], "西山乡的路")
    here = report.township_id
    before = await snapshot(session_factory)
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda uow: topics.create_topic(
            uow,
            township_id=here,
            issue_ids=[issues[2], foreign_other],
            title="x",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        ),
        lambda uow: topics.accept_into_topic(
            uow,
            township_id=here,
            issue_id=foreign_other,
            topic_id=own.id,
            actor_id=None,
            now=clock.now(),
        ),
        lambda uow: topics.accept_into_topic(
            uow,
            township_id=here,
            issue_id=issues[2],
            topic_id=theirs.id,
            actor_id=None,
            now=clock.now(),
        ),
        lambda uow: topics.merge_topics(
            uow,
            township_id=here,
            source_id=theirs.id,
            target_id=own.id,
            actor_id=None,
            now=clock.now(),
        ),
        lambda uow: topics.merge_topics(
            uow,
            township_id=here,
            source_id=own.id,
            target_id=theirs.id,
            actor_id=None,
            now=clock.now(),
        ),
        lambda uow: topics.split_topic(
            uow,
            township_id=here,
            topic_id=theirs.id,
            issue_ids=[foreign],
            title="x",
            actor_id=None,
            now=clock.now(),
            zone=ZONE,
        ),
        lambda uow: joining.join_topic(
            uow, person_id=people[3], topic_id=theirs.id, now=clock.now(), township_id=here
        ),
        lambda uow: joining.join_issue(
            uow, person_id=people[3], issue_id=foreign_other, now=clock.now(), township_id=here
        ),
    ]
    for attempt in attempts:
        async with UnitOfWork(session_factory) as uow:
            with pytest.raises(NotFound):
                await attempt(uow)
            assert not await uow.commit()
        assert await snapshot(session_factory) == before
    assert issubclass(topics.WrongTownship, NotFound)
    async with session_factory() as session:
        statuses = {i.id: i.status for i in await session.scalars(select(Issue))}
    assert statuses[issues[2]] is IssueStatus.SUBMITTED
    assert statuses[foreign_other] is IssueStatus.SUBMITTED


async def test_joining_a_topic_makes_a_supporting_follower(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, people, issues = await _setup(session_factory, clock)
    view = await _topic(session_factory, clock, report.township_id, [issues[0]], "油烟")
    async with UnitOfWork(session_factory) as uow:
        told = await joining.join_topic(uow, person_id=people[3], topic_id=view.id, now=clock.now())
        await uow.commit()
    assert told == view.number
    async with UnitOfWork(session_factory) as uow:
        told = await joining.join_issue(
            uow, person_id=people[2], issue_id=issues[0], now=clock.now()
        )
        await uow.commit()
    assert told == view.number  # joining an accepted issue is joining its topic
    assert (await _followers(session_factory, view.id))[people[2]] == "supporter"
    assert (await _followers(session_factory, view.id))[people[3]] == "supporter"


async def test_rename_a_topic(session_factory: SessionFactory, clock: MutableClock) -> None:
    report, _people, issues = await _setup(session_factory, clock)
    topic = await _topic(session_factory, clock, report.township_id, [issues[0]], "油烟")
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(DomainError):
            await topics.rename_topic(
                uow,
                township_id=report.township_id,
                topic_id=topic.id,
                title="   ",
                actor_id=None,
                now=clock.now(),
            )
        view = await topics.rename_topic(
            uow,
            township_id=report.township_id,
            topic_id=topic.id,
            title="  魅力之城小区  餐馆油烟扰民 ",
            actor_id=None,
            now=clock.now(),
        )
        await uow.commit()
    assert view.title == "魅力之城小区 餐馆油烟扰民"
