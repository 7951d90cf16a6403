"""SimilarityService: the per-township index behind 附议 offers."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.setup import SetupReport
from bot.services.similar import SimilarityService
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
