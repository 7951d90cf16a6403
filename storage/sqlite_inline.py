"""SQLite on the event-loop thread, behind aiosqlite's interface.

aiosqlite runs every call in a worker thread and hands the result back through the event
loop. Under load each hand-back waits for the busy loop, so a transaction of a dozen small
statements holds SQLite's single writer for tens of milliseconds while it mostly waits its
turn, and every other chat's write queues behind it. The statements themselves take
microseconds. Running them on the loop thread instead keeps a transaction as short as its
statements: nothing else runs in between, and the writer is free again at once.

This suits the bot's many small statements. Large reads (rebuilding a similarity index,
an export) go through an ordinary aiosqlite engine, which keeps them off the loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's API, executed directly in the calling thread (no worker thread)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    @property
    def sqlite(self) -> sqlite3.Connection | None:
        """The sqlite3 connection itself (storage/sqlite_direct.py runs statements on it)."""
        return self._connection

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def inline_creator(path: str) -> Callable[[], Any]:
    """What `create_async_engine(..., async_creator=…)` calls for a new connection."""

    async def connect() -> InlineConnection:
        connector = partial(sqlite3.connect, path, check_same_thread=False)
        return await InlineConnection(connector, iter_chunk_size=64)

    return connect
