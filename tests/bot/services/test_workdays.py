"""Working days: the official schedule where the package has it, weekends plus the admin's
days where it has not (2027 on), the admin's days winning everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services import workdays
from storage.db import SessionFactory
from storage.uow import UnitOfWork


def test_the_official_schedule_knows_holidays_and_worked_weekends() -> None:
    assert not workdays.is_working_day(date(2026, 10, 1))  # 国庆节
    assert not workdays.is_working_day(date(2026, 10, 5))  # a Monday off
    assert workdays.is_working_day(date(2026, 10, 10))  # a Saturday worked (调休)
    assert workdays.is_working_day(date(2026, 2, 14))  # Saturday before 春节, worked
    assert not workdays.is_working_day(date(2026, 2, 17))  # 春节, a Tuesday
    assert workdays.package_knows(date(2026, 12, 31))


def test_years_without_a_schedule_fall_back_to_weekdays_and_the_admins_days() -> None:
    assert not workdays.package_knows(date(2027, 1, 1))
    assert workdays.is_working_day(date(2027, 1, 1))  # a Friday: nobody said otherwise
    assert not workdays.is_working_day(date(2027, 1, 2))  # Saturday
    overrides = {date(2027, 1, 1): False, date(2027, 2, 7): True}
    assert not workdays.is_working_day(date(2027, 1, 1), overrides)
    assert workdays.is_working_day(date(2027, 2, 7), overrides)  # a Sunday worked
    assert workdays.fallback_years(date(2026, 12, 28), date(2027, 1, 8)) == [2027]
    assert workdays.fallback_years(date(2026, 3, 2)) == []


def test_an_admins_day_corrects_the_package_too() -> None:
    assert workdays.is_working_day(date(2026, 3, 3))
    assert not workdays.is_working_day(date(2026, 3, 3), {date(2026, 3, 3): False})


def test_adding_working_days_skips_holidays_and_counts_worked_weekends() -> None:
    # A meeting on Monday 28 September 2026: 29, 30 Sep; 1–7 Oct off; 8, 9, 10 (Sat, worked),
    # 12, 13 Oct.
    assert workdays.add_working_days(date(2026, 9, 28), 7) == date(2026, 10, 13)
    assert workdays.add_working_days(date(2026, 9, 28), 0) == date(2026, 9, 28)
    assert workdays.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 8)
    assert workdays.working_days_between(date(2026, 9, 28), date(2026, 10, 13)) == 7
    # Over new year into the unknown year, with the admin's 元旦.
    overrides = {date(2027, 1, 1): False}
    assert workdays.add_working_days(date(2026, 12, 30), 2, overrides) == date(2027, 1, 4)
    assert workdays.add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 1)


async def test_the_admins_days_are_stored_changed_and_forgotten(
    session_factory: SessionFactory,
) -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    async with UnitOfWork(session_factory) as uow:
        await workdays.set_day(
            uow, day=date(2027, 1, 1), working=True, note="元旦", actor_id=None, now=now
        )
        await workdays.set_day(
            uow, day=date(2027, 1, 1), working=False, note="元旦", actor_id=None, now=now
        )
        await workdays.set_day(
            uow, day=date(2027, 2, 7), working=True, note="调休", actor_id=None, now=now
        )
        await uow.commit()
    async with UnitOfWork(session_factory) as uow:
        calendar = await workdays.load_calendar(uow, date(2026, 12, 20), date(2027, 1, 10))
        assert calendar.overrides == {date(2027, 1, 1): False, date(2027, 2, 7): True}
        assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
        assert await workdays.unset_day(uow, day=date(2027, 1, 1), actor_id=None, now=now)
        assert not await workdays.unset_day(uow, day=date(2027, 1, 1), actor_id=None, now=now)
        await uow.commit()
