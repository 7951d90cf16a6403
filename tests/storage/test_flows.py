"""Where each chat stands: one row per chat with open flows, none without."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storage.db import SessionFactory
from storage.flows import RememberedFlows
from storage.models import ChatFlow
from storage.uow import UnitOfWork
from tests.conftest import MutableClock

INTAKE: list[dict[str, Any]] = [
    {
        "flow": "intake",
        "state": "category",
        "data": {"draft": {"text": "路灯坏了", "photos": [{"file_id": "p1"}], "anonymous": None}},
        "expires_at": "2026-03-03T01:30:00+00:00",
        "id": "a1b2c3",
    }
]
ANSWER: dict[str, Any] = {
    "flow": "answer",
    "state": "typing",
    "data": {"question": 7},
    "expires_at": "2026-03-02T02:30:00+00:00",
    "id": "d4e5f6",
}


async def _rows(session_factory: SessionFactory) -> dict[int, tuple[Any, Any]]:
    async with session_factory() as session:
        return {
            row.chat_id: (row.frames, row.updated_at)
            for row in await session.scalars(select(ChatFlow))
        }


async def _save(
    session_factory: SessionFactory, chat_id: int, frames: list[dict[str, Any]], clock: MutableClock
) -> None:
    async with UnitOfWork(session_factory) as uow:
        await uow.flows.save(chat_id, frames, clock.now())
        await uow.commit()


async def test_a_chat_without_flows_has_no_row(session_factory: SessionFactory) -> None:
    async with UnitOfWork(session_factory) as uow:
        assert await uow.flows.load(1001) == []
    assert await _rows(session_factory) == {}


async def test_frames_are_saved_replaced_and_deleted(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    await _save(session_factory, 1001, INTAKE, clock)
    await _save(session_factory, -100123, [ANSWER], clock)  # group chats have negative ids
    saved_at = clock.now()
    assert await _rows(session_factory) == {1001: (INTAKE, saved_at), -100123: ([ANSWER], saved_at)}
    clock.advance(minutes=3)
    stacked = [*INTAKE, ANSWER]
    await _save(session_factory, 1001, stacked, clock)  # the same row, replaced
    async with UnitOfWork(session_factory) as uow:
        assert await uow.flows.load(1001) == stacked
    rows = await _rows(session_factory)
    assert rows[1001] == (stacked, saved_at + timedelta(minutes=3))
    await _save(session_factory, 1001, [], clock)  # every flow ended: the row goes
    assert await _rows(session_factory) == {-100123: ([ANSWER], saved_at)}
    await _save(session_factory, 1001, [], clock)  # nothing to delete: fine
    async with UnitOfWork(session_factory) as uow:
        assert await uow.flows.load(1001) == []


async def test_frames_roll_back_with_the_step(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    await _save(session_factory, 1001, INTAKE, clock)
    async with UnitOfWork(session_factory) as uow:
        await uow.flows.save(1001, [ANSWER], clock.now())
        await uow.flows.save(2002, [ANSWER], clock.now())
        await uow.rollback()
    async with UnitOfWork(session_factory) as uow:
        await uow.flows.save(1001, [], clock.now())
        # Leaving without a commit is a rollback too.
    assert await _rows(session_factory) == {1001: (INTAKE, clock.now())}


def test_remembered_flows_forget_the_chat_seen_longest_ago() -> None:
    memory = RememberedFlows(limit=2)
    memory.put(1, "[]")
    memory.put(2, '[{"flow": "intake"}]')
    assert memory.get(1) == "[]"  # seen again: chat 2 is now the oldest
    memory.put(3, "[]")
    assert memory.get(2) is None
    assert memory.get(1) == "[]" and memory.get(3) == "[]"
    assert len(memory) == 2
