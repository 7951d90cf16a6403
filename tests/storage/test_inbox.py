"""The queries behind the inbox that services do not cover: open issues, authors' names."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain.issue_status import IssueStatus
from bot.services import topics, triage
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests import factories
from tests.conftest import MutableClock


async def test_open_issues_wait_or_belong_to_a_topic(
    session_factory: SessionFactory, clock: MutableClock
) -> None:
    report = await factories.township(session_factory, clock.now())
    other = await factories.township(session_factory, clock.now(), name="西湖镇")
    author = await factories.person(session_factory, clock.now(), 1001, "王阿姨")
    waiting, asked, accepted, rejected = [
        await factories.issue(session_factory, clock.now(), report, author, f"事{index}")
        for index in range(4)
    ]
    await factories.issue(session_factory, clock.now(), other, author, "别的镇")
    async with UnitOfWork(session_factory) as uow:
        township, now = report.township_id, clock.now()
        await triage.ask_for_information(
            uow, township_id=township, issue_id=asked, question="？", actor_id=None, now=now
        )
        await triage.reject(
            uow, township_id=township, issue_id=rejected, reason="不属实", actor_id=None, now=now
        )
        await topics.create_topic(
            uow,
            township_id=township,
            issue_ids=[accepted],
            title="议题",
            actor_id=None,
            now=now,
            zone=ZoneInfo("Asia/Shanghai"),
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        found = {i.id: i.status for i in await uow.inbox.open_issues(report.township_id)}
    assert found == {
        waiting: IssueStatus.SUBMITTED,
        asked: IssueStatus.NEEDS_INFO,
        accepted: IssueStatus.ACCEPTED,
    }


async def test_author_name(session_factory: SessionFactory, clock: MutableClock) -> None:
    author = await factories.person(session_factory, clock.now(), 1001, "王阿姨")
    async with UnitOfWork(session_factory) as uow:
        assert await uow.inbox.author_name(author) == "王阿姨"
        assert await uow.inbox.author_name(999999) == ""
