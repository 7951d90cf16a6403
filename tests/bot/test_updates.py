"""Updates as they arrive: what cannot be stored is cleaned before anything reads it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select
from telegram import Bot

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
        self.updates: list[dict[str, Any]] = []

    async def store(self, batch: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        return list(batch)

    async def hand_on(self, updates: Sequence[dict[str, Any]]) -> None:
        self.updates.extend(updates)


async def test_a_long_poll_that_times_out_is_asked_again_at_once() -> None:
    """A long poll outliving its read timeout means nothing came: no back-off after it."""
    api = FakeBotApi(token="123456:TEST-token")
    bot = Bot(
        api.token,
        request=InProcessRequest(api),
        get_updates_request=InProcessRequest(api),
    )
    await bot.initialize()
    intake = _Recorded()
    stop = asyncio.Event()
    app: Any = SimpleNamespace(bot=bot)
    # Each poll may last 1 s (the long poll) + 0.05 s (the margin on top).
    task = asyncio.create_task(poll(app, cast(UpdateIntake, intake), stop, timeout=1, margin=0.05))
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
    assert [u["message"]["text"] for u in intake.updates if "message" in u] == ["你好"]


async def test_a_stop_does_not_wait_out_the_long_poll() -> None:
    """Stopping (SIGTERM) mid-poll returns at once; the update that arrives later is not
    acknowledged by that poll, so the next start still receives it."""
    api = FakeBotApi(token="123456:TEST-token")
    bot = Bot(api.token, request=InProcessRequest(api), get_updates_request=InProcessRequest(api))
    await bot.initialize()
    intake = _Recorded()
    stop = asyncio.Event()
    app: Any = SimpleNamespace(bot=bot)
    task = asyncio.create_task(poll(app, cast(UpdateIntake, intake), stop, timeout=30))
    try:
        await asyncio.sleep(0.2)  # the long poll is waiting
        asked = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, timeout=2.0)
        assert time.monotonic() - asked < 1.0
    finally:
        await bot.shutdown()
    await api.user(1001).send("还在吗")
    assert intake.updates == []
    again = Bot(api.token, request=InProcessRequest(api), get_updates_request=InProcessRequest(api))
    await again.initialize()
    try:
        pending = await again.get_updates(timeout=0)
    finally:
        await again.shutdown()
    assert [u.message.text for u in pending if u.message] == ["还在吗"]


class _Watching(_Recorded):
    """Hands on slowly, and notes each time whether the poll acknowledging the batch was
    asked for meanwhile."""

    def __init__(self, api: FakeBotApi) -> None:
        super().__init__()
        self.api = api
        self.acknowledged_first: list[bool] = []
        self.handed_on = asyncio.Event()

    async def hand_on(self, updates: Sequence[dict[str, Any]]) -> None:
        after = int(updates[-1]["update_id"])
        try:
            await self.api.wait_for_call(
                "getUpdates", lambda call: (call.params.get("offset") or 0) > after, timeout=1.0
            )
            self.acknowledged_first.append(True)
        except TimeoutError:
            self.acknowledged_first.append(False)
        await super().hand_on(updates)
        self.handed_on.set()


async def test_the_next_poll_is_asked_before_a_batch_is_handled() -> None:
    """Stored, then acknowledged by the next poll at once, before the batch is handled: a
    message that arrives while the bot works on the batch is not held at Telegram."""
    api = FakeBotApi(token="123456:TEST-token")
    bot = Bot(api.token, request=InProcessRequest(api), get_updates_request=InProcessRequest(api))
    await bot.initialize()
    intake = _Watching(api)
    stop = asyncio.Event()
    app: Any = SimpleNamespace(bot=bot)
    task = asyncio.create_task(poll(app, cast(UpdateIntake, intake), stop, timeout=1))
    try:
        for text in ("你好", "在吗"):
            intake.handed_on.clear()
            await api.user(1001).send(text)
            await asyncio.wait_for(intake.handed_on.wait(), timeout=5)
    finally:
        stop.set()
        await task
        await bot.shutdown()
    assert intake.acknowledged_first == [True, True]
