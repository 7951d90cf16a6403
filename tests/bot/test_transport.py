"""The aiohttp transport against the fake Telegram over real HTTP: JSON calls, uploads,
files, and Telegram's errors and timeouts mapped to PTB's."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.transport import AiohttpRequest
from fake_telegram import FakeBotApi, RunningServer, start_server

TOKEN = "123456:TRANSPORT-test"


@pytest.fixture
async def api() -> FakeBotApi:
    return FakeBotApi(token=TOKEN)


@pytest.fixture
async def server(api: FakeBotApi) -> AsyncIterator[RunningServer]:
    running = await start_server(api)
    yield running
    await running.close()


async def _bot(server: RunningServer, request: AiohttpRequest) -> Bot:
    bot = Bot(
        TOKEN,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=request,
        get_updates_request=AiohttpRequest(pool_size=1),
    )
    await bot.initialize()
    return bot


async def test_calls_uploads_and_files(api: FakeBotApi, server: RunningServer) -> None:
    bot = await _bot(server, AiohttpRequest(pool_size=4))
    try:
        assert (await bot.get_me()).username == api.bot_username
        user = api.user(4001, "王阿姨")
        await user.command("start")
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("好", callback_data="ok:1")]])
        sent = await bot.send_message(
            user.id, "<b>你好</b> &amp; 欢迎", parse_mode="HTML", reply_markup=markup
        )
        stored = user.bot_messages()[-1]
        assert stored.text == "你好 & 欢迎" and stored.buttons == ["好"]
        photo = await bot.send_photo(user.id, b"\x89PNG fake image bytes", caption="照片")
        assert photo.photo
        file = await bot.get_file(photo.photo[-1].file_id)
        assert bytes(await file.download_as_bytearray()) == b"\x89PNG fake image bytes"
        await bot.edit_message_text("改过了", chat_id=user.id, message_id=sent.message_id)
        assert user.bot_messages()[0].text == "改过了"
    finally:
        await bot.shutdown()


async def test_errors_and_timeouts_become_ptb_errors(
    api: FakeBotApi, server: RunningServer
) -> None:
    bot = await _bot(server, AiohttpRequest(pool_size=2, read_timeout=0.3))
    user = api.user(4002, "李大爷")
    await user.command("start")
    try:
        with pytest.raises(BadRequest):
            await bot.send_message(999_999, "nobody is there")
        api.fail_next("sendMessage", status=429, retry_after=3)
        with pytest.raises(RetryAfter):
            await bot.send_message(user.id, "too fast")
        api.delay(1.0, method="sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(user.id, "slow")
    finally:
        api.delay(0)
        await bot.shutdown()


async def test_an_unreachable_server_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(pool_size=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
