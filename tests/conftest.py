"""Shared fixtures: a migrated database (SQLite file, or PostgreSQL when TEST_DATABASE_URL
is set), an injectable clock, and a running bot wired to the in-process fake Bot API."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from storage import migrate
from storage.db import (
    SessionFactory,
    create_engine,
    create_session_factory,
    reset_schema,
    truncate_all,
)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


class MutableClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 1, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def pytest_report_header(config: pytest.Config) -> str:
    if TEST_DATABASE_URL:
        return "database: PostgreSQL (TEST_DATABASE_URL)"
    return "database: SQLite (set TEST_DATABASE_URL=postgresql+asyncpg://… to use PostgreSQL)"


async def _migrate(url: str, *, fresh_postgres: bool) -> None:
    engine = create_engine(url)
    if fresh_postgres:
        await reset_schema(engine)
    await migrate.upgrade(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per session: a template SQLite file, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        asyncio.run(_migrate(TEST_DATABASE_URL, fresh_postgres=True))
        yield TEST_DATABASE_URL
        return
    template = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{template}", fresh_postgres=False))
    yield str(template)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        return migrated_database
    copy = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_database, copy)
    return f"sqlite+aiosqlite:///{copy}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if TEST_DATABASE_URL:
        await truncate_all(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> SessionFactory:
    return create_session_factory(engine)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:TEST-token",
        database_url=database_url,
        default_locale="zh_Hans",
        album_wait_seconds=0.15,
        long_message_wait_seconds=0.3,
        max_issues_per_day=3,
        flood_max_updates=60,
        # Its job is tested on its own: here it would push into every test whose clock
        # crosses the 1st of a month.
        monthly_report=False,
    )


@pytest.fixture
async def harness(
    settings: Settings, session_factory: SessionFactory, clock: MutableClock
) -> AsyncIterator[object]:
    from tests.harness import BotHarness

    bot = BotHarness(settings, session_factory, clock)
    await bot.setup_township()
    await bot.start()
    yield bot
    await bot.stop()
