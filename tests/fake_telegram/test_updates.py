"""getUpdates semantics, checked directly against the core."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fake_telegram import FakeBotApi


async def get_updates(api: FakeBotApi, **params: Any) -> tuple[int, Any]:
    status, body = await api.handle(api.token, "getUpdates", params)
    return status, body.get("result", body)


async def test_offset_confirms_and_limit(api: FakeBotApi) -> None:
    u = api.user(2001, "甲")
    ids = [await u.send(f"m{i}") for i in range(5)]
    status, updates = await get_updates(api, limit=2)
    assert status == 200
    assert [x["update_id"] for x in updates] == ids[:2]
    # Without an offset nothing is confirmed.
    _, again = await get_updates(api)
    assert [x["update_id"] for x in again] == ids
    _, rest = await get_updates(api, offset=ids[3])
    assert [x["update_id"] for x in rest] == ids[3:]
    assert [x["update_id"] for x in api.pending_updates()] == ids[3:]
    _, last = await get_updates(api, offset=-1)
    assert [x["update_id"] for x in last] == ids[4:]
    newest = ids[-1]
    assert newest is not None
    _, none = await get_updates(api, offset=newest + 1)
    assert none == []
    assert updates[0]["message"]["text"] == "m0"
    assert updates[0]["message"]["from"]["first_name"] == "甲"


async def test_long_poll_wakes_on_update(api: FakeBotApi) -> None:
    u = api.user(2002, "乙")
    started = time.monotonic()
    poll = asyncio.create_task(get_updates(api, timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    update_id = await u.send("/start ref")
    _, updates = await asyncio.wait_for(poll, 1)
    assert time.monotonic() - started < 1
    assert [x["update_id"] for x in updates] == [update_id]
    entity = updates[0]["message"]["entities"][0]
    assert entity == {"type": "bot_command", "offset": 0, "length": 6}


async def test_long_poll_times_out_empty(api: FakeBotApi) -> None:
    started = time.monotonic()
    status, updates = await get_updates(api, timeout=0.1)
    assert (status, updates) == (200, [])
    assert 0.09 <= time.monotonic() - started < 1


async def test_second_poll_terminates_first_and_webhook_conflicts(api: FakeBotApi) -> None:
    first = asyncio.create_task(get_updates(api, timeout=5))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(get_updates(api, timeout=0.05))
    status, body = await asyncio.wait_for(first, 1)
    assert status == 409 and "terminated by other getUpdates" in body["description"]
    assert (await second)[0] == 200

    await api.handle(api.token, "setWebhook", {"url": "https://example.org/hook"})
    status, body = await get_updates(api)
    assert status == 409
    _, info = await api.handle(api.token, "getWebhookInfo", {})
    assert info["result"]["url"] == "https://example.org/hook"
    await api.handle(api.token, "deleteWebhook", {"drop_pending_updates": True})
    _, info = await api.handle(api.token, "getWebhookInfo", {})
    assert info["result"]["url"] == ""


async def test_allowed_updates_filter_and_tokens(api: FakeBotApi) -> None:
    u = api.user(2003, "丙")
    await get_updates(api, allowed_updates=["callback_query"])
    assert await u.send("ignored") is None
    await get_updates(api, allowed_updates=[])
    assert await u.send("seen") is not None

    status, body = await api.handle("999:nope", "getMe", {})
    assert (status, body) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    status, body = await api.handle(api.token, "fooBar", {})
    assert status == 404 and body["description"] == "Not Found: method not found"
    status, body = await api.handle(api.token, "GETME", {})
    assert status == 200 and body["result"]["id"] == 123456
    assert [c.method for c in api.calls[-2:]] == ["fooBar", "getMe"]

    api.add_bot("777:OTHER", "other_bot", "Other")
    _, other = await api.handle("777:OTHER", "getUpdates", {})
    assert other["result"] == []


async def test_wait_for_call_and_callback_update(api: FakeBotApi) -> None:
    u = api.user(2004, "丁")
    status, body = await api.handle(
        api.token,
        "sendMessage",
        {
            "chat_id": u.id,
            "text": "选",
            "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        },
    )
    assert status == 200
    mark = len(api.calls)
    waiter = asyncio.create_task(api.wait_for_call("sendChatAction", since=mark))
    await api.handle(api.token, "sendChatAction", {"chat_id": u.id, "action": "typing"})
    assert (await waiter).params["action"] == "typing"

    query_id = await u.press("a")
    update = api.pending_updates()[-1]["callback_query"]
    assert update["id"] == query_id and update["data"] == "a"
    assert update["message"]["message_id"] == body["result"]["message_id"]
    status, _ = await api.handle(api.token, "answerCallbackQuery", {"callback_query_id": query_id})
    assert status == 200
