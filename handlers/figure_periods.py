"""Periods of figures in chat: their names, their words, and the days buttons carry."""

from __future__ import annotations

from datetime import date

from bot.i18n import N_, Translator
from bot.services import stats
from bot.services.stats import MAX_RANGE_DAYS, InvertedRange, Period, PeriodKind, RangeTooLong
from handlers.deliberation_errors import day_text

PERIOD_LABELS = {
    PeriodKind.THIS_MONTH: N_("This month"),
    PeriodKind.LAST_MONTH: N_("Last month"),
    PeriodKind.THIS_YEAR: N_("This year"),
}


def month_label(tr: Translator, year: int, month: int) -> str:
    """A month in words: 2026年11月."""
    return tr._("{year}-{month}", year=year, month=month)


def day_number(day: date) -> int:
    """A day as a button carries it: 20261130."""
    return day.year * 10000 + day.month * 100 + day.day


def period_of_numbers(first: int, last: int) -> Period | None:
    """The period a button names, or None when the numbers are not two days in order."""
    try:
        days = [date(n // 10000, n // 100 % 100, n % 100) for n in (first, last)]
        return stats.custom_period(days[0], days[1])
    except (ValueError, InvertedRange, RangeTooLong):
        return None


def period_text(tr: Translator, period: Period) -> str:
    if period.first == period.last:
        return day_text(tr, period.first)
    return tr._(
        "{first} to {last}", first=day_text(tr, period.first), last=day_text(tr, period.last)
    )


def range_problem(tr: Translator, first: date, last: date) -> str | None:
    """What is wrong with a range of days typed by a person, or None."""
    if last < first:
        return tr._(
            "The range ends ({last}) before it starts ({first}). Please give the first day first.",
            first=day_text(tr, first),
            last=day_text(tr, last),
        )
    if (last - first).days >= MAX_RANGE_DAYS:
        return tr._("Please choose a range of at most ten years.")
    return None
