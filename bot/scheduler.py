"""The scheduler: runs due jobs (reminders, nags, look-backs) from the scheduled_jobs table.

A job's handler runs in a unit of work and writes what the job causes (notifications,
the next job) in the same transaction that marks the job done, so a job's effects exist
exactly once, whatever crashes in between. Claims carry a lease: a process that dies with
a job in hand leaves it to be claimed again when the lease runs out. Several processes can
run schedulers on one PostgreSQL database; each job still runs once.

Handlers are plain functions of the services (no Telegram): `kind -> handler(uow, job,
now) -> outcome`. A handler raises `SkipJob` when the job no longer makes sense (a reminder
for a meeting that started while the bot was down): it is recorded as skipped, with why.
All timing uses the injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.services.container import Services
from storage.jobs import DONE, FAILED, SKIPPED, ClaimedJob
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

JobHandler = Callable[[UnitOfWork, ClaimedJob, datetime], Awaitable[str | None]]
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


class SkipJob(Exception):
    """The job is not to run any more; the message says why (it is recorded)."""


class Scheduler:
    def __init__(
        self,
        services: Services,
        handlers: Mapping[str, JobHandler],
        *,
        batch_size: int = 20,
        poll_interval: float = 30.0,
        lease: timedelta = timedelta(minutes=5),
        max_attempts: int = 4,
    ) -> None:
        self._services = services
        self._handlers = dict(handlers)
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._lease = lease
        self._max_attempts = max_attempts
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        await task

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                handled = await self.run_once()
                delay = 0.0 if handled >= self._batch_size else await self._idle_seconds()
            except Exception:
                log.exception("scheduler pass failed; retrying")
                delay = self._poll_interval
            if self._stopping:
                break
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _idle_seconds(self) -> float:
        async with self._services.uow() as uow:
            next_due = await uow.jobs.next_due()
        if next_due is None:
            return self._poll_interval
        wait = (next_due - self._services.clock.now()).total_seconds()
        return min(self._poll_interval, max(wait, 0.05))

    async def run_once(self) -> int:
        """Claim the jobs due now and run each; returns how many were claimed."""
        now = self._services.clock.now()
        async with self._services.uow() as uow:
            jobs = await uow.jobs.claim_due(now=now, limit=self._batch_size, lease=self._lease)
            await uow.commit()
        for job in jobs:
            await self._run_job(job)
        return len(jobs)

    async def _run_job(self, job: ClaimedJob) -> None:
        handler = self._handlers.get(job.kind)
        now = self._services.clock.now()
        async with self._services.uow() as uow:
            try:
                if handler is None:
                    raise SkipJob(f"no handler for {job.kind!r} in this version")
                outcome = await handler(uow, job, now)
                status = DONE
            except SkipJob as skip:
                await uow.rollback()
                outcome, status = str(skip), SKIPPED
            except Exception as error:
                await uow.rollback()
                log.exception("job %s (%s) failed", job.id, job.kind)
                await self._failed(uow, job, now, f"{type(error).__name__}: {error}")
                self._services.apply(await uow.commit())
                return
            if await uow.jobs.settle(job, status=status, outcome=outcome, now=now):
                self._services.apply(await uow.commit())
            else:
                # Our claim ran out and another process took the job: what we did is undone.
                await uow.rollback()

    async def _failed(self, uow: UnitOfWork, job: ClaimedJob, now: datetime, error: str) -> None:
        if job.attempts >= self._max_attempts:
            await uow.jobs.settle(job, status=FAILED, outcome=error, now=now)
            return
        delay = RETRY_AFTER[min(job.attempts, len(RETRY_AFTER)) - 1]
        await uow.jobs.retry_later(job, at=now + delay, error=error)
