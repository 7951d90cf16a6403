"""Steps the follow-up chat tests share: a topic whose action items are all done, with its
people's chats, and staff resolving it from the push."""

from __future__ import annotations

from sqlalchemy import update

from bot.i18n import translator
from bot.services import resolution
from fake_telegram import SimUser
from storage.models import Notification, Person
from storage.uow import UnitOfWork
from tests.followup_fixtures import Followed, implementing_topic, mark_done
from tests.harness import BotHarness, expect
from tests.meeting_fixtures import next_push

ZH = translator("zh_Hans")
RESOLVE = ZH._("✅ Resolve the topic")
WHO = ZH._(
    "Who is in charge? Pick a member, or type the name of the department or village "
    "(for example 城管办 or 东风村村委会)."
)
BY_WHEN = ZH._("By when? Type the date, like 12月20日 or 2026-12-20.")


async def scene(harness: BotHarness) -> tuple[Followed, dict[str, SimUser]]:
    """The topic under way; 赵姐 reads English. Every item done: staff are asked to resolve."""
    assert harness.township is not None
    now = harness.clock.now()
    followed = await implementing_topic(harness.session_factory, now, harness.township)
    async with UnitOfWork(harness.session_factory) as uow:
        zhao = await uow.session.get(Person, followed.people["赵姐"])
        assert zhao is not None
        zhao.locale = "en"
        await uow.commit()
    chats = {
        name: harness.api.user(
            telegram_id, first_name=name, language_code="en" if name == "赵姐" else "zh-hans"
        )
        for name, telegram_id in {
            "王阿姨": 1001,
            "李大爷": 1002,
            "赵姐": 1003,
            "孙叔": 1004,
            "老刘": 5001,
            "老陈": 5002,
            "小张": 9001,
        }.items()
    }
    # What the earlier steps pushed (new issues, acceptance) went out long ago.
    async with UnitOfWork(harness.session_factory) as uow:
        await uow.session.execute(update(Notification).values(status="sent", sent_at=now))
        await uow.commit()
    for item in followed.items:
        await mark_done(harness.session_factory, item, now)
    # What the progress side does after marking the last item done.
    async with UnitOfWork(harness.session_factory) as uow:
        assert await resolution.ask_to_resolve_if_all_done(uow, followed.topic_id, now) == 1
        await uow.commit()
    return followed, chats


async def resolve_in_chat(harness: BotHarness, staff: SimUser, note: str) -> None:
    push = await next_push(harness, staff, "东门路灯")
    assert ZH._("Open the topic") in push.buttons
    await staff.press(push.button_data(RESOLVE), push)
    await expect(staff, "正在办结议题 YT-2026-0001“东门路灯”")
    await staff.send(note)
    done = await expect(staff, "议题 YT-2026-0001 已办结。已向 3 位提出或附议的居民征询满意度")
    assert "2026年4月1日 将进行回头看" in done.text
