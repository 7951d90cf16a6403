"""Figures benchmark: /stats, the chart and the .xlsx export over 100,000 issues.

Builds a township of 20 villages with 100,000 issues over two years (their answers, topics,
meetings with invitations, action items, progress updates, ratings and look-backs) in
SQLite, and again in PostgreSQL when TEST_DATABASE_URL is set, then prints

- /stats (overall, by village, by category) for a month and for a year; goal ≤ 200 ms each
  on SQLite;
- the chart's render time (the months of a year, the rates by village);
- the .xlsx export of one month and of one year; goal ≤ 5 s for a month;
- the peak resident memory of the process;

each beside its anchor: the plain SQL COUNT(*) of the period's issues, timed in the same
run (the ratio says how many such counts the figure costs). Never fails: a problem is
printed and the next measurement goes on.

    python bench/stats.py [--issues 100000] [--villages 20] [--postgres-only]
                          [--sqlite FILE] [--stats-only]

--sqlite FILE keeps the SQLite database in FILE (built there when it does not exist, used
as it is when it does), so runs can be compared, and the figures profiled, on the same rows.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.roles import RoleName
from bot.i18n import translator
from bot.services import export_files, exports, stats, stats_chart
from bot.services.setup import setup_township
from bot.services.stats import Period
from handlers.stats import render_report
from storage.db import create_engine, create_session_factory, reset_schema
from storage.migrate import upgrade
from storage.models import (
    ActionItem,
    Invitation,
    Issue,
    IssueEvent,
    LookBack,
    Meeting,
    MeetingTopic,
    Outcome,
    Person,
    ProgressUpdate,
    Rating,
    Role,
    Topic,
)
from storage.uow import UnitOfWork

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
MONTH = Period(date(2026, 10, 1), date(2026, 10, 31))
YEAR = Period(date(2025, 11, 1), date(2026, 10, 31))
ZH = translator("zh_Hans")
CHUNK = 5000


async def _bulk(engine: AsyncEngine, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in chunks; returns their ids (in order)."""
    ids: list[int] = []
    async with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)
            ids += list((await connection.execute(statement, chunk)).scalars())
    return ids


async def populate(engine: AsyncEngine, issues: int, villages: int) -> int:
    """The township; returns its id. Deterministic (seeded)."""
    rng = random.Random(9)
    factory = create_session_factory(engine)
    names = [f"第{n + 1}村" for n in range(villages)]
    async with UnitOfWork(factory) as uow:
        report = await setup_township(uow, name="东风镇", villages=names, now=NOW)
        categories = [c.id for c in await uow.directory.categories(report.township_id)]
        await uow.commit()
    township, village_ids = report.township_id, list(report.villages.values())
    first = NOW - timedelta(days=730)
    people = await _bulk(
        engine,
        Person,
        [
            {
                "telegram_id": 100_000 + n,
                "chat_id": 100_000 + n,
                "first_name": f"居民{n}",
                "locale": "zh_Hans",
                "active": True,
                "created_at": first,
                "updated_at": first,
            }
            for n in range(5000)
        ],
    )
    members, staff = people[:40], people[40:45]
    await _bulk(
        engine,
        Role,
        [
            {"person_id": p, "township_id": township, "role": RoleName.MEMBER, "granted_at": first}
            for p in members
        ]
        + [
            {"person_id": p, "township_id": township, "role": RoleName.STAFF, "granted_at": first}
            for p in staff
        ],
    )
    # Topics: one per five issues; a third selected, and of those 60 % resolved.
    topic_count = issues // 5
    topic_rows, topic_state = [], []
    for n in range(topic_count):
        opened = first + timedelta(seconds=rng.uniform(0, 730 * 86400))
        selected = rng.random() < 0.33
        resolved = selected and rng.random() < 0.6
        status = "resolved" if resolved else ("implementing" if selected else "collecting")
        topic_state.append((opened, selected, resolved))
        topic_rows.append(
            {
                "number": f"YT-{n + 1:06d}",
                "township_id": township,
                "category_id": rng.choice(categories),
                "title": f"议题{n + 1}",
                "summary": "",
                "status": status,
                "resolved_at": opened + timedelta(days=rng.uniform(10, 60)) if resolved else None,
                "reopened": 0,
                "created_at": opened,
                "updated_at": opened,
            }
        )
    topic_ids = await _bulk(engine, Topic, topic_rows)
    issue_rows = []
    for n in range(issues):
        topic = rng.randrange(topic_count) if rng.random() < 0.8 else None
        raised = first + timedelta(seconds=rng.uniform(0, 730 * 86400))
        answered = (
            raised + timedelta(hours=rng.expovariate(1 / 40))
            if topic is not None or rng.random() < 0.5
            else None
        )
        status = (
            "submitted" if answered is None else "accepted" if topic is not None else "rejected"
        )
        issue_rows.append(
            {
                "number": f"YS-{n + 1:07d}",
                "township_id": township,
                "village_id": rng.choice(village_ids),
                "author_id": rng.choice(people[45:]),
                "category_id": rng.choice(categories),
                "text": f"诉求{n + 1}：路灯不亮，晚上出行不便",
                "anonymous": rng.random() < 0.1,
                "status": status,
                "first_answered_at": answered,
                "source": "telegram",
                "topic_id": topic_ids[topic] if topic is not None else None,
                "likes": 0,
                "category_confirmed": False,
                "created_at": raised,
                "updated_at": raised,
            }
        )
    issue_ids = await _bulk(engine, Issue, issue_rows)
    events = []
    for issue_id, row in zip(issue_ids, issue_rows, strict=True):
        raised = row["created_at"]
        events.append(
            {
                "issue_id": issue_id,
                "at": raised,
                "from_status": None,
                "to_status": "submitted",
                "actor_id": row["author_id"],
            }
        )
        if row["first_answered_at"] is not None:
            events.append(
                {
                    "issue_id": issue_id,
                    "at": row["first_answered_at"],
                    "from_status": "submitted",
                    "to_status": row["status"],
                    "actor_id": staff[0],
                }
            )
    await _bulk(engine, IssueEvent, events)
    # Meetings on selected topics, each with ten invitations and an outcome of two items.
    selected = [(tid, st) for tid, st in zip(topic_ids, topic_state, strict=True) if st[1]]
    meeting_rows, invitations, outcomes, items, updates, ratings, looks = [], [], [], [], [], [], []
    for n, (_tid, (opened, _s, _r)) in enumerate(selected[::10]):
        starts = opened + timedelta(days=7)
        meeting_rows.append(
            {
                "number": f"HY-{n + 1:05d}",
                "township_id": township,
                "title": f"协商会{n + 1}",
                "starts_at": starts,
                "duration_minutes": 90,
                "format": "onsite",
                "agenda": [],
                "description": "",
                "status": "scheduled",
                "checkin_open": False,
                "created_at": opened,
                "updated_at": opened,
            }
        )
    meeting_ids = await _bulk(engine, Meeting, meeting_rows)
    for meeting_id, (_tid, _st), row in zip(meeting_ids, selected[::10], meeting_rows, strict=True):
        starts = row["starts_at"]
        for person in rng.sample(members, 5) + rng.sample(people[45:], 5):
            came = rng.random() < 0.8
            invitations.append(
                {
                    "meeting_id": meeting_id,
                    "person_id": person,
                    "role": "member" if person in members else "resident",
                    "reason": "member",
                    "responded_at": starts,
                    "rsvp": "yes",
                    "checked_in_at": starts if came else None,
                    "created_at": row["created_at"],
                }
            )
        outcomes.append(
            {
                "meeting_id": meeting_id,
                "summary": "纪要",
                "consensus": "共识",
                "disagreements": "",
                "status": "published",
                "updated_at": starts,
                "published_at": starts + timedelta(hours=3),
            }
        )
    await _bulk(engine, Invitation, invitations)
    await _bulk(
        engine,
        MeetingTopic,
        [
            {"meeting_id": m, "topic_id": t, "opinions_open": False}
            for m, (t, _s) in zip(meeting_ids, selected[::10], strict=True)
        ],
    )
    outcome_ids = await _bulk(engine, Outcome, outcomes)
    for outcome_id, outcome in zip(outcome_ids, outcomes, strict=True):
        published = outcome["published_at"]
        for k in range(2):
            done = rng.random() < 0.7
            due = (published + timedelta(days=30)).date()
            items.append(
                {
                    "outcome_id": outcome_id,
                    "topic_id": rng.choice(selected)[0],
                    "description": f"事项{k}",
                    "owner_person_id": rng.choice(members),
                    "due_on": due,
                    "status": "done" if done else "open",
                    "progress": 100 if done else 40,
                    "done_at": published + timedelta(days=rng.uniform(5, 40)) if done else None,
                    "created_at": published,
                    "updated_at": published,
                }
            )
    item_ids = await _bulk(engine, ActionItem, items)
    for item_id, item in zip(item_ids, items, strict=True):
        updates.append(
            {
                "action_item_id": item_id,
                "author_id": item["owner_person_id"],
                "text": "进展",
                "photos": [],
                "percent": item["progress"],
                "on_behalf": False,
                "created_at": item["created_at"] + timedelta(days=3),
            }
        )
    await _bulk(engine, ProgressUpdate, updates)
    for tid, (opened, _s, resolved) in selected:
        if not resolved:
            continue
        when = opened + timedelta(days=65)
        for person in rng.sample(people[45:], 3):
            ratings.append(
                {
                    "topic_id": tid,
                    "person_id": person,
                    "round": 1,
                    "value": rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"]),
                    "created_at": when,
                    "updated_at": when,
                }
            )
        for person in rng.sample(people[45:], 2):
            looks.append(
                {
                    "topic_id": tid,
                    "round": 1,
                    "person_id": person,
                    "answer": "still_solved" if rng.random() < 0.85 else "back_again",
                    "created_at": when + timedelta(days=30),
                }
            )
    await _bulk(engine, Rating, ratings)
    await _bulk(engine, LookBack, looks)
    print(
        f"  built: {issues} issues, {len(events)} answers, {topic_count} topics, "
        f"{len(meeting_ids)} meetings, {len(invitations)} invitations, {len(items)} action items, "
        f"{len(updates)} progress updates, {len(ratings)} ratings, {len(looks)} look-backs"
    )
    return township


async def timed(work: Callable[[], Awaitable[Any]], runs: int = 3) -> tuple[float, Any]:
    """The best of `runs` (the first warms the caches), in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = await work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _problem() -> str:
    """The error in one line (the bench goes on)."""
    kind, error, _trace = sys.exc_info()
    name = kind.__name__ if kind else "error"
    return f"    {name}: {str(error).splitlines()[0][:300] if str(error) else ''}"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(
    url: str,
    label: str,
    issues: int,
    villages: int,
    *,
    reuse: bool = False,
    stats_only: bool = False,
) -> None:
    print(f"\n== {label} ==")
    engine = create_engine(url)
    if url.startswith("postgresql"):
        await reset_schema(engine)
    await upgrade(engine)
    started = time.perf_counter()
    if reuse:
        async with engine.connect() as connection:
            township = int(await connection.scalar(text("SELECT min(id) FROM townships")) or 0)
        print(f"  (the database kept from an earlier run: township {township})")
    else:
        township = await populate(engine, issues, villages)
    if url.startswith("postgresql"):
        # What autovacuum does soon after such a load in production: the planner's statistics.
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    print(f"  build time {time.perf_counter() - started:.1f} s")
    factory = create_session_factory(engine)

    async def anchor(period: Period) -> tuple[float, int]:
        async def count() -> int:
            async with UnitOfWork(factory) as uow:
                start, end = period.bounds(ZoneInfo("Asia/Shanghai"))
                return await uow.stats.issue_count(township, start, end)

        return await timed(count)

    for name, period in (("month", MONTH), ("year", YEAR)):
        try:
            count_s, count = await anchor(period)

            async def figures(period: Period = period) -> str:
                async with UnitOfWork(factory) as uow:
                    report = await stats.figures(uow, township, period, NOW)
                return render_report(ZH, report)

            stats_s, _text = await timed(figures)
            print(
                f"  /stats {name:5}  {stats_s * 1000:8.1f} ms   anchor COUNT(*) of its {count} "
                f"issues {count_s * 1000:6.1f} ms   ratio {stats_s / count_s:6.1f}"
                + ("   (goal ≤ 200 ms)" if label == "SQLite" else "")
            )
        except Exception:
            print(f"  /stats {name}: failed\n{_problem()}")
    if stats_only:
        await engine.dispose()
        return

    try:
        count_s, count = await anchor(YEAR)

        async def chart() -> bytes:
            async with UnitOfWork(factory) as uow:
                report = await stats.figures(uow, township, YEAR, NOW)
                monthly = await stats.monthly(uow, township, YEAR)
            return stats_chart.render(ZH, report, monthly)

        chart_s, png = await timed(chart)
        print(
            f"  chart (a year)  {chart_s * 1000:8.1f} ms ({len(png) // 1024} KB PNG)   anchor "
            f"{count_s * 1000:6.1f} ms   ratio {chart_s / count_s:6.1f}"
        )
    except Exception:
        print(f"  chart: failed\n{_problem()}")

    for name, period in (("month", MONTH), ("year", YEAR)):
        try:
            count_s, count = await anchor(period)

            async def workbook(period: Period = period) -> bytes:
                async with UnitOfWork(factory) as uow:
                    export = await exports.collect(uow, township, period)
                return export_files.to_xlsx(ZH, export)

            xlsx_s, content = await timed(workbook, runs=1 if name == "year" else 2)
            print(
                f"  .xlsx {name:5}  {xlsx_s:8.2f} s  ({len(content) // 1024} KB)   anchor "
                f"{count_s * 1000:6.1f} ms   ratio {xlsx_s / count_s:8.1f}"
                + ("   (goal ≤ 5 s)" if name == "month" else "")
            )
        except Exception:
            print(f"  .xlsx {name}: failed\n{_problem()}")
    print(f"  peak RSS so far  {peak_rss_mb():8.0f} MB")
    await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.sqlite) if args.sqlite else Path(folder) / "bench.sqlite3"
        reuse = path.exists()
        try:
            if not args.postgres_only:
                await measure(
                    f"sqlite+aiosqlite:///{path}",
                    "SQLite",
                    args.issues,
                    args.villages,
                    reuse=reuse,
                    stats_only=args.stats_only,
                )
        except Exception:
            print(f"SQLite: failed\n{_problem()}")
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        try:
            await measure(url, "PostgreSQL", args.issues, args.villages, stats_only=args.stats_only)
        except Exception:
            print(f"PostgreSQL: failed\n{_problem()}")
    else:
        print("\n(PostgreSQL skipped: set TEST_DATABASE_URL=postgresql+asyncpg://… to measure it)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--villages", type=int, default=20)
    parser.add_argument("--postgres-only", action="store_true", help="skip the SQLite run")
    parser.add_argument(
        "--sqlite", metavar="FILE", help="keep the SQLite database here (reused when it exists)"
    )
    parser.add_argument(
        "--stats-only", action="store_true", help="only /stats (skip the chart and the exports)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
