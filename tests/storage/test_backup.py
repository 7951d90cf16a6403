"""A backup taken while issues are being submitted holds every acknowledged one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import backup
from storage.db import SessionFactory, create_engine, create_session_factory
from storage.models import Issue
from tests import factories
from tests.conftest import TEST_DATABASE_URL, MutableClock

pytestmark = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="backup and restore are for the SQLite database"
)


async def test_backup_while_writing_then_restore(
    database_url: str, session_factory: SessionFactory, clock: MutableClock, tmp_path: Path
) -> None:
    report = await factories.township(session_factory, clock.now())
    author = await factories.person(session_factory, clock.now(), 1001)
    acknowledged: list[int] = []
    stop, enough = asyncio.Event(), asyncio.Event()

    async def keep_submitting() -> None:
        while not stop.is_set():
            acknowledged.append(
                await factories.issue(session_factory, clock.now(), report, author, "路灯坏了")
            )
            if len(acknowledged) >= 20:
                enough.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_submitting())
    await enough.wait()
    before = list(acknowledged)
    copy = tmp_path / "copy.sqlite3"
    size = await asyncio.to_thread(backup.backup, database_url, copy)
    stop.set()
    await writer
    assert size > 0 and len(acknowledged) > len(before)
    restored_url = f"sqlite+aiosqlite:///{tmp_path / 'restored.sqlite3'}"
    await asyncio.to_thread(backup.restore, restored_url, copy)
    engine = create_engine(restored_url)
    try:
        async with create_session_factory(engine)() as session:
            ids = set(await session.scalars(select(Issue.id)))
            numbers = await session.scalar(select(func.count(func.distinct(Issue.number))))
    finally:
        await engine.dispose()
    assert set(before) <= ids  # every issue acknowledged before the backup began
    assert numbers == len(ids)


def test_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(backup.BackupError, match="pg_dump"):
        backup.backup("postgresql+asyncpg://u@h/db", tmp_path / "x")
    with pytest.raises(backup.BackupError, match="no database"):
        backup.backup(f"sqlite+aiosqlite:///{tmp_path / 'none.sqlite3'}", tmp_path / "x")
    with pytest.raises(backup.BackupError, match="no backup"):
        backup.restore(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "missing")
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(backup.BackupError):
        backup.restore(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}", damaged)
