"""附议: a resident whose matter was raised already joins the neighbour instead of repeating it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.i18n import translator
from bot.services import topics
from fake_telegram import SimUser
from handlers.intake_draft import JoinExisting
from storage.models import Issue, Person, Support
from storage.uow import UnitOfWork
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.harness import BotHarness, expect, here

ZH = translator("zh_Hans")
FIRST = "魅力之城小区楼下的烧烤店油烟太大，晚上噪音扰民，老人孩子睡不好"
SECOND = "魅力之城小区楼下那家烧烤店油烟熏人，晚上噪音很吵"
UNRELATED = "村小学门口没有红绿灯，孩子过马路很危险"
NOT_YOURS = ZH._("This cannot be found, or it is not yours to change.")


async def _describe(harness: BotHarness, user_id: int, text: str) -> SimUser:
    user = harness.resident(user_id, first_name="李大爷")
    await start_in_village(user)
    await user.command("new")
    await expect(user, "请描述")
    await user.send(text)
    return user


async def test_similar_issue_is_offered_and_joined(harness: BotHarness) -> None:
    first = harness.resident(1001)
    await start_in_village(first)
    await raise_issue(first, FIRST)
    second = await _describe(harness, 1002, SECOND)
    await here(second)
    offer = await expect(second, "类似的事")
    assert "YS-2026-000001" in offer.text
    await second.press_button("附议 YS-2026-000001")
    joined = await expect(second, "您已附议")
    assert "YS-2026-000001" in joined.text
    await harness.nothing_more(second)
    async with harness.session_factory() as session:
        assert await session.scalar(select(func.count(Issue.id))) == 1
        assert await session.scalar(select(func.count(Support.id))) == 1


LAMP = "南湖社区东门的路灯坏了两个星期，晚上老人出门很不安全，请尽快修理。"


@pytest.mark.parametrize(
    ("typed", "language"),
    [
        ("南湖社区东门路灯坏了", "zh-hans"),  # one short line
        ("南湖社区东门路灯坏了，晚上一片漆黑。", "zh-hans"),  # other words
        ("南湖社區東門路燈壞了，晚上一片漆黑。", "zh-hant"),  # Traditional characters
    ],
)
async def test_a_short_or_reworded_repeat_is_offered(
    harness: BotHarness, typed: str, language: str
) -> None:
    """A neighbour writes one line, not the first resident's paragraph: still the same matter."""
    first = harness.resident(1001)
    await start_in_village(first)
    await raise_issue(first, LAMP)
    second = harness.resident(1002, first_name="李大爷", language_code=language)
    await second.command("start")
    await expect(second, "有事好商量")
    await expect(second, "村")
    await second.press_button("南湖社区")
    await expect(second, "南湖社区")
    await expect(second, "📝")
    await second.command("new")
    await expect(second, "描述")
    await second.send(typed)
    where = await expect(second, "村")
    await second.press(where.inline_keyboard[0][0][1] or "", where)
    offer = await expect(second, "YS-2026-000001")
    await expect(second, "南湖社区")  # the question, rewritten into the answer
    assert any(label.startswith(("附议", "附議")) for label in offer.buttons)


async def test_submitting_separately_continues_the_intake(harness: BotHarness) -> None:
    first = harness.resident(1001)
    await start_in_village(first)
    await raise_issue(first, FIRST)
    second = await _describe(harness, 1002, SECOND)
    await here(second)
    await expect(second, "类似的事")
    await second.press_button(ZH._("Mine is different, continue ›"))
    offer = await expect(second, "类似的事")  # the offer stays, without its buttons
    assert offer.buttons == []
    await expect(second, "是哪方面的问题")
    await harness.nothing_more(second)


async def test_unrelated_matters_are_not_offered(harness: BotHarness) -> None:
    first = harness.resident(1001)
    await start_in_village(first)
    await raise_issue(first, FIRST)
    other = await _describe(harness, 1003, UNRELATED)
    await here(other)
    await expect(other, "是哪方面的问题")
    await harness.nothing_more(other)


async def test_forged_join_of_another_townships_issue_is_refused(harness: BotHarness) -> None:
    first = harness.resident(1001)
    await start_in_village(first)
    await raise_issue(first, FIRST)
    second = await _describe(harness, 1002, SECOND)
    await here(second)
    offer = await expect(second, "类似的事")
    frame = (offer.inline_keyboard[0][0][1] or "").split(":")[1]
    for kind in ("i", "t"):
        forged = JoinExisting(flow=frame, kind=kind, id=999999).data()  # type: ignore[arg-type]
        await second.press(forged, offer, check=False)
    await harness.nothing_more(second)  # refused with a notice on the button, no message
    answers = [c.params.get("text") for c in harness.api.calls_of("answerCallbackQuery")]
    assert answers[-2:] == [NOT_YOURS, NOT_YOURS]
    async with harness.session_factory() as session:
        assert await session.scalar(select(func.count(Support.id))) == 0


async def test_a_neighbour_who_joined_hears_every_step_and_sees_it_under_my(
    harness: BotHarness,
) -> None:
    first = harness.resident(1001)
    await start_in_village(first)
    await raise_issue(first, FIRST)
    second = await _describe(harness, 1002, SECOND)
    await here(second)
    await expect(second, "类似的事")
    await second.press_button("附议 YS-2026-000001")
    await expect(second, "您已附议")
    english = harness.resident(1003, first_name="Tom", language_code="en")
    await english.command("start")
    await harness.idle()
    english.skip_pending()
    async with harness.session_factory() as session:
        issue_id = await session.scalar(select(Issue.id))
        neighbour = await session.scalar(select(Person.id).where(Person.telegram_id == 1003))
        assert issue_id is not None and neighbour is not None
        session.add(Support(person_id=neighbour, issue_id=issue_id, created_at=harness.clock.now()))
        await session.commit()
    # The office takes the issue into a topic: raiser and both neighbours are told, each in
    # their own language, each once.
    async with UnitOfWork(harness.session_factory) as uow:
        await topics.create_topic(
            uow,
            township_id=harness.township_id,
            issue_ids=[issue_id],
            title="魅力之城烧烤店油烟噪音",
            actor_id=None,
            now=harness.clock.now(),
            zone=harness.settings.zone,
        )
        harness.services().apply(await uow.commit())
    await expect(first, "您的诉求 YS-2026-000001 已受理")
    await expect(second, "您附议的诉求 YS-2026-000001 已受理")
    await expect(english, "The issue YS-2026-000001 you joined has been accepted")
    await harness.nothing_more(first, second, english)
    # Under /my the joined issue is listed, marked, and opens.
    await second.command("my")
    listing = await expect(second, "您的诉求（共 1 件）")
    [label] = listing.buttons
    assert "YS-2026-000001" in label and "附议" in label
    await second.press_button(label)
    detail = await expect(second, "YS-2026-000001")
    assert "您附议了这件诉求" in (detail.text or "")
    await harness.nothing_more(second)
