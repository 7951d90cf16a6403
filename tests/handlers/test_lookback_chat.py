"""回头看 through the fake Bot API, with the bot restarted between resolution and the round:
the one reminder to rate after 3 days, the question after the township's 30 days, the
owner nudged, "又出现了" reaching staff who can reopen, the topic reviewed once everyone
answered, and a late press answered as such."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.domain.topic_status import TopicStatus
from bot.i18n import translator
from bot.scheduler import Scheduler
from storage.models import LookBack, Topic
from tests.handlers.followup_steps import resolve_in_chat, scene
from tests.harness import BotHarness, expect
from tests.meeting_fixtures import next_push

ZH = translator("zh_Hans")
EN = translator("en")


def _scheduler(harness: BotHarness) -> Scheduler:
    assert harness.app is not None
    scheduler = harness.app.bot_data["scheduler"]
    assert isinstance(scheduler, Scheduler)
    return scheduler


async def test_looking_back_after_a_restart(harness: BotHarness) -> None:
    followed, chats = await scene(harness)
    staff, wang, li, zhao = chats["小张"], chats["王阿姨"], chats["李大爷"], chats["赵姐"]
    resolved_at = harness.clock.now()
    await resolve_in_chat(harness, staff, "东门路灯已全部换新")
    for name in ("王阿姨", "李大爷"):
        await next_push(harness, chats[name], "已办结")
    await next_push(harness, zhao, "has been resolved")
    await next_push(harness, chats["老陈"], "已办结")

    await harness.restart()
    # Nobody rated: each is reminded once, 3 days on.
    harness.clock.current = resolved_at + timedelta(days=3)
    await _scheduler(harness).run_once()
    for name in ("王阿姨", "李大爷"):
        reminder = await next_push(harness, chats[name], "温馨提醒")
        assert len(reminder.buttons) == 3
    await next_push(harness, zhao, "A reminder")

    # 30 days after the resolution: residents asked, the owner nudged.
    harness.clock.current = resolved_at + timedelta(days=30)
    await _scheduler(harness).run_once()
    questions = {}
    for name in ("王阿姨", "李大爷"):
        questions[name] = await next_push(
            harness, chats[name], "回头看：议题 YT-2026-0001“东门路灯”"
        )
        assert "该议题已于 2026年3月2日 办结。现在问题还解决着吗？" in questions[name].text
        assert questions[name].buttons == ["👍 还好", "⚠️ 又出现了"]
    questions["赵姐"] = await next_push(harness, zhao, "Looking back: topic YT-2026-0001")
    await next_push(harness, chats["老刘"], "请到现场看一看问题是否仍已解决")

    await wang.press(questions["王阿姨"].button_data("👍 还好"), questions["王阿姨"])
    await expect(wang, "很高兴听到议题 YT-2026-0001 的问题仍已解决。")
    await li.press(questions["李大爷"].button_data("⚠️ 又出现了"), questions["李大爷"])
    await expect(li, "感谢您告诉我们议题 YT-2026-0001 的问题又出现了")
    alert = await next_push(harness, staff, "李大爷反映议题 YT-2026-0001“东门路灯”的问题又出现了")
    assert alert.buttons == ["↩️ 重新办理", "查看议题"]
    await zhao.press(questions["赵姐"].button_data(EN._("👍 Still fine")), questions["赵姐"])
    # Hers is the last answer: the round's result may come before or after the bot's reply.
    said = [(await zhao.next_message(timeout=5)).text or "" for _ in range(2)]
    assert any("Good to hear that topic YT-2026-0001 is still solved." in t for t in said)
    assert any("Still solved: 2. Back again: 1." in t for t in said)

    # Everyone answered: the round closes, and everyone concerned hears how it went.
    for name in ("王阿姨", "李大爷", "老陈"):
        done = await next_push(harness, chats[name], "议题 YT-2026-0001“东门路灯”的回头看已结束")
        assert "认为仍已解决：2人；认为又出现了：1人。" in done.text
    async with harness.session_factory() as session:
        topic = await session.get(Topic, followed.topic_id)
        assert topic is not None and topic.status is TopicStatus.REVIEWED
        kept = await session.scalars(
            select(LookBack).where(LookBack.topic_id == topic.id, LookBack.round == 1)
        )
        assert sorted(row.answer for row in kept) == ["back_again", "still_solved", "still_solved"]

    # A late press changes nothing; staff can still reopen the reviewed topic.
    query = await wang.press(questions["王阿姨"].button_data("⚠️ 又出现了"), questions["王阿姨"])
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == (
        "关于议题 YT-2026-0001 的这项征询现在不在进行中。"
    )
    await staff.press(alert.button_data("↩️ 重新办理"), alert)
    await expect(staff, "正在重新办理议题 YT-2026-0001“东门路灯”")
    await staff.command("cancel")
    await expect(staff, ZH._("Stopped {title}. Nothing was sent.", title=ZH._("reopening a topic")))
    await harness.nothing_more(wang, li, zhao, staff)
