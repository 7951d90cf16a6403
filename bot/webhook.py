"""Webhook mode: Telegram posts updates to an aiohttp endpoint instead of being polled.

The endpoint checks Telegram's secret header (constant-time compare), hands the update to
the application's queue and answers at once; the update is processed as in polling mode.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot import health, metrics
from bot.application import build_application, on_startup, on_stop
from bot.config import Settings
from bot.context import ConsultationApp
from bot.updates import UpdateIntake, shape_problem
from storage.db import open_database
from storage.migrate import migrated_engine

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; anything far bigger is not from Telegram.
MAX_BODY_BYTES = 1 << 20


def webhook_app(bot_app: ConsultationApp, path: str, secret: str) -> web.Application:
    intake = UpdateIntake(bot_app)

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            data = await request.json(loads=json.loads)
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="the body is not JSON")
        problem = shape_problem(data)
        if problem is not None:
            return web.Response(status=400, text=problem)
        try:
            await intake.accept_json(data)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="not an update python-telegram-bot can read")
        # Stored: answered only now, so an update Telegram was told about is never lost.
        return web.Response()

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app.router.add_post(path, receive)
    health.add_routes(app, bot_app)
    return app


async def serve(settings: Settings) -> None:
    url = settings.resolved_database_url
    await (await migrated_engine(url)).dispose()
    database = open_database(url, synchronous=settings.sqlite_synchronous)
    bot_app = build_application(settings, database)
    path = urlsplit(settings.webhook_url).path or "/"
    secret = settings.resolved_webhook_secret
    runner = web.AppRunner(webhook_app(bot_app, path, secret), access_log=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with bot_app:
        await on_startup(bot_app)
        await UpdateIntake(bot_app).recover()
        metrics.start_loop_watch(bot_app.services.background)
        metrics.WARMING_UP.set_function(bot_app.services.warming_up)
        await bot_app.start()
        await bot_app.bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        log.info(
            "bot listening for webhooks on %s:%s", settings.webhook_listen, settings.webhook_port
        )
        await stop.wait()
        log.info("stopping: no more updates are taken")
        try:
            async with asyncio.timeout(settings.shutdown_seconds):
                await runner.cleanup()
                await bot_app.stop()
                await on_stop(bot_app)
        except TimeoutError:
            log.warning("stopped before everything in hand was done; it resumes at start")
    await database.dispose()


def run_webhook(settings: Settings) -> None:
    asyncio.run(serve(settings))
