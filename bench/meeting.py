"""Meeting benchmark: invite and remind 2,000 invitees.

A topic whose issue one resident raised and N−1 neighbours joined (附议) is deliberated at
a meeting, so every one of them is invited (no members, to keep N exact). The bench prints

- the time to create the meeting: N invitation rows, N outbox rows and the reminder jobs,
  in one transaction (what staff wait for after pressing "Create");
- the time for the 24 h reminder job to write its N outbox rows;
- the dispatcher's send rate for the invitations through the bot's own Bot API stack (PTB's
  AIORateLimiter at MAX_MESSAGES_PER_SECOND, default 30, over loopback HTTP to the fake);
- its send rate for the reminders with the limiter lifted: what the dispatcher itself can do.

The fake Bot API enforces no rate limit (another piece of work adds that), so the first rate
is the bot's own pacing, measured, not Telegram's answer to it. Anchor: Telegram's limit of
about 30 messages per second; the ratio is the measured rate over it.

    python bench/meeting.py [--invitees 2000] [--rate 30] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select
from telegram.ext import AIORateLimiter, ExtBot

from bot.clock import SystemClock
from bot.config import Settings
from bot.dispatcher import NotificationDispatcher
from bot.jobs import JOB_HANDLERS
from bot.scheduler import Scheduler
from bot.services import meetings, topics
from bot.services.container import Services
from bot.services.meetings import MeetingDraft
from bot.services.setup import setup_township
from bot.transport import AiohttpRequest
from fake_telegram import FakeBotApi, start_server
from handlers.notifications import render_notification
from storage.db import create_session_factory
from storage.migrate import migrated_engine
from storage.models import Invitation, Issue, Notification, Person, Support

TOKEN = "123456:BENCH-meeting-token"
TELEGRAM_RATE = 30.0


class Clock:
    """The system clock, which the bench can move forward (to a reminder's time)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return SystemClock().now() + self.offset


async def populate(services: Services, invitees: int, now: datetime) -> tuple[int, int]:
    """A township, N people, one issue raised by the first and joined by the rest, its topic
    selected. Returns (township id, topic id)."""
    async with services.uow() as uow:
        report = await setup_township(uow, name="东风镇", villages=["东风村"], now=now)
        rows = [
            {
                "telegram_id": 10_000 + n,
                "chat_id": 10_000 + n,
                "first_name": f"居民{n}",
                "locale": "zh_Hans",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(invitees)
        ]
        await uow.session.execute(insert(Person), rows)
        ids = list((await uow.session.scalars(select(Person.id).order_by(Person.id))).all())
        categories = await uow.directory.categories(report.township_id)
        issue = Issue(
            number="YS-2026-000001",
            township_id=report.township_id,
            village_id=report.villages["东风村"],
            author_id=ids[0],
            category_id=categories[0].id,
            text="东门路灯坏了",
            status="submitted",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(issue)
        await uow.session.flush()
        await uow.session.execute(
            insert(Support),
            [{"person_id": pid, "issue_id": issue.id, "created_at": now} for pid in ids[1:]],
        )
        topic = await topics.create_topic(
            uow,
            township_id=report.township_id,
            issue_ids=[issue.id],
            title="东门路灯",
            actor_id=None,
            now=now,
            zone=services.settings.zone,
        )
        await meetings.select_topic(
            uow, township_id=report.township_id, topic_id=topic.id, actor_id=None, now=now
        )
        # The "accepted" pushes of making the topic are not what is measured here.
        await uow.session.execute(Notification.__table__.delete())
        await uow.commit()
    return report.township_id, topic.id


async def count(services: Services, model: type, **where: object) -> int:
    async with services.uow() as uow:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(await uow.session.scalar(query) or 0)


async def drain(services: Services, bot: ExtBot[None], total: int) -> float:
    """Run a dispatcher until `total` rows are sent; returns messages per second."""
    dispatcher = NotificationDispatcher(
        services, bot, render_notification, batch_size=100, max_concurrent_sends=32
    )
    started = time.perf_counter()
    await dispatcher.start()
    try:
        while True:
            if await count(services, Notification, status="sent") >= total:
                break
            await asyncio.sleep(0.2)
    finally:
        await dispatcher.stop()
    return total / (time.perf_counter() - started)


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="meeting-bench-"))
    url = args.database if "://" in args.database else f"sqlite+aiosqlite:///{folder}/b.db"
    engine = await migrated_engine(url)
    clock = Clock()
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)  # type: ignore[call-arg]
    services = Services(
        settings=settings, session_factory=create_session_factory(engine), clock=clock
    )
    n = args.invitees
    township_id, topic_id = await populate(services, n, clock.now())
    api = FakeBotApi(token=TOKEN)
    for person in range(n):
        api.user(10_000 + person, first_name=f"居民{person}", language_code="zh-hans")
    server = await start_server(api)
    starts_at = clock.now() + timedelta(days=5)
    print(f"{n} invitees, database {url.split(':')[0]}")

    started = time.perf_counter()
    async with services.uow() as uow:
        await meetings.create_meeting(
            uow,
            township_id=township_id,
            draft=MeetingDraft(
                topic_ids=[topic_id],
                starts_at=starts_at,
                place="东风镇协商议事室",
                invite_members=False,
            ),
            actor_id=None,
            now=clock.now(),
        )
        await uow.commit()
    created = time.perf_counter() - started
    invited = await count(services, Invitation)
    queued = await count(services, Notification, kind="meeting_invited")
    print(
        f"create the meeting: {created * 1000:8.0f} ms  ({invited} invitations, {queued} outbox "
        f"rows, {created / max(invited, 1) * 1e6:.0f} µs per invitee)"
    )

    limiter = AIORateLimiter(overall_max_rate=args.rate, overall_time_period=1, max_retries=3)
    paced = ExtBot(
        TOKEN,
        base_url=server.base_url,
        request=AiohttpRequest(pool_size=64),
        rate_limiter=limiter,
    )
    async with paced:
        rate = await drain(services, paced, queued)
    print(
        f"send invitations:   {rate:8.1f} msg/s with the bot's limiter at {args.rate:g}/s "
        f"(ratio to Telegram's ~30/s: {rate / TELEGRAM_RATE:.2f}; the fake enforces no limit)"
    )

    clock.offset = starts_at - timedelta(hours=24) - clock.now() + clock.offset
    started = time.perf_counter()
    await Scheduler(services, JOB_HANDLERS).run_once()
    reminded = time.perf_counter() - started
    reminders = await count(services, Notification, kind="meeting_reminder")
    print(f"24 h reminder job:  {reminded * 1000:8.0f} ms  ({reminders} outbox rows)")

    bare = ExtBot(TOKEN, base_url=server.base_url, request=AiohttpRequest(pool_size=64))
    async with bare:
        rate = await drain(services, bare, queued + reminders)
    print(f"send reminders:     {rate:8.1f} msg/s with no limiter (the dispatcher's own pace)")
    calls = len(api.calls_of("sendMessage"))
    print(f"Bot API sendMessage calls: {calls} for {queued + reminders} pushes")
    await server.close()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--invitees", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=30.0, help="the bot's messages per second")
    parser.add_argument("--database", default="sqlite", help="sqlite (a temporary file) or a URL")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
