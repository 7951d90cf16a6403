"""One busy chat never holds up another; one chat's updates stay in order."""

from __future__ import annotations

import asyncio
import time

from tests.handlers.test_intake_flow import start_in_village
from tests.harness import BotHarness


async def test_a_busy_chat_does_not_delay_another(harness: BotHarness) -> None:
    busy = harness.resident(1001)
    other = harness.resident(1002, first_name="李大爷")
    await start_in_village(busy)
    await start_in_village(other)
    await harness.idle()
    harness.services().flood.max_updates = 1000  # this chat is busy, not flooding
    harness.api.delay(0.1)  # every Bot API call takes 0.1 s, like a slow network
    try:
        for index in range(60):
            await busy.send(f"第{index}条消息")
        await asyncio.sleep(0.3)  # the busy chat's queue is long and being worked off
        seen = len(other.bot_messages())
        started = time.perf_counter()
        await other.command("help")
        await harness.api.activity.wait_for(lambda: len(other.bot_messages()) > seen, 5.0)
        waited = time.perf_counter() - started
    finally:
        harness.api.delay(0)
    # One Bot API call (0.1 s) and a little work; not the busy chat's six seconds.
    assert waited < 0.6, f"/help took {waited:.2f} s behind the busy chat"
    await harness.idle(timeout=30)
    answers = [m for m in busy.bot_messages() if "要反映问题，请点下方" in (m.text or "")]
    assert len(answers) == 60  # and every message of the busy chat was answered


async def test_one_chats_updates_are_answered_in_order(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await harness.idle()
    user.skip_pending()
    await user.command("my")
    await user.command("help")
    await user.command("lang")
    await harness.idle()
    texts = [m.text or "" for m in user.bot_messages()[-3:]]
    assert "还没有反映过" in texts[0]
    assert "怎么使用" in texts[1] or "有事好商量" in texts[1]
    assert "语言" in texts[2]
