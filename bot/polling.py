"""Running the bot for real: migrate, build, poll until stopped."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.application import build_application
from bot.config import Settings
from storage.db import open_database
from storage.migrate import migrated_engine

log = logging.getLogger(__name__)


async def _migrate(url: str) -> None:
    engine = await migrated_engine(url)
    await engine.dispose()


def run_polling(settings: Settings) -> None:
    url = settings.resolved_database_url
    # Migrate in a loop of its own; the bot's engine then connects inside PTB's loop.
    asyncio.run(_migrate(url))
    database = open_database(url, synchronous=settings.sqlite_synchronous)

    async def dispose(_app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await database.dispose()

    app = build_application(settings, database)
    app.post_shutdown = dispose
    log.info("bot starting (polling)")
    app.run_polling(allowed_updates=Update.ALL_TYPES)
