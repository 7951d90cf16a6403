"""Fan-out benchmark: one push to thousands of followers at Telegram's (scaled) limits.

The fake Telegram runs in this process and enforces the flood limits scaled up by a factor
(by default ten: 300 messages/s overall and 10/s per chat, answering 429 with a fractional
`retry_after` when they are exceeded), so a run of 5,000 pushes takes seconds. A larger
factor measures the test rig rather than the bot on a small machine: the fake spends about
a millisecond of CPU per call, so on two cores it serves some 900 calls/s, well under
3,000/s (`--overall 3000 --per-chat 100` runs it anyway; the CPU line shows who ran out).
The bot runs as its own process (`python -m bot`, webhook mode; this harness posts the updates, as a
reverse proxy would). The pushes are queued in the outbox as one progress-like event would
queue them, one row per follower; meanwhile a resident keeps asking the bot something
(`/help`) and the delay of each direct reply is measured.

Printed per scenario:
- achieved rate / enforced limit (goal >= 0.9), from the first accepted push to the last;
- 429 answers received, lost pushes (goal 0), duplicates (goal 0);
- p99 delay of a direct reply sent during the broadcast (goal <= 100 ms), and when idle.

Scenarios: one process on SQLite; the same with SIGKILL at 50 % and a restart (lost must be
0; duplicates are limited to the rows in flight at the kill); and, when TEST_DATABASE_URL
points at a PostgreSQL database (its schema is replaced), two processes sharing it.

    python bench/fanout.py [--followers 5000] [--overall 300] [--per-chat 10]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bench.intake import free_port, process_cpu_seconds, wait_until_warm  # noqa: E402
from bot.services.setup import setup_township  # noqa: E402
from fake_telegram import FakeBotApi, start_server  # noqa: E402
from fake_telegram.core import canonical_method  # noqa: E402
from fake_telegram.limits import RateLimits  # noqa: E402
from fake_telegram.state import as_chat_id  # noqa: E402
from storage.db import create_engine, create_session_factory, reset_schema  # noqa: E402
from storage.migrate import migrated_engine  # noqa: E402
from storage.models import Notification, Person  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TOKEN = "123456:BENCH-fanout"
SECRET = hashlib.sha256(f"webhook:{TOKEN}".encode()).hexdigest()
FIRST_FOLLOWER = 5_000_000
RESIDENT = 4_000_001
# Seconds between a reply and the resident's next question: quick, but never faster than the
# per-chat limit allows the answers to come (a person asking faster would be refused by
# Telegram too, whatever the bot does).
PROBE_PAUSE = 0.02
DONE_TIMEOUT = 120.0


@dataclass
class Tally:
    """What the fake Telegram accepted and refused, per follower chat."""

    followers: range
    accepted: Counter[int] = field(default_factory=Counter)
    refused: int = 0
    first: float | None = None
    last: float | None = None

    def record(self, chat_id: int | None, status: int) -> None:
        if chat_id is None or chat_id not in self.followers:
            return
        if status == 429:
            self.refused += 1
        elif status == 200:
            now = time.perf_counter()
            self.first = now if self.first is None else self.first
            self.last = now
            self.accepted[chat_id] += 1

    @property
    def reached(self) -> int:
        return len(self.accepted)

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.accepted.values())

    @property
    def lost(self) -> int:
        return len(self.followers) - self.reached


def track(api: FakeBotApi, tally: Tally) -> None:
    """Count the outcome of every sendMessage the fake answers."""
    handle = api.handle

    async def counted(
        token: str, method: str, params: dict[str, Any], uploads: Any = None
    ) -> tuple[int, dict[str, Any]]:
        status, body = await handle(token, method, params, uploads)
        if canonical_method(method) == "sendMessage":
            tally.record(as_chat_id(params.get("chat_id")), status)
        return status, body

    api.handle = counted  # type: ignore[method-assign]


async def prepare(url: str, followers: int, postgres: bool) -> None:
    """A fresh database with one township and `followers` people who can be reached."""
    if postgres:
        engine = create_engine(url)
        await reset_schema(engine)
        await engine.dispose()
    engine = await migrated_engine(url)
    now = datetime.now(UTC)
    async with UnitOfWork(create_session_factory(engine)) as uow:
        await setup_township(uow, name="东风镇", villages=["东风村"], now=now)
        await uow.commit()
    async with engine.begin() as connection:
        people = follower_rows(FIRST_FOLLOWER, followers, now)
        for start in range(0, len(people), 1000):
            await connection.execute(insert(Person), people[start : start + 1000])
    await engine.dispose()


def follower_rows(first: int, count: int, now: datetime) -> list[dict[str, Any]]:
    """People who can be reached, their Telegram ids (and chats) from `first` on."""
    return [
        {
            "telegram_id": first + i,
            "chat_id": first + i,
            "first_name": f"居民{i}",
            "language_code": "zh-hans",
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]


async def queue_broadcast(url: str, followers: int) -> None:
    """One progress-like event: a row per follower, all in one transaction."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        ids = dict(
            (row.telegram_id, row.id)
            for row in await connection.execute(
                Person.__table__.select().where(Person.telegram_id >= FIRST_FOLLOWER)
            )
        )
        rows = [
            {
                "recipient_id": ids[FIRST_FOLLOWER + i],
                "kind": "issue_accepted",
                "payload": {
                    "issue_number": f"YS-2026-{i:06d}",
                    "topic_number": "YT-2026-0001",
                    "topic_title": "南湖社区东门路灯维修",
                    "role": "author",
                },
                "dedupe_key": f"bench-fanout:{i}",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for i in range(followers)
        ]
        for start in range(0, len(rows), 1000):
            await connection.execute(insert(Notification), rows[start : start + 1000])
    await engine.dispose()


class BotProcess:
    """`python -m bot` in webhook mode against the fake Telegram."""

    def __init__(self, server_url: str, database_url: str, overall: float, share: int) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_"))}
        env.update(
            BOT_TOKEN=TOKEN,
            BOT_API_BASE_URL=server_url,
            DATABASE_URL=database_url,
            PYTHONPATH=str(ROOT),
            LOG_LEVEL="WARNING",
            WEBHOOK_URL="https://bot.example.test/telegram",
            WEBHOOK_PORT=str(self.port),
            # Each process's share of the overall limit (several processes split it).
            MAX_MESSAGES_PER_SECOND=str(overall / share),
            OUTBOX_LEASE_SECONDS="10",
            FLOOD_MAX_UPDATES="100000",
        )
        self.env = env
        self.url = f"http://127.0.0.1:{self.port}/telegram"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            *os.environ.get("BENCH_PYTHON_ARGS", "").split(),
            "-m",
            "bot",
            env=self.env,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
        )
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                try:
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as health:
                        if health.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("the bot's webhook endpoint did not come up")

    def kill(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.kill()

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


_update_ids = itertools.count(1)


def help_update(user_id: int) -> dict[str, object]:
    update_id = next(_update_ids)
    person = {"id": user_id, "is_bot": False, "first_name": "王阿姨", "language_code": "zh-hans"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "王阿姨"},
            "from": person,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def probe(
    api: FakeBotApi, bots: list[BotProcess], stop: asyncio.Event, pause: float
) -> list[float]:
    """The resident asks again and again; returns each reply's delay in ms."""
    user = api.user(RESIDENT, first_name="王阿姨", language_code="zh-hans")
    delays: list[float] = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with aiohttp.ClientSession() as http:
        for turn in itertools.count():
            if stop.is_set():
                break
            alive = [b for b in bots if b.process and b.process.returncode is None]
            if not alive:
                await asyncio.sleep(0.05)
                continue
            target = alive[turn % len(alive)]  # the proxy spreads requests
            seen = len(user.bot_messages())
            started = time.perf_counter()
            try:
                async with http.post(target.url, json=help_update(RESIDENT), headers=headers):
                    pass
            except aiohttp.ClientError:
                continue  # the process was killed under the request
            try:
                while len(user.bot_messages()) <= seen:
                    await user.next_message(timeout=10)
            except TimeoutError:
                continue
            delays.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(pause)
    return delays


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def scenario(
    label: str,
    database_url: str,
    args: argparse.Namespace,
    *,
    processes: int = 1,
    kill_at: float | None = None,
    postgres: bool = False,
) -> dict[str, float]:
    followers = range(FIRST_FOLLOWER, FIRST_FOLLOWER + args.followers)
    api = FakeBotApi(token=TOKEN)
    for chat_id in followers:
        api.user(chat_id, first_name="居民")
    tally = Tally(followers)
    track(api, tally)
    server = await start_server(api)
    await prepare(database_url, args.followers, postgres)
    bots = [
        BotProcess(server.base_url, database_url, args.overall, processes) for _ in range(processes)
    ]
    stop_probe = asyncio.Event()
    try:
        for bot in bots:
            await bot.start()
        # Measured once the start-up work (word dictionary, category models) is done.
        for bot in bots:
            await wait_until_warm(f"http://127.0.0.1:{bot.port}/metrics")
        pause = max(PROBE_PAUSE, 1.5 / args.per_chat)
        idle = await asyncio.wait_for(_idle_probe(api, bots, pause), timeout=60)
        api.enforce_limits(RateLimits(args.overall, args.per_chat, whole_seconds=False))
        prober = asyncio.create_task(probe(api, bots, stop_probe, pause))
        cpu_before = [process_cpu_seconds(b.process.pid) for b in bots if b.process]
        own_before = time.process_time()
        await queue_broadcast(database_url, args.followers)
        deadline = time.perf_counter() + DONE_TIMEOUT
        killed = False
        while tally.reached < args.followers and time.perf_counter() < deadline:
            if kill_at is not None and not killed and tally.reached >= kill_at * args.followers:
                bots[0].kill()
                killed = True
                await bots[0].process.wait()  # type: ignore[union-attr]
                await bots[0].start()
            await asyncio.sleep(0.01)
        cpu = sum(process_cpu_seconds(b.process.pid) for b in bots if b.process)
        cpu -= sum(cpu_before)
        own_cpu = time.process_time() - own_before
        await asyncio.sleep(1.0)  # late duplicates would arrive within this
        stop_probe.set()
        busy = await prober
        if os.environ.get("BENCH_SHOW_METRICS"):
            metrics_url = f"http://127.0.0.1:{bots[0].port}/metrics"
            async with aiohttp.ClientSession() as http, http.get(metrics_url) as response:
                for line in (await response.text()).splitlines():
                    if line.startswith(("bot_update_seconds", "event_loop_lag")):
                        print("   ", line)
    finally:
        for bot in bots:
            await bot.stop()
        await server.close()
    seconds = (tally.last or 0) - (tally.first or 0)
    rate = (tally.reached + tally.duplicates) / seconds if seconds > 0 else 0.0
    figures = {
        "ratio": rate / args.overall,
        "429": tally.refused,
        "lost": tally.lost,
        "duplicates": tally.duplicates,
        "p99": percentile(busy, 0.99),
    }
    print(label, flush=True)
    print(
        f"  {tally.reached + tally.duplicates} sends in {seconds:.2f} s: {rate:.0f}/s,"
        f" rate / limit {figures['ratio']:.2f} (goal >= 0.9); 429s {tally.refused};"
        f" lost {tally.lost} (goal 0); duplicates {tally.duplicates}"
        + ("" if kill_at is not None else " (goal 0)"),
        flush=True,
    )
    print(
        f"  direct replies during the broadcast: {len(busy)}, p50 {percentile(busy, 0.5):.1f} ms,"
        f" p99 {figures['p99']:.1f} ms (goal <= 100 ms); idle p99 {percentile(idle, 0.99):.1f} ms",
        flush=True,
    )
    sends = max(1, tally.reached + tally.duplicates + tally.refused)
    print(
        f"  CPU: bot {cpu:.1f} s ({cpu / sends * 1000:.2f} ms per send), fake Telegram and"
        f" harness {own_cpu:.1f} s ({own_cpu / sends * 1000:.2f} ms per call)",
        flush=True,
    )
    return figures


async def _idle_probe(api: FakeBotApi, bots: list[BotProcess], pause: float) -> list[float]:
    stop = asyncio.Event()
    task = asyncio.create_task(probe(api, bots, stop, pause))
    await asyncio.sleep(2.0)
    stop.set()
    return await task


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--followers", type=int, default=5000)
    parser.add_argument("--overall", type=float, default=300.0, help="messages/s overall")
    parser.add_argument("--per-chat", type=float, default=10.0, help="messages/s per chat")
    parser.add_argument("--only", choices=("sqlite", "kill", "postgres"), default=None)
    args = parser.parse_args()
    print(
        f"{args.followers} followers; limits {args.overall:.0f}/s overall, "
        f"{args.per_chat:.0f}/s per chat; {os.cpu_count()} cores",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as folder:
        if args.only in (None, "sqlite"):
            url = f"sqlite+aiosqlite:///{Path(folder) / 'one.sqlite3'}"
            await scenario("one process, SQLite", url, args)
        if args.only in (None, "kill"):
            url = f"sqlite+aiosqlite:///{Path(folder) / 'kill.sqlite3'}"
            await scenario(
                "one process, SQLite, SIGKILL at 50 % and restart", url, args, kill_at=0.5
            )
    postgres_url = os.environ.get("TEST_DATABASE_URL", "")
    if args.only in (None, "postgres"):
        if postgres_url.startswith("postgresql"):
            await scenario(
                "two processes, PostgreSQL", postgres_url, args, processes=2, postgres=True
            )
        else:
            print("two processes on PostgreSQL: skipped (set TEST_DATABASE_URL)", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
