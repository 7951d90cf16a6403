"""Scheduled jobs: added with what schedules them, claimed when due, settled once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.changes import Changes
from storage.inserts import insert_for
from storage.models import ScheduledJob

PENDING, RUNNING, DONE, SKIPPED, FAILED = "pending", "running", "done", "skipped", "failed"


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    attempts: int
    lease: datetime


class JobRepository:
    def __init__(self, session: AsyncSession, changes: Changes | None = None) -> None:
        self.session = session
        # Where a scheduled job is recorded, so the scheduler looks again after commit.
        self.changes = changes

    async def schedule(
        self, *, kind: str, key: str, due_at: datetime, payload: dict[str, Any], now: datetime
    ) -> None:
        """Add the job, or move a pending one with this key to the new time and payload.

        A job that ran already stays as it was (a reminder is not sent twice because the
        meeting was scheduled again with the same key).
        """
        statement = insert_for(self.session)(ScheduledJob).values(
            kind=kind,
            key=key,
            due_at=due_at,
            payload=payload,
            status=PENDING,
            attempts=0,
            created_at=now,
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ScheduledJob.key],
                set_={"due_at": due_at, "payload": payload, "kind": kind},
                where=ScheduledJob.status == PENDING,
            )
        )
        if self.changes is not None:
            self.changes.jobs = True

    async def cancel(self, keys: Sequence[str], *, outcome: str, now: datetime) -> int:
        """Pending jobs with these keys will not run; returns how many there were."""
        if not keys:
            return 0
        result = await self.session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.key.in_(list(keys)), ScheduledJob.status == PENDING)
            .values(status=SKIPPED, outcome=outcome, finished_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def cancel_prefixed(self, prefixes: Sequence[str], *, outcome: str, now: datetime) -> int:
        """Pending jobs whose key starts with one of `prefixes` will not run (all the jobs of
        one meeting, whatever day or time their key names); returns how many there were."""
        if not prefixes:
            return 0
        result = await self.session.execute(
            update(ScheduledJob)
            .where(
                or_(*(ScheduledJob.key.startswith(prefix, autoescape=True) for prefix in prefixes)),
                ScheduledJob.status == PENDING,
            )
            .values(status=SKIPPED, outcome=outcome, finished_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim_due(self, *, now: datetime, limit: int, lease: timedelta) -> list[ClaimedJob]:
        """Claim due jobs (and jobs whose claim ran out); other processes skip locked rows."""
        lease_until = now + lease
        due = (
            select(ScheduledJob.id)
            .where(
                (
                    (ScheduledJob.status == PENDING)
                    | ((ScheduledJob.status == RUNNING) & (ScheduledJob.lease_until <= now))
                ),
                ScheduledJob.due_at <= now,
            )
            .order_by(ScheduledJob.due_at, ScheduledJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
            .prefix_with("MATERIALIZED")
        )
        claim = (
            update(ScheduledJob)
            .where(
                ScheduledJob.id.in_(select(due.c.id)), ScheduledJob.status.in_([PENDING, RUNNING])
            )
            .values(status=RUNNING, lease_until=lease_until, attempts=ScheduledJob.attempts + 1)
            .returning(
                ScheduledJob.id,
                ScheduledJob.kind,
                ScheduledJob.key,
                ScheduledJob.due_at,
                ScheduledJob.payload,
                ScheduledJob.attempts,
            )
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.execute(claim)).all()
        return sorted(
            (
                ClaimedJob(r.id, r.kind, r.key, r.due_at, dict(r.payload), r.attempts, lease_until)
                for r in rows
            ),
            key=lambda job: (job.due_at, job.id),
        )

    async def settle(
        self, job: ClaimedJob, *, status: str, outcome: str | None, now: datetime
    ) -> bool:
        """Record how a claimed job ended, if the claim still holds (False otherwise)."""
        result = await self.session.execute(
            update(ScheduledJob)
            .where(
                ScheduledJob.id == job.id,
                ScheduledJob.status == RUNNING,
                ScheduledJob.lease_until == job.lease,
            )
            .values(status=status, outcome=outcome, finished_at=now, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def retry_later(self, job: ClaimedJob, *, at: datetime, error: str) -> None:
        await self.session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id == job.id, ScheduledJob.lease_until == job.lease)
            .values(status=PENDING, due_at=at, outcome=error, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    async def next_due(self) -> datetime | None:
        return await self.session.scalar(
            select(ScheduledJob.due_at)
            .where(ScheduledJob.status == PENDING)
            .order_by(ScheduledJob.due_at)
            .limit(1)
        )

    async def by_key(self, key: str) -> ScheduledJob | None:
        return await self.session.scalar(select(ScheduledJob).where(ScheduledJob.key == key))

    async def due_counts(self, now: datetime, overdue_after: timedelta) -> tuple[int, int]:
        """Pending jobs due now, and those due for longer than `overdue_after` (a scheduler
        that stopped, or cannot keep up)."""
        due = await self.session.scalar(
            select(func.count()).where(ScheduledJob.status == PENDING, ScheduledJob.due_at <= now)
        )
        overdue = await self.session.scalar(
            select(func.count()).where(
                ScheduledJob.status == PENDING, ScheduledJob.due_at <= now - overdue_after
            )
        )
        return int(due or 0), int(overdue or 0)
