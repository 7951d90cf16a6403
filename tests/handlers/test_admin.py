"""Admins hand out roles in chat: by Telegram id, or by a single-use invite link."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select

from bot.domain.roles import RoleName
from bot.i18n import translator
from fake_telegram import SimUser
from storage.models import Notification
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
    greeting = await expect(admin, "有事好商量")  # greeted as admin, not asked where they live
    assert "/grant" in greeting.text
    return admin


async def test_grant_and_revoke_by_telegram_id(harness: BotHarness) -> None:
    admin = await _admin(harness)
    clerk = harness.api.user(9001, first_name="小张", language_code="zh-hans")
    await clerk.command("inbox")
    await expect(clerk, ZH._("This is for the liaison office's staff only."))
    await admin.command("grant", "staff", "9001")
    await expect(admin, "9001")
    await expect(clerk, "您现在是东风镇的联络办工作人员")  # told, by the outbox
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
    await harness.next_push()
    await expect(clerk, "您已不再是东风镇的联络办工作人员")
    await clerk.command("inbox")
    await expect(clerk, ZH._("This is for the liaison office's staff only."))
    await harness.nothing_more(admin, clerk)


async def test_invite_link_works_once(harness: BotHarness) -> None:
    admin = await _admin(harness)
    await admin.command("grant", "member")
    await expect(admin, "要让谁成为政协委员")
    await admin.press_button("🔗 改用邀请链接")
    await expect(admin, "要让谁成为政协委员")  # its buttons are taken away
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
    assert "/topics" in greeting.text  # greeted as a member: what they can do, no village asked
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


async def _settled(harness: BotHarness) -> None:
    """Wait until the dispatcher has dealt with every queued push."""
    for _ in range(100):
        async with harness.session_factory() as session:
            waiting = await session.scalar(
                select(func.count(Notification.id)).where(Notification.status == "pending")
            )
        if not waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("pushes still pending")


def _forwarded(harness: BotHarness, author: SimUser, text: str = "我是小张") -> dict[str, object]:
    """A message of `author`, as it arrives when someone forwards it to the bot."""
    origin = {"type": "user", "date": harness.api.now(), "sender_user": author.user}
    return {"text": text, "forward_origin": origin}


async def test_grant_by_forwarding_a_message_and_the_menu_follows(harness: BotHarness) -> None:
    admin = await _admin(harness)
    clerk = harness.api.user(9001, first_name="小张", username="xiaozhang", language_code="zh-hans")
    await admin.command("grant", "staff")
    asked = await expect(admin, "要让谁成为联络办工作人员")
    assert "🔗 改用邀请链接" in asked.buttons
    await admin.post(_forwarded(harness, clerk))
    await expect(admin, "小张（@xiaozhang）现在是联络办工作人员了，已通知本人。")
    await _settled(harness)  # the push waits for no one: they have no chat with the bot yet
    await clerk.command("start")  # the clerk opens the bot
    greeting = await expect(clerk, "欢迎使用有事好商量，您是东风镇的联络办工作人员")
    assert "/inbox — 待处理的诉求" in greeting.text
    await harness.nothing_more(admin, clerk)
    menu = harness.api.commands({"type": "chat", "chat_id": clerk.id})
    assert menu is not None and {"command": "inbox", "description": "待处理的诉求"} in menu


async def test_a_hidden_forward_is_explained_and_a_username_works(harness: BotHarness) -> None:
    admin = await _admin(harness)
    clerk = harness.api.user(9001, first_name="小张", username="xiaozhang", language_code="zh-hans")
    await clerk.command("help")
    await expect(clerk, "使用说明")
    await admin.command("grant", "member")
    await expect(admin, "要让谁成为政协委员")
    hidden = {"type": "hidden_user", "date": harness.api.now(), "sender_user_name": "小张"}
    await admin.post({"text": "我是小张", "forward_origin": hidden})
    await expect(admin, "对方设置了转发消息时隐藏账号")
    await admin.send("@nobody")
    await expect(admin, "我还不认识 @nobody")
    await admin.send("@XiaoZhang")  # the flow is still open; usernames ignore case
    await expect(admin, "小张（@xiaozhang）现在是政协委员了，已通知本人。")
    told = await expect(clerk, "您现在是东风镇的政协委员")
    assert "/topics" in told.text
    # Their next message: the menu offers what members do.
    await clerk.command("help")
    help_text = await expect(clerk, "工作中常用的命令")
    assert "/topics — 协商议题" in help_text.text and "/inbox" not in help_text.text
    await harness.nothing_more(admin, clerk)
    menu = harness.api.commands({"type": "chat", "chat_id": clerk.id})
    assert menu is not None and {"command": "topics", "description": "协商议题"} in menu


async def test_grant_by_replying_and_revoke_by_picking(harness: BotHarness) -> None:
    admin = await _admin(harness)
    clerk = harness.api.user(9001, first_name="小张", language_code="zh-hans")
    await clerk.command("help")
    await expect(clerk, "使用说明")
    forwarded = await admin.post(_forwarded(harness, clerk))
    assert forwarded is not None
    await expect(admin, "要反映问题")  # a forward on its own is just a message
    replied_to = next(  # the forwarded message, as stored in the admin's chat
        m.message_id
        for m in admin.state.messages.values()
        if not m.from_bot and "forward_origin" in m.payload
    )
    await admin.send("/grant staff", reply_to=replied_to)
    await expect(admin, "小张现在是联络办工作人员了，已通知本人。")
    await expect(clerk, "您现在是东风镇的联络办工作人员")
    await clerk.command("inbox")
    await expect(clerk, "待办已清空")
    await harness.idle()
    menu = harness.api.commands({"type": "chat", "chat_id": clerk.id})
    assert menu is not None and "inbox" in {item["command"] for item in menu}
    await admin.command("revoke", "staff")
    asked = await expect(admin, "要撤销谁的联络办工作人员身份")
    assert asked.buttons == ["小张"]  # those who hold the role
    # A photo is not an answer: the question comes again, with its list (found by the
    # property-based run: the repeated question had lost the township).
    await admin.send_photo(caption="🌐 语言")
    await expect(admin, "请回答上面的问题")
    again = await expect(admin, "要撤销谁的联络办工作人员身份")
    assert again.buttons == ["小张"]
    await admin.press_button("小张")
    await expect(admin, "小张已不再是联络办工作人员，已通知本人。")
    await harness.next_push()
    await expect(clerk, "您已不再是东风镇的联络办工作人员")
    await clerk.command("inbox")
    await expect(clerk, "此功能仅限联络办工作人员使用。")
    await harness.nothing_more(admin, clerk)
    menu = harness.api.commands({"type": "chat", "chat_id": clerk.id})
    assert menu is not None and "inbox" not in {item["command"] for item in menu}


async def test_pick_from_the_township_s_people_page_by_page(harness: BotHarness) -> None:
    admin = await _admin(harness)
    residents = []
    for index in range(10):
        resident = harness.api.user(3000 + index, first_name=f"居民{index:02d}")
        await resident.command("start")
        await expect(resident, "有事好商量")
        await expect(resident, "哪个村")
        await resident.press_button("东风村")  # they live in the township
        residents.append(resident)
    await harness.idle()
    await admin.command("grant", "member")
    asked = await expect(admin, "要让谁成为政协委员")
    assert asked.buttons[:3] == ["居民00", "居民01", "居民02"]
    assert "下一页 ›" in asked.buttons and "‹ 上一页" not in asked.buttons
    await admin.press_button("下一页 ›")
    second = await expect(admin, "要让谁成为政协委员")
    assert "居民09" in second.buttons and "‹ 上一页" in second.buttons
    await admin.press_button("居民09")
    await expect(admin, "居民09现在是政协委员了，已通知本人。")
    await harness.nothing_more(admin)
