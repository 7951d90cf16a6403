"""Intake benchmark: N residents complete the whole intake against the fake Bot API.

The fake Telegram and the simulated residents run in this process; the bot runs as its own
process (`python -m bot`, SQLite default) and talks to the fake over loopback HTTP. The same
harness then drives a bare python-telegram-bot echo bot (bench/echo_bot.py) with the same
kinds of updates, in the same run, as the anchor.

Two phases per bot:
- paced: every resident pauses like a person between steps (think time); reply latency is
  measured from the resident's action to the bot's answer for that step;
- saturated: every resident acts as soon as the previous answer arrives; this gives the
  most updates per second the bot sustains.

Telegram caps a bot at about 30 messages per second; the fake does not, and the bot's own
limiter is raised here so that the figures show the bot's processing, not Telegram's cap.

Per update the bench also prints Bot API calls (counted by the fake), and from the bot's
own /metrics: SQL statements, commits and event-loop stalls (wake-ups 20 ms late or more).
Our bot runs twice, with SQLITE_SYNCHRONOUS=NORMAL (the default) and FULL. Measuring starts
once the bot's start-up work (word dictionary, category models) is done.

    python bench/intake.py [--residents 100] [--think 0.5:2.0] [--runs 5]
    python bench/intake.py --webhook   # polling vs webhook vs two processes on PostgreSQL
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import hashlib
import itertools
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.services.setup import setup_township  # noqa: E402
from fake_telegram import FakeBotApi, SimUser, start_server  # noqa: E402
from storage.db import create_engine, create_session_factory, reset_schema  # noqa: E402
from storage.migrate import migrated_engine  # noqa: E402
from storage.uow import UnitOfWork  # noqa: E402

TOKEN = "123456:BENCH-token"
TEXT = "南湖社区东门的路灯坏了一个多月，晚上很黑，老人出门不安全。"
STEP_TIMEOUT = 30.0
SIMILAR_OFFER = "类似的事"
CONTINUE_SEPARATELY = "我的不一样，继续 ›"

Action = Callable[[SimUser], Awaitable[object]]


@dataclass
class Step:
    act: Action
    expect: str | None  # a fragment of the answer; None: any new bot message


def consultation_steps(village_id: int) -> list[Step]:
    return [
        Step(lambda u: u.command("start", f"v{village_id}"), "您已登记在"),
        Step(lambda u: u.command("new"), "请描述"),
        Step(lambda u: u.send(TEXT), "在哪个村"),
        Step(_press_home_village, "是哪方面的问题"),
        Step(_press_category, "需要补充照片吗"),
        Step(lambda u: u.send_photo(), "已收到 1 张照片"),
        Step(lambda u: u.press_button("下一步 ›"), "具体在哪里"),
        Step(lambda u: u.tap_reply_button("跳过，不发位置"), "是否允许政协委员"),
        Step(lambda u: u.press_button("可以，显示我的姓名"), "提交前请核对"),
        Step(lambda u: u.press_button("✅ 提交"), "编号"),
    ]


async def _press_home_village(user: SimUser) -> object:
    """Where it happened: the resident's own village, offered first and marked ✓."""
    labels = [b for b in user.bot_messages()[-1].buttons if b.startswith("✓")]
    return await user.press_button(labels[0])


async def _press_category(user: SimUser) -> object:
    """The bot may put its suggestion first, marked ✓."""
    labels = [b for b in user.bot_messages()[-1].buttons if b.endswith("城乡建设")]
    return await user.press_button(labels[0] if labels else "城乡建设")


async def _press_last(user: SimUser, data: str) -> object:
    messages = user.bot_messages()
    return await user.press(data, messages[-1] if messages else None, check=False)


def echo_steps() -> list[Step]:
    """The same kinds of updates, in the same order, for the echo bot."""
    return [
        Step(lambda u: u.command("start", "v1"), None),
        Step(lambda u: u.command("new"), None),
        Step(lambda u: u.send(TEXT), None),
        Step(lambda u: _press_last(u, "in:vl:1"), None),
        Step(lambda u: _press_last(u, "in:cat:1"), None),
        Step(lambda u: u.send_photo(), None),
        Step(lambda u: _press_last(u, "in:ph:done"), None),
        Step(lambda u: u.send("跳过，不发位置"), None),
        Step(lambda u: _press_last(u, "in:anon:0"), None),
        Step(lambda u: _press_last(u, "in:cf:ok"), None),
    ]


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class PhaseResult:
    updates: int = 0
    seconds: float = 0.0
    api_calls: int = 0
    # Deltas of the bot's own counters over the phase (empty for the echo bot).
    counters: dict[str, float] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    by_step: dict[int, list[float]] = field(default_factory=dict)
    bot_cpu_seconds: float = 0.0
    harness_cpu_seconds: float = 0.0

    def per_update(self, value: float) -> float:
        return value / self.updates if self.updates else float("nan")

    def cpu_ms_per_update(self, seconds: float) -> float:
        return seconds / self.updates * 1000 if self.updates else float("nan")

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _record(result: PhaseResult, step: int, started: float) -> None:
    elapsed = (time.perf_counter() - started) * 1000
    result.latencies_ms.append(elapsed)
    result.by_step.setdefault(step, []).append(elapsed)
    result.updates += 1


async def _await_answer(user: SimUser, expect: str | None, also: str | None = None) -> str:
    """The text of the bot's answer to the last action (`expect`, or `also` if that came)."""
    while True:
        message = await user.next_message(timeout=STEP_TIMEOUT)
        text = message.text or ""
        if expect is None:
            if not message.edited:
                return text
        elif expect in text:
            return text  # a new message, or a pressed message rewritten into the next question
        elif also is not None and also in text and not message.edited:
            # The offer itself; its buttons taken away later (an edit) is no new offer.
            return text


async def _resident(
    user: SimUser, steps: list[Step], think: tuple[float, float] | None, result: PhaseResult
) -> None:
    rng = random.Random(user.id)
    for index, step in enumerate(steps):
        if think is not None:
            await asyncio.sleep(rng.uniform(*think))
        started = time.perf_counter()
        await step.act(user)
        answer = await _await_answer(user, step.expect, also=SIMILAR_OFFER)
        _record(result, index, started)
        if SIMILAR_OFFER in answer:
            # A neighbour raised the same (附议 offer): this resident submits separately, one
            # more update, as a person would.
            started = time.perf_counter()
            await user.press_button(CONTINUE_SEPARATELY)
            await _await_answer(user, step.expect)
            _record(result, index, started)


COUNTERS = {
    "statements": "db_statements_total",
    "commits": "db_commits_total",
    "stalls": "event_loop_stalls_total",
}


async def scrape(metrics_url: str | None) -> dict[str, float]:
    """The bot's counters now (sums over their labels); {} without a metrics address."""
    if not metrics_url:
        return {}
    async with aiohttp.ClientSession() as http, http.get(metrics_url) as response:
        text = await response.text()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        values[name.split("{", 1)[0]] = values.get(name.split("{", 1)[0], 0.0) + float(value)
    return values


async def wait_until_warm(metrics_url: str | None) -> None:
    """Until the bot says its start-up work (dictionary, models) is done."""
    for _ in range(600):
        if (await scrape(metrics_url)).get("bot_warming_up", 0.0) == 0.0:
            return
        await asyncio.sleep(0.1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def run_phase(
    api: FakeBotApi,
    first_user_id: int,
    residents: int,
    steps: list[Step],
    think: tuple[float, float] | None,
    bot_pid: int = 0,
    metrics_url: str | None = None,
) -> PhaseResult:
    result = PhaseResult()
    before = await scrape(metrics_url)
    calls_before = len(api.calls)
    bot_cpu = process_cpu_seconds(bot_pid) if bot_pid else 0.0
    own_cpu = time.process_time()
    users = [
        api.user(first_user_id + i, first_name=f"居民{i}", language_code="zh-hans")
        for i in range(residents)
    ]
    started = time.perf_counter()
    await asyncio.gather(*(_resident(u, steps, think, result) for u in users))
    result.seconds = time.perf_counter() - started
    if bot_pid:
        result.bot_cpu_seconds = process_cpu_seconds(bot_pid) - bot_cpu
    result.harness_cpu_seconds = time.process_time() - own_cpu
    result.api_calls = len(api.calls) - calls_before
    after = await scrape(metrics_url)
    result.counters = (
        {label: after.get(name, 0.0) - before.get(name, 0.0) for label, name in COUNTERS.items()}
        if metrics_url
        else {}
    )
    return result


class BotUnderTest:
    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command = command
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        # Webhook mode: where this process listens (the forwarder posts updates there).
        self.webhook_port = int(env["WEBHOOK_PORT"]) if env.get("WEBHOOK_URL") else 0

    async def start(self, api: FakeBotApi) -> None:
        before = len(api.calls_of("getUpdates"))
        self.process = await asyncio.create_subprocess_exec(
            *self.command, env=self.env, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL
        )
        for _ in range(600):
            if self.webhook_port:
                if await _healthy(self.webhook_port):
                    return
            elif len(api.calls_of("getUpdates")) > before:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.command} did not start")

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


async def _healthy(port: int) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/healthz") as response,
        ):
            return response.status == 200
    except aiohttp.ClientError:
        return False


class WebhookForwarder:
    """Telegram's side of webhook mode: each update the fake holds is posted to one of the
    bot processes in turn, as a reverse proxy in front of them would spread them; a chat's
    updates go one after another, as Telegram sends them."""

    def __init__(self, api: FakeBotApi, ports: list[int]) -> None:
        self._api = api
        self._urls = [f"http://127.0.0.1:{port}/telegram" for port in ports]
        self._turn = itertools.count()
        self._chats: dict[int, asyncio.Lock] = {}
        self._secret = hashlib.sha256(f"webhook:{TOKEN}".encode()).hexdigest()
        self._task: asyncio.Task[None] | None = None
        self._posts: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._forward())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _forward(self) -> None:
        state = self._api.bot_state()
        async with aiohttp.ClientSession() as http:
            while True:
                await self._api.updates_changed.wait_for(lambda: bool(state.updates), 1.0)
                batch, state.updates[:] = list(state.updates), []
                for update in batch:
                    url = self._urls[next(self._turn) % len(self._urls)]
                    task = asyncio.create_task(self._post(http, url, update))
                    self._posts.add(task)
                    task.add_done_callback(self._posts.discard)

    async def _post(self, http: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> None:
        chat = _chat_of(update)
        async with self._chats.setdefault(chat, asyncio.Lock()):
            headers = {"X-Telegram-Bot-Api-Secret-Token": self._secret}
            async with http.post(url, json=update, headers=headers) as response:
                response.raise_for_status()


def _chat_of(update: dict[str, Any]) -> int:
    for value in update.values():
        if isinstance(value, dict):
            sender = value.get("from") or value.get("chat") or {}
            if isinstance(sender, dict) and "id" in sender:
                return int(sender["id"])
    return 0


async def _prepare_database(url: str) -> int:
    if url.startswith("postgresql"):
        fresh = create_engine(url)
        await reset_schema(fresh)
        await fresh.dispose()
    engine = await migrated_engine(url)
    async with UnitOfWork(create_session_factory(engine)) as uow:
        report = await setup_township(
            uow, name="东风镇", villages=["东风村", "南湖社区"], now=SystemClock().now()
        )
        await uow.commit()
    await engine.dispose()
    return report.villages["南湖社区"]


def _env(server_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_"))}
    env.update(
        BOT_TOKEN=TOKEN,
        BOT_API_BASE_URL=server_url,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def _step_percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(label: str, paced: PhaseResult, saturated: PhaseResult) -> None:
    bot_cpu = saturated.cpu_ms_per_update(saturated.bot_cpu_seconds)
    harness_cpu = saturated.cpu_ms_per_update(saturated.harness_cpu_seconds)
    print(f"{label}", flush=True)
    print(
        f"  paced     {paced.per_second:7.1f} updates/s  reply p50 {paced.percentile(0.5):6.1f} ms"
        f"  p99 {paced.percentile(0.99):7.1f} ms"
    )
    print(
        f"  saturated {saturated.per_second:7.1f} updates/s  reply p50"
        f" {saturated.percentile(0.5):6.1f} ms  p99 {saturated.percentile(0.99):7.1f} ms"
        f"  (CPU per update: bot {bot_cpu:.1f} ms, harness {harness_cpu:.1f} ms)",
        flush=True,
    )
    steps = "  ".join(
        f"{step}:{_step_percentile(values, 0.5):.0f}/{_step_percentile(values, 0.99):.0f}"
        for step, values in sorted(paced.by_step.items())
    )
    print(f"  paced p50/p99 ms by step  {steps}", flush=True)
    per_update = [f"Bot API calls {saturated.per_update(saturated.api_calls):.2f}"]
    per_update += [
        f"{label} {saturated.per_update(value):.2f}" for label, value in saturated.counters.items()
    ]
    print(f"  per update (saturated): {', '.join(per_update)}", flush=True)


async def measure(
    label: str,
    command: list[str],
    env: dict[str, str],
    steps: list[Step],
    residents: int,
    think: tuple[float, float],
    processes: int = 1,
) -> tuple[PhaseResult, PhaseResult]:
    api = FakeBotApi(token=TOKEN)
    server = await start_server(api)
    metrics_url = None
    if env.get("METRICS_PORT"):
        metrics_url = f"http://127.0.0.1:{env['METRICS_PORT']}/metrics"
    env = {**env, "BOT_API_BASE_URL": server.base_url}
    bot = BotUnderTest(command, env)
    # Further processes (webhook mode): their own ports; the figures come from the first.
    others = [
        BotUnderTest(
            command,
            {
                **{k: v for k, v in env.items() if k != "METRICS_PORT"},
                "WEBHOOK_PORT": str(free_port()),
            },
        )
        for _ in range(processes - 1)
    ]
    forwarder = (
        WebhookForwarder(api, [b.webhook_port for b in (bot, *others)])
        if bot.webhook_port
        else None
    )
    try:
        for each in (bot, *others):
            await each.start(api)
        if forwarder is not None:
            forwarder.start()
        await wait_until_warm(metrics_url)
        # A short warm-up so imports and first connections are not measured.
        await run_phase(api, 900_000, 3, steps, None)
        # The harness's own heap (earlier runs' fakes, every chat's log) must not hand the
        # bot measured now a 100-200 ms full collection of the harness mid-phase: what
        # exists now is set aside from the collector until this bot is measured.
        gc.collect()
        gc.freeze()
        assert bot.process is not None
        pid = bot.process.pid
        paced = await run_phase(api, 100_000, residents, steps, think, pid, metrics_url)
        saturated = await run_phase(api, 200_000, residents, steps, None, pid, metrics_url)
    finally:
        gc.unfreeze()
        if forwarder is not None:
            await forwarder.stop()
        for each in (bot, *others):
            await each.stop()
        await server.close()
    report(label, paced, saturated)
    return paced, saturated


async def one_run(args: argparse.Namespace, think: tuple[float, float]) -> dict[str, float]:
    figures: dict[str, float] = {}
    anchor = await measure(
        "bare PTB echo bot (httpx, as users run it)",
        [sys.executable, str(ROOT / "bench" / "echo_bot.py")],
        _env(""),
        echo_steps(),
        args.residents,
        think,
    )
    for synchronous in ("NORMAL", "FULL"):
        with tempfile.TemporaryDirectory(prefix="bench-intake-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            village_id = await _prepare_database(url)
            bot_env = _env(
                "",
                DATABASE_URL=url,
                MAX_MESSAGES_PER_SECOND="100000",
                MAX_ISSUES_PER_DAY="10",
                FLOOD_MAX_UPDATES="1000",
                SQLITE_SYNCHRONOUS=synchronous,
                METRICS_PORT=str(free_port()),
            )
            paced, saturated = await measure(
                f"有事好商量 (SQLite, synchronous={synchronous})",
                [sys.executable, *os.environ.get("BENCH_PYTHON_ARGS", "").split(), "-m", "bot"],
                bot_env,
                consultation_steps(village_id),
                args.residents,
                think,
            )
        ratio = saturated.per_second / anchor[1].per_second if anchor[1].per_second else 0.0
        figures[f"ratio {synchronous}"] = ratio
        figures[f"p99 {synchronous}"] = paced.percentile(0.99)
        print(
            f"  -> ratio ours/echo (saturated updates/s) {ratio:.2f} (goal >= 0.8);"
            f" paced reply p99 {paced.percentile(0.99):.1f} ms (goal <= 30 ms;"
            f" echo {anchor[0].percentile(0.99):.1f} ms)",
            flush=True,
        )
    return figures


async def webhook_runs(args: argparse.Namespace, think: tuple[float, float]) -> None:
    """The single SQLite process by polling (the anchor), the same by webhook, and two
    webhook processes on PostgreSQL (TEST_DATABASE_URL; its schema is replaced)."""
    command = [sys.executable, "-m", "bot"]

    def bot_env(url: str, **extra: str) -> dict[str, str]:
        return _env(
            "",
            DATABASE_URL=url,
            MAX_MESSAGES_PER_SECOND="100000",
            MAX_ISSUES_PER_DAY="10",
            FLOOD_MAX_UPDATES="1000",
            METRICS_PORT=str(free_port()),
            **extra,
        )

    def webhook(port: int | None = None) -> dict[str, str]:
        return {
            "WEBHOOK_URL": "https://bot.example.test/telegram",
            "WEBHOOK_PORT": str(port or free_port()),
        }

    results: dict[str, PhaseResult] = {}
    for label, mode in (("polling", {}), ("webhook", webhook())):
        with tempfile.TemporaryDirectory(prefix="bench-intake-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            village_id = await _prepare_database(url)
            _, results[label] = await measure(
                f"有事好商量, one process on SQLite, {label}",
                command,
                bot_env(url, **mode),
                consultation_steps(village_id),
                args.residents,
                think,
            )
    postgres = os.environ.get("TEST_DATABASE_URL", "")
    if postgres.startswith("postgresql"):
        village_id = await _prepare_database(postgres)
        _, results["two"] = await measure(
            "有事好商量, two webhook processes on PostgreSQL",
            command,
            bot_env(postgres, **webhook()),
            consultation_steps(village_id),
            args.residents,
            think,
            processes=2,
        )
    else:
        print("two processes on PostgreSQL: skipped (set TEST_DATABASE_URL)", flush=True)
    anchor = results["polling"].per_second
    for label, result in results.items():
        print(
            f"  -> {label}: saturated {result.per_second:.1f} updates/s, ratio to one SQLite"
            f" process polling {result.per_second / anchor if anchor else 0.0:.2f}",
            flush=True,
        )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--think", default="0.5:2.0", help="seconds between steps, min:max")
    parser.add_argument("--runs", type=int, default=1, help="repeat the comparison")
    parser.add_argument(
        "--webhook",
        action="store_true",
        help="compare polling, webhook, and two webhook processes on PostgreSQL instead",
    )
    args = parser.parse_args()
    low, high = (float(part) for part in args.think.split(":"))
    think = (low, high)
    if args.webhook:
        await webhook_runs(args, think)
        return
    print(
        f"{args.residents} residents x {len(echo_steps())} updates, think time {low}-{high} s "
        f"(paced); no pause (saturated); {os.cpu_count()} cores",
        flush=True,
    )
    runs = []
    for number in range(1, args.runs + 1):
        print(f"-- run {number} of {args.runs}", flush=True)
        runs.append(await one_run(args, think))
    for synchronous in ("NORMAL", "FULL"):
        ratios = [run[f"ratio {synchronous}"] for run in runs]
        p99s = [run[f"p99 {synchronous}"] for run in runs]
        met = sum(1 for r, p in zip(ratios, p99s, strict=True) if r >= 0.8 and p <= 30)
        print(
            f"synchronous={synchronous}: ratio {min(ratios):.2f}-{max(ratios):.2f}"
            f" (median {statistics.median(ratios):.2f}), paced p99 {min(p99s):.1f}-"
            f"{max(p99s):.1f} ms (median {statistics.median(p99s):.1f}); both goals met in"
            f" {met} of {len(runs)} runs",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
