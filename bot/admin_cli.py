"""Operator commands: migrate, setup, import-issues, candidates, grant and revoke."""

from __future__ import annotations

import argparse
import csv
import sys
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from telegram import Bot
from telegram.error import TelegramError

from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.roles import RoleName
from bot.runner import StartupError
from bot.services.import_table import ImportFileError, read_table
from bot.services.importer import ImportReport, import_issues
from bot.services.roles import grant_role, revoke_role
from bot.services.setup import setup_township, split_names
from bot.transport import AiohttpRequest
from storage import backup, migrate
from storage.db import create_session_factory
from storage.migrate import migrated_engine
from storage.models import Township
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.services.candidates import CandidateView


async def migrate_command(settings: Settings) -> int:
    engine = await migrated_engine(settings.resolved_database_url)
    revision = await migrate.current_revision(engine)
    await engine.dispose()
    print(f"database is at revision {revision}")
    return 0


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username, asked from Telegram (getMe) when a token is set; else None."""
    if settings.token_problem() is not None:
        return None
    bot = Bot(
        settings.bot_token,
        base_url=settings.bot_api_base_url,
        base_file_url=settings.resolved_base_file_url,
        request=AiohttpRequest(pool_size=1),
    )
    try:
        async with bot:
            return bot.username
    except TelegramError as error:
        print(f"  (could not ask Telegram for the bot's username: {error})")
        return None


async def setup_command(settings: Settings, args: argparse.Namespace) -> int:
    villages = split_names(args.villages)
    if not args.township.strip() or not villages:
        raise StartupError("--township and --villages must not be empty")
    categories = split_names(args.categories) if args.categories else None
    engine = await migrated_engine(settings.resolved_database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            report = await setup_township(
                uow,
                name=args.township,
                villages=villages,
                now=SystemClock().now(),
                timezone=args.timezone,
                admin_telegram_id=args.admin,
                categories=categories,
            )
            await uow.commit()
    finally:
        await engine.dispose()
    state = "created" if report.township_created else "already there"
    print(f"township {args.township.strip()} (id {report.township_id}): {state}")
    username = await bot_username(settings)
    if username is None:
        print(
            "  (set BOT_TOKEN to have the links below name your bot; until then, put the"
            " bot's username where <your_bot> stands)"
        )
    qr_dir = Path(args.qr_dir) if args.qr_dir else None
    if qr_dir is not None:
        qr_dir.mkdir(parents=True, exist_ok=True)
    for name, village_id in report.villages.items():
        mark = "new" if name in report.villages_created else "ok"
        link = f"https://t.me/{username or '<your_bot>'}?start=v{village_id}"
        print(f"  village {name} (id {village_id}, {mark}): {link}")
        if qr_dir is not None and username is not None:
            # A QR code for the village's notice board: scanning it registers the resident.
            path = qr_dir / f"{report.township_id}-{village_id}.png"
            segno.make(link, error="m").save(str(path), scale=8, border=2)
            print(f"    QR code: {path}")
    if report.categories_created:
        print(f"  categories added: {', '.join(report.categories_created)}")
    if args.admin is not None:
        print(f"  admin {args.admin}: {'granted' if report.admin_granted else 'already admin'}")
    return 0


async def township_named(uow: UnitOfWork, ref: str) -> Township:
    """The township named `ref` (or with that id); an unknown one is the operator's error."""
    name = ref.strip()
    township = await uow.directory.township_by_name(name)
    if township is None and name.isdigit():
        township = await uow.directory.township(int(name))
    if township is None:
        known = ", ".join(t.name for t in await uow.directory.townships()) or "none yet"
        raise StartupError(
            f"unknown township {name!r} (known: {known}); create it with `python -m bot setup`"
        )
    return township


def _print_import_report(report: ImportReport, seconds: float) -> None:
    print(
        f"imported {report.imported}, already present {report.already_present}, "
        f"skipped {len(report.skipped)}"
    )
    for skipped in report.skipped:
        print(f"  line {skipped.line}: {skipped.reason}")
    if report.imported:
        print(
            f"  numbers {report.first_number} to {report.last_number}; "
            f"{report.villages_matched} matched a village, "
            f"{report.categories_matched} a category ({seconds:.1f} s)"
        )
    if report.unmatched_categories:
        labels = ", ".join(
            f"{label} ({count})" for label, count in report.unmatched_categories.most_common(10)
        )
        print(f"  categories not known in the township (left unset): {labels}")


async def import_issues_command(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        table = read_table(path)
    except ImportFileError as exc:
        raise StartupError(str(exc)) from None
    engine = await migrated_engine(settings.resolved_database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            township = await township_named(uow, args.township)
            columns = ", ".join(f"{name}={header}" for name, header in table.columns.items())
            print(f"{path.name}: {len(table.rows)} rows into {township.name} (columns {columns})")
            started = time.perf_counter()
            report = await import_issues(
                uow, township.id, table, now=SystemClock().now(), file_name=path.name
            )
            elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    _print_import_report(report, elapsed)
    return 0


# Candidate listings ----------------------------------------------------------------------

ISSUE_COLUMNS = ("issue_id", "candidate", "size")
SUMMARY_COLUMNS = (
    "candidate",
    "size",
    "title",
    "place",
    "key_terms",
    "villages",
    "first_date",
    "last_date",
    "examples",
)


def _issue_rows(candidates: Sequence[CandidateView]) -> list[list[str]]:
    return [
        [issue.ref, candidate.key, str(candidate.size)]
        for candidate in candidates
        for issue in candidate.issues
    ]


def _summary_rows(candidates: Sequence[CandidateView]) -> list[list[str]]:
    return [
        [
            c.key,
            str(c.size),
            c.title,
            c.shared_place or "",
            "、".join(c.key_terms),
            "、".join(c.villages),
            c.first_at.date().isoformat() if c.first_at else "",
            c.last_at.date().isoformat() if c.last_at else "",
            ";".join(issue.ref for issue in c.representatives),
        ]
        for c in candidates
    ]


def _width(text: str) -> int:
    # Chinese characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    text = " ".join(text.split())
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def _print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], limits: Sequence[int]
) -> None:
    widths = [
        min(limit, max([_width(h), *(_width(row[i]) for row in rows)]))
        for i, (h, limit) in enumerate(zip(header, limits, strict=True))
    ]
    for row in (header, ["-" * w for w in widths], *rows):
        print("  ".join(_fit(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())


async def candidates_command(settings: Settings, args: argparse.Namespace) -> int:
    # The grouping pulls in numpy and scipy: loaded only by the command that needs it.
    from bot.services.candidates import candidate_topics

    min_size = args.min_size if args.min_size is not None else (2 if args.summary else 1)
    if min_size < 1:
        raise StartupError("--min-size must be at least 1")
    engine = await migrated_engine(settings.resolved_database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            township = await township_named(uow, args.township)
            candidates = await candidate_topics(uow, township.id, min_size=min_size)
    finally:
        await engine.dispose()
    header: Sequence[str]
    if args.summary:
        header, rows = SUMMARY_COLUMNS, _summary_rows(candidates)
        limits: Sequence[int] = (13, 4, 40, 20, 30, 20, 10, 10, 30)
    elif args.format == "table":
        # People read the table: show what each issue is about, not only its id.
        header = (*ISSUE_COLUMNS, "title")
        rows = [
            [issue.ref, candidate.key, str(candidate.size), issue.snippet]
            for candidate in candidates
            for issue in candidate.issues
        ]
        limits = (20, 13, 4, 60)
    else:
        header, rows = ISSUE_COLUMNS, _issue_rows(candidates)
        limits = (20, 13, 4)
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    elif rows:
        _print_table(header, rows, limits)
    else:
        print(f"{township.name}: no candidate topics (no unassigned open issues)")
    return 0


# Roles -----------------------------------------------------------------------------------


async def role_command(settings: Settings, args: argparse.Namespace) -> int:
    role = RoleName(args.role)
    engine = await migrated_engine(settings.resolved_database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            township = await township_named(uow, args.township)
            action = grant_role if args.command == "grant" else revoke_role
            change = await action(
                uow,
                township_id=township.id,
                telegram_id=args.telegram_id,
                role=role,
                now=SystemClock().now(),
            )
            await uow.commit()
    finally:
        await engine.dispose()
    who = f"Telegram user {args.telegram_id}"
    if args.command == "grant":
        if change.changed:
            new = ", who has not used the bot yet" if change.person_created else ""
            print(f"granted {role} in {township.name} to {who}{new}")
        else:
            print(f"{who} already is {role} in {township.name}")
    elif change.changed:
        print(f"revoked {role} in {township.name} from {who}")
    else:
        print(f"{who} is not {role} in {township.name}; nothing to revoke")
    if change.changed:
        # The running bot caches people for a few minutes.
        print("  a running bot applies the change within 5 minutes")
    return 0


# Backup and restore ---------------------------------------------------------------------


async def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        size = backup.backup(settings.resolved_database_url, Path(args.file))
    except backup.BackupError as error:
        raise StartupError(str(error)) from None
    print(f"backed up to {args.file} ({size / 1024:.0f} KiB); restore with `python -m bot restore`")
    return 0


async def restore_command(settings: Settings, args: argparse.Namespace) -> int:
    try:
        backup.restore(settings.resolved_database_url, Path(args.file))
    except backup.BackupError as error:
        raise StartupError(str(error)) from None
    engine = await migrated_engine(settings.resolved_database_url)
    revision = await migrate.current_revision(engine)
    await engine.dispose()
    print(f"restored from {args.file}; the database is at revision {revision}")
    return 0
