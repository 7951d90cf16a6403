"""Where each chat stands in its conversations (the flow engine's one place of state)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.inserts import insert_for
from storage.models import ChatFlow

Frames = list[dict[str, Any]]


class FlowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, chat_id: int) -> Frames:
        frames = await self.session.scalar(
            select(ChatFlow.frames).where(ChatFlow.chat_id == chat_id)
        )
        return list(frames or [])

    async def save(self, chat_id: int, frames: Frames, now: datetime) -> None:
        """Store the chat's open flows; an empty stack removes the row."""
        if not frames:
            await self.session.execute(delete(ChatFlow).where(ChatFlow.chat_id == chat_id))
            return
        insert = insert_for(self.session)
        statement = insert(ChatFlow).values(chat_id=chat_id, frames=frames, updated_at=now)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ChatFlow.chat_id],
                set_={"frames": statement.excluded.frames, "updated_at": now},
            )
        )
