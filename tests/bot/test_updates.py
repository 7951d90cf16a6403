"""Updates as they arrive: what cannot be stored is cleaned before anything reads it."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Issue, ReceivedUpdate
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.harness import BotHarness


async def test_nul_characters_are_dropped_as_updates_arrive(harness: BotHarness) -> None:
    """PostgreSQL cannot store NUL in text; a message carrying one is read without it."""
    resident = harness.resident()
    await start_in_village(resident)
    await raise_issue(resident, "南湖社区东门的路灯\x00坏了一个月，晚上很黑。")
    async with harness.session_factory() as session:
        issue = await session.scalar(select(Issue))
        payloads = [row.payload for row in await session.scalars(select(ReceivedUpdate))]
    assert issue is not None and issue.text == "南湖社区东门的路灯坏了一个月，晚上很黑。"
    assert all("\x00" not in str(payload) for payload in payloads)
