"""Apply Alembic migrations from code (the bot migrates itself on start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


# Several bot processes starting at once on PostgreSQL migrate one after the other: the
# first upgrades, the others wait on this lock and then find the schema current.
# Two 32-bit keys: PostgreSQL keeps them apart from the one-key locks of chats
# (storage/received.py).
MIGRATION_LOCK = (0x6873_6C00, 1)  # any constant shared by every process of this bot


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:space, :key)"),
                {"space": MIGRATION_LOCK[0], "key": MIGRATION_LOCK[1]},
            )
        await connection.run_sync(_upgrade, revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def migrated_engine(url: str) -> AsyncEngine:
    """An engine whose database is at the newest schema (applies pending migrations)."""
    from storage.db import create_engine

    engine = create_engine(url)
    await upgrade(engine)
    return engine
