"""The scheduler runs each due job once, in the transaction of what it causes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.scheduler import Scheduler, SkipJob
from bot.services.container import Services
from storage.db import SessionFactory
from storage.jobs import ClaimedJob
from storage.models import AuditLog, ScheduledJob
from storage.uow import UnitOfWork
from tests.conftest import MutableClock


@pytest.fixture
def services(settings: Settings, session_factory: SessionFactory, clock: MutableClock) -> Services:
    return Services(settings=settings, session_factory=session_factory, clock=clock)


async def _audit(uow: UnitOfWork, job: ClaimedJob, now: object) -> str:
    """A handler that leaves a trace in the database (as a real one leaves notifications)."""
    await uow.audit.record(
        at=job.due_at, actor_id=None, action="job.ran", object_type="job", object_id=job.key
    )
    return f"ran {job.payload.get('n')}"


async def _schedule(services: Services, key: str, kind: str = "trace", **delta: float) -> None:
    async with services.uow() as uow:
        await uow.jobs.schedule(
            kind=kind,
            key=key,
            due_at=services.clock.now() + timedelta(**delta),
            payload={"n": key},
            now=services.clock.now(),
        )
        changes = await uow.commit()
    assert changes.jobs


async def _jobs(factory: SessionFactory) -> dict[str, tuple[str, str | None, int]]:
    async with factory() as session:
        return {
            j.key: (j.status, j.outcome, j.attempts)
            for j in await session.scalars(select(ScheduledJob))
        }


async def _traces(factory: SessionFactory) -> list[str]:
    async with factory() as session:
        return [a.object_id for a in await session.scalars(select(AuditLog).order_by(AuditLog.id))]


async def test_a_job_runs_when_due_and_once(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    scheduler = Scheduler(services, {"trace": _audit})
    await _schedule(services, "a", hours=2)
    await _schedule(services, "b", hours=1)
    assert await scheduler.run_once() == 0
    clock.advance(hours=1, minutes=1)
    assert await scheduler.run_once() == 1
    clock.advance(hours=2)
    assert await scheduler.run_once() == 1
    assert await scheduler.run_once() == 0
    assert await _traces(session_factory) == ["b", "a"]
    assert await _jobs(session_factory) == {"a": ("done", "ran a", 1), "b": ("done", "ran b", 1)}


async def test_scheduling_a_key_again_moves_a_pending_job_but_not_a_finished_one(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    scheduler = Scheduler(services, {"trace": _audit})
    await _schedule(services, "reminder", hours=1)
    await _schedule(services, "reminder", hours=5)  # the meeting moved
    clock.advance(hours=2)
    assert await scheduler.run_once() == 0
    clock.advance(hours=4)
    assert await scheduler.run_once() == 1
    await _schedule(services, "reminder", hours=1)  # done already: stays done
    clock.advance(hours=2)
    assert await scheduler.run_once() == 0
    assert await _traces(session_factory) == ["reminder"]


async def test_skipped_cancelled_failing_and_unknown_jobs(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    async def too_late(uow: UnitOfWork, job: ClaimedJob, now: object) -> str:
        await _audit(uow, job, now)  # written, then undone by the skip
        raise SkipJob("the meeting has started")

    async def broken(uow: UnitOfWork, job: ClaimedJob, now: object) -> str:
        raise RuntimeError("database hiccup")

    scheduler = Scheduler(
        services, {"late": too_late, "broken": broken, "trace": _audit}, max_attempts=2
    )
    await _schedule(services, "late", kind="late")
    await _schedule(services, "broken", kind="broken")
    await _schedule(services, "retired", kind="retired_kind")
    await _schedule(services, "cancelled", hours=1)
    async with services.uow() as uow:
        assert await uow.jobs.cancel(["cancelled"], outcome="meeting cancelled", now=clock.now())
        await uow.commit()
    clock.advance(hours=2)
    assert await scheduler.run_once() == 3
    clock.advance(minutes=2)  # the failed one is retried after a minute …
    assert await scheduler.run_once() == 1
    clock.advance(hours=1)
    assert await scheduler.run_once() == 0  # … and given up after two attempts
    jobs = await _jobs(session_factory)
    assert jobs["late"] == ("skipped", "the meeting has started", 1)
    assert jobs["broken"][0] == "failed" and "database hiccup" in (jobs["broken"][1] or "")
    assert jobs["retired"][0] == "skipped"
    assert jobs["cancelled"] == ("skipped", "meeting cancelled", 0)
    assert await _traces(session_factory) == []


async def test_a_claim_that_ran_out_is_taken_over_and_the_first_run_undone(
    services: Services, session_factory: SessionFactory, clock: MutableClock
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(uow: UnitOfWork, job: ClaimedJob, now: object) -> str:
        started.set()
        await release.wait()
        return await _audit(uow, job, now)

    first = Scheduler(services, {"trace": slow}, lease=timedelta(minutes=5))
    await _schedule(services, "x")
    running = asyncio.create_task(first.run_once())
    await started.wait()
    clock.advance(minutes=6)  # the first process looks dead: its lease ran out
    second = Scheduler(services, {"trace": _audit})
    if services.session_factory.kw["bind"].dialect.name == "sqlite":
        release.set()  # SQLite has one writer: the first finishes before the second claims
        await running
        assert await second.run_once() == 0
    else:
        assert await second.run_once() == 1
        release.set()
        await running
    assert await _traces(session_factory) == ["x"]
    assert (await _jobs(session_factory))["x"][0] == "done"
