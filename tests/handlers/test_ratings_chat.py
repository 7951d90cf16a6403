"""Resolving, rating, answering and reopening through the fake Bot API: staff resolve from the
push that says every action item is done, each raiser and supporter is asked once in their
language, a rating is replaced and says so, 不满意 reaches staff with the comment, staff
answer the resident and reopen the topic with a new action item, and a press on the old
request is stale. Bad presses change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.roles import RoleName
from bot.i18n import translator
from fake_telegram import BotMessage
from handlers.followup_buttons import LookBackAnswer, Rate, ReopenTopic, ResolveTopic
from handlers.topics import TopicCard
from storage.models import Notification, Rating, Topic
from tests import factories
from tests.handlers.followup_steps import BY_WHEN, RESOLVE, WHO, resolve_in_chat, scene
from tests.harness import BotHarness, expect
from tests.meeting_fixtures import next_push

ZH = translator("zh_Hans")
EN = translator("en")


async def test_resolve_rate_answer_and_reopen_in_chat(harness: BotHarness) -> None:
    followed, chats = await scene(harness)
    staff, wang, li, zhao = chats["小张"], chats["王阿姨"], chats["李大爷"], chats["赵姐"]
    await resolve_in_chat(harness, staff, "东门路灯已全部换新")
    # Each raiser and supporter once, in their language; 李大爷 raised two of its issues.
    requests: dict[str, BotMessage] = {}
    for name in ("王阿姨", "李大爷"):
        requests[name] = await next_push(harness, chats[name], "议题 YT-2026-0001“东门路灯”已办结")
        assert "东门路灯已全部换新" in requests[name].text
        assert requests[name].buttons == ["😊 满意", "🙂 基本满意", "😞 不满意"]
    requests["赵姐"] = await next_push(harness, zhao, "has been resolved")
    assert requests["赵姐"].buttons[2] == EN._("😞 Not satisfied")
    # 老陈 follows it as a member: told, not asked.
    told = await next_push(harness, chats["老陈"], "已办结")
    assert told.buttons == []
    await harness.nothing_more(li, chats["老陈"])

    # 王阿姨: 满意 with a comment; the same press again; then 基本满意 without one.
    await wang.press(requests["王阿姨"].button_data("😊 满意"), requests["王阿姨"])
    await expect(wang, "已记录：您对议题 YT-2026-0001 的办理结果评价为“满意”。")
    await expect(wang, "还想补充几句吗")
    await wang.send("好" * 1001)  # too long: said so, and asked again
    await expect(wang, ZH._("Please keep it under {limit} characters.", limit=1000))
    await wang.send("修得很快，谢谢")
    await expect(wang, ZH._("Thank you, your comment was recorded."))
    query = await wang.press(requests["王阿姨"].button_data("😊 满意"), requests["王阿姨"])
    await harness.idle()
    assert (harness.api.callback_answer(query) or {}).get("text") == "您已经选过“满意”了。"
    await wang.press(requests["王阿姨"].button_data("🙂 基本满意"), requests["王阿姨"])
    await expect(wang, "您对议题 YT-2026-0001 的评价已改为“基本满意”，替换原来的“满意”。")
    await expect(wang, "还想补充几句吗")
    await wang.press_button("跳过")
    await expect(wang, ZH._("Thank you for your feedback."))
    await harness.nothing_more(wang)

    # 赵姐, in English: not satisfied, with a comment that reaches staff.
    await zhao.press(requests["赵姐"].button_data(EN._("😞 Not satisfied")), requests["赵姐"])
    await expect(zhao, "Recorded: you are not satisfied with how topic YT-2026-0001")
    await expect(zhao, "What was not right?")
    await zhao.send("The lamp by the west gate is still dark")
    await expect(zhao, "Your comment was passed on to the office")
    alert = await next_push(harness, staff, "赵姐对议题 YT-2026-0001“东门路灯”的办理结果不满意")
    assert "The lamp by the west gate is still dark" in alert.text

    # Staff answer her; she can rate again from the answer.
    await staff.press(alert.button_data("💬 答复赵姐"), alert)
    await expect(staff, "请输入就议题 YT-2026-0001 给赵姐的答复")
    await staff.send("西门那盏属于供电所，我们已转交")
    await expect(staff, "已发给赵姐")
    answer = await next_push(harness, zhao, "The office answered about your rating")
    assert "西门那盏属于供电所，我们已转交" in answer.text and len(answer.buttons) == 3

    # ... and reopen the topic with a new action item for 老刘.
    await staff.press(alert.button_data("↩️ 重新办理"), alert)
    await expect(staff, "正在重新办理议题 YT-2026-0001“东门路灯”")
    await staff.send("协调供电所修复西门路灯")
    owner = await expect(staff, WHO)
    await staff.press(owner.button_data("老刘"), owner)
    await expect(staff, "责任人：老刘")
    await expect(staff, BY_WHEN)
    await staff.send("2026-03-01")  # yesterday: refused, asked again
    await expect(staff, "已经过去了")
    await staff.send("4月30日")
    await expect(staff, "议题 YT-2026-0001 已重新办理，新落实事项期限为2026年4月30日。已告知 4 人")
    for name in ("王阿姨", "李大爷", "老陈"):
        reopened = await next_push(harness, chats[name], "已重新办理")
        assert (
            "接下来：协调供电所修复西门路灯（责任人：老刘；期限：2026年4月30日）" in reopened.text
        )
    await next_push(harness, zhao, "has been reopened")
    await next_push(harness, chats["老刘"], "协调供电所修复西门路灯")

    # The old request is stale now: nothing is recorded.
    query = await li.press(requests["李大爷"].button_data("😊 满意"), requests["李大爷"])
    await harness.idle()
    assert "已重新办理" in ((harness.api.callback_answer(query) or {}).get("text") or "")
    # So is the alert's reopen button.
    query = await staff.press(alert.button_data("↩️ 重新办理"), alert)
    await harness.idle()
    assert "已经重新办理" in ((harness.api.callback_answer(query) or {}).get("text") or "")
    async with harness.session_factory() as session:
        topic = await session.get(Topic, followed.topic_id)
        assert topic is not None and (topic.status, topic.reopened) == ("implementing", 1)
        rated = await session.scalar(select(func.count(Rating.id)).where(Rating.round == 1))
        assert rated == 2  # 王阿姨 and 赵姐; 李大爷's late press changed nothing
    await harness.nothing_more(wang, li, zhao, staff)


async def _alert_text(harness: BotHarness, query: str) -> str:
    await harness.idle()
    return str((harness.api.callback_answer(query) or {}).get("text") or "")


async def test_bad_presses_change_nothing(harness: BotHarness) -> None:
    followed, chats = await scene(harness)
    staff, wang, sun = chats["小张"], chats["王阿姨"], chats["孙叔"]
    topic = followed.topic_id
    for user in (wang, sun):
        await user.command("help")
        await harness.idle()
        await user.messages_until_idle()
    # Before it is resolved, a forged rating and a forged look-back answer.
    query = await wang.press(
        Rate(topic, 1, "satisfied").data(), wang.bot_messages()[-1], check=False
    )
    assert await _alert_text(harness, query) == "关于议题 YT-2026-0001 的这项征询现在不在进行中。"
    query = await wang.press(
        LookBackAnswer(topic, 1, "back").data(), wang.bot_messages()[-1], check=False
    )
    assert await _alert_text(harness, query) == "关于议题 YT-2026-0001 的这项征询现在不在进行中。"
    # A resident cannot resolve or reopen; staff of another township find nothing.
    query = await wang.press(ResolveTopic(topic).data(), wang.bot_messages()[-1], check=False)
    assert await _alert_text(harness, query) == ZH._("This is for the liaison office's staff only.")
    other = await factories.township(harness.session_factory, harness.clock.now(), name="西山乡")
    foreign = await harness.with_role(6002, RoleName.STAFF, "外乡联络员", other.township_id)
    await foreign.command("help")
    await harness.idle()
    await foreign.messages_until_idle()
    for press in (ResolveTopic(topic), ReopenTopic(topic, 1)):
        query = await foreign.press(press.data(), foreign.bot_messages()[-1], check=False)
        assert await _alert_text(harness, query) == ZH._(
            "This cannot be found, or it is not yours to change."
        )
    # Resolved once; the push's button pressed again says so.
    await resolve_in_chat(harness, staff, "已修好")
    await next_push(harness, wang, "已办结")
    push = staff.bot_messages()[0]
    query = await staff.press(push.button_data(RESOLVE), push)
    assert await _alert_text(harness, query) == "议题 YT-2026-0001 已经办结了。"
    # 孙叔 raised nothing of it; a topic that does not exist.
    query = await sun.press(
        Rate(topic, 1, "unsatisfied").data(), sun.bot_messages()[-1], check=False
    )
    assert await _alert_text(harness, query) == (
        "只有提出或附议过议题 YT-2026-0001 中诉求的居民才会被征询意见。"
    )
    query = await sun.press(Rate(99999, 1, "basic").data(), sun.bot_messages()[-1], check=False)
    assert await _alert_text(harness, query) == ZH._(
        "This cannot be found, or it is not yours to change."
    )
    # Data that is no button at all.
    query = await sun.press("rt:1:1:great", sun.bot_messages()[-1], check=False)
    await harness.idle()
    async with harness.session_factory() as session:
        assert await session.scalar(select(func.count(Rating.id))) == 0
        kinds = set(await session.scalars(select(Notification.kind)))
    assert "rating_unsatisfied" not in kinds and "topic_reopened" not in kinds
    await harness.nothing_more(wang, foreign)


async def test_staff_resolve_from_the_topic_card_without_a_note(harness: BotHarness) -> None:
    followed, chats = await scene(harness)
    staff, wang = chats["小张"], chats["王阿姨"]
    await next_push(harness, staff, "东门路灯")  # the suggestion, left aside
    await staff.command("topics")
    listing = await expect(staff, "东门路灯")
    await staff.press(TopicCard(followed.topic_id).data(), listing)
    card = await expect(staff, "YT-2026-0001 东门路灯")
    await staff.press(card.button_data(RESOLVE), card)
    await expect(staff, "正在办结议题 YT-2026-0001")
    await staff.press_button("不写说明，直接办结")
    await expect(staff, "议题 YT-2026-0001 已办结。已向 3 位")
    request = await next_push(harness, wang, "已办结")
    assert "办结说明" not in request.text  # no note, no empty heading
    # The card now offers reopening instead.
    await staff.press(TopicCard(followed.topic_id).data(), listing)
    card = await expect(staff, "YT-2026-0001 东门路灯")
    assert "↩️ 重新办理" in card.buttons and RESOLVE not in card.buttons
    await harness.nothing_more(staff)
