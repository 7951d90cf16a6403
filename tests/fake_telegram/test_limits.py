"""The fake enforces Telegram's flood limits and injects failures on demand."""

from __future__ import annotations

import pytest

from fake_telegram import FakeBotApi
from fake_telegram.limits import RateLimits

TOKEN = "123456:LIMITS"


def test_the_windows_answer_with_how_long_to_wait() -> None:
    limits = RateLimits(overall_per_second=3, per_chat_per_second=1, group_per_minute=2)
    assert limits.check(1, False, 0.0) is None
    assert limits.check(1, False, 0.1) == 1.0  # one a second to a private chat
    assert limits.check(2, False, 0.2) is None
    assert limits.check(3, False, 0.3) is None
    assert limits.check(4, False, 0.4) == 1.0  # three a second overall
    assert limits.check(4, False, 1.05) is None
    assert limits.check(-100, True, 2.0) is None
    assert limits.check(-100, True, 3.0) is None
    assert limits.check(-100, True, 4.0) == 58.0  # twenty a minute (here two) to a group
    scaled = RateLimits(1000, 100, whole_seconds=False)
    for _ in range(100):
        assert scaled.check(7, False, 0.0) is None
    wait = scaled.check(7, False, 0.5)
    assert wait is not None and 0 < wait <= 0.5
    assert (limits.accepted, limits.refused) == (6, 3)


async def test_sends_beyond_the_limits_get_429_with_retry_after() -> None:
    api = FakeBotApi(token=TOKEN)
    user = api.user(1001, "王阿姨")
    await user.command("start")
    api.enforce_limits(RateLimits(overall_per_second=30, per_chat_per_second=1))
    first = await api.handle(TOKEN, "sendMessage", {"chat_id": 1001, "text": "一"})
    second = await api.handle(TOKEN, "sendMessage", {"chat_id": 1001, "text": "二"})
    assert first[0] == 200
    assert second[0] == 429 and second[1]["parameters"]["retry_after"] == 1
    # Reading and answering presses are not sends.
    assert (await api.handle(TOKEN, "getMe", {}))[0] == 200
    api.enforce_limits(None)
    assert (await api.handle(TOKEN, "sendMessage", {"chat_id": 1001, "text": "三"}))[0] == 200


@pytest.mark.parametrize("status", [500, 403])
async def test_injected_failures_hit_the_share_asked_for(status: int) -> None:
    api = FakeBotApi(token=TOKEN)
    user = api.user(1001, "王阿姨")
    await user.command("start")
    api.inject(status, rate=0.5, method="sendMessage")
    statuses = [
        (await api.handle(TOKEN, "sendMessage", {"chat_id": 1001, "text": "x"}))[0]
        for _ in range(200)
    ]
    assert 70 <= statuses.count(status) <= 130
    assert statuses.count(200) + statuses.count(status) == 200
    assert api.faults.injected == statuses.count(status)


async def test_an_injected_timeout_hangs_then_fails() -> None:
    api = FakeBotApi(token=TOKEN)
    api.hang_seconds = 0.05
    user = api.user(1001, "王阿姨")
    await user.command("start")
    api.inject("timeout", rate=1.0, chat_id=1001)
    status, body = await api.handle(TOKEN, "sendMessage", {"chat_id": 1001, "text": "x"})
    assert status == 504 and not body["ok"]
