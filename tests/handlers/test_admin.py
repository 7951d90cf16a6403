"""Admins hand out roles in chat: by Telegram id, or by a single-use invite link."""

from __future__ import annotations

import re

from bot.domain.roles import RoleName
from bot.i18n import translator
from storage.uow import UnitOfWork
from tests import factories
from tests.harness import BotHarness, replies_until

ZH = translator("zh_Hans")


async def _admin(harness: BotHarness) -> object:
    person_id = await factories.person(harness.session_factory, harness.clock.now(), 42, "管理员")
    async with UnitOfWork(harness.session_factory) as uow:
        assert harness.township is not None
        await uow.people.grant(
            person_id, harness.township.township_id, RoleName.ADMIN, harness.clock.now()
        )
        await uow.commit()
    admin = harness.api.user(42, first_name="管理员", language_code="zh-hans")
    await admin.command("start")
    await replies_until(admin, "有事好商量")
    return admin


async def test_grant_and_revoke_by_telegram_id(harness: BotHarness) -> None:
    admin = await _admin(harness)
    clerk = harness.api.user(9001, first_name="小张", language_code="zh-hans")
    await clerk.command("inbox")
    await replies_until(clerk, ZH._("This is for the liaison office's staff only."))
    await admin.command("grant", "staff", "9001")  # type: ignore[attr-defined]
    await replies_until(admin, "9001")  # type: ignore[arg-type]
    await clerk.command("inbox")
    await replies_until(clerk, ZH._("The inbox is empty: nothing waits for triage."))
    await admin.command("grant", "工作人员", "9001")  # type: ignore[attr-defined]
    await replies_until(
        admin, ZH._("{id} was {role} already.", id=9001, role=ZH._("liaison-office staff"))
    )  # type: ignore[arg-type]
    await admin.command("revoke", "staff", "9001")  # type: ignore[attr-defined]
    await replies_until(
        admin, ZH._("{id} is no longer {role}.", id=9001, role=ZH._("liaison-office staff"))
    )  # type: ignore[arg-type]
    await clerk.command("inbox")
    await replies_until(clerk, ZH._("This is for the liaison office's staff only."))


async def test_invite_link_works_once(harness: BotHarness) -> None:
    admin = await _admin(harness)
    await admin.command("grant", "member")  # type: ignore[attr-defined]
    answer = await replies_until(admin, "start=inv-")  # type: ignore[arg-type]
    payload = re.search(r"start=(inv-[A-Za-z0-9_-]+)", answer.text)
    assert payload is not None
    member = harness.api.user(5001, first_name="委员老刘", language_code="zh-hans")
    await member.command("start", payload.group(1))
    await replies_until(
        member,
        ZH._("You are now {role} of {township}.", role=ZH._("CPPCC member"), township="东风镇"),
    )
    other = harness.api.user(5002, first_name="别人", language_code="zh-hans")
    await other.command("start", payload.group(1))
    await replies_until(other, ZH._("This invitation is not valid any more; ask for a new one."))
    forged = payload.group(1)[:-3] + ("AAA" if not payload.group(1).endswith("AAA") else "BBB")
    await other.command("start", forged)
    await replies_until(other, ZH._("This invitation is not valid any more; ask for a new one."))


async def test_only_admins_grant(harness: BotHarness) -> None:
    resident = harness.resident()
    await resident.command("grant", "admin", "1001")
    await replies_until(resident, ZH._("Only an administrator can do this."))


async def test_bad_arguments_get_the_usage(harness: BotHarness) -> None:
    admin = await _admin(harness)
    for args in (("boss", "1"), ("staff", "abc"), ()):
        await admin.command("grant", *args)  # type: ignore[attr-defined]
        await replies_until(admin, "/grant staff|member|admin")  # type: ignore[arg-type]
