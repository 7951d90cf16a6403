"""/holiday: admins enter the days the built-in calendar does not know; others may not."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.domain.roles import RoleName
from bot.i18n import translator
from storage.models import CalendarDay
from tests.harness import BotHarness, expect

ZH = translator("zh_Hans")


async def test_admins_enter_and_forget_days_and_staff_may_not(harness: BotHarness) -> None:
    admin = await harness.with_role(8001, RoleName.ADMIN, "管理员")
    await admin.command("holiday")
    listing = await expect(admin, ZH._("No days entered."))
    assert "2027" in listing.text  # no official schedule for it: said so
    await admin.command("holiday", "2027-01-01", "休", "元旦")
    await expect(admin, ZH._("{day} is now a day off.", day="2027年1月1日"))
    await admin.command("holiday", "2027-02-07", "班", "调休")
    await expect(admin, ZH._("{day} is now a working day.", day="2027年2月7日"))
    await admin.command("holiday", "2027-02-07", "删除")
    await expect(admin, ZH._("{day}: back to the usual rule.", day="2027年2月7日"))
    await admin.command("holiday", "明天", "休")
    await expect(admin, "/holiday 2027-01-01")  # the usage
    await admin.command("holiday")
    listing = await expect(admin, ZH._("Days entered:"))
    assert "2027年1月1日" in listing.text and "2027年2月7日" not in listing.text
    staff = await harness.with_role(9001, RoleName.STAFF)
    await staff.command("holiday", "2027-01-04", "休")
    await expect(staff, ZH._("Only an administrator can do this."))
    async with harness.session_factory() as session:
        days = {
            (row.day, row.working, row.note) for row in await session.scalars(select(CalendarDay))
        }
    assert days == {(date(2027, 1, 1), False, "元旦")}
    await harness.nothing_more(admin, staff)
