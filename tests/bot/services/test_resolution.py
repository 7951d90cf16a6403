"""Resolving a topic once its action items are done, and reopening it with a new item: the
topic and its issues move, everyone concerned is told once, 回头看 is scheduled and
cancelled; bad requests change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.domain.deliberation_errors import DueDateInPast
from bot.domain.errors import NotFound
from bot.domain.followup_errors import AlreadyReopened, AlreadyResolved
from bot.domain.issue_status import IssueStatus
from bot.domain.topic_status import IllegalTopicTransition, TopicStatus
from bot.services import lookback, ratings, resolution
from bot.services.outbox import NotificationKind
from storage.db import SessionFactory
from storage.models import ActionItem, Issue, Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.bot.services.followup_helpers import pending_jobs, pushes, recipients
from tests.conftest import MutableClock
from tests.followup_fixtures import Followed, implementing_topic, mark_done

K = NotificationKind


@pytest.fixture
async def followed(session_factory: SessionFactory, clock: MutableClock) -> Followed:
    report = await factories.township(session_factory, clock.now())
    return await implementing_topic(session_factory, clock.now(), report)


async def _resolve(
    factory: SessionFactory, f: Followed, clock: MutableClock, note: str = ""
) -> None:
    async with UnitOfWork(factory) as uow:
        await resolution.resolve(
            uow,
            township_id=f.township_id,
            topic_id=f.topic_id,
            note=note,
            actor_id=f.people["小张"],
            now=clock.now(),
        )
        await uow.commit()


async def _topic(factory: SessionFactory, topic_id: int) -> Topic:
    async with factory() as session:
        topic = await session.get(Topic, topic_id)
        assert topic is not None
        return topic


async def test_staff_are_asked_once_when_the_last_item_is_done(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    async def ask() -> int:
        async with UnitOfWork(session_factory) as uow:
            asked = await resolution.ask_to_resolve_if_all_done(uow, followed.topic_id, clock.now())
            await uow.commit()
            return asked

    await mark_done(session_factory, followed.items[0], clock.now())
    assert await ask() == 0  # one item is still open
    await mark_done(session_factory, followed.items[1], clock.now())
    assert await ask() == 1
    assert await ask() == 0  # asked once, however often an item is marked done
    [row] = await pushes(session_factory, K.RESOLVE_SUGGESTED)
    assert row.recipient_id == followed.people["小张"]
    assert row.payload["items"] == 2 and row.payload["topic_title"] == "东门路灯"


async def test_resolving_moves_topic_and_issues_and_asks_each_person_once(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    people = followed.people
    await _resolve(session_factory, followed, clock, "路灯已全部修好")
    topic = await _topic(session_factory, followed.topic_id)
    assert topic.status is TopicStatus.RESOLVED
    assert (topic.resolved_at, topic.resolution_note) == (clock.now(), "路灯已全部修好")
    async with session_factory() as session:
        statuses = set(
            await session.scalars(select(Issue.status).where(Issue.topic_id == topic.id))
        )
    assert statuses == {IssueStatus.RESOLVED}
    # 李大爷 raised two of its issues and is asked once; 赵姐 joined one.
    assert await recipients(session_factory, K.RATING_REQUEST) == sorted(
        [people["王阿姨"], people["李大爷"], people["赵姐"]]
    )
    # 老陈 follows it without having raised it: told, not asked. 小张 resolved it.
    assert await recipients(session_factory, K.TOPIC_RESOLVED) == [people["老陈"]]
    jobs = await pending_jobs(session_factory)
    assert jobs[ratings.reask_key(topic.id, 1)] == clock.now() + timedelta(days=3)
    assert jobs[lookback.ask_key(topic.id, 1)] == clock.now() + timedelta(days=30)


async def test_resolving_twice_another_townships_or_an_early_topic_changes_nothing(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    other = await factories.township(session_factory, clock.now(), name="西山镇")
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotFound):
            await resolution.resolvable(uow, other.township_id, followed.topic_id)
    await _resolve(session_factory, followed, clock)
    with pytest.raises(AlreadyResolved):
        await _resolve(session_factory, followed, clock)
    assert len(await pushes(session_factory, K.RATING_REQUEST)) == 3
    async with UnitOfWork(session_factory) as uow:
        topic = await uow.topics.get(followed.topic_id)
        assert topic is not None
        topic.status = TopicStatus.SELECTED
        await uow.commit()
    with pytest.raises(IllegalTopicTransition):
        await _resolve(session_factory, followed, clock)


async def _reopen(
    factory: SessionFactory, f: Followed, clock: MutableClock, **item: object
) -> None:
    values: dict[str, object] = {
        "description": "加装一盏路灯",
        "owner_person_id": f.people["老刘"],
        "owner_name": None,
        "due_on": date(2026, 4, 30),
        "round_": 1,
    }
    values.update(item)
    async with UnitOfWork(factory) as uow:
        await resolution.reopen(
            uow,
            township_id=f.township_id,
            topic_id=f.topic_id,
            actor_id=f.people["小张"],
            now=clock.now(),
            **values,  # type: ignore[arg-type]
        )
        await uow.commit()


async def test_reopening_adds_an_item_and_tells_everyone_what_happens_next(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    people = followed.people
    await _resolve(session_factory, followed, clock)
    clock.advance(days=1)
    await _reopen(session_factory, followed, clock)
    topic = await _topic(session_factory, followed.topic_id)
    assert (topic.status, topic.reopened) == (TopicStatus.IMPLEMENTING, 1)
    async with session_factory() as session:
        statuses = set(
            await session.scalars(select(Issue.status).where(Issue.topic_id == topic.id))
        )
        items = list(
            await session.scalars(select(ActionItem).where(ActionItem.topic_id == topic.id))
        )
    assert statuses == {IssueStatus.ACCEPTED}
    assert [item.description for item in items][-1] == "加装一盏路灯"
    assert await recipients(session_factory, K.TOPIC_REOPENED) == sorted(
        [people[name] for name in ("王阿姨", "李大爷", "赵姐", "老陈")]
    )
    [assigned] = await pushes(session_factory, K.ACTION_ITEMS_ASSIGNED)
    assert assigned.recipient_id == people["老刘"]
    # No reminder to rate and no look back on the resolution that no longer stands.
    assert await pending_jobs(session_factory) == {}
    # The same alert pressed again: reopened already, nothing more happens.
    with pytest.raises(AlreadyReopened):
        await _reopen(session_factory, followed, clock)
    assert len(await pushes(session_factory, K.TOPIC_REOPENED)) == 4


async def test_a_reopening_with_a_bad_item_changes_nothing(
    session_factory: SessionFactory, clock: MutableClock, followed: Followed
) -> None:
    await _resolve(session_factory, followed, clock)
    with pytest.raises(NotFound):  # 孙叔 is no member
        await _reopen(session_factory, followed, clock, owner_person_id=followed.people["孙叔"])
    with pytest.raises(DueDateInPast):
        await _reopen(session_factory, followed, clock, due_on=date(2026, 3, 1))
    with pytest.raises(NotFound):  # a round that never was (a forged button)
        await _reopen(session_factory, followed, clock, round_=7)
    topic = await _topic(session_factory, followed.topic_id)
    assert (topic.status, topic.reopened) == (TopicStatus.RESOLVED, 0)
    assert await pushes(session_factory, K.TOPIC_REOPENED) == []
