"""Staff triage in chat: who may do it, and what each action does for the resident."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.i18n import translator
from fake_telegram import SimUser
from handlers.inbox import AskResident, NewTopic, OpenIssue, PickReason, RejectWith
from storage.models import Follower, Issue
from storage.uow import UnitOfWork
from tests import factories
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.harness import BotHarness, expect, expect_media

ZH = translator("zh_Hans")
STAFF_ONLY = ZH._("This is for the liaison office's staff only.")


async def _grant(
    harness: BotHarness, telegram_id: int, role: RoleName, township: str = "东风镇"
) -> None:
    person_id = await factories.person(
        harness.session_factory, harness.clock.now(), telegram_id, "工作人员"
    )
    async with UnitOfWork(harness.session_factory) as uow:
        target = await uow.directory.township_by_name(township)
        assert target is not None
        await uow.people.grant(person_id, target.id, role, harness.clock.now())
        await uow.commit()
    if harness.app is not None:
        harness.app.services.people.forget(telegram_id)


async def _issue_id(harness: BotHarness) -> int:
    async with harness.session_factory() as session:
        issue_id = await session.scalar(select(Issue.id).order_by(Issue.id.desc()))
    assert issue_id is not None
    return issue_id


async def _status(harness: BotHarness, issue_id: int) -> IssueStatus:
    async with harness.session_factory() as session:
        issue = await session.get(Issue, issue_id)
    assert issue is not None
    return issue.status


async def _forge(user: SimUser, data: str) -> None:
    await user.press(data, user.bot_messages()[-1], check=False)


@pytest.fixture
async def staffed(harness: BotHarness) -> tuple[BotHarness, SimUser, SimUser, int]:
    resident = harness.resident(1001)
    await start_in_village(resident)
    await raise_issue(resident, "南湖社区东门的路灯坏了一个月")
    await _grant(harness, 9001, RoleName.STAFF)
    staff = harness.api.user(9001, first_name="联络员", language_code="zh-hans")
    await staff.command("start")
    await expect(staff, "有事好商量")
    await expect(staff, "哪个村")
    return harness, resident, staff, await _issue_id(harness)


async def test_inbox_card_and_reject_with_template(
    staffed: tuple[BotHarness, SimUser, SimUser, int],
) -> None:
    harness, resident, staff, issue_id = staffed
    await staff.command("inbox")
    listing = await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await staff.press(OpenIssue(issue_id).data(), listing)
    for _ in range(3):
        await expect_media(staff, "photo")  # the resident's album
    await expect_media(staff, "location")
    card = await expect(staff, "路灯坏了")
    assert "王阿姨" in card.text
    await staff.press(PickReason(issue_id).data(), card)
    reasons = await expect(staff, ZH._("Why is it not taken up?"))
    await staff.press(RejectWith(issue_id, 1).data(), reasons)
    await expect(staff, ZH._("Already resolved."))
    assert await _status(harness, issue_id) is IssueStatus.REJECTED
    told = await expect(resident, "YS-2026-000001")
    assert ZH._("Already resolved.") in told.text
    await harness.nothing_more(staff, resident)


async def test_new_topic_from_an_issue_tells_the_resident(
    staffed: tuple[BotHarness, SimUser, SimUser, int],
) -> None:
    harness, resident, staff, issue_id = staffed
    await staff.command("inbox")
    await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await _forge(staff, NewTopic(issue_id).data())
    await expect(staff, "YT-2026-0001")
    assert await _status(harness, issue_id) is IssueStatus.ACCEPTED
    await expect(resident, "YT-2026-0001")
    await staff.command("topics")
    overview = await expect(staff, "YT-2026-0001")
    assert ZH._("Collecting") in overview.text
    await harness.nothing_more(staff, resident)


async def test_question_is_relayed_and_the_answer_comes_back(
    staffed: tuple[BotHarness, SimUser, SimUser, int],
) -> None:
    harness, resident, staff, issue_id = staffed
    await staff.command("inbox")
    await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await _forge(staff, AskResident(issue_id).data())
    await expect(staff, ZH._("Type the question for the resident (or /cancel)."))
    await staff.send("是东门哪一根路灯？")
    await expect(staff, ZH._("Sent to the resident. You will be told when they answer."))
    question = await expect(resident, "是东门哪一根路灯？")
    assert question.buttons
    await resident.press(question.inline_keyboard[0][0][1] or "", question)
    await expect(
        resident,
        ZH._("Please send your answer: write it, or send a photo or a voice message (or /cancel)."),
    )
    await resident.send("进门左手第三根")
    await expect(resident, "YS-2026-000001")
    await expect(staff, "进门左手第三根")
    assert await _status(harness, issue_id) is IssueStatus.SUBMITTED
    await harness.nothing_more(staff, resident)


async def test_members_follow_topics(staffed: tuple[BotHarness, SimUser, SimUser, int]) -> None:
    harness, _resident, staff, issue_id = staffed
    await staff.command("inbox")
    await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await _forge(staff, NewTopic(issue_id).data())
    await expect(staff, "YT-2026-0001")
    await _grant(harness, 5001, RoleName.MEMBER)
    member = harness.api.user(5001, first_name="委员老刘", language_code="zh-hans")
    await member.command("topics")
    overview = await expect(member, "YT-2026-0001")
    await member.press(overview.inline_keyboard[0][0][1] or "", overview)
    card = await expect(member, ZH._("{people} people raised or joined it.", people=1))
    assert card.buttons == [ZH._("Follow")]  # no merging or splitting for members
    await member.press_button(ZH._("Follow"))
    await harness.nothing_more(member, staff)
    notice = harness.api.calls_of("answerCallbackQuery")[-1].params.get("text")
    assert notice == ZH._("You follow this topic now.")
    async with harness.session_factory() as session:
        reasons = {f.reason for f in await session.scalars(select(Follower))}
    assert reasons == {"raiser", "member"}
