"""Two real bot processes on one PostgreSQL database, behind one webhook address.

The test posts each update to one process or the other, as a reverse proxy would. Updates
of one chat are handled once and in order whichever process receives them, every outbox
row is sent once (also when one process is killed mid-way and started again), and every
scheduled job runs once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.services.alerts import DIGEST_CHECK
from fake_telegram import FakeBotApi, RunningServer
from storage.db import SessionFactory
from storage.models import Notification, Person, ReceivedUpdate, ScheduledJob
from tests import factories
from tests.bot.test_runtime import WebhookProcess, _start_update, served_api
from tests.conftest import TEST_DATABASE_URL, MutableClock
from tests.harness import replies_until

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgresql"),
    reason="several processes share a PostgreSQL database: set TEST_DATABASE_URL",
)
__all__ = ["served_api"]  # the fixture, shared with the single-process runtime tests

FOLLOWERS = 300
FIRST_FOLLOWER = 7_000_000
NO_ISSUES = "您还没有反映过问题"


def _command(update_id: int, user_id: int, command: str) -> dict[str, object]:
    return _start_update(update_id, user_id, command)


async def _two(api: FakeBotApi, server: RunningServer, url: str, cwd: Path) -> list[WebhookProcess]:
    bots = [WebhookProcess(api, server, url, cwd) for _ in range(2)]
    for bot in bots:
        # The outbox claim of a killed process runs out quickly in this test.
        bot.env["OUTBOX_LEASE_SECONDS"] = "3"
        bot.env["MAX_MESSAGES_PER_SECOND"] = "500"
    await asyncio.gather(*(bot.start() for bot in bots))
    return bots


async def _followers(session_factory: SessionFactory, clock: MutableClock) -> None:
    now = clock.now()
    async with session_factory() as session:
        await session.execute(
            insert(Person),
            [
                {
                    "telegram_id": FIRST_FOLLOWER + i,
                    "chat_id": FIRST_FOLLOWER + i,
                    "first_name": "居民",
                    "language_code": "zh-hans",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(FOLLOWERS)
            ],
        )
        ids = (
            await session.scalars(select(Person.id).where(Person.telegram_id >= FIRST_FOLLOWER))
        ).all()
        await session.execute(
            insert(Notification),
            [
                {
                    "recipient_id": person_id,
                    "kind": "issue_rejected",
                    "payload": {
                        "issue_number": "YS-2026-000001",
                        "reason": "已解决",
                        "role": "raiser",
                    },
                    "dedupe_key": f"broadcast:{person_id}",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for person_id in ids
            ],
        )
        # Jobs due now, each to run once (one of the two processes claims it).
        await session.execute(
            insert(ScheduledJob),
            [
                {
                    "kind": DIGEST_CHECK,
                    "key": f"several-processes:{i}",
                    "due_at": now - timedelta(minutes=1),
                    "payload": {},
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
                for i in range(20)
            ],
        )
        await session.commit()


async def test_two_processes_share_updates_pushes_and_jobs(
    served_api: tuple[FakeBotApi, RunningServer],
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
) -> None:
    api, server = served_api
    await factories.township(session_factory, clock.now())
    for i in range(FOLLOWERS):
        api.user(FIRST_FOLLOWER + i, first_name="居民")
    bots = await _two(api, server, database_url, tmp_path)
    user = api.user(1001, first_name="王阿姨", language_code="zh-hans")
    try:
        # One chat's updates in quick succession, each to the other process: each is
        # acknowledged once stored, long before the previous one is answered; they are
        # handled once each, in order.
        assert await bots[0].post(_command(1, 1001, "/start")) == 200
        await replies_until(user, "哪个村", timeout=15)  # the greeting comes first
        commands = ["/my" if i % 2 else "/help" for i in range(10)]
        for i, command in enumerate(commands):
            assert await bots[i % 2].post(_command(2 + i, 1001, command)) == 200
        # A replay reaching the other process is not handled again.
        assert await bots[1].post(_command(2, 1001, "/help")) == 200
        answers = [await user.next_message(timeout=15) for _ in commands]
        assert [NO_ISSUES in (m.text or "") for m in answers] == [c == "/my" for c in commands]

        # A broadcast shared by both; one process is killed half-way and started again.
        await _followers(session_factory, clock)
        for bot in bots:  # wake them (they also look every few seconds)
            await bot.post(_command(100 + bots.index(bot), 1001, "/help"))
        await _until(lambda: len(_reached(api)) >= FOLLOWERS // 2, seconds=30)
        await bots[0].kill()
        await bots[0].start()
        await _until(lambda: len(_reached(api)) >= FOLLOWERS, seconds=30)
        await asyncio.sleep(0.5)
    finally:
        logs = [await bot.stop() for bot in bots]
    reached = _reached(api)
    assert len(reached) == FOLLOWERS, "every follower got the push"
    duplicates = sum(count - 1 for count in reached.values())
    assert duplicates <= 64, "only the pushes in flight at the kill may arrive twice"
    async with session_factory() as session:
        statuses_left = (
            await session.scalars(
                select(Notification.status).where(Notification.dedupe_key.like("broadcast:%"))
            )
        ).all()
        jobs = (
            await session.execute(
                select(ScheduledJob.status, ScheduledJob.attempts).where(
                    ScheduledJob.key.like("several-processes:%")
                )
            )
        ).all()
        unfinished = (
            await session.scalars(select(ReceivedUpdate).where(ReceivedUpdate.status == "pending"))
        ).all()
    assert set(statuses_left) == {"sent"}
    assert jobs and all(status == "done" and attempts == 1 for status, attempts in jobs)
    assert not unfinished
    for log in logs[1:]:
        assert "Traceback" not in log, log


async def _until(check: Callable[[], bool], *, seconds: float) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)


def _reached(api: FakeBotApi) -> dict[int, int]:
    """Followers' chats and how many pushes each got."""
    counts: dict[int, int] = {}
    for chat_id in range(FIRST_FOLLOWER, FIRST_FOLLOWER + FOLLOWERS):
        sent = len([m for m in api.messages(chat_id) if m.from_bot])
        if sent:
            counts[chat_id] = sent
    return counts


async def test_a_flood_is_counted_across_both_processes(
    served_api: tuple[FakeBotApi, RunningServer],
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
) -> None:
    """Eight quick updates of one chat, alternating: each process sees four, under its limit
    of six, but together they are a flood, and the person is told so."""
    api, server = served_api
    await factories.township(session_factory, clock.now())
    bots = [WebhookProcess(api, server, database_url, tmp_path) for _ in range(2)]
    for bot in bots:
        bot.env["FLOOD_MAX_UPDATES"] = "6"
        bot.env["FLOOD_WINDOW_SECONDS"] = "60"
    await asyncio.gather(*(bot.start() for bot in bots))
    user = api.user(1002, first_name="王阿姨", language_code="zh-hans")
    try:
        for i in range(8):
            assert await bots[i % 2].post(_command(500 + i, 1002, "/help")) == 200
        # The answers to the first updates come before the warning; they are not counted.
        await replies_until(user, "您发消息太快了", timeout=20)
    finally:
        logs = [await bot.stop() for bot in bots]
    for log in logs:
        assert "Traceback" not in log, log
