"""The pushes of a meeting's opinions and outcome render in every language: people's text
escaped, dates in the one style of the language, the right buttons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.config import SUPPORTED_LOCALES
from bot.services.outbox import PAYLOAD_FIELDS, NotificationKind
from fake_telegram import parse_html
from handlers.deliberation_buttons import BrowseOpinions, OpinionDigest, RecordOutcome, WriteOpinion
from handlers.notifications import render_notification

HOSTILE = "<b>未闭合 & </i> 5<6 {topic_number} %s"  # the same as test_dispatcher.py
_STAT = {"text": "先修最暗的一段 " + HOSTILE, "author": "王阿姨", "anonymous": True}

# Sample payloads of each kind (tests/bot/test_dispatcher.py renders them with every kind).
DELIBERATION_PAYLOADS: dict[NotificationKind, dict[str, Any]] = {
    NotificationKind.OPINIONS_OPEN: {
        "meeting_topic_id": 7,
        "topic_number": "YT-2026-0001",
        "topic_title": "东门路灯 " + HOSTILE,
        "starts_at": "2026-03-05T11:00:00+00:00",
        "timezone": "Asia/Shanghai",
    },
    NotificationKind.OPINION_DIGEST: {
        "meeting_id": 3,
        "meeting_number": "HY-2026-0001",
        "meeting_title": "东门路灯协商议事会 " + HOSTILE,
        "starts_at": "2026-03-05T11:00:00+00:00",
        "timezone": "Asia/Shanghai",
        "topics": json.dumps(
            [
                {
                    "number": "YT-2026-0001",
                    "title": "东门路灯",
                    "opinions": 2,
                    "voters": 5,
                    "ranked": [{**_STAT, "agree": 3, "disagree": 2, "pass": 1}],
                    "divisive": [{**_STAT, "agree": 3, "disagree": 2, "pass": 1}],
                },
                {
                    "number": "YT-2026-0002",
                    "title": "菜市场积水",
                    "opinions": 0,
                    "voters": 0,
                    "ranked": [],
                    "divisive": [],
                },
            ],
            ensure_ascii=False,
        ),
    },
    NotificationKind.OUTCOME_PUBLISHED: {
        "meeting_number": "HY-2026-0001",
        "meeting_title": "东门路灯协商议事会",
        "topics": json.dumps([{"number": "YT-2026-0001", "title": "东门路灯"}], ensure_ascii=False),
        "consensus": "加装4盏路灯 " + HOSTILE,
        "items": json.dumps(
            [
                {
                    "description": "安装路灯 " + HOSTILE,
                    "owner": "城管办",
                    "due": "2026-03-31",
                    "topic": "YT-2026-0001",
                },
                {"more": 3},
            ],
            ensure_ascii=False,
        ),
        "timezone": "Asia/Shanghai",
    },
    NotificationKind.ACTION_ITEMS_ASSIGNED: {
        "meeting_number": "HY-2026-0001",
        "meeting_title": "东门路灯协商议事会",
        "items": json.dumps(
            [
                {
                    "description": "安装路灯 " + HOSTILE,
                    "owner": "老刘",
                    "due": "2026-03-31",
                    "topic": "YT-2026-0001",
                }
            ],
            ensure_ascii=False,
        ),
        "timezone": "Asia/Shanghai",
    },
    NotificationKind.OUTCOME_OVERDUE: {
        "meeting_id": 3,
        "meeting_number": "HY-2026-0001",
        "meeting_title": "东门路灯协商议事会 " + HOSTILE,
        "working_days": 8,
        "fallback_years": "2027",
    },
}

BUTTONS = {
    NotificationKind.OPINIONS_OPEN: [WriteOpinion(7).data(), BrowseOpinions(7).data()],
    NotificationKind.OPINION_DIGEST: [OpinionDigest(3).data()],
    NotificationKind.OUTCOME_PUBLISHED: [],
    NotificationKind.ACTION_ITEMS_ASSIGNED: [],
    NotificationKind.OUTCOME_OVERDUE: [RecordOutcome(3).data()],
}
DATES = {
    "zh_Hans": ("2026年3月5日 星期四 19:00", "2026年3月31日"),
    "zh_Hant": ("2026年3月5日 星期四 19:00", "2026年3月31日"),
    "en": ("Thursday 5 March 2026, 19:00", "31 Mar 2026"),
}


def test_the_samples_match_the_declared_payloads() -> None:
    for kind, payload in DELIBERATION_PAYLOADS.items():
        assert set(payload) == PAYLOAD_FIELDS[kind], kind


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("kind", list(DELIBERATION_PAYLOADS))
def test_each_kind_renders_escaped_with_its_buttons(kind: NotificationKind, locale: str) -> None:
    payload = DELIBERATION_PAYLOADS[kind]
    text, keyboard = render_notification(kind, payload, locale)
    plain, _entities = parse_html(text)  # Telegram's own check: it rejects unescaped text
    assert "HY-2026-0001" in plain or "YT-2026-0001" in plain
    if any(HOSTILE in str(value) for value in payload.values()):
        assert HOSTILE in plain and "&lt;/i&gt;" in text
    moment, day = DATES[locale]
    if "starts_at" in payload:
        assert moment in plain  # 11:00 UTC is 19:00 in Beijing
    if kind in (NotificationKind.OUTCOME_PUBLISHED, NotificationKind.ACTION_ITEMS_ASSIGNED):
        assert day in plain
    pressed = [
        b.callback_data for row in (keyboard.inline_keyboard if keyboard else ()) for b in row
    ]
    assert pressed == BUTTONS[kind]


def test_the_digest_shows_authors_to_staff_and_counts() -> None:
    text, _ = render_notification(
        NotificationKind.OPINION_DIGEST,
        DELIBERATION_PAYLOADS[NotificationKind.OPINION_DIGEST],
        "zh_Hans",
    )
    plain, _ = parse_html(text)
    assert "王阿姨（对其他人匿名）" in plain
    assert "同意 3 · 不同意 2 · 跳过 1" in plain
    assert "暂时没有意见" in plain  # the second topic


def test_the_reminder_says_when_weekends_stand_in_for_the_official_calendar() -> None:
    payload = dict(DELIBERATION_PAYLOADS[NotificationKind.OUTCOME_OVERDUE])
    with_fallback, _ = render_notification(NotificationKind.OUTCOME_OVERDUE, payload, "zh_Hans")
    assert "/holiday" in with_fallback and "2027" in with_fallback
    official, _ = render_notification(
        NotificationKind.OUTCOME_OVERDUE, {**payload, "fallback_years": ""}, "zh_Hans"
    )
    assert "/holiday" not in official
    assert "8 个工作日" in official
