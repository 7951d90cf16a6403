"""WAL checkpoints run in their own thread, not inside the bot's commits."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from sqlalchemy import text

from storage.db import open_database

ROW = "x" * 2000
ROWS = 3000  # about six megabytes: past the 1,000 pages at which a commit would checkpoint


async def test_commits_leave_checkpoints_to_the_checkpointing_thread(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    database = open_database(f"sqlite+aiosqlite:///{path}")
    checkpointer = database.checkpointer
    assert checkpointer is not None
    try:
        async with database.writer.begin() as connection:
            autocheckpoint = await connection.scalar(text("PRAGMA wal_autocheckpoint"))
            await connection.execute(text("CREATE TABLE filler (body TEXT)"))
        assert autocheckpoint == 0
        for start in range(0, ROWS, 500):
            async with database.writer.begin() as connection:
                await connection.execute(
                    text("INSERT INTO filler (body) VALUES (:body)"),
                    [{"body": ROW} for _ in range(start, start + 500)],
                )
        deadline = time.monotonic() + 10
        while not (checkpointer.last and checkpointer.last[2] > 1000):
            assert time.monotonic() < deadline, f"no checkpoint came: {checkpointer.last}"
            await asyncio.sleep(0.05)
        busy, in_log, copied = checkpointer.last
        assert busy == 0 and copied == in_log  # everything in the log went back to the file
        async with database.writer.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM filler")) == ROWS
    finally:
        await database.dispose()
    # The last close checkpointed what was left and removed the log.
    assert not await asyncio.to_thread(Path(f"{path}-wal").exists)
