"""Updates stored before they are acknowledged: handled once, their answers kept until sent."""

from __future__ import annotations

from datetime import timedelta

from storage.db import SessionFactory
from storage.models import ReceivedUpdate
from storage.received import DONE, HANDLED, PENDING
from storage.uow import UnitOfWork
from tests.conftest import MutableClock

ANSWERS = {"ops": [{"op": "text", "text": "您好", "markup": None}], "pressed": None}


async def _status(session_factory: SessionFactory, update_id: int) -> str | None:
    async with session_factory() as session:
        row = await session.get(ReceivedUpdate, update_id)
        return row.status if row is not None else None


async def test_an_update_is_accepted_once(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    async with UnitOfWork(session_factory) as uow:
        first = await uow.received.accept([(1, 10, {"update_id": 1}), (2, 10, {})], clock.now())
        again = await uow.received.accept([(2, 10, {}), (3, 11, {})], clock.now())
        await uow.commit()
    assert first == {1, 2}
    assert again == {3}


async def test_answers_are_kept_until_they_are_confirmed_sent(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    async with UnitOfWork(session_factory) as uow:
        await uow.received.accept([(1, 10, {}), (2, 10, {}), (3, 11, {})], clock.now())
        await uow.received.mark_handled(1, clock.now(), ANSWERS)
        await uow.received.mark_handled(2, clock.now(), None)  # nothing to say: done at once
        await uow.commit()
    assert [await _status(session_factory, n) for n in (1, 2, 3)] == [HANDLED, DONE, PENDING]
    async with UnitOfWork(session_factory) as uow:
        assert await uow.received.unsent() == [(1, 10, ANSWERS)]
        assert [payload for payload in await uow.received.unfinished()] == [{}]
        assert await uow.received.earlier_pending(11, 4)
        assert not await uow.received.earlier_pending(10, 4)
        await uow.received.mark_sent([1, 3], clock.now())  # 3 is not handled: stays pending
        await uow.commit()
    assert [await _status(session_factory, n) for n in (1, 2, 3)] == [DONE, DONE, PENDING]
    async with UnitOfWork(session_factory) as uow:
        assert await uow.received.unsent() == []


async def test_only_done_updates_are_pruned(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    async with UnitOfWork(session_factory) as uow:
        await uow.received.accept([(1, 10, {}), (2, 10, {}), (3, 10, {})], clock.now())
        await uow.received.mark_handled(1, clock.now(), None)
        await uow.received.mark_handled(2, clock.now(), ANSWERS)
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        assert await uow.received.prune(clock.now() + timedelta(seconds=1)) == 1
        await uow.commit()
    assert [await _status(session_factory, n) for n in (1, 2, 3)] == [None, HANDLED, PENDING]


async def test_a_chats_recent_arrivals_count_an_album_once(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    def photo(album: str) -> dict[str, object]:
        return {"message": {"media_group_id": album, "photo": [{"file_id": "p"}]}}

    earlier = clock.now()
    clock.advance(minutes=5)
    async with UnitOfWork(session_factory) as uow:
        await uow.received.accept([(1, 10, {"message": {"text": "早"}})], earlier)
        now = [
            (2, 10, {"message": {"text": "路灯坏了"}}),
            (3, 10, photo("a")),
            (4, 10, photo("a")),  # the same album
            (5, 10, photo("b")),
            (6, 20, {"message": {"text": "你好"}}),
            (7, None, {}),
        ]
        await uow.received.accept(now, clock.now())
        await uow.commit()
        since = clock.now() - timedelta(minutes=1)
        assert await uow.received.arrivals_since([10, 20, 30], since) == {10: 3, 20: 1}
        assert await uow.received.arrivals_since([], since) == {}
