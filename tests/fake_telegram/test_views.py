"""Reading a chat as a test does: an edit of a message above may be read before the new
message it followed, and nothing is ever skipped."""

from __future__ import annotations

from telegram import Bot

from fake_telegram import FakeBotApi, InProcessRequest


async def _bot(api: FakeBotApi) -> Bot:
    bot = Bot(api.token, request=InProcessRequest(api), get_updates_request=InProcessRequest(api))
    await bot.initialize()
    return bot


async def test_an_edit_that_came_after_a_new_message_is_read_first_when_asked_for() -> None:
    api = FakeBotApi()
    bot = await _bot(api)
    user = api.user(7001, "王阿姨")
    await user.command("new")
    question = await bot.send_message(user.id, "在哪个村？")
    assert (await user.next_message()).text == "在哪个村？"
    await bot.send_message(user.id, "是哪方面的问题？")
    await bot.edit_message_text("地点：南湖社区", chat_id=user.id, message_id=question.message_id)

    edit = await user.next_message_with("地点")
    assert edit.edited and edit.message_id == question.message_id
    assert (await user.next_message()).text == "是哪方面的问题？"  # still next, not skipped
    await bot.send_message(user.id, "谢谢。")
    assert (await user.next_message()).text == "谢谢。"  # the edit is not read twice


async def test_without_such_an_edit_the_next_message_is_returned_as_it_is() -> None:
    api = FakeBotApi()
    bot = await _bot(api)
    user = api.user(7002, "李大爷")
    await user.command("new")
    await bot.send_message(user.id, "请描述一下情况。")
    await bot.send_message(user.id, "谢谢。")
    message = await user.next_message_with("地点", timeout=0.1)
    assert message.text == "请描述一下情况。"
    assert (await user.next_message()).text == "谢谢。"
