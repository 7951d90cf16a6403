"""What the bot counts about itself, in Prometheus' text format (prometheus-client).

Served at /metrics (and /healthz) by the webhook endpoint, or in polling mode on
METRICS_PORT when it is set. bench/intake.py reads them to print, per update, Bot API
calls, SQL statements, commits and event-loop stalls.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

UPDATES = Counter("bot_updates_total", "Updates handled", ["outcome"])
UPDATE_SECONDS = Histogram(
    "bot_update_seconds",
    "From an update's turn to its answers sent",
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0),
)
API_CALLS = Counter("bot_api_calls_total", "Bot API calls", ["method", "outcome"])
SQL_STATEMENTS = Counter("db_statements_total", "SQL statements sent to the database")
COMMITS = Counter("db_commits_total", "Transactions committed")
LOOP_LAG = Histogram(
    "event_loop_lag_seconds",
    "How late the event loop woke a 10 ms timer",
    buckets=(0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0),
)
# A wake-up this late means every chat waited that long: worth a figure of its own.
STALL_SECONDS = 0.02
LOOP_STALLS = Counter("event_loop_stalls_total", "Event-loop wake-ups 20 ms or more late")

# The outbox and the sends (bot/dispatcher.py, bot/pacing.py).
PUSHES = Counter("bot_pushes_total", "Outbox rows settled", ["outcome"])
RATE_LIMITED = Counter("bot_rate_limited_total", "429 answers from Telegram")
OUTBOX_DEPTH = Gauge("bot_outbox_depth", "Outbox rows waiting to be sent", ["priority"])
OUTBOX_ROWS = Gauge("bot_outbox_rows", "Outbox rows by status", ["status"])
BLOCKED_PEOPLE = Gauge("bot_blocked_people", "People who blocked the bot")
JOBS_DUE = Gauge("bot_scheduled_jobs_due", "Scheduled jobs due now")
JOBS_OVERDUE = Gauge("bot_scheduled_jobs_overdue", "Scheduled jobs due over a minute ago")
DISPATCHER_ALIVE = Gauge("bot_dispatcher_alive", "1 while the notification dispatcher runs")

WARMING_UP = Gauge("bot_warming_up", "Start-up work still running (word lists, models)")

_TICK = 0.01


async def watch_event_loop() -> None:
    """Runs for the bot's lifetime: measures how late the loop wakes a short timer."""
    while True:
        planned = time.perf_counter() + _TICK
        await asyncio.sleep(_TICK)
        lag = max(0.0, time.perf_counter() - planned)
        LOOP_LAG.observe(lag)
        if lag >= STALL_SECONDS:
            LOOP_STALLS.inc()


def count_statement() -> None:
    SQL_STATEMENTS.inc()


def count_commit() -> None:
    COMMITS.inc()


def exposition() -> tuple[bytes, str]:
    """The current figures, and the content type to serve them with."""
    return generate_latest(), CONTENT_TYPE_LATEST


def start_loop_watch(tasks: set[asyncio.Task[None]]) -> None:
    task = asyncio.create_task(watch_event_loop(), name="event-loop-watch")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def stop_loop_watch(tasks: set[asyncio.Task[None]]) -> None:
    for task in [t for t in tasks if t.get_name() == "event-loop-watch"]:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def metrics_handler(_request: web.Request) -> web.Response:
    body, content_type = exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})
