"""Reminders survive restarts of the real bot process: sent once, and sent on start when the
bot was down at reminder time (the process runs against the fake Bot API over HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.domain.topic_status import TopicStatus
from bot.services import meeting_reminders
from bot.services.meeting_views import MeetingView
from fake_telegram import FakeBotApi, RunningServer, SimUser
from storage.db import SessionFactory
from storage.models import ScheduledJob, Township
from storage.uow import UnitOfWork
from tests.bot.services.meeting_fixtures import Cast, cast, meeting
from tests.bot.test_runtime import TOKEN, BotProcess, _clean_env, served_api  # noqa: F401

REMINDER = "将在 1 小时后开始"


def _reminders(user: SimUser) -> list[str]:
    return [m.text for m in user.bot_messages() if REMINDER in (m.text or "")]


async def _until(condition: Callable[[], bool], timeout: float) -> None:
    for _ in range(int(timeout / 0.1)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def _convene(factory: SessionFactory, people: Cast, due_in: float) -> MeetingView:
    """A meeting whose one reminder (an hour before) is due in `due_in` seconds."""
    now = datetime.now(UTC)
    return await meeting(factory, people, now, starts_at=now + timedelta(hours=1, seconds=due_in))


async def test_a_reminder_is_sent_once_across_restarts_and_late_on_start(
    served_api: tuple[FakeBotApi, RunningServer],  # noqa: F811
    database_url: str,
    session_factory: SessionFactory,
    tmp_path: Path,
) -> None:
    api, server = served_api
    now = datetime.now(UTC)
    people = await cast(session_factory, now)
    async with UnitOfWork(session_factory) as uow:
        township = await uow.session.get(Township, people.township_id)
        assert township is not None
        township.meeting_reminders = "1"  # one reminder, an hour before: due within seconds
        await uow.commit()
    env = _clean_env(BOT_TOKEN=TOKEN, BOT_API_BASE_URL=server.base_url, DATABASE_URL=database_url)
    resident = api.user(3001, first_name="王阿姨", language_code="zh-hans")
    bot = BotProcess(env, tmp_path)
    await bot.start(api)
    try:
        # Scheduled while the bot runs; the bot is killed and started again before it is due.
        first = await _convene(session_factory, people, due_in=8)
        await _until(
            lambda: any(first.number in (m.text or "") for m in resident.bot_messages()), 15
        )
        await bot.kill()
        await bot.start(api)
        await _until(lambda: len(_reminders(resident)) == 1, 20)
        await bot.kill()
        # Scheduled while the bot is down, due before it comes back: sent on start. (The
        # topic is taken up by a second meeting.)
        async with UnitOfWork(session_factory) as uow:
            topic = await uow.topics.get(people.topic_id)
            assert topic is not None
            topic.status = TopicStatus.SELECTED
            await uow.commit()
        second = await _convene(session_factory, people, due_in=1)
        await asyncio.sleep(2)
        await bot.start(api)
        await _until(lambda: len(_reminders(resident)) == 2, 20)
        await asyncio.sleep(2)  # nothing more comes
    finally:
        log = await bot.stop()
    assert "Traceback" not in log, log
    reminders = _reminders(resident)
    assert len(reminders) == 2
    assert first.number in reminders[0] and second.number in reminders[1]
    async with session_factory() as session:
        rows = await session.scalars(
            select(ScheduledJob).where(ScheduledJob.kind == meeting_reminders.JOB_KIND)
        )
        jobs = {j.key: (j.status, j.attempts) for j in rows}
    assert jobs == {
        f"meeting-reminder:{first.id}:1h": ("done", 1),
        f"meeting-reminder:{second.id}:1h": ("done", 1),
    }
