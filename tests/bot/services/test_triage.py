"""Staff triage: each action changes the issue, tells the resident, and is audited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.domain.errors import DomainError, NotAllowed, NotFound, StaleState
from bot.domain.issue_status import IssueStatus
from bot.services import issues as issue_service
from bot.services import topics, triage
from bot.services.setup import SetupReport
from storage.db import SessionFactory
from storage.models import AuditLog, Issue, Notification, Support
from storage.uow import UnitOfWork
from tests import factories
from tests.bot.services.state import snapshot
from tests.conftest import MutableClock


async def _one(
    session_factory: SessionFactory, clock: MutableClock
) -> tuple[SetupReport, int, int, int]:
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


async def _status(session_factory: SessionFactory, issue_id: int) -> IssueStatus:
    async with session_factory() as session:
        issue = await session.get(Issue, issue_id)
        assert issue is not None
        return issue.status


async def test_reject_with_reason(session_factory: SessionFactory, clock: MutableClock) -> None:
    report, resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        number = await triage.reject(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            reason="不属于本镇职责，请拨打12345热线",
            actor_id=staff,
            now=clock.now(),
        )
        changes = await uow.commit()
    assert number == "YS-2026-000001"
    assert changes.open_items == {report.township_id} and changes.outbox
    async with UnitOfWork(session_factory) as uow:
        detail = await issue_service.issue_detail(uow, issue_id, resident)
    assert detail.summary.status is IssueStatus.REJECTED
    assert detail.events[-1].note == "不属于本镇职责，请拨打12345热线"
    assert await _notifications(session_factory) == [
        (
            resident,
            "issue_rejected",
            {
                "issue_number": "YS-2026-000001",
                "reason": "不属于本镇职责，请拨打12345热线",
                "role": "raiser",
            },
        )
    ]
    async with session_factory() as session:
        audit = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "issue.reject"))
        ).one()
        assert audit.actor_id == staff


async def test_a_template_reason_is_stored_by_its_key(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(DomainError):
            await triage.reject(
                uow,
                township_id=report.township_id,
                issue_id=issue_id,
                reason="x",
                reason_key="no-such-reason",
                actor_id=staff,
                now=clock.now(),
            )
        await triage.reject(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            reason="该问题已经解决。",
            reason_key="resolved",
            actor_id=staff,
            now=clock.now(),
        )
        await uow.commit()
    [(_who, _kind, payload)] = await _notifications(session_factory)
    assert payload["reason_key"] == "resolved" and payload["reason"] == "该问题已经解决。"


async def test_duplicate_makes_the_raiser_a_supporter(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, original = await _one(session_factory, clock)
    neighbour = await factories.person(session_factory, clock.now(), 1002)
    repeat = await factories.issue(session_factory, clock.now(), report, neighbour, "东门路灯不亮")
    async with UnitOfWork(session_factory) as uow:
        number = await triage.mark_duplicate(
            uow,
            township_id=report.township_id,
            issue_id=repeat,
            original_id=original,
            actor_id=staff,
            now=clock.now(),
        )
        changes = await uow.commit()
    assert number == "YS-2026-000001"
    assert changes.open_items == {report.township_id} and changes.outbox
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
    report, resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        question_id = await triage.ask_for_information(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            question="是哪一根路灯？",
            actor_id=staff,
            now=clock.now(),
        )
        assert (await uow.commit()).outbox
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotAllowed):
            await triage.answer_question(
                uow, question_id=question_id, person_id=staff, answer="x", now=clock.now()
            )
    async with UnitOfWork(session_factory) as uow:
        number = await triage.answer_question(
            uow, question_id=question_id, person_id=resident, answer="东门第三根", now=clock.now()
        )
        changes = await uow.commit()
    assert number == "YS-2026-000001"
    assert changes.open_items == {report.township_id} and changes.outbox
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
    # The answer names its issue, so the staff member opens it from the push.
    assert (await _notifications(session_factory))[1][2]["issue_id"] == issue_id


async def test_refile_category_and_village(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        category = (await uow.directory.categories(report.township_id))[1]
    async with UnitOfWork(session_factory) as uow:
        assert await triage.refile(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            actor_id=staff,
            now=clock.now(),
            category_id=category.id,
            village_id=report.villages["柳树屯"],
        )
        changes = await uow.commit()
    assert changes.confirmed_categories == {report.township_id}
    assert changes.open_items == {report.township_id} and changes.outbox
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


async def test_refiling_as_it_is_filed_changes_nothing(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        category = (await uow.directory.categories(report.township_id))[1]
    async with UnitOfWork(session_factory) as uow:
        assert await triage.refile(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            actor_id=staff,
            now=clock.now(),
            category_id=category.id,
            village_id=report.villages["柳树屯"],
        )
        await uow.commit()
    before = await snapshot(session_factory)
    assert len(before["notifications"]) == 2
    clock.advance(minutes=5)
    for refiling in (
        {"category_id": category.id},
        {"village_id": report.villages["柳树屯"]},
        {"category_id": category.id, "village_id": report.villages["柳树屯"]},
    ):
        async with UnitOfWork(session_factory) as uow:
            changed = await triage.refile(
                uow,
                township_id=report.township_id,
                issue_id=issue_id,
                actor_id=staff,
                now=clock.now(),
                **refiling,
            )
            assert not changed
            assert not await uow.commit()
        # No notification, no audit entry, not even a new updated_at.
        assert await snapshot(session_factory) == before


async def test_a_failed_action_writes_nothing(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, issue_id = await _one(session_factory, clock)
    async with UnitOfWork(session_factory) as uow:
        await triage.reject(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            reason="已解决",
            actor_id=staff,
            now=clock.now(),
        )
        await uow.commit()
    before = await snapshot(session_factory)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(StaleState) as raised:
            await triage.reject(
                uow,
                township_id=report.township_id,
                issue_id=issue_id,
                reason="again",
                actor_id=staff,
                now=clock.now(),
            )
        # Even a caller that commits after explaining the refusal writes nothing.
        assert not await uow.commit()
    assert (raised.value.subject, raised.value.status, raised.value.related) == (
        "YS-2026-000001",
        IssueStatus.REJECTED,
        None,
    )
    assert len(await _notifications(session_factory)) == 1
    assert await snapshot(session_factory) == before


async def test_two_issues_never_become_duplicates_of_each_other(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, first = await _one(session_factory, clock)
    neighbour = await factories.person(session_factory, clock.now(), 1002)
    second = await factories.issue(session_factory, clock.now(), report, neighbour, "东门路灯不亮")
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(DomainError):
            await triage.mark_duplicate(
                uow,
                township_id=report.township_id,
                issue_id=first,
                original_id=first,
                actor_id=staff,
                now=clock.now(),
            )
        assert not await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        await triage.mark_duplicate(
            uow,
            township_id=report.township_id,
            issue_id=second,
            original_id=first,
            actor_id=staff,
            now=clock.now(),
        )
        await uow.commit()
    before = await snapshot(session_factory)
    # From a keyboard shown before: the original, as a duplicate of the one merged into it.
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(StaleState) as raised:
            await triage.mark_duplicate(
                uow,
                township_id=report.township_id,
                issue_id=first,
                original_id=second,
                actor_id=staff,
                now=clock.now(),
            )
        assert not await uow.commit()
    assert (raised.value.subject, raised.value.status, raised.value.related) == (
        "YS-2026-000002",
        IssueStatus.MERGED,
        "YS-2026-000001",
    )
    assert await snapshot(session_factory) == before
    assert await _status(session_factory, first) is IssueStatus.SUBMITTED
    assert await _status(session_factory, second) is IssueStatus.MERGED


async def test_a_duplicate_of_a_rejected_issue_is_refused(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, _resident, staff, rejected = await _one(session_factory, clock)
    neighbour = await factories.person(session_factory, clock.now(), 1002)
    repeat = await factories.issue(session_factory, clock.now(), report, neighbour, "东门路灯不亮")
    async with UnitOfWork(session_factory) as uow:
        await triage.reject(
            uow,
            township_id=report.township_id,
            issue_id=rejected,
            reason="已修好",
            actor_id=staff,
            now=clock.now(),
        )
        await uow.commit()
    before = await snapshot(session_factory)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(StaleState) as raised:
            await triage.mark_duplicate(
                uow,
                township_id=report.township_id,
                issue_id=repeat,
                original_id=rejected,
                actor_id=staff,
                now=clock.now(),
            )
        assert not await uow.commit()
    assert (raised.value.subject, raised.value.status, raised.value.related) == (
        "YS-2026-000001",
        IssueStatus.REJECTED,
        None,
    )
    assert await snapshot(session_factory) == before
    assert before["supports"] == []
    assert await _status(session_factory, repeat) is IssueStatus.SUBMITTED


async def test_an_accepted_issue_is_no_longer_triaged(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, resident, staff, issue_id = await _one(session_factory, clock)
    other = await factories.issue(session_factory, clock.now(), report, resident, "路灯又坏了")
    async with UnitOfWork(session_factory) as uow:
        topic = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[issue_id],
            title="路灯",
            actor_id=staff,
            now=clock.now(),
            zone=ZoneInfo("Asia/Shanghai"),
        )
        await uow.commit()
    before = await snapshot(session_factory)
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda uow: triage.reject(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            reason="不属于本镇职责",
            actor_id=staff,
            now=clock.now(),
        ),
        lambda uow: triage.ask_for_information(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            question="在哪里？",
            actor_id=staff,
            now=clock.now(),
        ),
        lambda uow: triage.mark_duplicate(
            uow,
            township_id=report.township_id,
            issue_id=issue_id,
            original_id=other,
            actor_id=staff,
            now=clock.now(),
        ),
        lambda uow: triage.awaiting_triage(uow, township_id=report.township_id, issue_id=issue_id),
    ]
    for attempt in attempts:
        async with UnitOfWork(session_factory) as uow:
            with pytest.raises(StaleState) as raised:
                await attempt(uow)
            assert not await uow.commit()
        assert (raised.value.subject, raised.value.status, raised.value.related) == (
            "YS-2026-000001",
            IssueStatus.ACCEPTED,
            topic.number,
        )
        assert await snapshot(session_factory) == before
    assert await _status(session_factory, issue_id) is IssueStatus.ACCEPTED


async def test_objects_of_another_township_are_not_found(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report, resident, staff, own = await _one(session_factory, clock)
    west = await factories.township(session_factory, clock.now(), name="西山乡")
    foreign = await factories.issue(
        session_factory, clock.now(), west, resident, "西山乡的路", village="东风村"
    )
    async with UnitOfWork(session_factory) as uow:
        foreign_category = (await uow.directory.categories(west.township_id))[1]
    here = report.township_id
    before = await snapshot(session_factory)
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda uow: triage.reject(
            uow, township_id=here, issue_id=foreign, reason="x", actor_id=staff, now=clock.now()
        ),
        lambda uow: triage.ask_for_information(
            uow, township_id=here, issue_id=foreign, question="x", actor_id=staff, now=clock.now()
        ),
        lambda uow: triage.mark_duplicate(
            uow,
            township_id=here,
            issue_id=foreign,
            original_id=own,
            actor_id=staff,
            now=clock.now(),
        ),
        lambda uow: triage.mark_duplicate(
            uow,
            township_id=here,
            issue_id=own,
            original_id=foreign,
            actor_id=staff,
            now=clock.now(),
        ),
        lambda uow: triage.refile(
            uow,
            township_id=here,
            issue_id=foreign,
            actor_id=staff,
            now=clock.now(),
            village_id=report.villages["柳树屯"],
        ),
        lambda uow: triage.refile(
            uow,
            township_id=here,
            issue_id=own,
            actor_id=staff,
            now=clock.now(),
            category_id=foreign_category.id,
        ),
        lambda uow: triage.refile(
            uow,
            township_id=here,
            issue_id=own,
            actor_id=staff,
            now=clock.now(),
            village_id=west.villages["柳树屯"],
        ),
        lambda uow: triage.awaiting_triage(uow, township_id=here, issue_id=foreign),
        lambda uow: issue_service.load_issue(uow, foreign, here),
    ]
    for attempt in attempts:
        async with UnitOfWork(session_factory) as uow:
            with pytest.raises(NotFound):
                await attempt(uow)
            assert not await uow.commit()
        assert await snapshot(session_factory) == before
    assert await _status(session_factory, own) is IssueStatus.SUBMITTED
    assert await _status(session_factory, foreign) is IssueStatus.SUBMITTED
