"""Outbox rows: written with the change that causes them, read by the dispatcher.

A row's life: ``pending`` → ``sending`` (claimed by one dispatcher) → ``sent``, or back to
``pending`` to be retried later, or ``failed`` (given up) / ``skipped`` (recipient unreachable).

The schema has no claim-token column, so a claim reuses ``next_attempt_at``: while a row is
``sending`` it holds the moment the claim expires (the lease). Every change a dispatcher makes
after sending is conditional on ``status = 'sending'`` *and* that exact lease, so a dispatcher
whose claim was taken over (it stalled past the lease, or crashed) cannot overwrite the new
owner's outcome. A row whose lease ran out is due again and is claimed like a pending one: that
is the only way the outbox hands a notification out twice (its first sender died after Telegram
accepted the message but before the outcome was written).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.changes import Changes
from storage.inserts import insert_for
from storage.models import Notification, Person, Role, Village


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed; next_attempt_at holds the end of the claim
    SENT = "sent"
    FAILED = "failed"  # given up; last_error says why
    SKIPPED = "skipped"  # recipient blocked the bot or has no chat
    SUMMED_UP = "summed_up"  # skipped, then told in one catch-up when the person came back


_CLAIMABLE = (NotificationStatus.PENDING, NotificationStatus.SENDING)
# Rows per multi-row INSERT in add_many: 8 columns each stays far below the bound-parameter
# limits of SQLite (32,766) and asyncpg (32,767).
_BULK_ROWS = 500

# Consecutive rate limits are counted in last_error (there is no column for them): the
# dispatcher does not count a 429 as a failed attempt, but it must not retry one forever.
_RATE_LIMITED = re.compile(r"^rate limited \((\d+)\)")


def rate_limited_note(streak: int, detail: str) -> str:
    return f"rate limited ({streak}): {detail}"


def rate_limit_streak(last_error: str | None) -> int:
    """How many 429 answers in a row the row has had, as recorded by `rate_limited_note`."""
    match = _RATE_LIMITED.match(last_error or "")
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class ClaimedNotification:
    """A row this dispatcher now owns, with what it needs to reach the recipient."""

    id: int
    recipient_id: int
    kind: str
    payload: dict[str, Any]
    # Counting this claim: every claim is an attempt unless it is handed back unsent.
    attempts: int
    # The claim token: next_attempt_at as set by the claim.
    lease: datetime
    priority: int
    last_error: str | None
    created_at: datetime
    telegram_id: int | None
    chat_id: int | None
    locale: str | None
    language_code: str | None
    active: bool


DEFAULT_PRIORITY = 2
# A claim younger than this counts as a push in flight to its person (see claim_due).
IN_FLIGHT_WINDOW = timedelta(seconds=10)
SETTLED = (
    NotificationStatus.SENT,
    NotificationStatus.FAILED,
    NotificationStatus.SKIPPED,
    NotificationStatus.SUMMED_UP,
)


def _township_of(person_id: int) -> Any:
    """The township a person belongs to, as a subquery evaluated by the INSERT itself."""
    served = select(func.min(Role.township_id)).where(Role.person_id == person_id).scalar_subquery()
    return (
        select(func.coalesce(Village.township_id, Person.working_township_id, served))
        .select_from(Person)
        .outerjoin(Village, Village.id == Person.village_id)
        .where(Person.id == person_id)
        .scalar_subquery()
    )


class NotificationRepository:
    def __init__(self, session: AsyncSession, changes: Changes | None = None) -> None:
        self.session = session
        # Where a queued notification is recorded, so the dispatcher is woken after commit.
        self.changes = changes

    async def add(
        self,
        *,
        recipient_id: int,
        kind: str,
        payload: dict[str, Any],
        dedupe_key: str,
        now: datetime,
        priority: int = DEFAULT_PRIORITY,
    ) -> bool:
        """Queue a notification; False when one with this dedupe key already exists.

        The row keeps the recipient's township (their village's, else the one they work in
        or serve), so the dispatcher can share its pace fairly between townships.

        One INSERT … ON CONFLICT DO NOTHING: a duplicate (even one committed concurrently by
        another transaction) is simply not inserted, and the caller's transaction carries on.
        A savepoint would do the same on PostgreSQL, but with the SQLite driver a savepoint
        opened before any other write starts its own transaction, and releasing it commits
        the row on the spot, apart from the change it belongs to.
        """
        values = {
            "recipient_id": recipient_id,
            "kind": kind,
            "payload": payload,
            "dedupe_key": dedupe_key,
            "status": NotificationStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "priority": priority,
            "township_id": _township_of(recipient_id),
        }
        insert = insert_for(self.session)
        statement = (
            insert(Notification)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
            .returning(Notification.id)
        )
        added = await self.session.scalar(statement) is not None
        if added and self.changes is not None:
            self.changes.outbox = True
        return added

    async def add_many(
        self, rows: Sequence[dict[str, Any]], *, now: datetime, priority: int = DEFAULT_PRIORITY
    ) -> int:
        """Queue many notifications (each a dict of recipient_id, kind, payload, dedupe_key)
        in a few multi-row INSERT … ON CONFLICT DO NOTHING statements; returns how many were
        new. The same as `add` per row, without a round trip each (a progress update told to
        thousands of followers)."""
        added = 0
        insert = insert_for(self.session)
        for start in range(0, len(rows), _BULK_ROWS):
            values = [
                {
                    **row,
                    "status": NotificationStatus.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "priority": priority,
                    "township_id": _township_of(row["recipient_id"]),
                }
                for row in rows[start : start + _BULK_ROWS]
            ]
            statement = (
                insert(Notification)
                .values(values)
                .on_conflict_do_nothing(index_elements=[Notification.dedupe_key])
                .returning(Notification.id)
            )
            added += len((await self.session.execute(statement)).all())
        if added and self.changes is not None:
            self.changes.outbox = True
        return added

    async def for_recipient(self, recipient_id: int) -> Sequence[Notification]:
        query = (
            select(Notification)
            .where(Notification.recipient_id == recipient_id)
            .order_by(Notification.id)
        )
        return (await self.session.scalars(query)).all()

    # -- the dispatcher's side --------------------------------------------------------------------

    async def claim_due(
        self,
        *,
        now: datetime,
        limit: int,
        lease: timedelta,
        chat_gap: timedelta = timedelta(0),
    ) -> list[ClaimedNotification]:
        """Atomically take up to `limit` due rows for `lease`: the township's share each,
        the most urgent first, then the oldest.

        Due means pending with next_attempt_at <= now, or sending with an expired lease (its
        dispatcher died), and the recipient has no push in flight elsewhere nor one sent
        within `chat_gap` (Telegram's one message a second to a chat holds across processes;
        `lease` must be the one every dispatcher uses).
        Every township with due rows gets an equal share of the batch, so a broadcast to
        thousands in one township does not hold back another township's pushes.
        """
        await self._reclaim_expired(now)
        due = and_(
            Notification.status == NotificationStatus.PENDING.value,
            Notification.next_attempt_at <= now,
        )
        townships = (
            await self.session.scalars(select(Notification.township_id).where(due).distinct())
        ).all()
        due = and_(due, ~self._busy_recipient(now, chat_gap, lease))
        if not townships:
            return []
        share = max(1, -(-limit // len(townships)))
        rows = []
        for township_id in townships:
            rows += await self._claim(due, township_id, share, now, now + lease)
        if not rows:
            return []
        return await self._claimed(rows, now + lease)

    async def _reclaim_expired(self, now: datetime) -> None:
        """Rows whose claim ran out (their dispatcher died or stalled) are pending again.

        The old owner's late outcome no longer applies (it needs status 'sending' and its
        lease), so the row is sent again: the one way a push can arrive twice. Claiming
        pending rows only keeps the claim an ordered walk of ix_notifications_queue.
        """
        await self.session.execute(
            update(Notification)
            .where(
                Notification.status == NotificationStatus.SENDING.value,
                Notification.next_attempt_at <= now,
            )
            .values(status=NotificationStatus.PENDING.value)
            .execution_options(synchronize_session=False)
        )

    def _busy_recipient(
        self, now: datetime, chat_gap: timedelta, lease: timedelta
    ) -> ColumnElement[bool]:
        """The recipient has a push in flight (claimed within IN_FLIGHT_WINDOW: a claim
        left behind by a crash holds the person's other pushes back that long, not for its
        whole lease), or got one within `chat_gap`. Two lookups by (recipient, status), each
        one step in ix_notifications_recipient whatever the planner's statistics say (they
        lag behind during a broadcast)."""
        claimed_after = now + max(lease - IN_FLIGHT_WINDOW, timedelta(0))
        in_flight, recent = aliased(Notification), aliased(Notification)
        return or_(
            exists().where(
                in_flight.recipient_id == Notification.recipient_id,
                in_flight.status == NotificationStatus.SENDING.value,
                in_flight.id != Notification.id,
                in_flight.next_attempt_at > claimed_after,
            ),
            exists().where(
                recent.recipient_id == Notification.recipient_id,
                recent.status == NotificationStatus.SENT.value,
                recent.sent_at > now - chat_gap,
            ),
        )

    async def _claim(
        self,
        due: ColumnElement[bool],
        township_id: int | None,
        limit: int,
        now: datetime,
        lease_until: datetime,
    ) -> list[Any]:
        """One township's share. On PostgreSQL the SELECT locks the rows and skips rows
        another dispatcher is claiming; on SQLite the statement holds the database's write
        lock. The outer WHERE repeats the status test, so a row claimed by someone else
        between the two is left alone either way."""
        same_township = (
            Notification.township_id.is_(None)
            if township_id is None
            else Notification.township_id == township_id
        )
        picked = (
            select(Notification.id)
            .where(due, same_township)
            .order_by(Notification.priority, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            # Materialised, so the rows are picked once: PostgreSQL may otherwise re-run a
            # subquery while the UPDATE proceeds, and each run locks and returns more rows.
            .cte("due")
            .prefix_with("MATERIALIZED")
        )
        claim = (
            update(Notification)
            .where(
                Notification.id.in_(select(picked.c.id)),
                Notification.status == NotificationStatus.PENDING.value,
                Notification.next_attempt_at <= now,
            )
            .values(
                status=NotificationStatus.SENDING.value,
                next_attempt_at=lease_until,
                attempts=Notification.attempts + 1,
            )
            .returning(
                Notification.id,
                Notification.recipient_id,
                Notification.kind,
                Notification.payload,
                Notification.attempts,
                Notification.last_error,
                Notification.created_at,
                Notification.priority,
            )
            .execution_options(synchronize_session=False)
        )
        return list((await self.session.execute(claim)).all())

    async def _claimed(
        self, rows: Sequence[Any], lease_until: datetime
    ) -> list[ClaimedNotification]:
        people = {
            person.id: person
            for person in await self.session.execute(
                select(
                    Person.id,
                    Person.telegram_id,
                    Person.chat_id,
                    Person.locale,
                    Person.language_code,
                    Person.active,
                ).where(Person.id.in_({row.recipient_id for row in rows}))
            )
        }
        claimed = []
        for row in sorted(rows, key=lambda r: r.id):
            person = people.get(row.recipient_id)
            claimed.append(
                ClaimedNotification(
                    id=row.id,
                    recipient_id=row.recipient_id,
                    kind=row.kind,
                    payload=dict(row.payload),
                    attempts=row.attempts,
                    lease=lease_until,
                    priority=row.priority,
                    last_error=row.last_error,
                    created_at=row.created_at,
                    telegram_id=person.telegram_id if person else None,
                    chat_id=person.chat_id if person else None,
                    locale=person.locale if person else None,
                    language_code=person.language_code if person else None,
                    active=bool(person.active) if person else False,
                )
            )
        return claimed

    async def _settle(self, claim: ClaimedNotification, **values: Any) -> bool:
        """Apply an outcome if the claim still holds; False when the row was taken over."""
        owned: list[ColumnElement[bool]] = [
            Notification.id == claim.id,
            Notification.status == NotificationStatus.SENDING.value,
            Notification.next_attempt_at == claim.lease,
        ]
        result = await self.session.execute(
            update(Notification)
            .where(*owned)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return cast("CursorResult[Any]", result).rowcount == 1

    async def mark_sent(self, claim: ClaimedNotification, *, now: datetime) -> bool:
        return await self._settle(
            claim, status=NotificationStatus.SENT.value, sent_at=now, next_attempt_at=now
        )

    async def mark_all_sent(
        self, claims: Sequence[ClaimedNotification], *, now: datetime
    ) -> set[int]:
        """`mark_sent` for many claims in one statement per lease; returns the ids whose
        claim still held (a fan-out records its sends in a few statements, not thousands)."""
        owned: set[int] = set()
        by_lease: dict[datetime, list[int]] = {}
        for claim in claims:
            by_lease.setdefault(claim.lease, []).append(claim.id)
        for lease, ids in by_lease.items():
            statement = (
                update(Notification)
                .where(
                    Notification.id.in_(ids),
                    Notification.status == NotificationStatus.SENDING.value,
                    Notification.next_attempt_at == lease,
                )
                .values(status=NotificationStatus.SENT.value, sent_at=now, next_attempt_at=now)
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
            owned.update((await self.session.scalars(statement)).all())
        return owned

    async def reschedule(
        self,
        claim: ClaimedNotification,
        *,
        at: datetime,
        error: str,
        count_attempt: bool = True,
    ) -> bool:
        """Back to pending until `at`; count_attempt=False for a rate limit (not a failure)."""
        values: dict[str, Any] = {
            "status": NotificationStatus.PENDING.value,
            "next_attempt_at": at,
            "last_error": error,
        }
        if not count_attempt:
            values["attempts"] = Notification.attempts - 1
        return await self._settle(claim, **values)

    async def release(self, claim: ClaimedNotification, *, at: datetime) -> bool:
        """Hand a claimed row back unsent (pacing, shutting down): no attempt is counted."""
        return await self._settle(
            claim,
            status=NotificationStatus.PENDING.value,
            next_attempt_at=at,
            attempts=Notification.attempts - 1,
        )

    async def give_up(self, claim: ClaimedNotification, *, error: str, now: datetime) -> bool:
        return await self._settle(
            claim, status=NotificationStatus.FAILED.value, last_error=error, next_attempt_at=now
        )

    async def skip(
        self, claim: ClaimedNotification, *, reason: str, now: datetime, tried: bool = False
    ) -> bool:
        """Not sent because the recipient cannot be reached (tried: Telegram refused it)."""
        values: dict[str, Any] = {
            "status": NotificationStatus.SKIPPED.value,
            "last_error": reason,
            "next_attempt_at": now,
        }
        if not tried:
            values["attempts"] = Notification.attempts - 1
        return await self._settle(claim, **values)

    async def mark_person_inactive(self, person_id: int, *, now: datetime) -> None:
        """The person blocked the bot (or deleted their account): stop pushing to them.

        Writing to the bot again reactivates them (see bot.services.people.register_contact).
        """
        await self.session.execute(
            update(Person)
            .where(Person.id == person_id, Person.active.is_(True))
            .values(active=False, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def skipped_for(self, person_id: int) -> Sequence[Notification]:
        """What could not reach the person (they had blocked the bot), oldest first."""
        query = (
            select(Notification)
            .where(
                Notification.recipient_id == person_id,
                Notification.status == NotificationStatus.SKIPPED.value,
                Notification.kind != "catch_up",
            )
            .order_by(Notification.id)
        )
        return (await self.session.scalars(query)).all()

    async def mark_summed_up(self, ids: Sequence[int], *, now: datetime) -> None:
        if ids:
            await self.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(status=NotificationStatus.SUMMED_UP.value, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )

    async def requeue(self, ids: Sequence[int], *, now: datetime) -> None:
        """Skipped rows become pending again, as if just written (no attempt counted)."""
        if ids:
            await self.session.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(
                    status=NotificationStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    last_error=None,
                )
                .execution_options(synchronize_session=False)
            )
            if self.changes is not None:
                self.changes.outbox = True

    async def next_due(self) -> datetime | None:
        """When the earliest pending row becomes due (claims in flight are not counted)."""
        return await self.session.scalar(
            select(func.min(Notification.next_attempt_at)).where(
                Notification.status == NotificationStatus.PENDING.value
            )
        )

    async def prune(self, before: datetime, *, limit: int = 5000) -> int:
        """Delete up to `limit` settled rows (sent, failed, skipped, summed up) last touched
        before `before`; returns how many. Small steps keep each transaction short."""
        old = (
            select(Notification.id)
            .where(
                Notification.status.in_([status.value for status in SETTLED]),
                Notification.next_attempt_at < before,
            )
            .limit(limit)
        )
        result = await self.session.execute(
            delete(Notification)
            .where(Notification.id.in_(old))
            .execution_options(synchronize_session=False)
        )
        return cast("CursorResult[Any]", result).rowcount

    async def depth_by_priority(self) -> dict[int, int]:
        """Rows waiting to be sent (pending or claimed), per priority."""
        query = (
            select(Notification.priority, func.count())
            .where(Notification.status.in_(_CLAIMABLE))
            .group_by(Notification.priority)
        )
        return {int(priority): int(count) for priority, count in await self.session.execute(query)}

    async def blocked_people(self) -> int:
        return int(
            await self.session.scalar(
                select(func.count()).select_from(Person).where(Person.active.is_(False))
            )
            or 0
        )

    async def counts_by_status(self) -> dict[str, int]:
        """How many rows are in each status (every status present, zero when none)."""
        counts = {status.value: 0 for status in NotificationStatus}
        query = select(Notification.status, func.count()).group_by(Notification.status)
        for status, count in await self.session.execute(query):
            counts[status] = int(count)
        return counts
