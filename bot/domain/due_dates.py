"""Due dates as staff type them: "12月20日", "2026年12月20日", "2026-12-20", "12/20"."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Year optional; month and day separated by 月 - / . ; the day may end in 日 or 号.
_DATE = re.compile(
    r"^(?:(?P<year>\d{4})\s*[年\-/.]\s*)?(?P<month>\d{1,2})\s*[月\-/.]\s*(?P<day>\d{1,2})\s*[日号]?$"
)


def parse_due_date(text: str, today: date) -> date | None:
    """The date meant, or None when the text is not a date.

    Without a year, the next such day from today on (typed in December, "1月15日" is next
    January). Full-width digits (１２月２０日) are read like ASCII ones.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _DATE.match(cleaned)
    if match is None:
        return None
    month, day = int(match["month"]), int(match["day"])
    if match["year"] is not None:
        return _date(int(match["year"]), month, day)
    this_year = _date(today.year, month, day)
    if this_year is not None and this_year >= today:
        return this_year
    return _date(today.year + 1, month, day)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
