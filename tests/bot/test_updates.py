"""Updates as they arrive: what cannot be stored is cleaned before anything reads it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select
from telegram import Bot, Update

from bot.updates import UpdateIntake, poll
from fake_telegram import FakeBotApi, InProcessRequest
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


class _Recorded:
    """Stands in for the intake: what the poll hands on, in order."""

    def __init__(self) -> None:
        self.updates: list[Update] = []

    async def accept(self, updates: Sequence[Update]) -> int:
        self.updates.extend(updates)
        return len(updates)


async def test_a_long_poll_that_times_out_is_asked_again_at_once() -> None:
    """A long poll outliving its read timeout means nothing came: no back-off after it."""
    api = FakeBotApi(token="123456:TEST-token")
    bot = Bot(
        api.token,
        request=InProcessRequest(api),
        get_updates_request=InProcessRequest(api, read_timeout=0.05),
    )
    await bot.initialize()
    intake = _Recorded()
    stop = asyncio.Event()
    app: Any = SimpleNamespace(bot=bot)
    # Each poll may last 1 s (the long poll) + 0.05 s (the read timeout on top).
    task = asyncio.create_task(poll(app, cast(UpdateIntake, intake), stop, timeout=1))
    try:
        api.delay(1.5, method="getUpdates")
        await asyncio.sleep(5.5)  # five polls time out in a row
        api.delay(0, method="getUpdates")
        sent = time.monotonic()
        await api.user(1001).send("你好")
        while not intake.updates:
            assert time.monotonic() - sent < 2.0, "the poll backed off after timeouts"
            await asyncio.sleep(0.01)
    finally:
        stop.set()
        await task
        await bot.shutdown()
    assert [u.message.text for u in intake.updates if u.message] == ["你好"]


async def test_stopping_gives_up_the_long_poll_at_once() -> None:
    """A shutdown does not wait for the long poll (up to 30 s) to come back empty."""
    api = FakeBotApi(token="123456:TEST-token")
    bot = Bot(
        api.token,
        request=InProcessRequest(api),
        get_updates_request=InProcessRequest(api, read_timeout=40),
    )
    await bot.initialize()
    intake = _Recorded()
    stop = asyncio.Event()
    app: Any = SimpleNamespace(bot=bot)
    task = asyncio.create_task(poll(app, cast(UpdateIntake, intake), stop, timeout=30))
    try:
        await api.wait_for_call("getUpdates", timeout=5)
        await asyncio.sleep(0.1)  # the poll is waiting for an update
        stopping = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, timeout=2)
        assert time.monotonic() - stopping < 1.0
    finally:
        await bot.shutdown()
    assert intake.updates == []
    # Nothing was acknowledged: an update sent now waits for the next start.
    await api.user(1001).send("你好")
    assert len(api.bot_state().updates) == 1
