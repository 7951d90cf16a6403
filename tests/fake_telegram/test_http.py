"""The fake served over real HTTP, driven by PTB's default HTTPXRequest."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from telegram.error import BadRequest, RetryAfter
from telegram.ext import ApplicationBuilder

from fake_telegram import FakeBotApi, RunningServer, start_server
from fake_telegram.server import decode_form_value

from .conftest import App, add_handlers, polling

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def server(api: FakeBotApi) -> AsyncIterator[RunningServer]:
    running = await start_server(api)
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def http_app(server: RunningServer, api: FakeBotApi) -> AsyncIterator[App]:
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    add_handlers(app)
    async with polling(app):
        yield app


async def test_conversation_over_http(
    api: FakeBotApi, server: RunningServer, http_app: App
) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}/bot"
    u = api.user(3001, "王阿姨")
    await u.command("start")
    welcome = await u.next_message()
    assert welcome.buttons == ["同意", "反对"]
    await u.press_button("反对")
    assert (await u.next_message()).text == "选择：no"
    assert api.calls_of("answerCallbackQuery")[-1].params["text"] == "已记录"

    await u.send_photo()
    assert (await u.next_message()).text.startswith("收到照片")
    # Form data carries strings raw: texts that look like JSON must stay strings.
    for text in ("123", "true", "[1]", '{"a": 1}'):
        sent = await http_app.bot.send_message(u.id, text, disable_notification=True)
        assert sent.text == text
    call = api.calls_of("sendMessage")[-1]
    assert call.params["chat_id"] == u.id and call.params["disable_notification"] is True

    uploaded = await http_app.bot.send_document(u.id, b"%PDF-1.4 hi", filename="r.pdf")
    assert uploaded.document and uploaded.document.file_name == "r.pdf"
    data = await (await http_app.bot.get_file(uploaded.document.file_id)).download_as_bytearray()
    assert bytes(data) == b"%PDF-1.4 hi"

    api.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter):
        await http_app.bot.send_message(u.id, "x")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await http_app.bot.send_message(u.id, "1 < 2", parse_mode="HTML")


def test_form_values_are_decoded_per_field() -> None:
    assert decode_form_value("chat_id", "-100123") == -100123
    assert decode_form_value("chat_id", "@channel") == "@channel"
    assert decode_form_value("text", "123") == "123"
    assert decode_form_value("caption", "true") == "true"
    assert decode_form_value("callback_query_id", "4000000000000001") == "4000000000000001"
    assert decode_form_value("disable_notification", "false") is False
    assert decode_form_value("reply_markup", '{"inline_keyboard": []}') == {"inline_keyboard": []}
    assert decode_form_value("media", '[{"type": "photo"}]') == [{"type": "photo"}]
    assert decode_form_value("photo", "AgACAgIfake1") == "AgACAgIfake1"
    assert decode_form_value("latitude", "39.9") == 39.9


async def test_control_api(api: FakeBotApi, server: RunningServer) -> None:
    async with aiohttp.ClientSession(server.url) as http:
        async with http.post("/_client/send", json={"user_id": 3002, "text": "你好"}) as resp:
            sent = await resp.json()
        assert sent["ok"] and sent["update_id"] == api.pending_updates()[-1]["update_id"]
        markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
        async with http.post(
            f"/bot{api.token}/sendMessage",
            data={"chat_id": "3002", "text": "选", "reply_markup": str(markup).replace("'", '"')},
        ) as resp:
            assert (await resp.json())["ok"]
        async with http.post(
            f"/bot{api.token}/sendMessage", json={"chat_id": 3002, "text": "42"}
        ) as resp:
            assert (await resp.json())["result"]["text"] == "42"
        async with http.get("/_client/messages", params={"chat_id": "3002"}) as resp:
            messages = (await resp.json())["messages"]
        assert messages[0]["text"] == "选" and messages[0]["inline_keyboard"] == [[["好", "ok"]]]
        async with http.post("/_client/press", json={"user_id": 3002, "data": "ok"}) as resp:
            query_id = (await resp.json())["callback_query_id"]
        assert api.callbacks[query_id].data == "ok"
        async with http.post("/_client/press", json={"user_id": 3002, "data": "nope"}) as resp:
            assert resp.status == 400
        async with http.get("/_client/calls", params={"method": "sendMessage"}) as resp:
            calls = (await resp.json())["calls"]
        assert calls[0]["params"]["chat_id"] == 3002
        async with http.get(f"/file/bot{api.token}/photos/none.jpg") as resp:
            assert resp.status == 404
        async with http.post("/bot1:bad/getMe") as resp:
            assert resp.status == 401


async def test_command_line_server_prints_ready() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fake_telegram",
        "--port",
        "0",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode()
        assert line.startswith("READY http://127.0.0.1:")
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{line.split()[1]}/bot123456:TEST/getMe") as resp,
        ):
            assert (await resp.json())["result"]["username"] == "haoshangliang_bot"
    finally:
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
