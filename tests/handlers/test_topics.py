"""/topics in chat: the card, merging, splitting, following; stale keyboards change nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from bot.i18n import translator
from bot.services import topics
from fake_telegram import SimUser
from handlers.topics import Merge, PickMergeTarget, Split, TopicCard
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
    await expect(
        staff, ZH._("Merged into {number}; its followers were told.", number="YT-2026-0002")
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
    card = await expect(staff, "东门路灯")
    await staff.press(Split(first, ids[1]).data(), card)
    await expect(staff, ZH._("Split out as topic {number}.", number="YT-2026-0003"))
    # A second press of the same split (a double tap) splits nothing more.
    await staff.press(Split(first, ids[1]).data(), card, check=False)
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
    assert card.buttons == [ZH._("Follow")]
    await member.press(Merge(first, second).data(), card, check=False)
    await harness.idle()
    refusal = harness.api.calls_of("answerCallbackQuery")[-1].params.get("text")
    assert refusal == ZH._("This is for the liaison office's staff only.")
    async with harness.session_factory() as session:
        assert await session.scalar(select(Topic.status).where(Topic.id == first)) is (
            TopicStatus.COLLECTING
        )
        assert len(list(await session.scalars(select(Notification)))) == told_before
    await harness.nothing_more(member)
