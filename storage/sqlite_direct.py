"""The few statements every update runs, straight on SQLite's own connection.

Each update reads and writes its chat's flows and marks itself handled: four small
statements. Through SQLAlchemy each costs 0.3–0.6 ms of building, compiling and result
handling, for a statement SQLite runs in microseconds; together they were a fifth of the
bot's work per update. On the inline SQLite connection (storage/sqlite_inline.py) the
repositories run these statements here instead, in the session's own transaction, with the
columns' own conversions (JSON, UTC times), so what is stored is the same either way.
Everything else, and every statement on PostgreSQL, goes through SQLAlchemy as before.
"""

from __future__ import annotations

import functools
import sqlite3
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncSession

from storage.sqlite_inline import InlineConnection

# Engine → what counts its statements (storage/db.py count_activity), so /metrics still
# sees the statements that bypass SQLAlchemy.
_STATEMENT_COUNTERS: weakref.WeakKeyDictionary[Engine, Callable[[], None]] = (
    weakref.WeakKeyDictionary()
)


def count_direct_statements(engine: Engine, on_statement: Callable[[], None]) -> None:
    _STATEMENT_COUNTERS[engine] = on_statement


class DirectSQLite:
    """The session's sqlite3 connection, and the conversions of the columns it writes."""

    def __init__(self, connection: sqlite3.Connection, dialect: Dialect, engine: Engine) -> None:
        self._connection = connection
        self._dialect = dialect
        self._count = _STATEMENT_COUNTERS.get(engine)

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        if self._count is not None:
            self._count()
        return self._connection.execute(sql, parameters)

    def to_db(self, column: ColumnElement[Any], value: Any) -> Any:
        """`value` as SQLAlchemy would bind it for `column` (JSON text, a UTC time)."""
        process = _bind_processor(column, self._dialect)
        return process(value) if process is not None else value

    def from_db(self, column: ColumnElement[Any], value: Any) -> Any:
        process = _result_processor(column, self._dialect)
        return process(value) if process is not None else value


# The conversions are looked up once per column, not on every statement of every update.
@functools.cache
def _bind_processor(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    return column.type.dialect_impl(dialect).bind_processor(dialect)


@functools.cache
def _result_processor(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    return column.type.dialect_impl(dialect).result_processor(dialect, None)


async def direct_sqlite(session: AsyncSession) -> DirectSQLite | None:
    """The session's connection for direct statements when it is an inline SQLite one
    (None on PostgreSQL and for worker-thread readers: use SQLAlchemy there)."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return None
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if not isinstance(driver, InlineConnection) or driver.sqlite is None:
        return None
    assert isinstance(engine, Engine)
    return DirectSQLite(driver.sqlite, engine.dialect, engine)
