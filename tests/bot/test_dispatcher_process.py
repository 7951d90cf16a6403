"""The real bot process killed (SIGKILL) in the middle of a broadcast, then started again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select

from fake_telegram import FakeBotApi, RunningServer
from storage.db import SessionFactory
from storage.models import Notification, Person
from tests import factories
from tests.bot.test_runtime import TOKEN, BotProcess, _clean_env, served_api
from tests.conftest import MutableClock

__all__ = ["served_api"]  # the fixture, shared with the other runtime tests

FOLLOWERS = 200
FIRST = 8_000_000


async def _broadcast(session_factory: SessionFactory, clock: MutableClock) -> None:
    now = clock.now()
    async with session_factory() as session:
        people = [
            {
                "telegram_id": FIRST + i,
                "chat_id": FIRST + i,
                "first_name": "居民",
                "language_code": "zh-hans",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(FOLLOWERS)
        ]
        await session.execute(insert(Person), people)
        ids = (await session.scalars(select(Person.id).where(Person.telegram_id >= FIRST))).all()
        payload = {"issue_number": "YS-2026-000001", "reason": "已解决", "role": "raiser"}
        rows = [
            {
                "recipient_id": person_id,
                "kind": "issue_rejected",
                "payload": payload,
                "dedupe_key": f"kill:{person_id}",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for person_id in ids
        ]
        await session.execute(insert(Notification), rows)
        await session.commit()


def _reached(api: FakeBotApi) -> dict[int, int]:
    counts = {}
    for chat_id in range(FIRST, FIRST + FOLLOWERS):
        sent = len([m for m in api.messages(chat_id) if m.from_bot])
        if sent:
            counts[chat_id] = sent
    return counts


async def _until(check: Callable[[], bool], *, seconds: float) -> None:
    for _ in range(int(seconds / 0.02)):
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_a_broadcast_killed_half_way_reaches_everyone_after_the_restart(
    served_api: tuple[FakeBotApi, RunningServer],
    database_url: str,
    session_factory: SessionFactory,
    clock: MutableClock,
    tmp_path: Path,
) -> None:
    api, server = served_api
    await factories.township(session_factory, clock.now())
    for i in range(FOLLOWERS):
        api.user(FIRST + i, first_name="居民")
    await _broadcast(session_factory, clock)
    env = _clean_env(
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=server.base_url,
        DATABASE_URL=database_url,
        # Slow enough to be killed in the middle; a dead claim is taken over after 3 s.
        MAX_MESSAGES_PER_SECOND="100",
        OUTBOX_LEASE_SECONDS="3",
    )
    bot = BotProcess(env, tmp_path)
    await bot.start(api)
    try:
        await _until(lambda: len(_reached(api)) >= FOLLOWERS // 3, seconds=20)
        await bot.kill()
        assert len(_reached(api)) < FOLLOWERS, "killed before the broadcast was done"
        await bot.start(api)
        await _until(lambda: len(_reached(api)) == FOLLOWERS, seconds=30)
        await asyncio.sleep(0.5)  # a late duplicate would come within this
    finally:
        log = await bot.stop()
    reached = _reached(api)
    duplicates = sum(count - 1 for count in reached.values())
    # Only what was in flight at the kill can arrive twice: at most the sends under way and
    # those sent but not recorded yet.
    assert duplicates <= 64, duplicates
    async with session_factory() as session:
        statuses = set(
            (
                await session.scalars(
                    select(Notification.status).where(Notification.dedupe_key.like("kill:%"))
                )
            ).all()
        )
    assert statuses == {"sent"}
    assert "Traceback" not in log, log
