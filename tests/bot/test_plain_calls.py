"""Plain Bot API calls: Telegram's JSON as it came, PTB's errors, no warnings."""

from __future__ import annotations

import warnings

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.plain_calls import plain_call
from fake_telegram import FakeBotApi, InProcessRequest


async def test_a_plain_call_returns_telegrams_json_and_raises_its_errors() -> None:
    api = FakeBotApi()
    bot = Bot(api.token, request=InProcessRequest(api), get_updates_request=InProcessRequest(api))
    await bot.initialize()
    user = api.user(8001, "王阿姨")
    await user.command("start")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("附议", callback_data="j:1")]])
    with warnings.catch_warnings(record=True) as caught:
        sent = await plain_call(
            bot,
            "sendMessage",
            {
                "chat_id": user.id,
                "text": "<b>您好</b>",
                "parse_mode": "HTML",
                "reply_markup": keyboard,
            },
        )
    assert [str(w.message) for w in caught] == []  # no hint from PTB surfaces
    assert isinstance(sent, dict) and sent["text"] == "您好"
    assert user.last_bot_message().buttons == ["附议"]
    updates = await plain_call(bot, "getUpdates", {"timeout": 0})
    assert [u["message"]["text"] for u in updates] == ["/start"]
    with pytest.raises(BadRequest, match="not modified"):
        await plain_call(
            bot,
            "editMessageText",
            {
                "chat_id": user.id,
                "message_id": sent["message_id"],
                "text": "<b>您好</b>",
                "parse_mode": "HTML",
                "reply_markup": keyboard,
            },
        )
    await bot.shutdown()
