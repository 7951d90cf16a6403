"""Updates from Telegram: accepted durably, handled once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, distinct, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.inserts import insert_for
from storage.models import ReceivedUpdate
from storage.sqlite_direct import direct_sqlite

# pending: stored, not handled yet; handled: committed, its answers stored and not yet
# confirmed sent; done: handled and answered.
PENDING, HANDLED, DONE = "pending", "handled", "done"
_REPLIES = ReceivedUpdate.__table__.c.replies
_PAYLOAD = ReceivedUpdate.__table__.c.payload
_RECEIVED_AT = ReceivedUpdate.__table__.c.received_at
_DONE_AT = ReceivedUpdate.__table__.c.done_at


class ReceivedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def accept(
        self, updates: Sequence[tuple[int, int | None, dict[str, Any]]], now: datetime
    ) -> set[int]:
        """Store (update_id, chat_id, payload) rows; returns the ids that were new."""
        if not updates:
            return set()
        direct = await direct_sqlite(self.session)
        if direct is not None:
            new: set[int] = set()
            received_at = direct.to_db(_RECEIVED_AT, now)
            for update_id, chat_id, payload in updates:
                inserted = direct.execute(
                    "INSERT INTO received_updates"
                    " (update_id, chat_id, payload, status, received_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (update_id) DO NOTHING",
                    (update_id, chat_id, direct.to_db(_PAYLOAD, payload), PENDING, received_at),
                )
                if inserted.rowcount == 1:
                    new.add(update_id)
            return new
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

    async def mark_handled(
        self, update_id: int, now: datetime, replies: dict[str, Any] | None
    ) -> None:
        """In the handling's transaction: done when there is nothing to send, otherwise
        handled with the answers kept until they are confirmed sent."""
        direct = await direct_sqlite(self.session)
        if direct is not None:
            direct.execute(
                "UPDATE received_updates SET status = ?, replies = ?, done_at = ?"
                " WHERE update_id = ?",
                (
                    DONE if replies is None else HANDLED,
                    direct.to_db(_REPLIES, replies),
                    direct.to_db(_DONE_AT, now if replies is None else None),
                    update_id,
                ),
            )
            return
        await self.session.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id == update_id)
            .values(
                status=DONE if replies is None else HANDLED,
                replies=replies,
                done_at=now if replies is None else None,
            )
            .execution_options(synchronize_session=False)
        )

    async def mark_sent(self, update_ids: Sequence[int], now: datetime) -> None:
        """The answers of these updates went out: done, and their copy is dropped."""
        if not update_ids:
            return
        direct = await direct_sqlite(self.session)
        if direct is not None:
            marks = ", ".join("?" * len(update_ids))
            direct.execute(
                "UPDATE received_updates SET status = ?, replies = ?, done_at = ?"
                f" WHERE status = ? AND update_id IN ({marks})",
                (
                    DONE,
                    direct.to_db(_REPLIES, None),
                    direct.to_db(_DONE_AT, now),
                    HANDLED,
                    *update_ids,
                ),
            )
            return
        await self.session.execute(
            update(ReceivedUpdate)
            .where(ReceivedUpdate.update_id.in_(update_ids), ReceivedUpdate.status == HANDLED)
            .values(status=DONE, replies=None, done_at=now)
            .execution_options(synchronize_session=False)
        )

    async def unsent(self, limit: int = 1000) -> list[tuple[int, int, dict[str, Any]]]:
        """(update_id, chat_id, replies) committed but not confirmed sent, oldest first."""
        rows = await self.session.execute(
            select(ReceivedUpdate.update_id, ReceivedUpdate.chat_id, ReceivedUpdate.replies)
            .where(ReceivedUpdate.status == HANDLED)
            .order_by(ReceivedUpdate.update_id)
            .limit(limit)
        )
        return [
            (update_id, chat_id, dict(replies))
            for update_id, chat_id, replies in rows
            if chat_id is not None and replies
        ]

    async def unfinished(self, limit: int = 1000) -> list[dict[str, Any]]:
        """Accepted but not handled (the process stopped in between), oldest first."""
        rows = await self.session.scalars(
            select(ReceivedUpdate.payload)
            .where(ReceivedUpdate.status == PENDING)
            .order_by(ReceivedUpdate.update_id)
            .limit(limit)
        )
        return [dict(row) for row in rows]

    async def arrivals_since(self, chat_ids: Sequence[int], since: datetime) -> dict[int, int]:
        """How many updates each chat sent since `since`, whichever process took them; an
        album counts once (Telegram sends one update per photo)."""
        if not chat_ids:
            return {}
        album = ReceivedUpdate.payload["message"]["media_group_id"].as_string()
        one_each = func.coalesce(album, cast(ReceivedUpdate.update_id, String))
        rows = await self.session.execute(
            select(ReceivedUpdate.chat_id, func.count(distinct(one_each)))
            .where(ReceivedUpdate.chat_id.in_(chat_ids), ReceivedUpdate.received_at > since)
            .group_by(ReceivedUpdate.chat_id)
        )
        return {int(chat_id): int(count) for chat_id, count in rows if chat_id is not None}

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


class ChatTurn:
    """With several processes on PostgreSQL: one update of a chat at a time, in order.

    `take` holds the chat's lock in a transaction of its own, kept open while the update is
    handled and its answers are sent, so no other process handles the chat's next update
    (or sends its answers) meanwhile. It fails (holding nothing) while an earlier update of
    the chat is stored but not handled yet: the caller waits and tries again.

    On SQLite one process serves the database and orders each chat's updates itself: this
    costs nothing there.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None

    @staticmethod
    def needed(session_factory: async_sessionmaker[AsyncSession]) -> bool:
        bind = session_factory.kw.get("bind")
        return bind is not None and bind.dialect.name == "postgresql"

    async def take(self, chat_id: int, update_id: int) -> bool:
        session = self._factory()
        try:
            # The one-key lock space; the migration lock uses the two-key space.
            await session.execute(text("SELECT pg_advisory_xact_lock(:chat)"), {"chat": chat_id})
            if await ReceivedUpdateRepository(session).earlier_pending(chat_id, update_id):
                await session.rollback()
                await session.close()
                return False
        except BaseException:
            await session.close()
            raise
        self._session = session
        return True

    async def release(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.rollback()
            await session.close()
