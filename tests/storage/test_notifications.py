"""The outbox's queue: urgent first, townships share, one push per person in flight, pruning."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.outbox import URGENT, NotificationKind, notify, priority_of
from storage.db import SessionFactory
from storage.models import Notification
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock

LEASE = timedelta(minutes=5)
GAP = timedelta(seconds=1)


async def _resident(
    session_factory: SessionFactory, clock: MutableClock, telegram_id: int, village_id: int
) -> int:
    person_id = await factories.person(session_factory, clock.now(), telegram_id)
    async with UnitOfWork(session_factory) as uow:
        await uow.people.set_village(person_id, village_id, clock.now())
        await uow.commit()
    return person_id


async def _queue(
    session_factory: SessionFactory,
    clock: MutableClock,
    recipient: int,
    key: str,
    kind: NotificationKind = NotificationKind.ISSUE_REJECTED,
) -> None:
    payload = (
        {"issue_number": key, "reason": "已解决", "role": "raiser"}
        if kind is NotificationKind.ISSUE_REJECTED
        else {"issue_number": key, "question": "哪一根？", "question_id": 1}
    )
    async with UnitOfWork(session_factory) as uow:
        await notify(
            uow, recipient_id=recipient, kind=kind, payload=payload, dedupe_key=key, now=clock.now()
        )
        await uow.commit()


async def _claim(
    session_factory: SessionFactory, clock: MutableClock, limit: int
) -> list[tuple[int, str]]:
    async with UnitOfWork(session_factory) as uow:
        claimed = await uow.notifications.claim_due(
            now=clock.now(), limit=limit, lease=LEASE, chat_gap=GAP
        )
        await uow.commit()
    return [(c.recipient_id, str(c.payload["issue_number"])) for c in claimed]


async def test_rows_remember_priority_and_the_recipients_township(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    east = await factories.township(session_factory, clock.now())
    resident = await _resident(session_factory, clock, 101, east.villages["南湖社区"])
    await _queue(session_factory, clock, resident, "a", NotificationKind.ISSUE_NEEDS_INFO)
    await _queue(session_factory, clock, resident, "b")
    async with session_factory() as session:
        rows = list(await session.scalars(select(Notification).order_by(Notification.id)))
    assert [(r.priority, r.township_id) for r in rows] == [
        (URGENT, east.township_id),
        (priority_of(NotificationKind.ISSUE_REJECTED), east.township_id),
    ]


async def test_the_most_urgent_goes_first_and_one_push_per_person_is_in_flight(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    east = await factories.township(session_factory, clock.now())
    village = east.villages["南湖社区"]
    first = await _resident(session_factory, clock, 101, village)
    second = await _resident(session_factory, clock, 102, village)
    await _queue(session_factory, clock, first, "digest-like")
    await _queue(session_factory, clock, second, "plain")
    await _queue(session_factory, clock, first, "urgent", NotificationKind.ISSUE_NEEDS_INFO)

    assert await _claim(session_factory, clock, 1) == [(first, "urgent")]
    # Another process claims meanwhile: the first person has a push in flight, so their
    # other row waits even though it is older.
    assert await _claim(session_factory, clock, 5) == [(second, "plain")]
    assert await _claim(session_factory, clock, 5) == []


async def test_a_person_who_just_got_a_push_waits_a_gap(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    east = await factories.township(session_factory, clock.now())
    resident = await _resident(session_factory, clock, 101, east.villages["南湖社区"])
    await _queue(session_factory, clock, resident, "one")
    await _queue(session_factory, clock, resident, "two")
    async with UnitOfWork(session_factory) as uow:
        [claim] = await uow.notifications.claim_due(
            now=clock.now(), limit=1, lease=LEASE, chat_gap=GAP
        )
        assert await uow.notifications.mark_all_sent([claim], now=clock.now()) == {claim.id}
        await uow.commit()
    assert await _claim(session_factory, clock, 5) == []
    clock.advance(seconds=1.5)
    assert await _claim(session_factory, clock, 5) == [(resident, "two")]


async def test_one_townships_broadcast_does_not_starve_another(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    east = await factories.township(session_factory, clock.now())
    west = await factories.township(session_factory, clock.now(), name="西山乡")
    crowd = [
        await _resident(session_factory, clock, 1000 + i, east.villages["东风村"]) for i in range(6)
    ]
    for i, person in enumerate(crowd):
        await _queue(session_factory, clock, person, f"east-{i}")
    lone = await _resident(session_factory, clock, 2000, west.villages["东风村"])
    await _queue(session_factory, clock, lone, "west-0")

    claimed = await _claim(session_factory, clock, 4)
    assert (lone, "west-0") in claimed
    assert len(claimed) == 3  # two townships: two rows each at most, and west had one


async def test_settled_rows_are_pruned_after_the_keep_time(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    east = await factories.township(session_factory, clock.now())
    resident = await _resident(session_factory, clock, 101, east.villages["南湖社区"])
    await _queue(session_factory, clock, resident, "sent")
    async with UnitOfWork(session_factory) as uow:
        [claim] = await uow.notifications.claim_due(now=clock.now(), limit=1, lease=LEASE)
        await uow.notifications.mark_all_sent([claim], now=clock.now())
        await uow.commit()
    clock.advance(days=10)
    await _queue(session_factory, clock, resident, "pending")
    async with UnitOfWork(session_factory) as uow:
        assert await uow.notifications.prune(clock.now() - timedelta(days=30)) == 0
        assert await uow.notifications.prune(clock.now() - timedelta(days=5)) == 1
        assert await uow.notifications.depth_by_priority() == {2: 1}
        await uow.commit()
        remaining = await uow.notifications.for_recipient(resident)
    assert [row.dedupe_key for row in remaining] == ["pending"]


async def test_a_claim_left_by_a_crash_holds_the_person_back_only_briefly(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    east = await factories.township(session_factory, clock.now())
    resident = await _resident(session_factory, clock, 101, east.villages["南湖社区"])
    await _queue(session_factory, clock, resident, "in flight at the crash")
    assert await _claim(session_factory, clock, 1) == [(resident, "in flight at the crash")]
    await _queue(session_factory, clock, resident, "next")
    assert await _claim(session_factory, clock, 5) == []
    clock.advance(seconds=11)  # the claim's process is gone; its lease runs much longer
    assert await _claim(session_factory, clock, 5) == [(resident, "next")]
