"""/topics in chat: the card, merging, splitting, following; stale keyboards change nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from bot.i18n import translator
from bot.services import topics
from fake_telegram import SimUser
from handlers.inbox import ViewIssue
from handlers.topics import (
    Merge,
    MergeConfirmed,
    PickMergeTarget,
    RenameTopic,
    Split,
    SplitConfirmed,
    TopicCard,
)
from storage.models import Issue, Notification, Topic
from storage.uow import UnitOfWork
from tests import factories
from tests.harness import BotHarness, expect

ZH = translator("zh_Hans")


async def _two_topics(harness: BotHarness) -> tuple[int, int, list[int]]:
    """Two collecting topics: the first with two issues, the second with one."""
    factory, now = harness.session_factory, harness.clock.now()
    assert harness.township is not None
    raiser = await factories.person(factory, now, 3001, "李大爷")
    ids = [
        await factories.issue(factory, now, harness.township, raiser, text)
        for text in ("东门路灯坏了", "东门路灯一直不亮", "菜市场门口积水")
    ]
    async with UnitOfWork(factory) as uow:
        made = [
            await topics.create_topic(
                uow,
                township_id=harness.township_id,
                issue_ids=issue_ids,
                title=title,
                actor_id=None,
                now=now,
                zone=harness.settings.zone,
            )
            for issue_ids, title in (([ids[0], ids[1]], "东门路灯"), ([ids[2]], "菜市场积水"))
        ]
        await uow.commit()
    return made[0].id, made[1].id, ids


async def _staff(harness: BotHarness) -> SimUser:
    staff = await harness.with_role(9001, RoleName.STAFF)
    await staff.command("help")  # a first message to press buttons on
    await expect(staff, "使用说明")
    return staff


async def test_crossed_merges_on_two_old_keyboards_merge_once(harness: BotHarness) -> None:
    first, second, _ids = await _two_topics(harness)
    staff = await _staff(harness)
    # Two merge pickers, opened one after the other; then each is pressed the other way.
    await staff.press(TopicCard(first).data(), staff.bot_messages()[-1], check=False)
    card_one = await expect(staff, "东门路灯")
    await staff.press(PickMergeTarget(first).data(), card_one)
    picker_one = await expect(staff, ZH._("Merge into which topic?"))
    await staff.press(TopicCard(second).data(), picker_one, check=False)
    card_two = await expect(staff, "菜市场积水")
    await staff.press(PickMergeTarget(second).data(), card_two)
    picker_two = await expect(staff, ZH._("Merge into which topic?"))
    await staff.press(Merge(first, second).data(), picker_one)
    asked = await expect(staff, "YT-2026-0001")  # asked first: a merge cannot be undone
    await staff.press(MergeConfirmed(first, second).data(), asked)
    await expect(
        staff, ZH._("Merged into {number}; everyone concerned was told.", number="YT-2026-0002")
    )
    await staff.press(Merge(second, first).data(), picker_two)
    await harness.idle()
    refusal = harness.api.calls_of("answerCallbackQuery")[-1].params.get("text") or ""
    assert "YT-2026-0001" in refusal and "YT-2026-0002" in refusal  # says where it went
    async with harness.session_factory() as session:
        statuses = {t.id: t.status for t in await session.scalars(select(Topic))}
        issues = {i.id: (i.status, i.topic_id) for i in await session.scalars(select(Issue))}
    assert statuses == {first: TopicStatus.WITHDRAWN, second: TopicStatus.COLLECTING}
    assert {topic for _status, topic in issues.values()} == {second}
    assert all(status is IssueStatus.ACCEPTED for status, _topic in issues.values())
    await harness.nothing_more(staff)


async def test_split_moves_one_issue_and_tells_its_people(harness: BotHarness) -> None:
    first, _second, ids = await _two_topics(harness)
    staff = await _staff(harness)
    await staff.press(TopicCard(first).data(), staff.bot_messages()[-1], check=False)
    topic = await expect(staff, "东门路灯")
    await staff.press(ViewIssue(ids[1]).data(), topic)  # the issue, from its topic
    card = await expect(staff, "东门路灯一直不亮")
    await staff.press(Split(first, ids[1]).data(), card)
    asked = await expect(staff, "YT-2026-0001")  # asked first: it cannot be undone
    await staff.press(SplitConfirmed(first, ids[1]).data(), asked)
    await expect(staff, ZH._("Split out as topic {number}.", number="YT-2026-0003"))
    # A second press of the same split (a double tap) splits nothing more.
    await staff.press(SplitConfirmed(first, ids[1]).data(), asked, check=False)
    await harness.idle()
    async with harness.session_factory() as session:
        assert await session.scalar(select(Topic.id).where(Topic.number == "YT-2026-0004")) is None
        moved = await session.get(Issue, ids[1])
        assert moved is not None and moved.topic_id != first
    await harness.nothing_more(staff)
    refusal = harness.api.calls_of("answerCallbackQuery")[-1].params
    assert (refusal.get("text"), refusal.get("show_alert")) == (
        ZH._("This is not possible now."),
        True,
    )


async def test_members_see_no_merge_or_split_and_cannot_forge_them(harness: BotHarness) -> None:
    first, second, _ids = await _two_topics(harness)
    async with harness.session_factory() as session:
        told_before = len(list(await session.scalars(select(Notification))))
    member = await harness.with_role(5001, RoleName.MEMBER, "委员老刘")
    await member.command("topics")
    overview = await expect(member, "YT-2026-0001")
    await member.press(TopicCard(first).data(), overview)
    card = await expect(member, "东门路灯")
    assert card.buttons[-1] == ZH._("Follow")
    assert not any(ZH._("Merge into another topic") in b for b in card.buttons)
    await member.press(MergeConfirmed(first, second).data(), card, check=False)
    await harness.idle()
    refusal = harness.api.calls_of("answerCallbackQuery")[-1].params.get("text")
    assert refusal == ZH._("This is for the liaison office's staff only.")
    async with harness.session_factory() as session:
        assert await session.scalar(select(Topic.status).where(Topic.id == first)) is (
            TopicStatus.COLLECTING
        )
        assert len(list(await session.scalars(select(Notification)))) == told_before
    await harness.nothing_more(member)


async def test_rename_a_topic_and_a_merged_topic_says_where_it_went(harness: BotHarness) -> None:
    first, second, _ids = await _two_topics(harness)
    staff = await _staff(harness)
    await staff.press(TopicCard(first).data(), staff.bot_messages()[-1], check=False)
    card = await expect(staff, "东门路灯")
    await staff.press(RenameTopic(first).data(), card)
    await expect(staff, "YT-2026-0001：请输入议题的新名称")
    await staff.send("南湖社区东门路灯维修")
    renamed = await expect(staff, "名称已修改。")
    assert "YT-2026-0001 南湖社区东门路灯维修" in renamed.text
    await staff.press(PickMergeTarget(first).data(), renamed)
    picker = await expect(staff, ZH._("Merge into which topic?"))
    assert picker.buttons[-1] == "‹ 返回"
    await staff.press(Merge(first, second).data(), picker)
    asked = await expect(staff, "确定把 YT-2026-0001 并入 YT-2026-0002")
    await staff.press(MergeConfirmed(first, second).data(), asked)
    merged = await expect(staff, "已并入 YT-2026-0002，并已通知相关的人。")
    assert "YT-2026-0002 菜市场积水" in merged.text  # the topic the issues are in now
    await staff.command("topics")
    overview = await expect(staff, "已撤回")
    assert "YT-2026-0001 南湖社区东门路灯维修 — 已并入 YT-2026-0002" in overview.text
    assert "0 人" not in overview.text
    await harness.nothing_more(staff)
    async with harness.session_factory() as session:
        assert await session.scalar(select(Topic.title).where(Topic.id == first)) == (
            "南湖社区东门路灯维修"
        )


async def test_a_merge_tells_each_raiser_about_their_own_issue(harness: BotHarness) -> None:
    raiser = harness.api.user(3001, first_name="李大爷", language_code="zh-hans")
    first, second, _ids = await _two_topics(harness)
    staff = await _staff(harness)
    await staff.press(MergeConfirmed(first, second).data(), staff.bot_messages()[-1], check=False)
    await expect(staff, "已并入 YT-2026-0002")
    # Their chat also gets the three acceptances from when the topics were made, first: the
    # dispatcher sends one push a second per chat, so the clock moves on for each.
    told = []
    for _ in range(5):
        pushed = await raiser.next_message()
        if "现已纳入" in pushed.text:
            told.append(pushed)
        await harness.next_push()
    numbers = sorted(re.findall(r"YS-2026-\d{6}", "".join(m.text for m in told)))
    assert numbers == ["YS-2026-000001", "YS-2026-000002"]
    assert all("现已纳入协商议题 YT-2026-0002：菜市场积水" in m.text for m in told)
    assert all("原来所在的议题 YT-2026-0001" in m.text for m in told)
    await harness.nothing_more(staff, raiser)
