"""Staff triage: each action changes the issue, tells the resident, and is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError, NotAllowed
from bot.domain.issue_status import IssueStatus
from bot.services import issues as issue_service
from bot.services import triage
from storage.db import SessionFactory
from storage.models import AuditLog, Issue, Notification, Support
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock


async def _one(
    session_factory: SessionFactory, clock: MutableClock
) -> tuple[factories.SetupReport, int, int, int]:
    report = await factories.township(session_factory, clock.now())
    resident = await factories.person(session_factory, clock.now(), 1001)
    staff = await factories.person(session_factory, clock.now(), 9001, "联络员")
    issue_id = await factories.issue(session_factory, clock.now(), report, resident, "路灯坏了")
    return report, resident, staff, issue_id


async def _notifications(
    session_factory: SessionFactory,
) -> list[tuple[int, str, dict[str, object]]]:
    async with session_factory() as session:
        return [
            (n.recipient_id, n.kind, n.payload)
            for n in await session.scalars(select(Notification).order_by(Notification.id))
        ]


async def test_reject_with_reason(session_factory: SessionFactory, clock: MutableClock) -> None:
    _report, resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        await triage.reject(
            uow,
            issue_id=issue_id,
            reason="不属于本镇职责，请拨打12345热线",
            actor_id=staff,
            now=clock.now(),
        )
    async with UnitOfWork(session_factory) as uow:
        detail = await issue_service.issue_detail(uow, issue_id, resident)
    assert detail.summary.status is IssueStatus.REJECTED
    assert detail.events[-1].note == "不属于本镇职责，请拨打12345热线"
    assert await _notifications(session_factory) == [
        (
            resident,
            "issue_rejected",
            {"issue_number": "YS-2026-000001", "reason": "不属于本镇职责，请拨打12345热线"},
        )
    ]
    async with session_factory() as session:
        audit = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "issue.reject"))
        ).one()
        assert audit.actor_id == staff


async def test_duplicate_makes_the_raiser_a_supporter(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, original = await _one(session_factory, clock)
    neighbour = await factories.person(session_factory, clock.now(), 1002)
    repeat = await factories.issue(session_factory, clock.now(), report, neighbour, "东门路灯不亮")
    async with UnitOfWork(session_factory) as uow:
        await triage.mark_duplicate(
            uow, issue_id=repeat, original_id=original, actor_id=staff, now=clock.now()
        )
    async with session_factory() as session:
        supports = [(s.person_id, s.issue_id) for s in await session.scalars(select(Support))]
        merged = await session.get(Issue, repeat)
    assert supports == [(neighbour, original)]
    assert merged is not None
    assert merged.status is IssueStatus.MERGED
    assert merged.duplicate_of_id == original
    assert (await _notifications(session_factory))[0][:2] == (neighbour, "issue_merged")


async def test_question_and_answer_round_trip(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    _report, resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        question_id = await triage.ask_for_information(
            uow, issue_id=issue_id, question="是哪一根路灯？", actor_id=staff, now=clock.now()
        )
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotAllowed):
            await triage.answer_question(
                uow, question_id=question_id, person_id=staff, answer="x", now=clock.now()
            )
    async with UnitOfWork(session_factory) as uow:
        number = await triage.answer_question(
            uow, question_id=question_id, person_id=resident, answer="东门第三根", now=clock.now()
        )
    assert number == "YS-2026-000001"
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(DomainError):
            await triage.answer_question(
                uow, question_id=question_id, person_id=resident, answer="again", now=clock.now()
            )
    async with UnitOfWork(session_factory) as uow:
        detail = await issue_service.issue_detail(uow, issue_id, resident)
    assert [e.status for e in detail.events] == [
        IssueStatus.SUBMITTED,
        IssueStatus.NEEDS_INFO,
        IssueStatus.SUBMITTED,
    ]
    kinds = [(r, k) for r, k, _ in await _notifications(session_factory)]
    assert kinds == [(resident, "issue_needs_info"), (staff, "issue_info_received")]


async def test_refile_category_and_village(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        category = (await uow.directory.categories(report.township_id))[1]
    async with UnitOfWork(session_factory) as uow:
        await triage.refile(
            uow,
            issue_id=issue_id,
            actor_id=staff,
            now=clock.now(),
            category_id=category.id,
            village_id=report.villages["柳树屯"],
        )
    async with session_factory() as session:
        issue = await session.get(Issue, issue_id)
    assert issue is not None
    assert issue.category_id == category.id
    assert issue.category_confirmed
    assert issue.village_id == report.villages["柳树屯"]
    assert [p["what"] for _r, _k, p in await _notifications(session_factory)] == [
        "category",
        "village",
    ]


async def test_a_failed_action_writes_nothing(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    _report, _resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        await triage.reject(
            uow, issue_id=issue_id, reason="已解决", actor_id=staff, now=clock.now()
        )
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(DomainError):
            await triage.reject(
                uow, issue_id=issue_id, reason="again", actor_id=staff, now=clock.now()
            )
    assert len(await _notifications(session_factory)) == 1
