"""The send pacer: answers before pushes, the overall pace, who retries a 429."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.pacing import REPLY, PriorityPacer

INTERVAL = 0.02  # 50 messages a second


class Telegram:
    """Records the order of calls; answers 429 to the first `refuse` calls."""

    def __init__(self, refuse: int = 0) -> None:
        self.calls: list[str] = []
        self.refuse = refuse

    def call(self, name: str) -> Any:
        async def send() -> dict[str, Any]:
            self.calls.append(name)
            if self.refuse:
                self.refuse -= 1
                raise RetryAfter(timedelta(seconds=0.01))
            return {"ok": True}

        return send


async def _send(
    pacer: PriorityPacer,
    telegram: Telegram,
    name: str,
    *,
    priority: int | None = None,
    endpoint: str = "sendMessage",
    chat_id: int = 1,
) -> Any:
    args: Any = None if priority is None else {"priority": priority, "max_retries": 0}
    return await pacer.process_request(
        telegram.call(name), (), {}, endpoint, {"chat_id": chat_id}, args
    )


@pytest.fixture
async def pacer() -> Any:
    pacer = PriorityPacer(1 / INTERVAL)
    await pacer.initialize()
    yield pacer
    await pacer.shutdown()


async def test_an_answer_overtakes_a_queued_broadcast(pacer: PriorityPacer) -> None:
    telegram = Telegram()
    broadcast = [
        asyncio.create_task(_send(pacer, telegram, f"push {i}", priority=2)) for i in range(10)
    ]
    await asyncio.sleep(INTERVAL * 2.5)  # a few pushes are out
    await _send(pacer, telegram, "answer")
    sent_before_answer = telegram.calls.index("answer")
    assert sent_before_answer <= 4
    await asyncio.gather(*broadcast)
    assert len(telegram.calls) == 11


async def test_a_reminder_goes_before_a_digest(pacer: PriorityPacer) -> None:
    telegram = Telegram()
    # An idle pacer lets a short burst go at once (its catch-up allowance): two sends use
    # it up, so what follows waits its turn, and the reminder overtakes the digests.
    first = [
        asyncio.create_task(_send(pacer, telegram, f"first {i}", priority=2)) for i in range(2)
    ]
    await asyncio.sleep(0)
    digests = [
        asyncio.create_task(_send(pacer, telegram, f"digest {i}", priority=3)) for i in range(3)
    ]
    reminder = asyncio.create_task(_send(pacer, telegram, "reminder", priority=1))
    await asyncio.gather(*first, *digests, reminder)
    assert telegram.calls.index("reminder") < telegram.calls.index("digest 0")


async def test_sends_keep_to_the_overall_pace(pacer: PriorityPacer) -> None:
    telegram = Telegram()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(_send(pacer, telegram, f"m{i}", priority=2) for i in range(11)))
    assert loop.time() - started >= INTERVAL * 9


async def test_calls_that_are_not_messages_are_not_paced(pacer: PriorityPacer) -> None:
    telegram = Telegram()
    pushes = [asyncio.create_task(_send(pacer, telegram, f"p{i}", priority=2)) for i in range(20)]
    await asyncio.sleep(0)
    await _send(pacer, telegram, "callback", endpoint="answerCallbackQuery")
    # Only the idle pacer's short burst went before it.
    assert telegram.calls.index("callback") <= 2
    await asyncio.gather(*pushes)


async def test_a_push_is_not_retried_here_an_answer_is(pacer: PriorityPacer) -> None:
    telegram = Telegram(refuse=1)
    with pytest.raises(RetryAfter):
        await _send(pacer, telegram, "push", priority=2)
    assert telegram.calls == ["push"]  # the dispatcher reschedules the row
    telegram.refuse = 1
    assert await _send(pacer, telegram, "answer", priority=None) == {"ok": True}
    assert telegram.calls == ["push", "answer", "answer"]


async def test_a_group_gets_its_per_minute_limit() -> None:
    pacer = PriorityPacer(1000, group_per_minute=2)
    await pacer.initialize()
    telegram = Telegram()
    try:
        for i in range(2):
            await _send(pacer, telegram, f"group {i}", chat_id=-100123)
        third = asyncio.create_task(_send(pacer, telegram, "group 2", chat_id=-100123))
        await _send(pacer, telegram, "private", chat_id=5, priority=REPLY)
        await asyncio.sleep(0.05)
        assert not third.done()  # waits for the minute to pass; other chats do not
        assert telegram.calls == ["group 0", "group 1", "private"]
        third.cancel()
    finally:
        await pacer.shutdown()


async def test_answers_keep_a_share_of_the_limit_that_pushes_cannot_use() -> None:
    # 20 a second, pushes may use half of it: the eleventh push within the second waits,
    # an answer at that moment does not.
    pacer = PriorityPacer(20, push_share=0.5)
    await pacer.initialize()
    try:
        telegram = Telegram()
        loop = asyncio.get_running_loop()
        pushes = [
            asyncio.create_task(_send(pacer, telegram, f"push {i}", priority=2)) for i in range(11)
        ]
        ten_out = asyncio.Event()
        for push in pushes:
            push.add_done_callback(lambda _: len(telegram.calls) >= 10 and ten_out.set())
        await ten_out.wait()
        started = loop.time()
        await _send(pacer, telegram, "answer")
        assert loop.time() - started < 0.2
        assert telegram.calls.index("answer") == 10
        await asyncio.gather(*pushes)
        assert telegram.calls[-1] == "push 10"
    finally:
        await pacer.shutdown()
