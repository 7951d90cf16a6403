"""Answers kept as JSON with the commit come back as the same answers after a crash."""

from __future__ import annotations

import json

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from handlers.toolkit.outgoing import Pressed
from handlers.toolkit.replies import Replies


def test_every_kind_of_answer_survives_json() -> None:
    replies = Replies()
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("附议", callback_data="sup:7")]])
    keyboard = ReplyKeyboardMarkup(
        [["取消", KeyboardButton("发送位置", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    replies.say("您好！", buttons)
    replies.say("请选择：", keyboard)
    replies.edit("已附议。", buttons)
    replies.drop_buttons()
    replies.photos(["p1", "p2"])
    replies.voice("v1")
    replies.location(28.2, 112.9)
    replies.document(b"BEGIN:VCALENDAR\x00", "meeting.ics", "会议日程")
    replies.menu([BotCommand("start", "开始")])
    replies.picture(b"\x89PNG...", "签到二维码")
    replies.edit_message(9001, 77, "已签到 3 人", buttons)

    stored = json.loads(json.dumps(replies.to_json(), ensure_ascii=False))
    again = Replies.from_json(stored)

    assert again.ops == replies.ops


def test_a_removed_keyboard_and_the_pressed_message_survive_json() -> None:
    replies = Replies()
    replies.say("好的。", ReplyKeyboardRemove())
    again = Replies.from_json(json.loads(json.dumps(replies.to_json())))
    assert again.to_json() == replies.to_json()

    pressed = Pressed(42, has_text=True, has_buttons=False)
    assert Pressed.from_json(json.loads(json.dumps(pressed.to_json()))) == pressed
    assert Pressed.from_json(None) is None
