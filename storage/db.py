"""Engine and session factory; the SQLite and PostgreSQL specifics stay here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SessionFactory = async_sessionmaker[AsyncSession]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; NORMAL sync is durable at checkpoints
    # and safe against application crashes, which is the failure we care about here.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        # SQLite allows one writer at a time; one pooled connection serialises transactions
        # inside this process instead of failing with "database is locked" on lock upgrades.
        engine = create_async_engine(url, echo=echo, pool_size=1, max_overflow=0)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_reader_pragmas(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")  # a reader that tried to write would be a bug
    cursor.close()


READER_OVERFLOW = 128


def create_read_engine(url: str) -> AsyncEngine | None:
    """SQLite only: a few connections for reads, which WAL lets run beside the one writer.

    Without them every read of an update queues behind other chats' writes on the single
    writer connection. PostgreSQL's pool already serves reads and writes concurrently.
    """
    if not is_sqlite(url):
        return None
    _ensure_sqlite_folder(url)
    # Never fewer readers than updates running at once: an update that holds the writer and
    # waits for a reader held by an update waiting for the writer would wait for ever.
    # Overflow connections close when returned, so quiet times keep only the pool.
    engine = create_async_engine(url, pool_size=4, max_overflow=READER_OVERFLOW)
    event.listen(engine.sync_engine, "connect", _sqlite_reader_pragmas)
    return engine


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every application table (tests and demo resets); keeps the schema version."""
    from sqlalchemy import text

    from storage.models import Base

    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                await connection.execute(text(f"DELETE FROM {table}"))


async def reset_schema(engine: AsyncEngine) -> None:
    """Drop everything, migration history included (only for throw-away test databases)."""
    from sqlalchemy import text

    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        else:
            raise ValueError("reset_schema is for PostgreSQL test databases; delete the file")
