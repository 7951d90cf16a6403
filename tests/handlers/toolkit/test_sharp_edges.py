"""Telegram's sharp edges that every handler shares: double taps, empty and forged presses,
staff of several townships, pages past the end, presses during a flood."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.domain.roles import RoleName
from bot.i18n import translator
from handlers.inbox import InboxPage
from handlers.my_issues import MyPage
from handlers.start import PickLanguage
from handlers.topics import Follow
from storage.models import Follower
from tests import factories
from tests.handlers.test_intake_flow import raise_issue, start_in_village
from tests.handlers.test_topics import _two_topics
from tests.harness import BotHarness, expect, here, replies_until

ZH = translator("zh_Hans")
OOPS = "系统出了点问题"


def _answers(harness: BotHarness) -> list[str | None]:
    return [c.params.get("text") for c in harness.api.calls_of("answerCallbackQuery")]


async def test_double_taps_are_harmless(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    user = harness.resident()
    await start_in_village(user)
    await raise_issue(user)
    await user.command("my")
    listing = await expect(user, "您的诉求")
    staff = await harness.with_role(9001, RoleName.STAFF)
    await staff.command("inbox")
    inbox = await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    first, _second, _ids = await _two_topics(harness)
    await user.command("lang")
    languages = await expect(user, "请选择")
    presses = [
        (user, MyPage(0).data(), listing),  # the same page again: an identical edit
        (staff, InboxPage(0, 0, 0).data(), inbox),
        (user, PickLanguage("hans").data(), languages),
        (staff, Follow(first).data(), inbox),
    ]
    for who, data, message in presses:
        await who.press(data, message, check=False)
        await who.press(data, message, check=False)
        await harness.idle()
    # A double tap inside a flow: the second press is of a step already answered.
    user.skip_pending()
    await user.command("new")
    await expect(user, "请描述")
    await user.send("桥上的护栏松动了")
    await here(user)
    categories = await replies_until(user, "是哪方面的问题")
    category = categories.inline_keyboard[0][0][1] or ""
    await user.press(category, categories)
    await user.press(category, categories, check=False)
    await harness.idle()
    assert not any(OOPS in (m.text or "") for m in user.bot_messages() + staff.bot_messages())
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    # Every press was answered (the spinner stopped), and following twice follows once.
    assert len(_answers(harness)) >= 2 * len(presses) + 3
    async with harness.session_factory() as session:
        follows = await session.scalar(
            select(func.count(Follower.id)).where(
                Follower.topic_id == first, Follower.reason == "staff"
            )
        )
    assert follows == 1


async def test_a_page_past_the_end_shows_the_last_page(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    await raise_issue(user)
    await user.command("my")
    listing = await expect(user, "您的诉求")
    query = await user.press(MyPage(99999).data(), listing, check=False)
    await harness.idle()
    assert harness.api.callback_answer(query) is not None
    shown = [m.text or "" for m in user.bot_messages() if (m.text or "").startswith("您的诉求（")]
    assert shown and all("1/1" in text for text in shown)  # never "第 100000/1 页"


async def test_staff_of_two_townships_choose_where_they_work(harness: BotHarness) -> None:
    west = await factories.township(harness.session_factory, harness.clock.now(), name="西山乡")
    resident = harness.resident(1001)
    await start_in_village(resident)
    await raise_issue(resident)  # an issue in 东风镇
    staff = await harness.with_role(9001, RoleName.STAFF)
    await harness.with_role(9001, RoleName.STAFF, township_id=west.township_id)
    await staff.command("inbox")
    await expect(staff, ZH._("Inbox: {total} issues waiting.", total=1))
    await staff.command("township")
    choice = await expect(staff, "东风镇")
    await staff.press_button("西山乡")
    await expect(staff, "西山乡")
    await staff.command("inbox")
    await expect(staff, ZH._("The inbox is empty: nothing waits for triage."))
    await staff.command("township")
    await expect(staff, "西山乡")
    await staff.press_button("✓ 西山乡")
    await harness.idle()
    assert choice.buttons


async def test_presses_without_data_are_answered(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    message = user.bot_messages()[-1]
    for data in ("", " ", ":", "sf.is:", "in.cat:zzzzzz:1"):
        query = await user.press(data, message, check=False)
        await harness.idle()
        assert harness.api.callback_answer(query) is not None, repr(data)
    assert not any(OOPS in (m.text or "") for m in user.bot_messages())


async def test_a_flood_of_presses_is_answered_and_warned_once(harness: BotHarness) -> None:
    user = harness.resident()
    await start_in_village(user)
    message = user.bot_messages()[-1]
    queries = [
        await user.press(MyPage(0).data(), message, check=False)
        for _ in range(harness.settings.flood_max_updates + 15)
    ]
    await harness.idle()
    assert all(harness.api.callback_answer(query) is not None for query in queries)
    warnings = [m for m in user.bot_messages() if "发消息太快" in (m.text or "")]
    assert len(warnings) == 1
