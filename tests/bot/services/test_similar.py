"""SimilarityService: the per-township index behind 附议 offers."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.setup import SetupReport
from bot.services.similar import ISSUE_PREFIX, SimilarityService
from storage.db import SessionFactory
from tests import factories
from tests.conftest import MutableClock

STREETLIGHT = "南湖社区东门的路灯坏了一个多月，晚上很黑，老人出门不安全。"


@pytest.fixture
async def report(session_factory: SessionFactory, clock: MutableClock) -> SetupReport:
    return await factories.township(session_factory, clock.now())


async def test_a_new_issue_is_indexed_right_after_the_answer_goes_out(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    """Submitting adds the issue to the index as a step of its own on the event loop: the
    resident's answer goes out first, and by the next update the issue can be joined."""
    author = await factories.person(session_factory, clock.now(), 1001)
    await factories.issue(session_factory, clock.now(), report, author, "垃圾没人清")
    service = SimilarityService(session_factory)

    async def streetlights() -> list[int]:
        found = await service.similar(report.township_id, title="", body=STREETLIGHT, village=None)
        return [s.id for s in found if s.score >= 0.5]

    assert await streetlights() == []  # the index is built, and knows no streetlight
    service.add_issue(report.township_id, 4242, STREETLIGHT, "东风村", clock.now())
    assert await streetlights() == []  # still this update's turn of the event loop
    await asyncio.sleep(0)
    assert await streetlights() == [4242]


async def test_a_doubled_index_is_refreshed_in_a_worker_thread_and_keeps_what_arrived(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    """Once the township's open issues doubled, the word statistics are taken afresh on a
    copy off the event loop; issues added meanwhile are in the index that replaces it."""
    author = await factories.person(session_factory, clock.now(), 1001)
    await factories.issue(session_factory, clock.now(), report, author, "垃圾没人清")
    service = SimilarityService(session_factory)
    await service.similar(report.township_id, title="", body=STREETLIGHT, village=None)
    first = service._indexes[report.township_id]
    service.add_issue(report.township_id, 4242, STREETLIGHT, "东风村", clock.now())
    await asyncio.sleep(0)  # added; one issue became two: due for a refresh, under way
    assert first.stale and service._refreshing
    service.add_issue(
        report.township_id, 4243, "和平路下水道堵了，污水漫到路上。", None, clock.now()
    )
    await asyncio.sleep(0)  # arrives while the copy is refreshed
    await service.settled()
    refreshed = service._indexes[report.township_id]
    assert refreshed is not first and not refreshed.stale
    assert f"{ISSUE_PREFIX}4242" in refreshed and f"{ISSUE_PREFIX}4243" in refreshed
    found = await service.similar(
        report.township_id, title="", body="和平路下水道又堵了", village=None
    )
    assert found and found[0].id == 4243


async def test_an_index_invalidated_during_its_refresh_is_not_brought_back(
    session_factory: SessionFactory, clock: MutableClock, report: SetupReport
) -> None:
    author = await factories.person(session_factory, clock.now(), 1001)
    await factories.issue(session_factory, clock.now(), report, author, "垃圾没人清")
    service = SimilarityService(session_factory)
    await service.similar(report.township_id, title="", body=STREETLIGHT, village=None)
    service.add_issue(report.township_id, 4242, STREETLIGHT, "东风村", clock.now())
    await asyncio.sleep(0)
    service.invalidate(report.township_id)  # e.g. an issue was merged into a topic
    await service.settled()
    assert report.township_id not in service._indexes
