"""The meeting-time parser on the phrase table, the picker, and the ISO fallback."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services import meeting_time
from bot.services.meeting_time import TimeNotUnderstood, from_picker, parse, parse_sync
from tests.bot.services.meeting_phrases import NOW, PHRASES, ZONE

TZ = ZoneInfo(ZONE)


def _read(phrase: str) -> str:
    try:
        found = parse_sync(phrase, now=NOW, zone=TZ)
    except TimeNotUnderstood as refused:
        return refused.problem
    return found.starts_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def test_the_table_is_large_enough() -> None:
    assert len(PHRASES) >= 40
    assert len({phrase for phrase, _ in PHRASES}) == len(PHRASES)


@pytest.mark.parametrize(("phrase", "expected"), PHRASES)
def test_every_phrase_of_the_table(phrase: str, expected: str) -> None:
    assert _read(phrase) == expected


def test_a_span_gives_the_length_and_a_moment_is_utc() -> None:
    found = parse_sync("12月5日19:00-21:00", now=NOW, zone=TZ)
    assert found.duration_minutes == 120
    assert found.starts_at == datetime(2026, 12, 5, 11, 0, tzinfo=ZoneInfo("UTC"))
    assert parse_sync("12月5日19:00", now=NOW, zone=TZ).duration_minutes is None


def test_a_refusal_carries_what_was_understood() -> None:
    with pytest.raises(TimeNotUnderstood) as refused:
        parse_sync("昨天下午3点", now=NOW, zone=TZ)
    assert refused.value.understood == datetime(2026, 11, 29, 15, 0, tzinfo=TZ)


def test_another_zone_reads_the_same_words_at_its_own_clock() -> None:
    found = parse_sync("明天上午9点半", now=NOW, zone=ZoneInfo("Asia/Urumqi"))
    assert found.starts_at.astimezone(ZoneInfo("Asia/Urumqi")).hour == 9


async def test_parse_runs_in_a_thread_with_the_same_answer() -> None:
    found = await parse("下周三下午三点", now=NOW, zone=TZ)
    assert found.starts_at.astimezone(TZ) == datetime(2026, 12, 9, 15, 0, tzinfo=TZ)


def test_iso_forms_still_work_without_jionlp(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = meeting_time._Jionlp()
    broken._failed = True
    monkeypatch.setattr(meeting_time, "_PARSER", broken)
    assert _read("2026-12-05 19:00") == "2026-12-05 19:00"
    assert _read("12月5日晚上7点") == "unparsed"


def test_the_picker_gives_a_future_moment_or_refuses() -> None:
    assert from_picker(20261205, 19, 0, now=NOW, zone=TZ) == datetime(
        2026, 12, 5, 11, 0, tzinfo=ZoneInfo("UTC")
    )
    for day, hour, problem in ((20261130, 9, "past"), (20261331, 9, "unparsed")):
        with pytest.raises(TimeNotUnderstood) as refused:
            from_picker(day, hour, 0, now=NOW, zone=TZ)
        assert refused.value.problem == problem
