"""/healthz and /metrics for operators and load balancers.

/healthz answers 200 while the process can do its work: the database answers, the
notification dispatcher runs, the application takes updates; 503 otherwise (a balancer then
sends requests to another process, a supervisor restarts this one). /metrics is Prometheus'
text format; the figures read from the database (outbox depth by priority, blocked people,
scheduled jobs due and overdue) are refreshed on each scrape.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from aiohttp import web

from bot import metrics
from bot.context import ConsultationApp
from bot.dispatcher import dispatcher_of

log = logging.getLogger(__name__)

DATABASE_TIMEOUT_SECONDS = 3.0
# A job due this long ago and not run yet means the scheduler is not keeping up.
OVERDUE_AFTER = timedelta(minutes=1)


async def database_reachable(app: ConsultationApp) -> bool:
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), app.services.uow() as uow:
            await uow.ping()
    except Exception as exc:  # any failure means "not reachable" to the caller
        log.warning("health check: the database does not answer (%s)", type(exc).__name__)
        return False
    return True


async def health_status(app: ConsultationApp) -> tuple[int, dict[str, bool]]:
    dispatcher = dispatcher_of(app)
    checks = {
        "database": await database_reachable(app),
        "dispatcher": dispatcher is not None and dispatcher.running,
        "running": app.running,
    }
    ok = all(checks.values())
    metrics.DISPATCHER_ALIVE.set(1 if checks["dispatcher"] else 0)
    return (200 if ok else 503), {"ok": ok, **checks}


async def refresh_figures(app: ConsultationApp) -> None:
    """The figures that live in the database; a failure leaves the last values."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS), app.services.read_uow() as uow:
            due, overdue = await uow.jobs.due_counts(app.services.clock.now(), OVERDUE_AFTER)
            depth = await uow.notifications.depth_by_priority()
            blocked = await uow.notifications.blocked_people()
    except Exception as exc:
        log.warning("metrics: the database does not answer (%s)", type(exc).__name__)
        return
    metrics.JOBS_DUE.set(due)
    metrics.JOBS_OVERDUE.set(overdue)
    metrics.OUTBOX_DEPTH.clear()
    for priority, count in depth.items():
        metrics.OUTBOX_DEPTH.labels(str(priority)).set(count)
    metrics.BLOCKED_PEOPLE.set(blocked)
    dispatcher = dispatcher_of(app)
    metrics.DISPATCHER_ALIVE.set(1 if dispatcher is not None and dispatcher.running else 0)


def add_routes(web_app: web.Application, app: ConsultationApp) -> None:
    async def healthz(_request: web.Request) -> web.Response:
        status, body = await health_status(app)
        return web.json_response(body, status=status)

    async def metrics_page(request: web.Request) -> web.Response:
        await refresh_figures(app)
        return await metrics.metrics_handler(request)

    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics_page)


async def serve(app: ConsultationApp, host: str, port: int) -> web.AppRunner:
    """/healthz and /metrics on their own port (polling mode; the webhook endpoint serves
    them itself)."""
    web_app = web.Application()
    add_routes(web_app, app)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
