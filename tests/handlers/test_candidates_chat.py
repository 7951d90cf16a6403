"""Staff see candidate topics in chat and turn one into a topic with one press."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.i18n import translator
from storage.models import Follower, Issue
from tests import factories
from tests.handlers.test_staff import _grant
from tests.harness import BotHarness, expect

ZH = translator("zh_Hans")
SAME_MATTER = [
    "魅力之城小区临街餐馆油烟太大，熏得家里没法开窗",
    "魅力之城小区楼下餐馆排油烟，油烟味很重，影响居民",
    "魅力之城小区临街的餐馆油烟扰民，请相关部门治理",
]
OTHER = "柳树屯村口的桥栏杆断了，晚上过桥很危险"


async def test_candidate_becomes_a_topic(harness: BotHarness) -> None:
    assert harness.township is not None
    for index, text in enumerate(SAME_MATTER):
        author = await factories.person(harness.session_factory, harness.clock.now(), 2000 + index)
        await factories.issue(
            harness.session_factory, harness.clock.now(), harness.township, author, text
        )
    author = await factories.person(harness.session_factory, harness.clock.now(), 2100)
    await factories.issue(
        harness.session_factory,
        harness.clock.now(),
        harness.township,
        author,
        OTHER,
        village="柳树屯",
    )
    await _grant(harness, 9001, RoleName.STAFF)
    staff = harness.api.user(9001, first_name="联络员", language_code="zh-hans")
    await staff.command("candidates")
    # One candidate: the unrelated issue stands alone.
    await expect(staff, "候选议题（按规模排序，共 1 个）", timeout=15)
    group = await expect(staff, "油烟")
    assert "3" in group.text
    await staff.press_button(ZH._("📌 Make it a topic"))
    await expect(staff, "YT-2026-0001")
    async with harness.session_factory() as session:
        accepted = await session.scalar(
            select(func.count(Issue.id)).where(Issue.status == IssueStatus.ACCEPTED)
        )
        followers = await session.scalar(select(func.count(Follower.id)))
    assert accepted == 3
    assert followers == 3
    # Pressing again: the group no longer exists (its issues are in a topic now).
    await staff.press(group.inline_keyboard[0][0][1] or "", group, check=False)
    await harness.nothing_more(staff)
    refusal = harness.api.calls_of("answerCallbackQuery")[-1].params.get("text")
    assert refusal == ZH._("This group has changed since; see /candidates again.")
