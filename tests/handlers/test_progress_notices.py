"""The pushes of action items' follow-through render in every language: people's text
escaped, due dates in the language's one style, a progress update's photos before its text,
the on-behalf line, and the buttons of each kind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.config import SUPPORTED_LOCALES
from bot.dispatcher import RenderedPush
from bot.services.outbox import PAYLOAD_FIELDS, NotificationKind
from fake_telegram import parse_html
from handlers.notifications import render_notification
from handlers.progress_buttons import OpenItem, PostProgress

HOSTILE = "<b>未闭合 & </i> 5<6 {topic_number} %s"
ITEM = {
    "item_id": 4,
    "item": "安装路灯 " + HOSTILE,
    "topic_number": "YT-2026-0001",
    "topic_title": "东门路灯",
    "owner": "城管办",
    "due": "2026-03-31",
}
PROGRESS_PAYLOADS: dict[NotificationKind, dict[str, Any]] = {
    NotificationKind.PROGRESS_POSTED: {
        **ITEM,
        "percent": 50,
        "done": 0,
        "text": "装了两盏 " + HOSTILE,
        "photos": json.dumps(["photo-1", "photo-2"]),
        "on_behalf": 1,
    },
    NotificationKind.ITEM_OVERDUE: {**ITEM, "working_days": 3, "nudge": 3, "limit": 5},
    NotificationKind.ITEM_OVERDUE_STAFF: {**ITEM, "working_days": 6, "nudges": 5},
    NotificationKind.OVERDUE_DIGEST: {
        "township": "东风镇",
        "count": 2,
        "owners": json.dumps(
            [
                {
                    "owner": "老刘 " + HOSTILE,
                    "count": 2,
                    "items": [
                        {
                            "item": "安装路灯",
                            "topic_number": "YT-2026-0001",
                            "due": "2026-03-31",
                            "percent": 50,
                        },
                        {
                            "item": "清理小广告",
                            "topic_number": "",
                            "due": "2026-03-31",
                            "percent": 0,
                        },
                    ],
                }
            ],
            ensure_ascii=False,
        ),
    },
}
BUTTONS = {
    NotificationKind.PROGRESS_POSTED: [],
    NotificationKind.ITEM_OVERDUE: [PostProgress(4).data(), OpenItem(4).data()],
    NotificationKind.ITEM_OVERDUE_STAFF: [OpenItem(4).data()],
    NotificationKind.OVERDUE_DIGEST: [],
}
DAYS = {"zh_Hans": "2026年3月31日", "zh_Hant": "2026年3月31日", "en": "31 Mar 2026"}


def test_the_samples_match_the_declared_payloads() -> None:
    for kind, payload in PROGRESS_PAYLOADS.items():
        assert set(payload) == PAYLOAD_FIELDS[kind], kind


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", list(PROGRESS_PAYLOADS))
def test_each_kind_renders_escaped_with_its_buttons(kind: NotificationKind, locale: str) -> None:
    rendered = render_notification(kind, PROGRESS_PAYLOADS[kind], locale)
    push = rendered if isinstance(rendered, RenderedPush) else RenderedPush(*rendered)
    plain, _entities = parse_html(push.text)  # Telegram's own check: it rejects unescaped text
    assert HOSTILE in plain and "&lt;/i&gt;" in push.text
    assert DAYS[locale] in plain
    pressed = [
        b.callback_data
        for row in (push.keyboard.inline_keyboard if push.keyboard else ())
        for b in row
    ]
    assert pressed == BUTTONS[kind]
    if kind is NotificationKind.PROGRESS_POSTED:
        assert push.photos == ("photo-1", "photo-2")


def test_the_update_says_who_posted_it_and_how_far() -> None:
    payload = PROGRESS_PAYLOADS[NotificationKind.PROGRESS_POSTED]
    rendered = render_notification(NotificationKind.PROGRESS_POSTED, payload, "zh_Hans")
    assert isinstance(rendered, RenderedPush)
    assert "由联络办代城管办发布。" in rendered.text and "目前进度：50%" in rendered.text
    own = render_notification(
        NotificationKind.PROGRESS_POSTED,
        {**payload, "on_behalf": 0, "done": 1, "percent": 100},
        "zh_Hans",
    )
    assert isinstance(own, RenderedPush)
    assert "由联络办" not in own.text and "已完成：" in own.text
    english = render_notification(NotificationKind.PROGRESS_POSTED, payload, "en")
    assert isinstance(english, RenderedPush)
    assert "Posted by the liaison office on behalf of 城管办." in english.text


def test_the_staff_notice_and_the_digest_in_chinese() -> None:
    text, _ = render_notification(
        NotificationKind.ITEM_OVERDUE_STAFF,
        PROGRESS_PAYLOADS[NotificationKind.ITEM_OVERDUE_STAFF],
        "zh_Hans",
    )
    assert "已逾期 6 个工作日" in text and "已提醒城管办 5 次" in text
    text, _ = render_notification(
        NotificationKind.OVERDUE_DIGEST,
        PROGRESS_PAYLOADS[NotificationKind.OVERDUE_DIGEST],
        "zh_Hans",
    )
    assert "逾期议定事项 2 项" in text and "进度 50%" in text and "/mine" in text
