"""Outbox rows: written with the change that causes them, read by the dispatcher."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notification


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        *,
        recipient_id: int,
        kind: str,
        payload: dict[str, Any],
        dedupe_key: str,
        now: datetime,
    ) -> bool:
        """Queue a notification; False when one with this dedupe key already exists."""
        exists = await self.session.scalar(
            select(Notification.id).where(Notification.dedupe_key == dedupe_key)
        )
        if exists is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(
                    Notification(
                        recipient_id=recipient_id,
                        kind=kind,
                        payload=payload,
                        dedupe_key=dedupe_key,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False  # written concurrently by another transaction
        return True

    async def for_recipient(self, recipient_id: int) -> Sequence[Notification]:
        query = (
            select(Notification)
            .where(Notification.recipient_id == recipient_id)
            .order_by(Notification.id)
        )
        return (await self.session.scalars(query)).all()
