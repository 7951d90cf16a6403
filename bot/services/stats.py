"""The liaison office's figures (办复率, 满意率, 回头看 …) for a period, as plain values.

A period is a range of local days in the township's time zone (this month, last month,
this year, or any range of days); the figures are counted by the database
(storage/stats.py) and turned into rates here. docs/figures.md defines each one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError, NotFound
from storage.stats import Counts, Grouping
from storage.uow import UnitOfWork

# A custom range may span at most this many days (ten years): enough for any report.
MAX_RANGE_DAYS = 3660


class PeriodKind(StrEnum):
    THIS_MONTH = "tm"
    LAST_MONTH = "lm"
    THIS_YEAR = "ty"
    CUSTOM = "cu"


class InvertedRange(DomainError):
    """The range ends before it starts."""

    def __init__(self, first: date, last: date) -> None:
        super().__init__(f"the range ends ({last}) before it starts ({first})")
        self.first, self.last = first, last


class RangeTooLong(DomainError):
    def __init__(self, first: date, last: date) -> None:
        super().__init__(f"the range {first} – {last} is longer than {MAX_RANGE_DAYS} days")
        self.first, self.last = first, last


@dataclass(frozen=True)
class Period:
    """Local days `first` … `last` (both included)."""

    first: date
    last: date

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to that after the last."""
        start = datetime.combine(self.first, time(), tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=zone)
        return start, end

    def months(self) -> list[date]:
        """The first day of each month the period touches, in order."""
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = _next_month(month)
        return months


def _next_month(month: date) -> date:
    return (
        month.replace(year=month.year + 1, month=1)
        if month.month == 12
        else month.replace(month=month.month + 1)
    )


def custom_period(first: date, last: date) -> Period:
    """A range typed by a person or given on the command line: checked, never reordered."""
    if last < first:
        raise InvertedRange(first, last)
    if (last - first).days >= MAX_RANGE_DAYS:
        raise RangeTooLong(first, last)
    return Period(first, last)


# A day as people type it: 2026-11-01, 2026/11/1, 2026.11.1, 2026年11月1日, or 11月1日.
_DAY = re.compile(
    r"(?:(?P<year>\d{4})\s*[年\-/.]\s*)?(?P<month>\d{1,2})\s*[月\-/.]\s*(?P<day>\d{1,2})\s*[日号]?"
)


def parse_range(text: str, today: date) -> tuple[date, date] | None:
    """Two days typed in one message ("2026-11-01 2026-11-30", "11月1日至11月30日"), in the
    order typed; None unless there are exactly two valid days. A day without a year is in
    the current year (figures look back)."""
    cleaned = unicodedata.normalize("NFKC", text)
    days = []
    for match in _DAY.finditer(cleaned):
        year = int(match["year"]) if match["year"] else today.year
        try:
            days.append(date(year, int(match["month"]), int(match["day"])))
        except ValueError:
            return None
    if len(days) != 2:
        return None
    return days[0], days[1]


def period_of(kind: PeriodKind, today: date) -> Period:
    """A named period around `today` (a local date)."""
    month = today.replace(day=1)
    if kind is PeriodKind.THIS_MONTH:
        return Period(month, _next_month(month) - timedelta(days=1))
    if kind is PeriodKind.LAST_MONTH:
        previous = (month - timedelta(days=1)).replace(day=1)
        return Period(previous, month - timedelta(days=1))
    if kind is PeriodKind.THIS_YEAR:
        return Period(date(today.year, 1, 1), date(today.year, 12, 31))
    raise DomainError(f"{kind} is not a named period")


def month_period(month: date) -> Period:
    first = month.replace(day=1)
    return Period(first, _next_month(first) - timedelta(days=1))


@dataclass(frozen=True)
class Rate:
    """A share: `part` of `whole` (None when there is nothing to divide by)."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def percent(self) -> str:
        """Like 85.7% (one decimal), or "—" when there is no whole."""
        return "—" if not self.whole else f"{100 * self.part / self.whole:.1f}%"


@dataclass(frozen=True)
class Figures:
    """All figures of one group (the township, a village or a category)."""

    name: str | None
    # A category's key (its name has translations when it is a default one).
    key: str | None
    received: int
    response: Rate  # answered within the response days / received
    median_response_hours: float | None
    selection: Rate  # issues whose topic was selected / received
    resolution: Rate  # topics resolved / topics selected
    satisfaction: Rate  # (满意 + 基本满意) / ratings
    items_open: int
    items_overdue: int
    still_solved: Rate  # 还好 / look-back answers

    @property
    def empty(self) -> bool:
        return not (
            self.received
            or self.resolution.whole
            or self.satisfaction.whole
            or self.items_open
            or self.still_solved.whole
        )


def _figures(name: str | None, counts: Counts, key: str | None = None) -> Figures:
    median = counts.median_seconds
    return Figures(
        name=name,
        key=key,
        received=counts.received,
        response=Rate(counts.answered, counts.received),
        median_response_hours=None if median is None else median / 3600,
        selection=Rate(counts.selected_issues, counts.received),
        resolution=Rate(counts.topics_resolved, counts.topics_selected),
        satisfaction=Rate(counts.satisfied, counts.ratings),
        items_open=counts.items_open,
        items_overdue=counts.items_overdue,
        still_solved=Rate(counts.still_solved, counts.look_backs),
    )


@dataclass(frozen=True)
class Report:
    """The figures of a township for a period: overall, by village, by category."""

    township: str
    period: Period
    response_days: int
    overall: Figures
    by_village: list[Figures] = field(default_factory=list)
    by_category: list[Figures] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.overall.empty


@dataclass(frozen=True)
class Township:
    id: int
    name: str
    zone: ZoneInfo
    response_days: int


async def township_of(uow: UnitOfWork, township_id: int) -> Township:
    found = await uow.directory.township(township_id)
    if found is None:
        raise NotFound("township", township_id)
    return Township(found.id, found.name, ZoneInfo(found.timezone), found.response_days)


def local_today(township: Township, now: datetime) -> date:
    return now.astimezone(township.zone).date()


async def figures(
    uow: UnitOfWork, township_id: int, period: Period, now: datetime, *, groups: bool = True
) -> Report:
    """The township's figures for `period`; `groups`: also by village and by category."""
    township = await township_of(uow, township_id)
    start, end = period.bounds(township.zone)
    today = local_today(township, now)

    cells, medians = await uow.stats.issue_figures(township_id, start, end, township.response_days)

    # The township's counts come from the categories' when there are groups (below).
    groupings = (Grouping.VILLAGE, Grouping.CATEGORY) if groups else (Grouping.OVERALL,)
    follow = await uow.stats.follow_through(township_id, start, end, today, groupings)

    async def grouped(grouping: Grouping) -> dict[int | None, Counts]:
        return await uow.stats.counts(
            township_id,
            start,
            end,
            response_days=township.response_days,
            today=today,
            grouping=grouping,
            cells=cells,
            follow=follow[grouping],
        )

    if not groups:
        overall = (await grouped(Grouping.OVERALL)).get(None, Counts())
        overall.median_seconds = medians[Grouping.OVERALL].get(None)
        return Report(township.name, period, township.response_days, _figures(None, overall))
    # Every issue and topic has exactly one category (or none): the township's counts are
    # the sum of the categories'; only the median needs its own query.
    by_category = await grouped(Grouping.CATEGORY)
    overall = Counts()
    for counts in by_category.values():
        overall.add(counts)
    overall.median_seconds = medians[Grouping.OVERALL].get(None)
    report = Report(township.name, period, township.response_days, _figures(None, overall))
    for grouping, into, counted in (
        (Grouping.VILLAGE, report.by_village, await grouped(Grouping.VILLAGE)),
        (Grouping.CATEGORY, report.by_category, by_category),
    ):
        for key, median in medians[grouping].items():
            if key in counted:
                counted[key].median_seconds = median
        names = await uow.stats.names(township_id, grouping)
        # Every village or category with something to show, in the township's order.
        for key, (name, category) in names.items():
            if key in counted and not _figures(name, counted[key]).empty:
                into.append(_figures(name, counted[key], category))
    return report


@dataclass(frozen=True)
class Monthly:
    """Issues received and topics resolved in each month of a period (local months)."""

    months: list[date]
    issues: list[int]
    resolved: list[int]


async def monthly(uow: UnitOfWork, township_id: int, period: Period) -> Monthly:
    township = await township_of(uow, township_id)
    months = period.months()
    bounds = [datetime.combine(m, time(), tzinfo=township.zone) for m in months]
    if months:
        bounds.append(datetime.combine(_next_month(months[-1]), time(), tzinfo=township.zone))
    issues, resolved = await uow.stats.monthly(township_id, bounds)
    return Monthly(months, issues, resolved)
