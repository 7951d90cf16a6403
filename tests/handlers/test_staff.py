"""Staff triage in chat: who may do it, and what each action does for the resident."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.i18n import translator
from bot.services import alerts, people
from fake_telegram import SimUser
from handlers.inbox import (
    AskResident,
    BackToCard,
    CreateTopic,
    DuplicateConfirmed,
    NewTopic,
    OpenIssue,
    PickCategory,
    PickOriginal,
    PickReason,
    PickVillage,
    RejectConfirmed,
    RejectWith,
    SetVillage,
    TypeOriginal,
)
from storage.models import Follower, Issue
from storage.uow import UnitOfWork
from tests import factories
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.handlers.test_issue_card import media_issue, person
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
    # New-issue alerts have their own tests (test_alerts.py); here they would interleave.
    async with UnitOfWork(harness.session_factory) as uow:
        await alerts.set_alerts(
            uow,
            township_id=harness.township_id,
            mode="off",
            hours=4,
            actor_id=None,
            now=harness.clock.now(),
        )
        await uow.commit()
    staff = harness.api.user(9001, first_name="联络员", language_code="zh-hans")
    await staff.command("start")
    await expect(staff, "有事好商量")  # staff are not asked where they live
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
    asked = await expect(staff, ZH._("Already resolved."))  # asked first: it cannot be undone
    assert await _status(harness, issue_id) is IssueStatus.SUBMITTED
    await staff.press(RejectConfirmed(issue_id, 1).data(), asked)
    done = await expect(staff, ZH._("Already resolved."))
    assert done.message_id == card.message_id  # the card, updated in place
    assert ZH._("Not taken up") in done.text and done.buttons == []
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
    asked = await expect(staff, "南湖社区东门的路灯坏了一个月")  # the title it would get
    await staff.press(CreateTopic(issue_id).data(), asked)
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
    answered = await expect(staff, "进门左手第三根")
    assert await _status(harness, issue_id) is IssueStatus.SUBMITTED
    await staff.press_button("查看诉求")  # straight to the issue, to act on the answer
    for _ in range(3):
        await expect_media(staff, "photo")
    await expect_media(staff, "location")
    card = await expect(staff, "居民答：进门左手第三根")
    assert answered.message_id != card.message_id
    await harness.nothing_more(staff, resident)


async def test_members_follow_topics(staffed: tuple[BotHarness, SimUser, SimUser, int]) -> None:
    harness, _resident, staff, issue_id = staffed
    await staff.command("inbox")
    await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await _forge(staff, CreateTopic(issue_id).data())
    await expect(staff, "YT-2026-0001")
    await _grant(harness, 5001, RoleName.MEMBER)
    member = harness.api.user(5001, first_name="委员老刘", language_code="zh-hans")
    await member.command("topics")
    overview = await expect(member, "YT-2026-0001")
    await member.press(overview.inline_keyboard[0][0][1] or "", overview)
    card = await expect(member, ZH._("{people} people raised or joined it.", people=1))
    assert card.buttons[-1] == ZH._("Follow")  # no renaming, merging or splitting for members
    assert [b for b in card.buttons if b.startswith("YS-")] == card.buttons[:-1]
    await member.press_button(ZH._("Follow"))
    await harness.nothing_more(member, staff)
    notice = harness.api.calls_of("answerCallbackQuery")[-1].params.get("text")
    assert notice == ZH._("You follow this topic now.")
    async with harness.session_factory() as session:
        reasons = {f.reason for f in await session.scalars(select(Follower))}
    assert reasons == {"raiser", "member"}


async def test_irreversible_actions_ask_first_pickers_go_back_and_cards_update(
    staffed: tuple[BotHarness, SimUser, SimUser, int],
) -> None:
    harness, resident, staff, issue_id = staffed
    await staff.command("inbox")
    listing = await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await staff.press(OpenIssue(issue_id).data(), listing)
    for _ in range(3):
        await expect_media(staff, "photo")
    await expect_media(staff, "location")
    card = await expect(staff, "路灯坏了")
    actions = card.buttons
    await staff.press(NewTopic(issue_id).data(), card)
    asked = await expect(staff, "确定用 YS-2026-000001 新建协商议题")
    assert asked.buttons == ["✅ 确定新建", "‹ 返回"]
    assert await _status(harness, issue_id) is IssueStatus.SUBMITTED  # nothing happened yet
    await staff.press(BackToCard(issue_id).data(), card)
    again = await expect(staff, "路灯坏了")
    assert (again.message_id, again.buttons) == (card.message_id, actions)
    for picker in (
        PickOriginal(issue_id),
        PickReason(issue_id),
        PickCategory(issue_id),
        PickVillage(issue_id),
    ):
        await staff.press(picker.data(), card)
        shown = await expect(staff, "")
        assert shown.buttons[-1] == "‹ 返回", picker
        await staff.press(BackToCard(issue_id).data(), card)
        again = await expect(staff, "路灯坏了")  # the card again, in the same message
        assert (again.message_id, again.buttons) == (card.message_id, actions)
    await staff.press(PickVillage(issue_id).data(), card)
    await expect(staff, ZH._("Which village?"))
    await staff.press(SetVillage(issue_id, harness.village_id("柳树屯")).data(), card)
    updated = await expect(staff, ZH._("Saved; the resident was told."))
    assert "地点：柳树屯" in updated.text and updated.message_id == card.message_id
    assert updated.buttons == actions  # still waiting: the same actions
    await expect(resident, "柳树屯")
    await harness.nothing_more(staff, resident)


async def test_a_duplicate_is_named_by_typing_its_number(
    staffed: tuple[BotHarness, SimUser, SimUser, int],
) -> None:
    harness, resident, staff, original = staffed
    neighbour = await person(harness, 1002, "李大爷")
    second = await media_issue(harness, neighbour, "菜市场门口积水")
    await staff.command("issue", "YS-2026-000002")
    card = await expect(staff, "菜市场门口积水")
    await staff.press(PickOriginal(second).data(), card)
    picker = await expect(staff, "没有找到相似的诉求。请输入与它重复的那件诉求的编号。")
    assert picker.buttons == ["⌨️ 输入编号", "‹ 返回"]
    await staff.press(TypeOriginal(second).data(), picker)
    await expect(staff, "请输入与它重复的那件诉求的编号")
    await staff.send("路灯")
    await expect(staff, "这不是诉求编号")
    await staff.send("YS-2026-000009")
    await expect(staff, "本镇（街道）没有编号为 YS-2026-000009 的诉求")
    await staff.send("2")
    await expect(staff, "这就是当前这件诉求本身")
    await staff.send("1")  # this year's number 1
    asked = await expect(staff, "确定把 YS-2026-000002 标为与 YS-2026-000001")
    assert "南湖社区东门的路灯坏了" in asked.text  # what the original says
    assert await _status(harness, second) is IssueStatus.SUBMITTED
    await staff.press(DuplicateConfirmed(second, original).data(), asked)
    done = await expect(staff, ZH._("Marked as a duplicate of {number}.", number="YS-2026-000001"))
    assert "与 YS-2026-000001 是同一件事" in done.text
    assert await _status(harness, second) is IssueStatus.MERGED
    await expect(harness.api.user(1002), "YS-2026-000001")
    await harness.nothing_more(staff, resident, harness.api.user(1002))


async def test_a_template_reason_reaches_each_person_in_their_language(
    staffed: tuple[BotHarness, SimUser, SimUser, int],
) -> None:
    harness, _resident, staff, _issue_id = staffed
    english = harness.api.user(1003, first_name="Ann", language_code="en")
    async with UnitOfWork(harness.session_factory) as uow:
        contact = people.Contact(1003, 1003, "Ann", None, "en")
        ann = (await people.register_contact(uow, contact, "en", harness.clock.now())).id
        await uow.commit()
    issue_id = await media_issue(harness, ann, "The bridge railing is loose")
    await staff.command("issue", "YS-2026-000002")
    card = await expect(staff, "The bridge railing is loose")
    await staff.press(PickReason(issue_id).data(), card)
    await expect(staff, ZH._("Why is it not taken up?"))
    await staff.press(RejectWith(issue_id, 0).data(), card)
    await expect(staff, "不属于本镇（街道）职责范围")
    await staff.press(RejectConfirmed(issue_id, 0).data(), card)
    await expect(staff, "已不予受理，并告知居民：不属于本镇（街道）职责范围")
    told = await expect(english, "was not taken up")
    assert "Outside the township's remit — please call the 12345 hotline." in told.text
    await harness.nothing_more(staff, english)
    async with harness.session_factory() as session:
        issue = await session.get(Issue, issue_id)
        assert issue is not None and issue.status is IssueStatus.REJECTED
