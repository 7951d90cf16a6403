"""A real PTB Application against the fake, through the in-process transport."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import (
    BotCommandScopeAllGroupChats,
    InputMediaPhoto,
    MenuButtonCommands,
    Message,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from fake_telegram import FakeBotApi

from .conftest import App, in_process_app


async def test_start_reply_and_button_press(api: FakeBotApi, running_app: App) -> None:
    u = api.user(1001, first_name="王阿姨<&>", language_code="zh-hans")
    update_id = await u.command("start", "v12")
    assert update_id is not None

    welcome = await u.next_message()
    assert welcome.text == "欢迎 王阿姨<&> v12"
    assert welcome.source == "欢迎 <b>王阿姨&lt;&amp;&gt;</b> v12"
    assert welcome.buttons == ["同意", "反对"]
    assert welcome.button_data("反对") == "vote:no"
    assert welcome.payload["entities"] == [{"type": "bold", "offset": 3, "length": 6}]

    with pytest.raises(AssertionError, match="同意"):
        await u.press_button("不存在")
    query_id = await u.press_button("同意")
    edited = await u.next_message()
    assert edited.message_id == welcome.message_id
    assert edited.edited and edited.text == "选择：yes"
    assert edited.buttons == []  # editing without reply_markup drops the keyboard
    assert api.callback_answer(query_id) == {"text": "已记录", "show_alert": False}
    assert [m.text for m in u.bot_messages()] == ["选择：yes"]
    assert u.transcript()[0] == ("王阿姨<&>", "/start v12")
    assert ("有事好商量", "(toast) 已记录") in u.transcript()


async def test_echo_escapes_user_text_and_waits_idle(api: FakeBotApi, running_app: App) -> None:
    u = api.user(1002, "李伯")
    await u.send("<script>alert(1)</script> & 123")
    reply = await u.next_message()
    assert reply.text == "你说：<script>alert(1)</script> & 123"
    await u.wait_idle(quiet=0.05)
    call = api.calls_of("sendMessage", chat_id=1002)[-1]
    assert call.params["parse_mode"] == "HTML"
    user_message = next(m for m in api.messages(1002) if not m.from_bot)
    quoted = await running_app.bot.send_message(
        1002, "引用", reply_parameters={"message_id": user_message.message_id}
    )
    assert quoted.reply_to_message and quoted.reply_to_message.text == user_message.payload["text"]
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await running_app.bot.send_message(1002, "x", reply_to_message_id=99999)


async def test_answering_twice_is_rejected(api: FakeBotApi, running_app: App) -> None:
    u = api.user(1003, "张三")
    await u.command("start")
    await u.next_message()
    query_id = await u.press("vote:no")
    await api.wait_for_call("answerCallbackQuery")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await running_app.bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await running_app.bot.answer_callback_query("nope")


async def test_reply_keyboard_location_and_removal(api: FakeBotApi, running_app: App) -> None:
    u = api.user(1004, "赵四")
    await u.command("menu")
    menu = await u.next_message()
    assert menu.reply_keyboard == ["发送位置", "取消"]
    assert "reply_markup" not in menu.payload  # Telegram never echoes reply keyboards
    await u.tap_reply_button("发送位置")
    reply = await u.next_message()
    assert reply.text == "位置 39.90,116.41"
    assert reply.removes_keyboard
    with pytest.raises(AssertionError, match="current keyboard: none"):
        await u.tap_reply_button("取消")


async def test_photo_download_and_album(api: FakeBotApi, running_app: App) -> None:
    u = api.user(1005, "孙五")
    await u.send_photo(caption="门口的路灯坏了")
    reply = await u.next_message()
    assert reply.text.startswith("收到照片") and reply.text.endswith("字节")
    assert api.calls_of("getFile")

    update_ids = await u.send_album(n=3, caption="三张")
    assert len(update_ids) == 3
    await u.wait_idle(quiet=0.05)
    album = running_app.bot_data["album"][1:]
    assert len(album) == 3 and len(set(album)) == 1 and album[0] is not None
    captions = [m.payload.get("caption") for m in api.messages(1005) if not m.from_bot][-3:]
    assert captions == ["三张", None, None]

    sent = await running_app.bot.send_media_group(
        1005, [InputMediaPhoto(b"\xff\xd8fake"), InputMediaPhoto(b"\xff\xd8more", caption="b")]
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    assert sent[0].photo[-1].file_id != sent[1].photo[-1].file_id
    assert [m.kind for m in u.bot_messages()[-2:]] == ["photo", "photo"]


async def test_failure_injection(api: FakeBotApi, running_app: App) -> None:
    bot = running_app.bot
    u = api.user(1006, "周六")
    api.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(u.id, "hi")
    # PTB 22 reports retry_after as int or timedelta depending on PTB_TIMEDELTA.
    assert caught.value.retry_after in (7, dt.timedelta(seconds=7))

    api.fail_next("sendMessage", status=500, times=2, chat_id=u.id)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(u.id, "hi")
    assert (await bot.send_message(u.id, "ok")).text == "ok"

    api.block(u.id)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(u.id, "hi")
    api.unblock(u.id)
    await bot.send_message(u.id, "back")

    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hi")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(u.id, "<script>x</script>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(u.id, "长" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(u.id, "  ")


async def test_edit_errors_and_delete(api: FakeBotApi, running_app: App) -> None:
    bot = running_app.bot
    u = api.user(1007, "吴七")
    sent = await bot.send_message(u.id, "原文")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("原文", chat_id=u.id, message_id=sent.message_id)
    markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
    await bot.edit_message_reply_markup(u.id, sent.message_id, reply_markup=markup)
    assert u.last_bot_message().buttons == ["好"]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(u.id, sent.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)there is no caption"):
        await bot.edit_message_caption(u.id, sent.message_id, caption="c")
    await bot.delete_message(u.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(u.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("新", chat_id=u.id, message_id=sent.message_id)
    assert u.bot_messages() == []
    assert u.transcript()[-1] == ("有事好商量", f"(deleted #{sent.message_id})")


async def test_commands_menu_and_timeouts(api: FakeBotApi) -> None:
    app = in_process_app(api)
    async with app:
        bot = app.bot
        await bot.set_my_commands([("new", "提出新事项")])
        await bot.set_my_commands([("new", "Raise a matter")], language_code="en")
        await bot.set_my_commands([("stats", "统计")], scope={"type": "chat", "chat_id": 1008})
        assert [c.command for c in await bot.get_my_commands()] == ["new"]
        assert api.commands(language_code="en") == [
            {"command": "new", "description": "Raise a matter"}
        ]
        assert api.commands({"type": "chat", "chat_id": 1008}) == [
            {"command": "stats", "description": "统计"}
        ]
        api.user(1020, "英语用户", language_code="en-GB")
        assert [c["description"] for c in api.menu_for(1020)] == ["Raise a matter"]
        assert [c["command"] for c in api.menu_for(api.user(1008).id)] == ["stats"]
        g = api.group(-100400, "群")
        await bot.set_my_commands([("help", "帮助")], scope=BotCommandScopeAllGroupChats())
        assert [c["command"] for c in api.menu_for(1020, g.chat_id)] == ["help"]
        assert api.commands() == [{"command": "new", "description": "提出新事项"}]
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(
                api.user(1008).id,
                "x",
                reply_markup={"inline_keyboard": [[{"text": "t", "callback_data": "x" * 65}]]},
            )
        api.delay(0.3, method="sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(1008, "slow", read_timeout=0.05)
        # after=True: Telegram did send it, only the answer came too late.
        api.delay(0.3, method="sendMessage", after=True)
        with pytest.raises(TimedOut):
            await bot.send_message(1008, "sent anyway", read_timeout=0.05)
        assert api.user(1008).last_bot_message().text == "sent anyway"
        api.delay(0, method="sendMessage")
        me = await bot.get_me()
        assert me.username == "haoshangliang_bot" and me.can_join_groups


async def test_group_privacy_mode(api: FakeBotApi, running_app: App) -> None:
    g = api.group(-100123, title="村民群")
    u = api.user(1009, "钱八")
    assert await g.send(u, "大家好") is None  # privacy mode: plain chatter never reaches bots
    assert await g.command(u, "new", "修路", mention=True) is not None
    reply = await g.next_message()
    assert reply.text == "你说：/new@haoshangliang_bot 修路"
    assert reply.payload["chat"] == {"id": -100123, "type": "supergroup", "title": "村民群"}
    await g.send(u, "回复机器人", reply_to=reply)
    assert (await g.next_message()).text == "你说：回复机器人"
    assert await g.command(u, "new@other_bot") is None

    member = await running_app.bot.get_chat_member(-100123, u.id)
    assert member.status == "member"
    g.set_status(u, "administrator")
    admins = await running_app.bot.get_chat_administrators(-100123)
    assert [a.user.id for a in admins] == [u.id]
    assert g.transcript()[0] == ("钱八", "大家好")


async def test_every_user_action_parses_in_ptb(api: FakeBotApi) -> None:
    app = in_process_app(api)
    g = api.group(-100200, title="村民群")
    u = api.user(1010, "郑九", username="zheng9", language_code="zh-hans")
    await u.send_voice(duration=4)
    await u.send_location(39.9, 116.4)
    await u.send_sticker()
    await u.send_video_note()
    await u.send_document(file_name="报告.pdf")
    await u.send_contact()
    first = await u.send("原话")
    assert first is not None
    await u.edit(api.pending_updates()[-1]["message"]["message_id"], "改过的话")
    await g.add_bot(u, status="administrator")
    await g.add_member(api.user(1011, "新人"))
    async with app:
        updates = [Update.de_json(raw, app.bot) for raw in api.pending_updates()]
    assert all(update is not None for update in updates)
    messages = [update.effective_message for update in updates]
    assert messages[0] and messages[0].voice and messages[0].voice.file_id
    assert messages[1] and messages[1].location and messages[1].location.latitude == 39.9
    assert messages[2] and messages[2].sticker and messages[2].sticker.emoji == "👍"
    assert messages[3] and messages[3].video_note
    assert messages[4] and messages[4].document
    assert messages[4].document.file_name == "报告.pdf"
    assert messages[5] and messages[5].contact and messages[5].contact.user_id == u.id
    assert updates[7].edited_message and updates[7].edited_message.text == "改过的话"
    member_update = updates[8].my_chat_member
    assert member_update and member_update.new_chat_member.status == "administrator"
    assert messages[9] and [m.id for m in messages[9].new_chat_members] == [1011]
    assert [who for who, _ in g.transcript()] == ["郑九", "新人"]


async def test_bot_side_methods_parse_in_ptb(api: FakeBotApi) -> None:
    app = in_process_app(api)
    u = api.user(1012, "冯十")
    g = api.group(-100300, title="议事群", bot_status="administrator")
    async with app:
        bot = app.bot
        voice = await bot.send_voice(
            u.id, b"OggS-voice", duration=3, caption="<b>听</b>", parse_mode=ParseMode.HTML
        )
        assert voice.voice and voice.caption == "听" and voice.caption_entities
        edited = await bot.edit_message_caption(u.id, voice.message_id, caption="新说明")
        assert isinstance(edited, Message) and edited.caption == "新说明"
        assert (await bot.send_location(u.id, 30.5, 114.3)).location
        assert (await bot.send_contact(u.id, phone_number="+86100", first_name="村委")).contact
        assert await bot.send_chat_action(u.id, ChatAction.TYPING)
        assert (await bot.get_chat(g.chat_id)).title == "议事群"
        me = await bot.get_chat_member(g.chat_id, api.bot_id)
        assert me.status == "administrator"
        assert (await bot.get_webhook_info()).url == ""
        assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        assert isinstance(await bot.get_chat_menu_button(), MenuButtonCommands)
        assert await bot.set_my_description("有事好商量")
        assert (await bot.get_my_description()).description == "有事好商量"
        assert await bot.set_my_short_description("议事")
        assert await bot.delete_my_commands()
        with pytest.raises(BadRequest):
            await bot.get_file("unknown-file-id")
        with pytest.raises(BadRequest, match=r"(?i)can't use file of type Voice as Photo"):
            await bot.send_photo(u.id, voice.voice.file_id)
    assert [c.method for c in api.calls_of("sendVoice")] == ["sendVoice"]
