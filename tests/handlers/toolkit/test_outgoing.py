"""The order answers are sent in: what the person waits for first, the tidying of the
pressed message after it, and everything else as the handler said it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.transport import AiohttpRequest
from fake_telegram import FakeBotApi, RunningServer, SimUser, start_server
from handlers.toolkit.outgoing import Pressed, send_replies
from handlers.toolkit.replies import Replies
from handlers.toolkit.splitting import TELEGRAM_TEXT_LIMIT

TOKEN = "123456:OUTGOING-test"
NEXT = InlineKeyboardMarkup([[InlineKeyboardButton("城乡建设", callback_data="c:1")]])


@pytest.fixture
async def api() -> FakeBotApi:
    return FakeBotApi(token=TOKEN)


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    server: RunningServer = await start_server(api)
    bot = Bot(TOKEN, base_url=server.base_url, request=AiohttpRequest(pool_size=2))
    await bot.initialize()
    yield bot
    await bot.shutdown()
    await server.close()


async def _question(bot: Bot, user: SimUser) -> Pressed:
    """A question with a button, as the message the person then presses."""
    await user.command("new")
    sent = await bot.send_message(user.id, "在哪个村？", reply_markup=NEXT)
    return Pressed(sent.message_id, has_text=True, has_buttons=True)


def _order(user: SimUser, since: int) -> list[str]:
    """What the bot did in the chat since event `since`: "new: text" or "edit #id"."""
    return [
        f"new: {e.text}" if e.kind == "bot" else f"edit #{e.message.message_id}"
        for e in user.state.events[since:]
        if e.kind in ("bot", "edit") and e.message is not None
    ]


async def test_the_next_question_comes_before_the_pressed_message_is_tidied(
    api: FakeBotApi, bot: Bot
) -> None:
    user = api.user(5001, "王阿姨")
    pressed = await _question(bot, user)
    since = len(user.state.events)
    replies = Replies()
    replies.edit("地点：南湖社区")
    replies.say("是哪方面的问题？")
    await send_replies(bot, user.id, None, replies, pressed)
    assert _order(user, since) == ["new: 是哪方面的问题？", f"edit #{pressed.message_id}"]
    assert user.bot_messages()[0].text == "地点：南湖社区"

    pressed = await _question(bot, user)
    since = len(user.state.events)
    replies = Replies()
    replies.drop_buttons()
    replies.say("请描述一下情况。")
    await send_replies(bot, user.id, None, replies, pressed)
    assert _order(user, since) == ["new: 请描述一下情况。", f"edit #{pressed.message_id}"]
    assert user.bot_messages()[-2].buttons == []


async def test_an_edit_that_asks_the_next_question_or_cannot_rewrite_keeps_its_place(
    api: FakeBotApi, bot: Bot
) -> None:
    user = api.user(5002, "李大爷")
    pressed = await _question(bot, user)
    since = len(user.state.events)
    # The pressed message becomes the next question (it carries buttons): it stays first.
    replies = Replies()
    replies.edit("类别：城乡建设\n\n需要补充照片吗？", NEXT)
    replies.say("提示：可以一次发多张。")
    await send_replies(bot, user.id, None, replies, pressed)
    assert _order(user, since) == [f"edit #{pressed.message_id}", "new: 提示：可以一次发多张。"]

    # A photo's caption cannot be rewritten: the edit is said as a new message, in order.
    since = len(user.state.events)
    replies = Replies()
    replies.edit("已收到。")
    replies.say("下一步？")
    await send_replies(bot, user.id, None, replies, Pressed(1, has_text=False, has_buttons=True))
    assert _order(user, since) == ["new: 已收到。", "new: 下一步？"]

    # Too long for one message: its parts are new messages, so it keeps its place too.
    since = len(user.state.events)
    long_line = "很长的一段话。" * (TELEGRAM_TEXT_LIMIT // 7)
    replies = Replies()
    replies.edit(f"{long_line}\n{long_line}")
    replies.say("完。")
    await send_replies(bot, user.id, None, replies, pressed)
    order = _order(user, since)
    assert order[0] == f"edit #{pressed.message_id}" and order[-1] == "new: 完。"


async def test_an_edit_of_another_message_after_the_tidying_keeps_its_place(
    api: FakeBotApi, bot: Bot
) -> None:
    """Nothing new is sent: the pressed message is rewritten first, then the panel."""
    user = api.user(5003, "联络员")
    panel = await bot.send_message(user.id, "已签到：2 人")
    pressed = await _question(bot, user)
    since = len(user.state.events)
    replies = Replies()
    replies.edit("路人 已签到。")
    replies.edit_message(user.id, panel.message_id, "已签到：3 人")
    await send_replies(bot, user.id, None, replies, pressed)
    assert _order(user, since) == [f"edit #{pressed.message_id}", f"edit #{panel.message_id}"]
