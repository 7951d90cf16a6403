"""A resident raises an issue in chat, end to end through the fake Bot API."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.issue_status import IssueStatus
from fake_telegram import SimUser
from storage.models import Attachment, Issue
from tests.harness import BotHarness, describe, expect, here, press_category


async def start_in_village(user: SimUser, village: str = "南湖社区") -> None:
    await user.command("start")
    await expect(user, "有事好商量")
    await expect(user, "哪个村")
    await user.press_button(village)
    await expect(user, "已保存")
    await expect(user, "随时点")


async def raise_issue(
    user: SimUser, text: str = "南湖社区东门的路灯坏了一个月，晚上很黑，老人出门不安全。"
) -> str:
    """Walks the whole intake; returns the bot's final message text."""
    await user.tap_reply_button("📝 我要反映问题")
    await expect(user, "请描述")
    await describe(user, text, "城乡建设")
    await user.send_album(3)
    await expect(user, "已收到 3 张照片")  # once for the whole album
    await user.press_button("下一步 ›")
    await expect(user, "已收到 3 张照片")  # its button taken away
    await expect(user, "具体在哪里")
    await user.tap_reply_button("📍 发送我的位置")
    await expect(user, "位置已保存")
    await expect(user, "是否允许政协委员")
    await user.press_button("不，对委员匿名")
    summary = await expect(user, "提交前请核对")
    assert "照片 3 张" in (summary.text or "")
    await user.press_button("✅ 提交")
    done = await expect(user, "编号")  # the summary becomes the receipt
    return done.text or ""


async def test_whole_intake_in_chinese(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    final = await raise_issue(user)
    assert "YS-2026-000001" in final
    await harness.nothing_more(user)
    async with harness.session_factory() as session:
        issue = await session.scalar(select(Issue))
        assert issue is not None
        assert issue.status is IssueStatus.SUBMITTED
        assert issue.anonymous is True
        assert issue.latitude is not None
        assert issue.village_id == harness.village_id("南湖社区")
        photos = (await session.scalars(select(Attachment).where(Attachment.kind == "photo"))).all()
        assert len(photos) == 3  # the album became one issue with three photos
    # Only one acknowledgement for the whole album.
    texts = [m.text or "" for m in user.bot_messages()]
    assert sum("张照片" in t for t in texts) == 1


async def test_my_issues_lists_and_opens_detail(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await raise_issue(user)
    await user.command("my")
    listing = await expect(user, "您的诉求")
    assert any("YS-2026-000001" in label for label in listing.buttons)
    await user.press_button(listing.buttons[0])
    detail = await expect(user, "办理记录")
    text = detail.text or ""
    assert "南湖社区" in text
    assert "已提交，等待联络办处理" in text
    assert "照片 3 张" in text
    await harness.nothing_more(user)


async def test_deep_link_preselects_village(harness: BotHarness) -> None:
    user = harness.resident()
    await user.command("start", f"v{harness.village_id('柳树屯')}")
    await expect(user, "您已登记在东风镇柳树屯")
    await user.command("new")
    await expect(user, "请描述")
    await harness.nothing_more(user)


async def test_voice_description_and_no_photos(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send_voice(12)
    await expect(user, "语音已收到")
    await here(user)
    await expect(user, "是哪方面的问题")
    await press_category(user, "环境保护")
    await expect(user, "需要补充照片吗")
    await user.press_button("不加照片，下一步 ›")
    await expect(user, "需要补充照片吗")  # its button taken away
    await expect(user, "具体在哪里")
    await user.tap_reply_button("跳过，不发位置")
    await expect(user, "不附位置也没关系")
    await expect(user, "是否允许政协委员")
    await user.press_button("可以，显示我的姓名")
    summary = await expect(user, "提交前请核对")
    assert "附语音一段" in (summary.text or "")
    await user.press_button("✅ 提交")
    await expect(user, "YS-2026-000001")
    await harness.nothing_more(user)


async def test_photo_with_caption_is_description_and_photo(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send_photo(caption="村口桥面塌了一个坑")
    await here(user)
    await expect(user, "是哪方面的问题")
    await press_category(user, "交通运输")
    await expect(user, "已收到 1 张照片")  # the category question, rewritten
    await user.press_button("下一步 ›")
    await expect(user, "已收到 1 张照片")  # its button taken away
    await expect(user, "具体在哪里")
    await user.tap_reply_button("跳过，不发位置")
    await expect(user, "不附位置也没关系")
    await expect(user, "是否允许政协委员")
    await user.press_button("可以，显示我的姓名")
    summary = await expect(user, "提交前请核对")
    assert "村口桥面塌了一个坑" in (summary.text or "")
    await harness.nothing_more(user)


async def test_cancel_discards_the_draft(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.command("cancel")
    await expect(user, "已取消")
    await user.command("cancel")
    await expect(user, "没有需要取消")
    await harness.nothing_more(user)


async def test_a_photo_without_words_is_kept_and_words_are_asked_for(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send_photo()
    await expect(user, "照片已保存")  # not the whole question again, and not "cannot use"
    await user.send("村口桥面塌了一个坑")
    await here(user)
    await expect(user, "是哪方面的问题")
    await press_category(user, "交通运输")
    await expect(user, "已收到 1 张照片")  # the photo sent first counts
    await harness.nothing_more(user)


async def test_where_it_happened_and_where_the_raiser_lives_are_both_kept(
    harness: BotHarness,
) -> None:
    user = harness.resident()
    await start_in_village(user, "柳树屯")
    await user.command("new")
    await expect(user, "请描述")
    await user.send("东风村村口的路灯坏了")
    where = await expect(user, "在哪个村")
    assert where.buttons[0] == "✓ 柳树屯"  # the resident's own village comes first
    await user.press_button("东风村")
    await expect(user, "地点：东风村")
    await expect(user, "是哪方面的问题")
    await press_category(user, "城乡建设")
    await expect(user, "需要补充照片吗")
    await user.press_button("不加照片，下一步 ›")
    await expect(user, "需要补充照片吗")  # its button taken away
    await expect(user, "具体在哪里")
    await user.tap_reply_button("跳过，不发位置")
    await expect(user, "不附位置也没关系")
    await expect(user, "是否允许政协委员")
    await user.press_button("可以，显示我的姓名")
    summary = await expect(user, "提交前请核对")
    assert "地点：东风村" in (summary.text or "")
    await user.press_button("✅ 提交")
    await expect(user, "YS-2026-000001")
    async with harness.session_factory() as session:
        issue = await session.scalar(select(Issue))
    assert issue is not None
    assert issue.village_id == harness.village_id("东风村")
    assert issue.reporter_village_id == harness.village_id("柳树屯")
