"""Backing up and restoring the SQLite database with SQLite's online backup API.

The backup is consistent while the bot runs: SQLite copies one snapshot of the database
in a single step (in WAL mode the bot's writes go on meanwhile, into the log), so every
transaction committed before the copy began is in it, and no half-written one is. (Copying
in several steps would restart whenever the bot writes, and might never finish.)
For PostgreSQL use pg_dump/pg_restore (see the README).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """Something the operator must fix (one line)."""


def sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise BackupError(
            "backup and restore work on the SQLite database; for PostgreSQL use pg_dump and "
            "pg_restore (see the README)"
        )
    return Path(parsed.database).expanduser()


def backup(url: str, target: Path) -> int:
    """Copy the live database into `target` (a new file); returns its size in bytes."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"there is no database at {source_path}")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target.stat().st_size


def restore(url: str, source: Path) -> None:
    """Replace the database with a backup. The bot must not be running."""
    target_path = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"there is no backup at {source}")
    try:
        with sqlite3.connect(source) as backup_file:
            healthy = backup_file.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        healthy = False
    if not healthy:
        raise BackupError(f"{source} is not a sound SQLite database (integrity check failed)")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as backup_file, sqlite3.connect(target_path) as live:
        backup_file.backup(live)
