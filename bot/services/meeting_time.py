"""Meeting times as staff type them: "12月5日晚上7点", "下周三下午三点", "2026-12-05 19:00".

Chinese time phrases are read by jionlp's `parse_time` (Apache-2.0), which on the phrase
table in tests/bot/services/test_meeting_time.py reads every relative day (明天, 下周三),
Chinese numerals (十二月五日晚七点) and part of the day (晚上, 下午) right; dateparser read
only the ISO forms. jionlp is large (a word segmenter's model comes with it) and takes about
a second to import, so it is imported on first use in a worker thread, and every parse runs
there too. Should the import fail, ISO forms ("2026-12-05 19:00") still work.

The phrase is read in the township's time zone relative to `now`, and the result must be a
moment (a day alone, or "下午", is not), in the future, and within a year.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError

log = logging.getLogger(__name__)

# Why a phrase was refused: not understood, a day without the hour, in the past, too far.
Problem = Literal["unparsed", "no_time", "past", "far"]

MAX_AHEAD = timedelta(days=366)
# jionlp gives "7点" as 19:00:00–19:59:59 and "19:00" as a minute; "下午" spans five hours.
_MOMENT_SPAN = timedelta(hours=1)
# A phrase that names these is relative to today: a past result is not "next year's".
_RELATIVE = ("昨", "前天", "上周", "上个", "上星期", "上礼拜", "去年", "上月", "今年", "明年")
_MONTH_DAY = re.compile(r"月|\d{1,2}\s*[/-]\s*\d{1,2}|元旦|春节|除夕|元宵|端午|中秋|国庆|冬至|清明")
_EXPLICIT_YEAR = re.compile(r"\d{4}|年")
_ISO = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+|日\s*)(\d{1,2})[:：](\d{2})(?::\d{2})?$"
)
_MONTH_DOT_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})(?=\s)")
_AM_PM = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b", re.IGNORECASE)

# "Dec 5", "December 5th": an English month name read as the Chinese the parser knows.
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_MONTH_NAME_DAY = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*(\d{1,2})(?:st|nd|rd|th)?\b",
    re.IGNORECASE,
)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９：／－．　", "0123456789:/-. ")


class TimeNotUnderstood(DomainError):
    """The phrase gives no usable meeting time; `understood` is what it was read as, if any."""

    def __init__(self, problem: Problem, understood: datetime | None = None) -> None:
        super().__init__(f"meeting time refused: {problem}")
        self.problem = problem
        self.understood = understood


@dataclass(frozen=True)
class MeetingTime:
    starts_at: datetime  # aware, UTC
    # When the phrase named an end ("19:00-21:00"), the length it implies.
    duration_minutes: int | None = None


def normalise(text: str) -> str:
    """Full-width digits and punctuation as ASCII, "7pm" as 下午7点, "12.5 19:00" as 12月5日."""
    text = " ".join(text.translate(_FULL_WIDTH).split())

    def am_pm(match: re.Match[str]) -> str:
        minutes = f"{match.group(2)}分" if match.group(2) else ""
        part = "下午" if match.group(3).lower() == "pm" else "上午"
        return f"{part}{match.group(1)}点{minutes}"

    text = _AM_PM.sub(am_pm, text)
    text = _MONTH_NAME_DAY.sub(lambda m: f"{_MONTHS[m.group(1)[:3].lower()]}月{m.group(2)}日", text)
    return _MONTH_DOT_DAY.sub(r"\1月\2日", text)


class _Jionlp:
    """jionlp, imported once in a worker thread; parses are serialised (it keeps state)."""

    def __init__(self) -> None:
        self._module: Any = None
        self._failed = False
        self._lock = threading.Lock()

    def parse(self, text: str, base: datetime) -> dict[str, Any] | None:
        with self._lock:
            if self._module is None and not self._failed:
                self._import()
            if self._module is None:
                return None
            time_base = {
                "year": base.year,
                "month": base.month,
                "day": base.day,
                "hour": base.hour,
                "minute": base.minute,
                "second": base.second,
            }
            try:
                result: dict[str, Any] = self._module.parse_time(text, time_base=time_base)
            except Exception:  # jionlp raises ValueError and others for what it cannot read
                return None
            return result

    def _import(self) -> None:
        # jionlp prints a banner on import; the bot's standard output is not the place.
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                import jionlp

            self._module = jionlp
        except Exception:
            log.warning("jionlp is not available; only ISO times (2026-12-05 19:00) are read")
            self._failed = True


_PARSER = _Jionlp()


def _from_iso(text: str, zone: ZoneInfo) -> datetime | None:
    match = _ISO.match(text)
    if match is None:
        return None
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        return None


def _local(value: str, zone: ZoneInfo) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)


def _read(text: str, now: datetime, zone: ZoneInfo) -> MeetingTime:
    local_now = now.astimezone(zone)
    iso = _from_iso(text, zone)
    if iso is not None:
        return MeetingTime(iso)
    result = _PARSER.parse(text, local_now.replace(tzinfo=None))
    if result is None or result.get("type") not in ("time_point", "time_span"):
        raise TimeNotUnderstood("unparsed")
    first, last = result["time"][0], result["time"][1]
    if not isinstance(first, str) or not isinstance(last, str) or last == "inf":
        raise TimeNotUnderstood("unparsed")
    start, end = _local(first, zone), _local(last, zone)
    if result["type"] == "time_point":
        if end - start >= _MOMENT_SPAN:
            raise TimeNotUnderstood("no_time", start)
        return MeetingTime(start)
    minutes = int((end.replace(second=0) - start).total_seconds() // 60)
    if not 0 < minutes <= 12 * 60:
        raise TimeNotUnderstood("no_time", start)
    return MeetingTime(start, minutes)


def _next_year(text: str, found: datetime) -> datetime | None:
    """ "1月5日" typed in December means next January (jionlp reads it in this year)."""
    if _EXPLICIT_YEAR.search(text) or any(word in text for word in _RELATIVE):
        return None
    if not _MONTH_DAY.search(text):
        return None
    try:
        return found.replace(year=found.year + 1)
    except ValueError:  # 29 February
        return None


def parse_sync(text: str, *, now: datetime, zone: ZoneInfo) -> MeetingTime:
    """The meeting time a phrase names (raises TimeNotUnderstood); blocking, see `parse`."""
    phrase = normalise(text)
    if not phrase or len(phrase) > 60:
        raise TimeNotUnderstood("unparsed")
    found = _read(phrase, now, zone)
    start = found.starts_at
    if start <= now:
        later = _next_year(phrase, start)
        if later is None or later <= now:
            raise TimeNotUnderstood("past", start)
        start = later
    if start - now > MAX_AHEAD:
        raise TimeNotUnderstood("far", start)
    return MeetingTime(start.astimezone(ZoneInfo("UTC")), found.duration_minutes)


async def parse(text: str, *, now: datetime, zone: ZoneInfo) -> MeetingTime:
    """`parse_sync` in a worker thread: the first call imports jionlp (about a second)."""
    return await asyncio.to_thread(parse_sync, text, now=now, zone=zone)


def from_picker(day: int, hour: int, minute: int, *, now: datetime, zone: ZoneInfo) -> datetime:
    """A day (yyyymmdd) and an hour picked with buttons, as a future UTC moment."""
    try:
        local = datetime(day // 10000, day // 100 % 100, day % 100, hour, minute, tzinfo=zone)
    except ValueError:
        raise TimeNotUnderstood("unparsed") from None
    if local <= now:
        raise TimeNotUnderstood("past", local)
    if local - now > MAX_AHEAD:
        raise TimeNotUnderstood("far", local)
    return local.astimezone(ZoneInfo("UTC"))
