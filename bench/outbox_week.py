"""Outbox size over a week: a broadcast a day to every follower, settled rows pruned.

The dispatcher runs in this process against the fake Telegram (no limits: the week is
simulated, with a clock moved by hand), on a SQLite file. Each simulated day one push goes
to every follower and is sent; then the dispatcher's housekeeping runs as it does every
minute in the bot. Printed per day: outbox rows with housekeeping (keep time
OUTBOX_KEEP_DAYS, 2 days here) against the anchor, the rows the same week leaves without
it, and the ratio. The size must stop growing at the keep time's rows.

    python bench/outbox_week.py [--followers 1000] [--days 7] [--keep-days 2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from telegram import Bot  # noqa: E402

from bench.fanout import follower_rows  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.dispatcher import NotificationDispatcher  # noqa: E402
from bot.services.container import Services  # noqa: E402
from fake_telegram import FakeBotApi, InProcessRequest  # noqa: E402
from handlers.notifications import render_notification  # noqa: E402
from storage.db import SessionFactory, create_session_factory  # noqa: E402
from storage.migrate import migrated_engine  # noqa: E402
from storage.models import Notification, Person  # noqa: E402

TOKEN = "123456:BENCH-week"
FIRST_FOLLOWER = 6_000_000


class SimulatedClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


async def run(followers: int, days: int, keep_days: float) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-week-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'week.sqlite3'}"
        engine = await migrated_engine(url)
        sessions = create_session_factory(engine)
        clock = SimulatedClock()
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            database_url=url,
            outbox_keep_days=keep_days,
        )
        services = Services(settings=settings, session_factory=sessions, clock=clock)
        api = FakeBotApi(token=TOKEN)
        ids = await _followers(sessions, api, clock, followers)
        bot = Bot(TOKEN, request=InProcessRequest(api))
        await bot.initialize()
        dispatcher = NotificationDispatcher(services, bot, render_notification)
        print(f"{followers} followers, a push a day for {days} days, keep time {keep_days} days")
        started = time.perf_counter()
        for day in range(days):
            await _broadcast(sessions, clock, ids, day)
            while await dispatcher.run_once():
                clock.current += timedelta(seconds=2)  # one push a second per chat
            await dispatcher.housekeep()
            async with sessions() as session:
                rows = int(await session.scalar(select(func.count(Notification.id))) or 0)
            without = followers * (day + 1)  # nothing pruned: every row stays
            print(
                f"  day {day + 1}: {rows} outbox rows; without housekeeping {without};"
                f" ratio {rows / without:.2f}",
                flush=True,
            )
            clock.current += timedelta(days=1)
        print(f"  ({time.perf_counter() - started:.1f} s; bound: {keep_days:g} days of rows)")
        await bot.shutdown()
        await engine.dispose()


async def _followers(
    sessions: SessionFactory, api: FakeBotApi, clock: SimulatedClock, count: int
) -> list[int]:
    now = clock.now()
    for i in range(count):
        api.user(FIRST_FOLLOWER + i, first_name="居民")
    async with sessions() as session:
        await session.execute(insert(Person), follower_rows(FIRST_FOLLOWER, count, now))
        await session.commit()
        return list(
            (
                await session.scalars(select(Person.id).where(Person.telegram_id >= FIRST_FOLLOWER))
            ).all()
        )


async def _broadcast(
    sessions: SessionFactory, clock: SimulatedClock, ids: list[int], day: int
) -> None:
    now = clock.now()
    async with sessions() as session:
        await session.execute(
            insert(Notification),
            [
                {
                    "recipient_id": person_id,
                    "kind": "issue_rejected",
                    "payload": {"issue_number": f"YS-2026-{day:06d}", "reason": "已解决"},
                    "dedupe_key": f"week:{day}:{person_id}",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for person_id in ids
            ],
        )
        await session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--keep-days", type=float, default=2.0)
    args = parser.parse_args()
    asyncio.run(run(args.followers, args.days, args.keep_days))


if __name__ == "__main__":
    main()
