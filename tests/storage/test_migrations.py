"""Migrations are real: they build the schema the models describe, and go down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import create_engine
from storage.models import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
    assert await migrate.current_revision(engine) is not None


def _downgrade_base(connection: Connection) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_down_and_up_again(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    await migrate.upgrade(engine)
    head = await migrate.current_revision(engine)
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade_base)
    assert await migrate.current_revision(engine) is None
    await migrate.upgrade(engine)
    assert await migrate.current_revision(engine) == head
    await engine.dispose()


async def test_upgrade_keeps_existing_issues(tmp_path: Path) -> None:
    """Columns added later get defaults for rows written by an older version."""
    from sqlalchemy import text

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    await migrate.upgrade(engine, "0001")
    async with engine.begin() as connection:
        now = "2026-01-01 00:00:00"
        await connection.execute(
            text(
                "INSERT INTO townships (id, name, timezone, created_at) VALUES (1, 'T', 'UTC', :n)"
            ),
            {"n": now},
        )
        await connection.execute(
            text(
                "INSERT INTO issues (id, number, township_id, text, anonymous, status, source,"
                " created_at, updated_at) VALUES (1, 'YS-2026-000001', 1, '旧', 0, 'submitted',"
                " 'telegram', :n, :n)"
            ),
            {"n": now},
        )
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        row = (
            await connection.execute(text("SELECT likes, category_confirmed, topic_id FROM issues"))
        ).one()
    assert tuple(row) == (0, 0, None)
    await engine.dispose()


async def test_sqlite_readers_cannot_write(engine: AsyncEngine, database_url: str) -> None:
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from storage.db import create_read_engine

    reader = create_read_engine(database_url)
    if reader is None:  # PostgreSQL: one pool serves reads and writes
        return
    async with reader.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM townships"))).scalar() == 0
        with pytest.raises(OperationalError):
            await connection.execute(text("INSERT INTO counters (name, value) VALUES ('x', 1)"))
    await reader.dispose()


async def test_the_first_answer_of_older_issues_is_taken_from_their_history(
    tmp_path: Path,
) -> None:
    """Migration 0014 fills `first_answered_at` from the issue's history: the first time
    the office accepted, asked or rejected it (not the resident's own submission)."""
    from sqlalchemy import text

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'answers.sqlite3'}")
    await migrate.upgrade(engine, "0010")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO townships (id, name, timezone, created_at) VALUES (1, 'T', 'UTC', :n)"
            ),
            {"n": "2026-01-01 00:00:00"},
        )
        for issue_id in (1, 2):
            await connection.execute(
                text(
                    "INSERT INTO issues (id, number, township_id, text, anonymous, status, source,"
                    " created_at, updated_at) VALUES (:id, :number, 1, '旧', 0, 'submitted',"
                    " 'telegram', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"id": issue_id, "number": f"YS-2026-00000{issue_id}"},
            )
        for issue_id, at, status in (
            (1, "2026-01-01 00:00:00", "submitted"),
            (1, "2026-01-02 08:00:00", "needs_info"),
            (1, "2026-01-03 08:00:00", "submitted"),
            (1, "2026-01-04 08:00:00", "accepted"),
            (2, "2026-01-01 00:00:00", "submitted"),
        ):
            await connection.execute(
                text("INSERT INTO issue_events (issue_id, at, to_status) VALUES (:i, :at, :s)"),
                {"i": issue_id, "at": at, "s": status},
            )
    await migrate.upgrade(engine)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(text("SELECT id, first_answered_at FROM issues ORDER BY id"))
        ).all()
    assert [tuple(row) for row in rows] == [(1, "2026-01-02 08:00:00"), (2, None)]
    await engine.dispose()
