"""Bad input gets a clear, translated answer, and nothing is lost."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.i18n import translator
from fake_telegram import SimUser
from handlers.intake_draft import Anonymity, IntakeCategory
from handlers.my_issues import MyIssue
from storage.models import Issue
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.harness import BotHarness, describe, expect, here, press_category

OOPS = "系统出了点问题"
NOT_YOURS = translator("zh_Hans")._("This cannot be found, or it is not yours to change.")


def _said(user: SimUser, fragment: str) -> int:
    return sum(fragment in (m.text or "") for m in user.bot_messages())


async def forge(user: SimUser, data: str) -> None:
    """Press arbitrary callback data on the bot's latest message, as a modified client can."""
    await user.press(data, user.bot_messages()[-1], check=False)


async def _to_description(user: SimUser) -> None:
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")


async def test_too_long_description_is_refused_and_the_draft_kept(harness: BotHarness) -> None:
    user = harness.resident()
    await _to_description(user)
    await user.send("噪" * 2001)
    answer = await expect(user, "2001 个字")
    assert "2000" in answer.text
    await describe(user, "化工厂夜里排气，气味刺鼻。", "环境保护")
    await user.press_button("不加照片，下一步 ›")
    await expect(user, "需要补充照片吗")  # its button taken away
    await expect(user, "具体在哪里")
    await user.tap_reply_button("跳过，不发位置")
    await expect(user, "不附位置也没关系")
    await expect(user, "是否允许政协委员")
    await user.press_button("可以，显示我的姓名")
    summary = await expect(user, "提交前请核对")
    assert "化工厂夜里排气" in summary.text  # the shortened description replaced the long one
    await harness.nothing_more(user)


async def test_unsupported_media_inside_and_outside_the_conversation(harness: BotHarness) -> None:
    user = harness.resident()
    await _to_description(user)
    await user.send_sticker()
    await expect(user, "我可以接收文字、语音、照片和位置")
    await user.send_video_note()
    await expect(user, "我可以接收文字、语音、照片和位置")
    await user.send("还在描述这一步")  # the conversation is still at the description
    await here(user)
    await expect(user, "是哪方面的问题")
    await user.command("cancel")
    await expect(user, "已取消")
    await user.send_document(file_name="申请.pdf")
    await expect(user, "我可以接收文字、语音、照片和位置")
    await harness.nothing_more(user)


async def test_stale_button_after_the_conversation_ended(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send("桥上的护栏松动了")
    await here(user)
    categories = await expect(user, "是哪方面的问题")
    await user.command("cancel")
    await expect(user, "已取消")
    await forge(user, categories.inline_keyboard[0][0][1] or "")
    answer = await expect(user, "按钮已经失效")
    assert "📝 我要反映问题" in answer.buttons
    await harness.nothing_more(user)
    assert harness.api.calls_of("answerCallbackQuery")


async def test_stale_button_inside_the_conversation_repeats_the_step(harness: BotHarness) -> None:
    user = harness.resident()
    await _to_description(user)
    # A button of a later step, pressed too early.
    await forge(user, Anonymity(flow="abcdef", anonymous=True).data())
    await expect(user, "请描述")
    await describe(user, "桥上的护栏松动了", "交通运输")
    await harness.nothing_more(user)


@pytest.mark.parametrize(
    "data",
    [
        "zzz",
        "",
        "my.is:abc",
        "my.is:1 OR 1=1",
        "lang:../../etc",
        "in.cat:",
        "x" * 64,
        "home.vl:-1",
        "my.is:99999999999999",
        "sf.is:1:2",
    ],
)
async def test_forged_callback_data_is_rejected_without_traceback(
    harness: BotHarness, data: str
) -> None:
    user = harness.resident()
    await start_in_village(user)
    await forge(user, data)
    await expect(user, "按钮已经失效")
    await harness.nothing_more(user)
    assert _said(user, OOPS) == 0


async def test_forged_ids_reveal_nothing(harness: BotHarness) -> None:
    author = harness.resident(1001)
    await start_in_village(author)
    await raise_issue(author)
    stranger = harness.resident(2002, first_name="李大爷")
    await start_in_village(stranger)
    async with harness.session_factory() as session:
        issue_id = await session.scalar(select(Issue.id))
    assert issue_id is not None
    await forge(stranger, MyIssue(issue_id).data())
    await forge(stranger, MyIssue(999999).data())
    await harness.nothing_more(stranger)  # refused with a notice on the button, no message
    answers = [c.params.get("text") for c in harness.api.calls_of("answerCallbackQuery")]
    assert answers.count(NOT_YOURS) == 2
    assert _said(stranger, "YS-2026") == 0


async def test_forged_category_of_another_township(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send("桥上的护栏松动了")
    await here(user)
    categories = await expect(user, "是哪方面的问题")
    frame = (categories.inline_keyboard[0][0][1] or "").split(":")[1]
    await forge(user, IntakeCategory(flow=frame, category=999999).data())
    await harness.nothing_more(user)  # refused with a notice on the button, no message
    refusal = harness.api.calls_of("answerCallbackQuery")[-1].params
    assert refusal.get("text") == NOT_YOURS
    await press_category(user, "其他")  # the real buttons still work
    await expect(user, "需要补充照片吗")
    await harness.nothing_more(user)


async def test_daily_limit_says_when_to_come_back(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    for _ in range(harness.settings.max_issues_per_day):
        await raise_issue(user)
    await user.command("new")
    answer = await expect(user, "每日上限")
    assert "2026" in answer.text  # the moment they may raise the next one
    harness.clock.advance(hours=25)
    await user.command("new")
    await expect(user, "请描述")
    await harness.nothing_more(user)


async def test_flood_is_answered_once_and_dropped(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    limit = harness.settings.flood_max_updates
    for index in range(limit + 10):
        await user.send(f"喂{index}")
    await harness.idle(timeout=20)
    # How many answers come before the warning depends on how fast the bot keeps up, so the
    # answers are read all at once: each is the hint or the one warning, nothing else.
    answers = [m.text or "" for m in await user.messages_until_idle(quiet=0)]
    assert sum("发消息太快" in text for text in answers) == 1
    hints = [text for text in answers if "发消息太快" not in text]
    assert all("要反映问题，请点下方" in text for text in hints), answers
    # The flood was dropped: one answer per admitted message, not one per message sent.
    assert 1 <= len(hints) <= limit


async def test_the_same_text_again_and_again_is_warned_about_first(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    for _ in range(30):
        await user.send("路灯坏了")
    await harness.idle(timeout=20)
    answers = [m.text or "" for m in await user.messages_until_idle(quiet=0)]
    # At most the first two copies are answered before the warning; the warning comes once.
    assert sum("发消息太快" in text for text in answers) == 1
    assert len(answers) <= 3
    assert "发消息太快" in answers[-1] or "发消息太快" in answers[-2]


async def test_groups_get_pointed_to_a_private_chat(harness: BotHarness) -> None:
    user = harness.resident()
    group = harness.api.group(-100123, title="南湖社区居民群")
    await group.command(user, "new", mention=True)
    await expect(group, "只在私聊中办理")
    await harness.nothing_more(group)
    await group.send(user, "大家好")  # ordinary chatter is left alone
    await harness.nothing_more(group, user)


async def test_user_text_is_escaped(harness: BotHarness) -> None:
    user = harness.resident(first_name="<b>老王</b>")
    await user.command("start")
    greeting = await expect(user, "有事好商量")
    assert "<b>老王</b>" in greeting.text  # shown literally, not as markup
    await expect(user, "哪个村")
    await user.press_button("南湖社区")
    await expect(user, "已保存：南湖社区")
    await expect(user, "随时点")
    await user.command("new")
    await expect(user, "请描述")
    await describe(user, "<script>alert(1)</script> & 1 < 2", "其他")
    await user.press_button("不加照片，下一步 ›")
    await expect(user, "需要补充照片吗")  # its button taken away
    await expect(user, "具体在哪里")
    await user.tap_reply_button("跳过，不发位置")
    await expect(user, "不附位置也没关系")
    await expect(user, "是否允许政协委员")
    await user.press_button("可以，显示我的姓名")
    summary = await expect(user, "提交前请核对")
    assert "<script>alert(1)</script> & 1 < 2" in summary.text
    await harness.nothing_more(user)
    assert _said(user, OOPS) == 0


async def test_failed_reply_after_commit_loses_nothing_and_duplicates_nothing(
    harness: BotHarness,
) -> None:
    user = harness.resident()
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await describe(user, "广场的健身器材坏了", "城乡建设")
    await user.press_button("不加照片，下一步 ›")
    await expect(user, "需要补充照片吗")  # its button taken away
    await expect(user, "具体在哪里")
    await user.tap_reply_button("跳过，不发位置")
    await expect(user, "不附位置也没关系")
    await expect(user, "是否允许政协委员")
    await user.press_button("可以，显示我的姓名")
    confirm = await expect(user, "提交前请核对")
    harness.api.fail_next("editMessageText", status=500, chat_id=user.id)
    await user.press_button("✅ 提交")
    # Committed; the receipt could not replace the summary, so it comes as a new message.
    await expect(user, "YS-2026-000001")
    await user.press(confirm.inline_keyboard[0][0][1] or "", confirm, check=False)  # again
    await expect(user, "按钮已经失效")
    async with harness.session_factory() as session:
        assert await session.scalar(select(func.count(Issue.id))) == 1
    await user.command("my")
    listing = await expect(user, "您的诉求")
    assert any("YS-2026-000001" in label for label in listing.buttons)
    await harness.nothing_more(user)


async def test_restart_between_two_steps_resumes_the_draft(harness: BotHarness) -> None:
    user = harness.resident()
    await _to_description(user)
    await user.send("垃圾站三天没清运了")
    await here(user)
    await expect(user, "是哪方面的问题")
    await harness.restart()
    await press_category(user, "环境保护")
    await expect(user, "需要补充照片吗")
    await harness.restart()
    await user.send_photo()
    await expect(user, "已收到 1 张照片")
    await user.press_button("下一步 ›")
    await expect(user, "已收到 1 张照片")  # its button taken away
    await expect(user, "具体在哪里")
    await harness.restart()
    await user.tap_reply_button("跳过，不发位置")
    await expect(user, "不附位置也没关系")
    await expect(user, "是否允许政协委员")
    await user.press_button("不，对委员匿名")
    summary = await expect(user, "提交前请核对")
    assert "垃圾站三天没清运了" in summary.text
    assert "环境保护" in summary.text
    await harness.nothing_more(user)
