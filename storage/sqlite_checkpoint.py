"""WAL checkpoints in a thread of their own, never inside a commit on the event loop.

In WAL mode SQLite copies the log back into the database file (a checkpoint) from inside
the commit that finds the log past 1,000 pages. The bot commits on the event-loop thread
(storage/sqlite_inline.py), so that one commit wrote and synced megabytes while every chat
waited: measured under bench/intake.py, nine commits in a run took 5–185 ms where the
others take 0.05 ms, and they made the slowest answers.

So the bot's writer does not checkpoint (`wal_autocheckpoint=0`), and this thread does,
with its own connection, every `interval` seconds: PASSIVE, which copies what it can
without waiting for or blocking anyone; the writer starts the log afresh by itself once a
checkpoint has caught up. Durability is unchanged: what a commit promised is in the log.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 1.0


class Checkpointer:
    """Checkpoints one SQLite database file from a daemon thread until stopped."""

    def __init__(
        self, path: str, *, synchronous: str = "NORMAL", interval: float = CHECKPOINT_SECONDS
    ) -> None:
        self._path = path
        self._synchronous = synchronous
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # The last round's (busy, pages in the log, pages copied back), for /metrics and tests.
        self.last: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread; the last connection to close checkpoints what is left."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stopping.wait(self._interval):
                if connection is None:
                    connection = self._connect()
                if connection is not None:
                    self.checkpoint(connection)
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> sqlite3.Connection | None:
        """The thread's own connection, or None (tried again next round) if the file is
        held right now."""
        connection = sqlite3.connect(self._path, check_same_thread=False)
        try:
            connection.execute("PRAGMA busy_timeout=1000")
            connection.execute("PRAGMA journal_mode=WAL")  # as the bot's connections have it
            # The checkpoint syncs the database file as commits would (FULL or NORMAL).
            connection.execute(f"PRAGMA synchronous={self._synchronous}")
        except sqlite3.Error as error:
            log.info("WAL checkpoints wait: %s", error)
            connection.close()
            return None
        return connection

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, pages in the log, pages copied back)."""
        try:
            busy, in_log, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:
            # A backup or a migration holding the file: the next round catches up.
            log.info("WAL checkpoint skipped: %s", error)
            return (1, -1, -1)
        self.last = (int(busy), int(in_log), int(copied))
        return self.last
