"""Operator commands: migrate, setup (and later imports and reports)."""

from __future__ import annotations

import argparse

from bot.clock import SystemClock
from bot.config import Settings
from bot.runner import StartupError, migrated_engine
from bot.services.setup import setup_township, split_names
from storage import migrate
from storage.db import create_session_factory
from storage.uow import UnitOfWork


async def migrate_command(settings: Settings) -> int:
    engine = await migrated_engine(settings.resolved_database_url)
    revision = await migrate.current_revision(engine)
    await engine.dispose()
    print(f"database is at revision {revision}")
    return 0


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
    finally:
        await engine.dispose()
    state = "created" if report.township_created else "already there"
    print(f"township {args.township.strip()} (id {report.township_id}): {state}")
    for name, village_id in report.villages.items():
        mark = "new" if name in report.villages_created else "ok"
        print(
            f"  village {name} (id {village_id}, {mark}): QR deep link payload v{village_id}"
            f" -> https://t.me/<your_bot>?start=v{village_id}"
        )
    if report.categories_created:
        print(f"  categories added: {', '.join(report.categories_created)}")
    if args.admin is not None:
        print(f"  admin {args.admin}: {'granted' if report.admin_granted else 'already admin'}")
    return 0
