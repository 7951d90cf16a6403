"""Follow-through benchmark: progress to 2,000 followers, /mine, the overdue sweep and the
participation record of a busy township.

A topic whose issue one resident raised and N−1 neighbours joined (附议) was deliberated; its
outcome has M action items owned by one member (half of them overdue) and M/4 owned by a
department. The bench prints, each with the plain SQL `COUNT(*)` over the same rows as its
anchor (measured in the same run), and the ratio:

- posting one progress update with an album: N outbox rows in one transaction;
- /mine for the member (M items, overdue first, with each item's last update);
- the daily overdue sweep of the township (one nudge per overdue item, staff told);
- the participation record of every member for the year.

    python bench/progress.py [--followers 2000] [--items 400] [--database sqlite|URL]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from bot.config import Settings
from bot.domain.roles import RoleName
from bot.services import overdue, participation, progress, topics
from bot.services.container import Services
from bot.services.setup import setup_township
from storage.db import create_session_factory
from storage.jobs import ClaimedJob
from storage.migrate import migrated_engine
from storage.models import (
    ActionItem,
    Issue,
    Meeting,
    MeetingTopic,
    Notification,
    Outcome,
    Person,
    Support,
)

TOKEN = "123456:BENCH-progress-token"
# Monday 2 March 2026, 09:30 in Beijing: a working day.
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


class Clock:
    def now(self) -> datetime:
        return NOW


async def populate(services: Services, followers: int, items: int) -> tuple[int, int, list[int]]:
    """Returns (township id, the member's person id, the member's item ids)."""
    now = NOW
    async with services.uow() as uow:
        report = await setup_township(uow, name="东风镇", villages=["东风村"], now=now)
        people = [
            {
                "telegram_id": 10_000 + n,
                "chat_id": 10_000 + n,
                "first_name": f"居民{n}",
                "locale": "zh_Hans",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(followers + 2)
        ]
        await uow.session.execute(insert(Person), people)
        ids = list((await uow.session.scalars(select(Person.id).order_by(Person.id))).all())
        member, staff, residents = ids[-2], ids[-1], ids[:followers]
        await uow.people.grant(member, report.township_id, RoleName.MEMBER, now)
        await uow.people.grant(staff, report.township_id, RoleName.STAFF, now)
        categories = await uow.directory.categories(report.township_id)
        issue = Issue(
            number="YS-2026-000001",
            township_id=report.township_id,
            village_id=report.villages["东风村"],
            author_id=residents[0],
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
            [{"person_id": pid, "issue_id": issue.id, "created_at": now} for pid in residents[1:]],
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
        meeting = Meeting(
            number="HY-2026-0001",
            township_id=report.township_id,
            title="东门路灯协商议事会",
            starts_at=now - timedelta(days=40),
            duration_minutes=90,
            format="onsite",
            agenda=[],
            description="",
            status="scheduled",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(meeting)
        await uow.session.flush()
        uow.session.add(MeetingTopic(meeting_id=meeting.id, topic_id=topic.id))
        outcome = Outcome(
            meeting_id=meeting.id, status="published", updated_at=now, published_at=now
        )
        uow.session.add(outcome)
        await uow.session.flush()
        today = date(2026, 3, 2)
        rows: list[dict[str, Any]] = [
            {
                "outcome_id": outcome.id,
                "topic_id": topic.id,
                "description": f"事项{n}",
                "owner_person_id": member if n < items else None,
                "owner_name": None if n < items else "城管办",
                # Half overdue (due in February), half due later in March.
                "due_on": today + timedelta(days=(-1 - n % 20) if n % 2 else 1 + n % 20),
                "status": "open",
                "progress": 0,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(items + items // 4)
        ]
        await uow.session.execute(insert(ActionItem), rows)
        # The "accepted" pushes of making the topic are not what is measured here.
        await uow.session.execute(Notification.__table__.delete())
        await uow.commit()
        owned = await uow.session.scalars(
            select(ActionItem.id).where(ActionItem.owner_person_id == member)
        )
        return report.township_id, member, list(owned)


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return time.perf_counter() - started, result


async def anchor(services: Services, query: Any) -> float:
    async with services.uow() as uow:
        started = time.perf_counter()
        await uow.session.scalar(query)
        return time.perf_counter() - started


def line(name: str, seconds: float, anchor_seconds: float, what: str) -> None:
    ratio = seconds / anchor_seconds if anchor_seconds else float("inf")
    print(
        f"{name:<34} {seconds * 1000:9.1f} ms   anchor {anchor_seconds * 1000:7.2f} ms"
        f"   ratio {ratio:8.1f}   {what}"
    )


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="progress-bench-"))
    url = args.database if "://" in args.database else f"sqlite+aiosqlite:///{folder}/b.db"
    engine = await migrated_engine(url)
    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)  # type: ignore[call-arg]
    services = Services(
        settings=settings, session_factory=create_session_factory(engine), clock=Clock()
    )
    township, member, owned = await populate(services, args.followers, args.items)
    print(
        f"{args.followers} followers, {len(owned)} items of one member, "
        f"{args.items // 4} of a department; database {engine.dialect.name}"
    )

    async def post() -> progress.Posted:
        async with services.uow() as uow:
            posted = await progress.post_update(
                uow,
                township_id=township,
                item_id=owned[0],
                actor_id=member,
                text="已安装2盏",
                photos=[f"photo-{n}" for n in range(5)],
                percent=50,
                done=False,
                now=NOW,
            )
            await uow.commit()
            return posted

    seconds, posted = await timed(post)
    base = await anchor(services, select(func.count()).select_from(Notification))
    line("post an update (album)", seconds, base, f"{posted.told} pushes queued")

    async def mine() -> list[progress.ItemSummary]:
        async with services.uow() as uow:
            return await progress.mine(uow, township, member, NOW)

    seconds, listed = await timed(mine)
    base = await anchor(services, select(func.count()).select_from(ActionItem))
    line("/mine of the member", seconds, base, f"{len(listed)} items")

    async def sweep() -> str:
        async with services.uow() as uow:
            job = ClaimedJob(0, overdue.SWEEP_JOB, "bench", NOW, {"township_id": township}, 1, NOW)
            result = await overdue.run_sweep(uow, job, NOW)
            await uow.commit()
            return result

    seconds, result = await timed(sweep)
    line("overdue sweep", seconds, base, result)

    async def record() -> list[participation.Participation]:
        since, until = participation.period_bounds("this_year", NOW, settings.zone)
        async with services.uow() as uow:
            return await participation.participation(uow, township, None, since, until)

    seconds, records = await timed(record)
    line("participation, every member, year", seconds, base, f"{len(records)} members")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=2000)
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--database", default="sqlite", help="sqlite, or a database URL")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
