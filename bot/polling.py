"""Running the bot for real by long polling: migrate, build, take updates until stopped.

SIGTERM or SIGINT: no more updates are taken, the ones taken are handled, the last pushes
go out, and the process exits within SHUTDOWN_SECONDS (what is left is handled after the
next start: it is stored).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.application import build_application, on_startup, on_stop
from bot.config import Settings
from bot.updates import Polling
from storage.db import open_database
from storage.migrate import migrated_engine

log = logging.getLogger(__name__)


async def serve_polling(settings: Settings) -> None:
    url = settings.resolved_database_url
    await (await migrated_engine(url)).dispose()
    database = open_database(url, synchronous=settings.sqlite_synchronous)
    app = build_application(settings, database)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await app.initialize()
    try:
        await on_startup(app)
        await app.start()
        polling = Polling(app)
        await polling.start()
        log.info("bot started (polling)")
        await stop.wait()
        log.info("stopping: no more updates are taken")
        try:
            async with asyncio.timeout(settings.shutdown_seconds):
                await polling.stop()
                await app.stop()
                await on_stop(app)
        except TimeoutError:
            log.warning("stopped before everything in hand was done; it resumes at start")
    finally:
        # After a stop that ran out of time the application still counts as running, and
        # shutting it down would only raise: exit as promised, what was in hand is stored.
        if not app.running:
            await app.shutdown()
        await database.dispose()


def run_polling(settings: Settings) -> None:
    asyncio.run(serve_polling(settings))
