"""Where each chat stands in its conversations (the flow engine's one place of state)."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.inserts import insert_for
from storage.models import ChatFlow
from storage.sqlite_direct import direct_sqlite

Frames = list[dict[str, Any]]
_FRAMES = ChatFlow.__table__.c.frames
_UPDATED_AT = ChatFlow.__table__.c.updated_at


class FlowRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, chat_id: int) -> Frames:
        direct = await direct_sqlite(self.session)
        if direct is not None:
            row = direct.execute(
                "SELECT frames FROM chat_flows WHERE chat_id = ?", (chat_id,)
            ).fetchone()
            return list(direct.from_db(_FRAMES, row[0]) or []) if row else []
        frames = await self.session.scalar(
            select(ChatFlow.frames).where(ChatFlow.chat_id == chat_id)
        )
        return list(frames or [])

    async def save(self, chat_id: int, frames: Frames, now: datetime) -> None:
        """Store the chat's open flows; an empty stack removes the row."""
        direct = await direct_sqlite(self.session)
        if direct is not None:
            if not frames:
                direct.execute("DELETE FROM chat_flows WHERE chat_id = ?", (chat_id,))
                return
            direct.execute(
                "INSERT INTO chat_flows (chat_id, frames, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE"
                " SET frames = excluded.frames, updated_at = excluded.updated_at",
                (chat_id, direct.to_db(_FRAMES, frames), direct.to_db(_UPDATED_AT, now)),
            )
            return
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


class RememberedFlows:
    """Each chat's flows as this process last read or committed them, as JSON text.

    Only for a database this process alone writes (SQLite): then what it committed last is
    what the table holds, and the gatekeeper reads a chat's flows from here instead of the
    database on every update. The chats not seen for longest are forgotten past `limit`,
    and read from the database again when they come back.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self._texts: OrderedDict[int, str] = OrderedDict()
        self._limit = limit

    def get(self, chat_id: int) -> str | None:
        text = self._texts.get(chat_id)
        if text is not None:
            self._texts.move_to_end(chat_id)
        return text

    def put(self, chat_id: int, text: str) -> None:
        """What the table holds for the chat now (read, or just committed)."""
        self._texts[chat_id] = text
        self._texts.move_to_end(chat_id)
        if len(self._texts) > self._limit:
            self._texts.popitem(last=False)

    def __len__(self) -> int:
        return len(self._texts)
