"""Admins hand out roles in chat: by Telegram id, or by a single-use invite link."""

from __future__ import annotations

import re

from bot.domain.roles import RoleName
from bot.i18n import translator
from fake_telegram import SimUser
from storage.uow import UnitOfWork
from tests import factories
from tests.harness import BotHarness, expect

ZH = translator("zh_Hans")
INVALID_INVITE = ZH._("This invitation is not valid any more; ask for a new one.")


async def _admin(harness: BotHarness) -> SimUser:
    person_id = await factories.person(harness.session_factory, harness.clock.now(), 42, "管理员")
    async with UnitOfWork(harness.session_factory) as uow:
        assert harness.township is not None
        await uow.people.grant(
            person_id, harness.township.township_id, RoleName.ADMIN, harness.clock.now()
        )
        await uow.commit()
    admin = harness.api.user(42, first_name="管理员", language_code="zh-hans")
    await admin.command("start")
    await expect(admin, "有事好商量")
    await expect(admin, "哪个村")  # an admin is a resident too: asked for their village
    return admin


async def test_grant_and_revoke_by_telegram_id(harness: BotHarness) -> None:
    admin = await _admin(harness)
    clerk = harness.api.user(9001, first_name="小张", language_code="zh-hans")
    await clerk.command("inbox")
    await expect(clerk, ZH._("This is for the liaison office's staff only."))
    await admin.command("grant", "staff", "9001")
    await expect(admin, "9001")
    await clerk.command("inbox")
    await expect(clerk, ZH._("The inbox is empty: nothing waits for triage."))
    await admin.command("grant", "工作人员", "9001")
    await expect(
        admin, ZH._("{id} was {role} already.", id=9001, role=ZH._("liaison-office staff"))
    )
    await admin.command("revoke", "staff", "9001")
    await expect(
        admin, ZH._("{id} is no longer {role}.", id=9001, role=ZH._("liaison-office staff"))
    )
    await clerk.command("inbox")
    await expect(clerk, ZH._("This is for the liaison office's staff only."))
    await harness.nothing_more(admin, clerk)


async def test_invite_link_works_once(harness: BotHarness) -> None:
    admin = await _admin(harness)
    await admin.command("grant", "member")
    answer = await expect(admin, "start=inv-")
    payload = re.search(r"start=(inv-[A-Za-z0-9_-]+)", answer.text)
    assert payload is not None
    member = harness.api.user(5001, first_name="委员老刘", language_code="zh-hans")
    await member.command("start", payload.group(1))
    greeting = await expect(member, "有事好商量")
    assert (
        ZH._("You are now {role} of {township}.", role=ZH._("CPPCC member"), township="东风镇")
        in greeting.text
    )
    await expect(member, "哪个村")
    other = harness.api.user(5002, first_name="别人", language_code="zh-hans")
    await other.command("start", payload.group(1))
    greeting = await expect(other, "有事好商量")
    assert INVALID_INVITE in greeting.text
    await expect(other, "哪个村")
    forged = payload.group(1)[:-3] + ("AAA" if not payload.group(1).endswith("AAA") else "BBB")
    await other.command("start", forged)
    greeting = await expect(other, "有事好商量")
    assert INVALID_INVITE in greeting.text
    await expect(other, "哪个村")
    await harness.nothing_more(admin, member, other)


async def test_only_admins_grant(harness: BotHarness) -> None:
    resident = harness.resident()
    await resident.command("grant", "admin", "1001")
    await expect(resident, ZH._("Only an administrator can do this."))
    await harness.nothing_more(resident)


async def test_bad_arguments_get_the_usage(harness: BotHarness) -> None:
    admin = await _admin(harness)
    for args in (("boss", "1"), ("staff", "abc"), ()):
        await admin.command("grant", *args)
        await expect(admin, "/grant staff|member|admin")
    await harness.nothing_more(admin)
