"""Two transactions writing the same row at once (two chats, or the bot and the command line).

On SQLite the one writer connection serialises them; on PostgreSQL the second waits for the
first's uncommitted row. Either way the outcome must be the sequential one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.topic_status import TopicStatus
from storage.db import SessionFactory
from storage.models import Counter, Follower, Support, Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock


async def _wait_until_blocked(engine: AsyncEngine, table: str) -> None:
    """PostgreSQL: until a transaction's INSERT into `table` waits for another's lock.

    SQLite has nothing to wait for: the second transaction cannot start before the first ends.
    """
    if engine.dialect.name != "postgresql":
        return
    blocked = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query ILIKE :insert"
    )
    async with asyncio.timeout(10):
        while True:
            async with engine.connect() as connection:
                if await connection.scalar(blocked, {"insert": f"INSERT INTO {table}%"}):
                    return
            await asyncio.sleep(0.01)


async def _both(
    engine: AsyncEngine,
    session_factory: SessionFactory,
    table: str,
    write: Callable[[UnitOfWork], Awaitable[Any]],
) -> tuple[Any, Any]:
    """`write` in two transactions at once: the second starts before the first commits."""
    first = UnitOfWork(session_factory).open()
    second = UnitOfWork(session_factory).open()
    try:
        first_result = await write(first)
        waiting = asyncio.create_task(write(second))
        await _wait_until_blocked(engine, table)
        await first.commit()
        second_result = await asyncio.wait_for(waiting, 10)
        await second.commit()
    finally:
        await first.close()
        await second.close()
    return first_result, second_result


async def _count(session_factory: SessionFactory, model: Any) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_new_counter_created_twice_at_once(
    engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    results = await _both(
        engine, session_factory, "counters", lambda uow: uow.issues.next_sequence("race")
    )
    assert results == (1, 2)
    async with session_factory() as session:
        assert await session.scalar(select(Counter.value).where(Counter.name == "race")) == 2


async def test_the_same_support_twice_at_once(
    engine: AsyncEngine, session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    raiser = await factories.person(session_factory, clock.now(), 1001)
    neighbour = await factories.person(session_factory, clock.now(), 1002)
    issue = await factories.issue(session_factory, clock.now(), report, raiser, "东门路灯坏了")

    def support(uow: UnitOfWork) -> Awaitable[bool]:
        # E.g. the neighbour presses 附议 while staff mark their issue a duplicate of this one.
        return uow.issues.add_support(
            Support(person_id=neighbour, issue_id=issue, created_at=clock.now())
        )

    assert await _both(engine, session_factory, "supports", support) == (True, False)
    assert await _count(session_factory, Support) == 1


async def test_the_same_follower_twice_at_once(
    engine: AsyncEngine, session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    person = await factories.person(session_factory, clock.now(), 1001)
    async with UnitOfWork(session_factory) as uow:
        topic = await uow.topics.add(
            Topic(
                number="YT-2026-0001",
                township_id=report.township_id,
                title="东门路灯",
                summary="",
                status=TopicStatus.COLLECTING,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()

    def follow(uow: UnitOfWork) -> Awaitable[bool]:
        # E.g. two of the person's issues accepted into the topic by two staff at once.
        return uow.topics.follow(topic.id, person, "raiser", clock.now())

    assert await _both(engine, session_factory, "followers", follow) == (True, False)
    assert await _count(session_factory, Follower) == 1
