"""Every meeting push renders in every language, with people's text escaped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.config import SUPPORTED_LOCALES
from bot.services.outbox import PAYLOAD_FIELDS, NotificationKind
from fake_telegram import parse_html
from handlers.meeting_notifications import MEETING_RENDERERS
from handlers.notifications import render_notification

HOSTILE = "<i>不是标签</i> & 1<2"
MEETING: dict[str, Any] = {
    "meeting_id": 7,
    "number": "HY-2026-0007",
    "title": "东门路灯 " + HOSTILE,
    "starts_at": "2026-12-05T11:00:00+00:00",
    "duration": 90,
    "zone": "Asia/Shanghai",
    "format": "hybrid",
    "place": "议事室 " + HOSTILE,
    "online_link": "https://meeting.example/abc",
    "agenda": json.dumps(["通报情况 " + HOSTILE, "听取意见"], ensure_ascii=False),
    "description": "带上身份证 " + HOSTILE,
    "located": 1,
}
PAYLOADS: dict[NotificationKind, dict[str, Any]] = {
    NotificationKind.MEETING_INVITED: {**MEETING, "rsvp": "pending"},
    NotificationKind.MEETING_RESCHEDULED: {
        **MEETING,
        "old_starts_at": "2026-11-28T11:00:00+00:00",
        "rsvp": "yes",
    },
    NotificationKind.MEETING_CANCELLED: {**MEETING, "reason": "天气 " + HOSTILE},
    NotificationKind.MEETING_PROMOTED: MEETING,
    NotificationKind.MEETING_REMINDER: {**MEETING, "hours": 2, "rsvp": "maybe"},
    NotificationKind.MEETING_MESSAGE: {
        "meeting_id": 7,
        "number": "HY-2026-0007",
        "title": "东门路灯",
        "text": "改在二楼 " + HOSTILE,
    },
    NotificationKind.MEETING_WALK_IN: {
        "meeting_id": 7,
        "number": "HY-2026-0007",
        "person_id": 12,
        "name": "路人 " + HOSTILE,
    },
    NotificationKind.MEETING_ADMITTED: {"meeting_id": 7, "number": "HY-2026-0007", "title": "东门"},
}


def test_every_meeting_kind_has_a_payload_and_a_renderer() -> None:
    assert set(PAYLOADS) == set(MEETING_RENDERERS)
    for kind, payload in PAYLOADS.items():
        assert set(payload) == PAYLOAD_FIELDS[kind]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_every_meeting_kind_renders_escaped(kind: NotificationKind, locale: str) -> None:
    text, keyboard = render_notification(kind, PAYLOADS[kind], locale)
    plain, _entities = parse_html(text)  # Telegram's own check
    assert "HY-2026-0007" in plain
    if any(HOSTILE in str(value) for value in PAYLOADS[kind].values()):
        assert HOSTILE in plain and "<i>" not in text
    if kind in (NotificationKind.MEETING_INVITED, NotificationKind.MEETING_RESCHEDULED):
        assert keyboard is not None
        datas = [b.callback_data for row in keyboard.inline_keyboard for b in row]
        assert {"mt.r:7:yes", "mt.r:7:no", "mt.r:7:maybe", "mt.ics:7", "mt.loc:7"} <= set(datas)
        assert any(b.url == MEETING["online_link"] for row in keyboard.inline_keyboard for b in row)


def test_the_times_are_shown_in_the_townships_zone_with_the_weekday() -> None:
    text, _ = render_notification(
        NotificationKind.MEETING_RESCHEDULED,
        PAYLOADS[NotificationKind.MEETING_RESCHEDULED],
        "zh_Hans",
    )
    assert "2026年11月28日 星期六 19:00" in text and "2026年12月5日 星期六 19:00" in text
    english, _ = render_notification(
        NotificationKind.MEETING_REMINDER, PAYLOADS[NotificationKind.MEETING_REMINDER], "en"
    )
    assert "Saturday 5 December 2026, 19:00" in english and "2 hours" in english
