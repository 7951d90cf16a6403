"""The per-update statements run straight on SQLite and store exactly what SQLAlchemy would."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import _sqlite_engine, count_activity, create_session_factory
from storage.uow import UnitOfWork
from tests.conftest import TEST_DATABASE_URL, MutableClock

pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's own connection")

FRAMES: list[dict[str, Any]] = [
    {"flow": "intake", "state": "where", "data": {"text": "路灯坏了 <b>", "n": 1}, "id": "a1"}
]
PAYLOAD = {"update_id": 0, "message": {"text": "南湖社区\u2028路灯", "chat": {"id": 1}}}
REPLIES = {"ops": [["text", "收到，谢谢！"]], "pressed": None}


async def _write(engine: AsyncEngine, base: int, clock: MutableClock) -> None:
    """The same writes, on ids `base`… (so two engines' rows can be compared)."""
    factory = create_session_factory(engine)
    async with UnitOfWork(factory) as uow:
        assert await uow.received.accept([(base, base, PAYLOAD), (base + 1, None, {})], clock.now())
        assert await uow.received.accept([(base, base, PAYLOAD)], clock.now()) == set()
        await uow.flows.save(base, FRAMES, clock.now())
        await uow.flows.save(base + 1, FRAMES, clock.now())
        await uow.flows.save(base + 1, [], clock.now())
        await uow.received.mark_handled(base, clock.now(), REPLIES)
        await uow.received.mark_handled(base + 1, clock.now(), None)
        await uow.commit()
        assert await uow.flows.load(base) == FRAMES
        assert await uow.flows.load(base + 1) == []
        await uow.received.mark_sent([base], clock.now())
        await uow.commit()


async def _rows(engine: AsyncEngine, table: str, key: str, base: int) -> list[tuple[Any, ...]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(f"SELECT * FROM {table} WHERE {key} IN (:a, :b) ORDER BY {key}"),
            {"a": base, "b": base + 1},
        )
        # Ids relative to `base`; everything else as stored.
        return [
            tuple(
                value - base if index < 2 and isinstance(value, int) else value
                for index, value in enumerate(row)
            )
            for row in rows
        ]


async def test_direct_statements_store_what_sqlalchemy_stores(
    engine: AsyncEngine, database_url: str, clock: MutableClock
) -> None:
    # The bot's writer runs inline (direct statements); a worker-thread connection to the
    # same file goes through SQLAlchemy.
    through_sqlalchemy = _sqlite_engine(
        database_url, inline=False, reader=False, pool_size=1, max_overflow=0
    )
    statements: list[int] = []
    count_activity(engine, lambda: statements.append(1), lambda: None)
    try:
        await _write(engine, 1000, clock)
        direct_count = len(statements)
        await _write(through_sqlalchemy, 2000, clock)
        for table, key in (("received_updates", "update_id"), ("chat_flows", "chat_id")):
            assert await _rows(engine, table, key, 1000) == await _rows(engine, table, key, 2000)
    finally:
        await through_sqlalchemy.dispose()
    # Statements that bypass SQLAlchemy still count in /metrics.
    assert direct_count >= 9
