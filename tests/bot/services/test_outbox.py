"""The outbox as services use it (notify) and as the dispatcher uses it (claims, outcomes)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.outbox import (
    DEDUPE_KEY_MAX,
    InvalidNotification,
    NotificationKind,
    notify,
)
from storage.db import SessionFactory
from storage.models import Notification, Person
from storage.notifications import (
    NotificationStatus,
    rate_limit_streak,
    rate_limited_note,
)
from storage.uow import UnitOfWork
from tests.conftest import MutableClock

LEASE = timedelta(minutes=5)
REJECTED = {"issue_number": "YS-2026-000001", "reason": "不属于本镇职责", "role": "raiser"}


async def _person(session_factory: SessionFactory, clock: MutableClock, telegram_id: int) -> int:
    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.add(
            Person(
                telegram_id=telegram_id,
                chat_id=telegram_id,
                first_name="王阿姨",
                language_code="zh-hans",
                active=True,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        await uow.commit()
        return person.id


async def _rows(session_factory: SessionFactory) -> list[Notification]:
    async with session_factory() as session:
        return list(await session.scalars(select(Notification).order_by(Notification.id)))


async def _queue(
    session_factory: SessionFactory,
    clock: MutableClock,
    recipient: int,
    key: str,
    payload: dict[str, Any] | None = None,
) -> bool:
    async with UnitOfWork(session_factory) as uow:
        added = await notify(
            uow,
            recipient_id=recipient,
            kind=NotificationKind.ISSUE_REJECTED,
            payload=payload or REJECTED,
            dedupe_key=key,
            now=clock.now(),
        )
        await uow.commit()
        return added


# -- notify: one transaction with the change ------------------------------------------------------


async def test_the_push_commits_with_the_change_it_reports(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    resident = await _person(session_factory, clock, 1001)
    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.get(resident)
        assert person is not None
        person.first_name = "王秀英"
        assert await notify(
            uow,
            recipient_id=resident,
            kind=NotificationKind.ISSUE_REJECTED,
            payload=REJECTED,
            dedupe_key="issue-rejected:1",
            now=clock.now(),
        )
        # Leaving without commit: neither the change nor its push happened.
    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.get(resident)
        assert person is not None and person.first_name == "王阿姨"
    assert await _rows(session_factory) == []

    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.get(resident)
        assert person is not None
        person.first_name = "王秀英"
        await notify(
            uow,
            recipient_id=resident,
            kind="issue_rejected",
            payload=REJECTED,
            dedupe_key="issue-rejected:1",
            now=clock.now(),
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.get(resident)
        assert person is not None and person.first_name == "王秀英"
    [row] = await _rows(session_factory)
    assert (row.recipient_id, row.kind, row.payload) == (resident, "issue_rejected", REJECTED)
    assert row.status == "pending" and row.attempts == 0
    assert row.next_attempt_at == clock.now()


async def test_a_failing_change_takes_its_push_with_it(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    resident = await _person(session_factory, clock, 1001)

    async def failing_service() -> None:
        async with UnitOfWork(session_factory) as uow:
            await notify(
                uow,
                recipient_id=resident,
                kind=NotificationKind.ISSUE_REJECTED,
                payload=REJECTED,
                dedupe_key="issue-rejected:1",
                now=clock.now(),
            )
            await uow.flush()
            raise RuntimeError("the service failed after queueing")

    with pytest.raises(RuntimeError):
        await failing_service()
    assert await _rows(session_factory) == []


async def test_the_dedupe_key_allows_one_row_per_event(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    resident = await _person(session_factory, clock, 1001)
    assert await _queue(session_factory, clock, resident, "issue-rejected:1")
    assert not await _queue(session_factory, clock, resident, "issue-rejected:1")
    async with UnitOfWork(session_factory) as uow:
        for _ in range(2):
            added = await notify(
                uow,
                recipient_id=resident,
                kind=NotificationKind.ISSUE_REJECTED,
                payload=REJECTED,
                dedupe_key="issue-rejected:2",
                now=clock.now(),
            )
        assert not added  # the second call in the same transaction saw the first
        await uow.commit()
    assert [row.dedupe_key for row in await _rows(session_factory)] == [
        "issue-rejected:1",
        "issue-rejected:2",
    ]


async def test_long_dedupe_keys_are_fitted_without_losing_deduplication(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    resident = await _person(session_factory, clock, 1001)
    head = "issue-updated:1:village:" + "很长的村名" * 40
    assert await _queue(session_factory, clock, resident, head + ":a")
    assert await _queue(session_factory, clock, resident, head + ":b")
    assert not await _queue(session_factory, clock, resident, head + ":a")
    keys = [row.dedupe_key for row in await _rows(session_factory)]
    assert len(keys) == 2 and keys[0] != keys[1]
    assert all(len(key) <= DEDUPE_KEY_MAX and key.startswith("issue-updated:1:") for key in keys)


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("issue_exploded", {"issue_number": "YS-1"}),
        ("issue_rejected", {"issue_number": "YS-1"}),
        ("issue_rejected", {**REJECTED, "extra": "x"}),
        ("issue_rejected", {"issue_number": "YS-1", "reason": {"nested": "no"}}),
        ("issue_rejected", {"issue_number": "YS-1", "reason": 1.5}),
        ("issue_rejected", {"issue_number": True, "reason": "r", "role": "raiser"}),
        ("issue_rejected", {"issue_number": "YS-1", "reason": "r", "role": "bystander"}),
        ("issue_updated", {"issue_number": "YS-1", "what": "status", "value": "x"}),
        ("issue_needs_info", {"issue_number": "YS-1", "question": "?", "question_id": "7"}),
    ],
)
async def test_malformed_pushes_are_refused_before_anything_is_written(
    session_factory: SessionFactory, clock: MutableClock, kind: str, payload: dict[str, Any]
) -> None:
    resident = await _person(session_factory, clock, 1001)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(InvalidNotification):
            await notify(
                uow,
                recipient_id=resident,
                kind=kind,
                payload=payload,
                dedupe_key="k",
                now=clock.now(),
            )
        with pytest.raises(InvalidNotification):
            await notify(
                uow,
                recipient_id=resident,
                kind=NotificationKind.ISSUE_REJECTED,
                payload=REJECTED,
                dedupe_key="",
                now=clock.now(),
            )
        await uow.commit()
    assert await _rows(session_factory) == []


# -- the repository's side for the dispatcher -----------------------------------------------------


async def test_claims_take_due_rows_oldest_first_and_never_twice(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    # One resident each: a person with a push in flight is not claimed again (see below).
    residents = [await _person(session_factory, clock, 1001 + n) for n in range(6)]
    for n in range(5):
        await _queue(session_factory, clock, residents[n], f"k{n}")
    async with UnitOfWork(session_factory) as uow:
        later = await notify(
            uow,
            recipient_id=residents[5],
            kind=NotificationKind.ISSUE_REJECTED,
            payload=REJECTED,
            dedupe_key="later",
            now=clock.now() + timedelta(minutes=1),
        )
        assert later
        await uow.commit()

    async def claim(limit: int) -> list[int]:
        async with UnitOfWork(session_factory) as uow:
            claimed = await uow.notifications.claim_due(now=clock.now(), limit=limit, lease=LEASE)
            await uow.commit()
        return [c.id for c in claimed]

    first = await claim(2)
    rows = await _rows(session_factory)
    assert first == [rows[0].id, rows[1].id]
    # Claims racing each other split the rest between them.
    racing = await asyncio.gather(claim(2), claim(2), claim(2))
    claimed = [i for ids in racing for i in ids]
    assert sorted(claimed) == [rows[2].id, rows[3].id, rows[4].id]
    assert await claim(10) == []  # the future row is not due, the rest are leased
    rows = await _rows(session_factory)
    assert [r.status for r in rows] == ["sending"] * 5 + ["pending"]
    assert all(r.attempts == 1 and r.next_attempt_at == clock.now() + LEASE for r in rows[:5])


async def test_a_person_with_a_push_in_flight_waits_for_it(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    resident = await _person(session_factory, clock, 1001)
    await _queue(session_factory, clock, resident, "first")
    async with UnitOfWork(session_factory) as uow:
        [claim] = await uow.notifications.claim_due(now=clock.now(), limit=5, lease=LEASE)
        await uow.commit()
    await _queue(session_factory, clock, resident, "second")
    async with UnitOfWork(session_factory) as uow:
        # Another dispatcher (another process) finds nothing to send to this person.
        assert await uow.notifications.claim_due(now=clock.now(), limit=5, lease=LEASE) == []
        await uow.notifications.mark_sent(claim, now=clock.now())
        await uow.commit()
        [second] = await uow.notifications.claim_due(now=clock.now(), limit=5, lease=LEASE)
    assert second.id != claim.id and second.recipient_id == resident


async def test_outcomes_need_the_claim_to_still_hold(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    resident = await _person(session_factory, clock, 1001)
    await _queue(session_factory, clock, resident, "k")
    async with UnitOfWork(session_factory) as uow:
        [stale] = await uow.notifications.claim_due(now=clock.now(), limit=5, lease=LEASE)
        await uow.commit()
    assert stale.recipient_id == resident and stale.chat_id == 1001 and stale.active
    assert stale.kind == "issue_rejected" and stale.payload == REJECTED
    clock.advance(minutes=5)  # the lease runs out: the row is due again
    async with UnitOfWork(session_factory) as uow:
        [fresh] = await uow.notifications.claim_due(now=clock.now(), limit=5, lease=LEASE)
        await uow.commit()
    assert fresh.id == stale.id and fresh.attempts == 2 and fresh.lease > stale.lease
    async with UnitOfWork(session_factory) as uow:
        assert not await uow.notifications.mark_sent(stale, now=clock.now())
        assert not await uow.notifications.give_up(stale, error="late", now=clock.now())
        assert await uow.notifications.mark_sent(fresh, now=clock.now())
        assert not await uow.notifications.mark_sent(fresh, now=clock.now())
        await uow.commit()
    [row] = await _rows(session_factory)
    assert row.status == "sent" and row.sent_at == clock.now() and row.attempts == 2


async def test_reschedule_release_skip_and_counts(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    resident = await _person(session_factory, clock, 1001)
    for key in ("a", "b", "c", "d"):
        await _queue(session_factory, clock, resident, key)
    async with UnitOfWork(session_factory) as uow:
        a, b, c, d = await uow.notifications.claim_due(now=clock.now(), limit=5, lease=LEASE)
        later = clock.now() + timedelta(seconds=30)
        assert await uow.notifications.reschedule(a, at=later, error="NetworkError: 502")
        assert await uow.notifications.reschedule(
            b, at=later, error=rate_limited_note(1, "RetryAfter"), count_attempt=False
        )
        assert await uow.notifications.release(c, at=clock.now())
        assert await uow.notifications.skip(d, reason="blocked", now=clock.now(), tried=True)
        await uow.notifications.mark_person_inactive(resident, now=clock.now())
        assert await uow.notifications.next_due() == clock.now()
        await uow.commit()
    rows = await _rows(session_factory)
    assert [(r.status, r.attempts) for r in rows] == [
        ("pending", 1),
        ("pending", 0),
        ("pending", 0),
        ("skipped", 1),
    ]
    assert rows[0].next_attempt_at == later and rows[0].last_error == "NetworkError: 502"
    assert rate_limit_streak(rows[1].last_error) == 1
    assert rate_limit_streak(rows[0].last_error) == 0
    async with UnitOfWork(session_factory) as uow:
        person = await uow.people.get(resident)
        assert person is not None and not person.active
        counts = await uow.notifications.counts_by_status()
    assert counts == {status.value: 0 for status in NotificationStatus} | {
        "pending": 3,
        "skipped": 1,
    }
