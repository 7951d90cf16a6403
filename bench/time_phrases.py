"""Meeting-time parsers on the phrase table of tests/bot/services/meeting_phrases.py.

    python bench/time_phrases.py

Prints, per parser, how many phrases it reads as the table says (a time, or a refusal) and
the time per phrase: the bot's parser (jionlp's parse_time with the rules around it), bare
jionlp, and dateparser with languages=["zh"] when it is installed (it is not a dependency).
Anchor: the bot's parser must read every phrase of the table.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.services.meeting_time import TimeNotUnderstood, parse_sync
from tests.bot.services.meeting_phrases import NOW, PHRASES, ZONE

TZ = ZoneInfo(ZONE)
LOCAL_NOW = NOW.astimezone(TZ).replace(tzinfo=None)
Reader = Callable[[str], str | None]  # a phrase → "YYYY-MM-DD HH:MM", or None when refused


def bot_parser(phrase: str) -> str | None:
    try:
        return (
            parse_sync(phrase, now=NOW, zone=TZ).starts_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
        )
    except TimeNotUnderstood:
        return None


def bare_jionlp() -> Reader:
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    base = {k: getattr(LOCAL_NOW, k) for k in ("year", "month", "day", "hour", "minute")}

    def read(phrase: str) -> str | None:
        try:
            found = jionlp.parse_time(phrase, time_base=base)
        except Exception:
            return None
        return str(found["time"][0])[:16] if found.get("type") == "time_point" else None

    return read


def dateparser_zh() -> Reader | None:
    try:
        import dateparser
    except ImportError:
        return None
    settings = {"RELATIVE_BASE": LOCAL_NOW, "PREFER_DATES_FROM": "future"}

    def read(phrase: str) -> str | None:
        found: datetime | None = dateparser.parse(phrase, languages=["zh"], settings=settings)
        return found.strftime("%Y-%m-%d %H:%M") if found else None

    return read


def score(name: str, read: Reader) -> None:
    right, wrong = 0, []
    started = time.perf_counter()
    for phrase, expected in PHRASES:
        got = read(phrase)
        refusal = not expected[0].isdigit()
        # A parser that reads a past or too-distant phrase as a time has it wrong.
        if (refusal and (got is None or got <= LOCAL_NOW.strftime("%Y-%m-%d %H:%M"))) or (
            got == expected
        ):
            right += 1
        else:
            wrong.append(f"{phrase} → {got}")
    per_phrase = (time.perf_counter() - started) / len(PHRASES) * 1000
    print(f"{name:<22} {right:>2}/{len(PHRASES)} right   {per_phrase:6.1f} ms per phrase")
    for line in wrong[:12]:
        print(f"    wrong: {line}")


def main() -> None:
    print(f"{len(PHRASES)} phrases, relative to {LOCAL_NOW:%Y-%m-%d %H:%M} ({ZONE})")
    bot_parser("明天上午9点")  # the import, outside the timing
    score("bot parser (jionlp+)", bot_parser)
    score("jionlp parse_time", bare_jionlp())
    other = dateparser_zh()
    if other is None:
        print("dateparser             not installed (pip install dateparser to compare)")
    else:
        score("dateparser (zh)", other)


if __name__ == "__main__":
    main()
