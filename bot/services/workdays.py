"""Working days in mainland China: weekends off, public holidays off, 调休 weekends worked.

The `chinese-calendar` package knows the State Council's schedule for the years up to its
last release (it raises for later years: the schedule of a year is published only in the
November before). For a year it does not know, the rule falls back to Monday–Friday plus the
days the admin entered with /holiday (`CalendarDay` rows); staff are told when a deadline
was counted that way. An admin's row also wins over the package, so a late change to the
schedule can be corrected without a new release.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

from storage.uow import UnitOfWork

# Looking further than this for a working day means the calendar is broken (a year of rows
# all saying "holiday"): stop instead of looping.
_MAX_SEARCH_DAYS = 366

Overrides = Mapping[date, bool]


def package_knows(day: date) -> bool:
    """True when chinese-calendar has the official schedule for the day's year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: date, overrides: Overrides | None = None) -> bool:
    """Whether people work on `day`: the admin's row, else the package, else Mon–Fri."""
    if overrides and day in overrides:
        return overrides[day]
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(day: date, n: int, overrides: Overrides | None = None) -> date:
    """The n-th working day after `day` (`day` itself does not count); n ≥ 0.

    With n = 0: `day` if it is a working day, else the next one.
    """
    if n < 0:
        raise ValueError("n must be at least 0")
    current, counted, steps = day, 0, 0
    if n == 0:
        while not is_working_day(current, overrides):
            current, steps = current + timedelta(days=1), _step(steps)
        return current
    while counted < n:
        current, steps = current + timedelta(days=1), _step(steps)
        if is_working_day(current, overrides):
            counted += 1
    return current


def working_days_between(first: date, last: date, overrides: Overrides | None = None) -> int:
    """Working days after `first` up to and including `last` (0 when last ≤ first)."""
    count, current = 0, first
    while current < last:
        current += timedelta(days=1)
        count += is_working_day(current, overrides)
    return count


def _step(steps: int) -> int:
    if steps >= _MAX_SEARCH_DAYS * 3:
        raise RuntimeError("no working day within three years: check the calendar rows")
    return steps + 1


@dataclass(frozen=True)
class Calendar:
    """The admin's rows for a stretch of days, and which years fell back to the weekday rule."""

    overrides: dict[date, bool]

    def is_working_day(self, day: date) -> bool:
        return is_working_day(day, self.overrides)

    def add_working_days(self, day: date, n: int) -> date:
        return add_working_days(day, n, self.overrides)

    def working_days_between(self, first: date, last: date) -> int:
        return working_days_between(first, last, self.overrides)


async def load_calendar(uow: UnitOfWork, first: date, last: date) -> Calendar:
    """The admin's rows from `first` to `last` (a month of margin: deadlines run past)."""
    margin = timedelta(days=62)
    return Calendar(await uow.calendar.between(first - margin, last + margin))


def fallback_years(*days: date) -> list[int]:
    """The years among `days` (and between them) the package has no schedule for."""
    if not days:
        return []
    years = range(min(days).year, max(days).year + 1)
    return [year for year in years if not package_knows(date(year, 6, 1))]


async def set_day(
    uow: UnitOfWork,
    *,
    day: date,
    working: bool,
    note: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """The admin says how a day is to be counted (a public holiday, or a 调休 working day)."""
    await uow.calendar.put(day, working, note[:100])
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="calendar.set",
        object_type="calendar_day",
        object_id=day.isoformat(),
        details={"working": working, "note": note[:100]},
    )


async def unset_day(uow: UnitOfWork, *, day: date, actor_id: int | None, now: datetime) -> bool:
    """Forget the admin's row for a day (the package or the weekday rule applies again)."""
    removed = await uow.calendar.remove(day)
    if removed:
        await uow.audit.record(
            at=now,
            actor_id=actor_id,
            action="calendar.unset",
            object_type="calendar_day",
            object_id=day.isoformat(),
        )
    return removed


async def entered_days(uow: UnitOfWork, first: date, last: date) -> dict[date, bool]:
    """The admin's rows from `first` to `last`: {day: working}."""
    return await uow.calendar.between(first, last)
