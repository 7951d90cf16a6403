"""Reading what the follow-up services wrote: pushes by kind and recipient, pending jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.services.outbox import NotificationKind
from storage.db import SessionFactory
from storage.models import Notification, ScheduledJob


async def pushes(factory: SessionFactory, kind: NotificationKind) -> list[Notification]:
    async with factory() as session:
        query = select(Notification).where(Notification.kind == kind.value)
        return list(await session.scalars(query.order_by(Notification.id)))


async def recipients(factory: SessionFactory, kind: NotificationKind) -> list[int]:
    return sorted(row.recipient_id for row in await pushes(factory, kind))


async def pending_jobs(factory: SessionFactory) -> dict[str, datetime]:
    async with factory() as session:
        rows = await session.scalars(select(ScheduledJob).where(ScheduledJob.status == "pending"))
        return {row.key: row.due_at for row in rows}
