"""`python -m bot export`: a township's figures for a period as .xlsx, a zip of CSVs or JSON."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.i18n import translator
from bot.runner import StartupError
from bot.services import export_files, exports
from bot.services.stats import InvertedRange, Period, RangeTooLong, custom_period
from storage.db import create_session_factory
from storage.migrate import migrated_engine
from storage.uow import UnitOfWork


def add_parser(sub: Any) -> None:
    export = sub.add_parser(
        "export", help="write a period's issues, topics, meetings … as xlsx, csv or json"
    )
    export.add_argument("--township", required=True, help="township name (or id)")
    export.add_argument("--format", required=True, choices=export_files.FORMATS)
    export.add_argument("--since", required=True, help="first day, YYYY-MM-DD")
    export.add_argument("--until", required=True, help="last day (included), YYYY-MM-DD")
    export.add_argument("--output", help="file to write (default: a name for the period)")
    export.add_argument(
        "--locale", help="language of the headers: zh_Hans, zh_Hant or en (default: the bot's)"
    )


def _day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise StartupError(f"{option} {value!r} is not a date like 2026-11-30") from None


def export_command(settings: Settings, args: argparse.Namespace) -> int:
    since, until = _day("--since", args.since), _day("--until", args.until)
    try:
        period = custom_period(since, until)
    except InvertedRange:
        raise StartupError(f"--until {until} is before --since {since}") from None
    except RangeTooLong as exc:
        raise StartupError(str(exc)) from None
    locale = args.locale or settings.default_locale
    try:
        tr = translator(locale)
    except ValueError:
        raise StartupError(f"--locale {locale!r}: use zh_Hans, zh_Hant or en") from None
    export = asyncio.run(_collect(settings, args.township, period))
    content = export_files.write(tr, export, args.format)
    target = Path(args.output or export_files.filename(tr, export, args.format))
    try:
        target.write_bytes(content)
    except OSError as exc:
        raise StartupError(f"cannot write {target}: {exc.strerror}") from None
    rows = ", ".join(f"{sheet.key} {len(sheet.rows)}" for sheet in export.sheets)
    print(f"{target}: {export.township} {period.first} – {period.last} ({rows})")
    return 0


async def _collect(settings: Settings, township_ref: str, period: Period) -> exports.Export:
    from bot.admin_cli import township_named

    engine = await migrated_engine(settings.resolved_database_url)
    try:
        async with UnitOfWork(create_session_factory(engine)) as uow:
            township = await township_named(uow, township_ref)
            return await exports.collect(uow, township.id, period)
    finally:
        await engine.dispose()
