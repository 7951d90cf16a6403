"""Test data written by the tests themselves (a small township in Chinese)."""

from __future__ import annotations

from datetime import datetime

from bot.services.setup import SetupReport, setup_township
from storage.db import SessionFactory
from storage.uow import UnitOfWork

TOWNSHIP = "东风镇"
VILLAGES = ["东风村", "南湖社区", "柳树屯"]


async def township(
    session_factory: SessionFactory,
    now: datetime,
    *,
    name: str = TOWNSHIP,
    admin: int | None = None,
) -> SetupReport:
    async with UnitOfWork(session_factory) as uow:
        return await setup_township(
            uow, name=name, villages=VILLAGES, now=now, admin_telegram_id=admin
        )
