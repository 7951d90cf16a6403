"""Updates from Telegram: accepted durably, handled once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.inserts import insert_for
from storage.models import ReceivedUpdate

PENDING, DONE = "pending", "done"


class ReceivedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def accept(
        self, updates: Sequence[tuple[int, int | None, dict[str, Any]]], now: datetime
    ) -> set[int]:
        """Store (update_id, chat_id, payload) rows; returns the ids that were new."""
        if not updates:
            return set()
        statement = (
            insert_for(self.session)(ReceivedUpdate)
            .values(
                [
                    {
                        "update_id": update_id,
                        "chat_id": chat_id,
                        "payload": payload,
                        "status": PENDING,
                        "received_at": now,
                    }
                    for update_id, chat_id, payload in updates
                ]
            )
            .on_conflict_do_nothing(index_elements=[ReceivedUpdate.update_id])
            .returning(ReceivedUpdate.update_id)
        )
        return set((await self.session.scalars(statement)).all())

    async def mark_done(self, update_id: int, now: datetime) -> None:
        await self.session.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id == update_id)
            .values(status=DONE, done_at=now)
            .execution_options(synchronize_session=False)
        )

    async def unfinished(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Accepted but not handled (the process stopped in between), oldest first."""
        rows = await self.session.scalars(
            select(ReceivedUpdate.payload)
            .where(ReceivedUpdate.status == PENDING)
            .order_by(ReceivedUpdate.update_id)
            .limit(limit)
        )
        return [dict(row) for row in rows]

    async def earlier_pending(self, chat_id: int, update_id: int) -> bool:
        """Whether an earlier update of the chat still waits (another process holds it)."""
        found = await self.session.scalar(
            select(ReceivedUpdate.update_id)
            .where(
                ReceivedUpdate.chat_id == chat_id,
                ReceivedUpdate.status == PENDING,
                ReceivedUpdate.update_id < update_id,
            )
            .limit(1)
        )
        return found is not None

    async def prune(self, before: datetime) -> int:
        """Forget handled updates older than `before` (their ids are never reused)."""
        result = await self.session.execute(
            delete(ReceivedUpdate).where(
                ReceivedUpdate.status == DONE, ReceivedUpdate.done_at < before
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)
