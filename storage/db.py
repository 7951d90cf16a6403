"""Engine and session factory; the SQLite and PostgreSQL specifics stay here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

from storage.sqlite_checkpoint import Checkpointer
from storage.sqlite_direct import count_direct_statements
from storage.sqlite_inline import inline_creator

SessionFactory = async_sessionmaker[AsyncSession]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_folder(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


# Durability of a commit (SQLITE_SYNCHRONOUS). In WAL mode, NORMAL survives any crash of
# the process (what is committed is in the WAL file); only a power loss or an operating
# system crash can take back the last transactions before the next checkpoint, and the
# database stays consistent either way. FULL also survives those, at the price of an fsync
# per commit. bench/intake.py measures both.
SYNCHRONOUS_MODES = ("NORMAL", "FULL")


def _sqlite_pragmas(
    synchronous: str, busy_ms: int, *, reader: bool, checkpoints_elsewhere: bool
) -> Callable[..., None]:
    def apply(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers work while one writer commits.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        if reader:
            cursor.execute("PRAGMA query_only=ON")  # a reader that tried to write: a bug
        if checkpoints_elsewhere:
            cursor.execute("PRAGMA wal_autocheckpoint=0")  # storage/sqlite_checkpoint.py
        cursor.close()

    return apply


def _sqlite_engine(
    url: str,
    *,
    inline: bool,
    reader: bool,
    pool_size: int,
    max_overflow: int,
    synchronous: str = "NORMAL",
    echo: bool = False,
    checkpoints_elsewhere: bool = False,
) -> AsyncEngine:
    if synchronous.upper() not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS_MODES}")
    _ensure_sqlite_folder(url)
    options: dict[str, Any] = {"echo": echo, "pool_size": pool_size, "max_overflow": max_overflow}
    if inline:
        options["async_creator"] = inline_creator(make_url(url).database or ":memory:")
    engine = create_async_engine(url, **options)
    # Another process (the command line, a backup) may hold the write lock for a moment; an
    # inline connection waits on the event loop, so it waits less before it gives up.
    busy_ms = 2000 if inline else 10000
    event.listen(
        engine.sync_engine,
        "connect",
        _sqlite_pragmas(
            synchronous.upper(), busy_ms, reader=reader, checkpoints_elsewhere=checkpoints_elsewhere
        ),
    )
    return engine


def create_engine(
    url: str,
    *,
    echo: bool = False,
    synchronous: str = "NORMAL",
    checkpoints_elsewhere: bool = False,
) -> AsyncEngine:
    """The writer: on SQLite one connection on the event-loop thread (storage/sqlite_inline.py).

    SQLite allows one writer at a time; one pooled connection serialises transactions inside
    this process instead of failing with "database is locked" on lock upgrades.
    `checkpoints_elsewhere`: its commits leave WAL checkpoints to a Checkpointer.
    """
    if is_sqlite(url):
        return _sqlite_engine(
            url,
            inline=True,
            reader=False,
            pool_size=1,
            max_overflow=0,
            synchronous=synchronous,
            echo=echo,
            checkpoints_elsewhere=checkpoints_elsewhere,
        )
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


READER_OVERFLOW = 128


def create_read_engine(url: str) -> AsyncEngine | None:
    """SQLite only: a few connections for reads, which WAL lets run beside the one writer.

    Without them every read of an update queues behind other chats' writes on the single
    writer connection. PostgreSQL's pool already serves reads and writes concurrently.
    """
    if not is_sqlite(url):
        return None
    # Never fewer readers than updates running at once: an update that holds the writer and
    # waits for a reader held by an update waiting for the writer would wait for ever.
    # Overflow connections close when returned, so quiet times keep only the pool.
    return _sqlite_engine(url, inline=True, reader=True, pool_size=4, max_overflow=READER_OVERFLOW)


def create_bulk_engine(url: str) -> AsyncEngine | None:
    """SQLite only: readers in worker threads, for reads too large for the event loop
    (building a similarity index, regrouping, training a model, exports)."""
    if not is_sqlite(url):
        return None
    return _sqlite_engine(url, inline=False, reader=True, pool_size=2, max_overflow=4)


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


@dataclass
class Database:
    """The engines of one database: the writer, readers beside it, and readers for bulk.

    On PostgreSQL one pool serves all three. On SQLite the writer and the readers run on
    the event loop (small statements), and bulk reads in worker threads.
    """

    writer: AsyncEngine
    reader: AsyncEngine | None = None
    bulk: AsyncEngine | None = None
    checkpointer: Checkpointer | None = None

    @property
    def sessions(self) -> SessionFactory:
        return create_session_factory(self.writer)

    @property
    def read_sessions(self) -> SessionFactory | None:
        return create_session_factory(self.reader) if self.reader is not None else None

    @property
    def bulk_sessions(self) -> SessionFactory | None:
        return create_session_factory(self.bulk) if self.bulk is not None else None

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()  # the writer's last close checkpoints what is left
        for engine in (self.reader, self.bulk, self.writer):
            if engine is not None:
                await engine.dispose()


def count_activity(
    engine: AsyncEngine, on_statement: Callable[[], None], on_commit: Callable[[], None]
) -> None:
    """Call back on every statement and every commit (figures for /metrics)."""

    def statement(*_args: Any) -> None:
        on_statement()

    def commit(*_args: Any) -> None:
        on_commit()

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    count_direct_statements(engine.sync_engine, on_statement)
    event.listen(engine.sync_engine, "commit", commit)


def open_database(url: str, *, synchronous: str = "NORMAL") -> Database:
    """The bot's engines; on a SQLite file also its checkpointing thread (started here)."""
    path = make_url(url).database if is_sqlite(url) else None
    checkpointer = None
    if path and path != ":memory:":
        checkpointer = Checkpointer(path, synchronous=synchronous.upper())
    database = Database(
        writer=create_engine(
            url, synchronous=synchronous, checkpoints_elsewhere=checkpointer is not None
        ),
        reader=create_read_engine(url),
        bulk=create_bulk_engine(url),
        checkpointer=checkpointer,
    )
    if checkpointer is not None:
        checkpointer.start()
    return database


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
