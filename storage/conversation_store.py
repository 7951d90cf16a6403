"""Durable conversation state and per-user scratch data (backs the bot's persistence)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.db import SessionFactory
from storage.models import ConversationState, UserData

ConversationKey = tuple[int | str, ...]


def _encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def _decode_key(raw: str) -> ConversationKey:
    return tuple(json.loads(raw))


# The same ON CONFLICT syntax works on SQLite and PostgreSQL; the JSON-typed parameters are
# serialised by SQLAlchemy (and cast for asyncpg).
_UPSERT_STATE = text(
    "INSERT INTO conversation_states (name, key, state) VALUES (:name, :key, :state) "
    "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state"
).bindparams(bindparam("state", type_=JSON))
_DELETE_STATE = text("DELETE FROM conversation_states WHERE name = :name AND key = :key")
_UPSERT_USER_DATA = text(
    "INSERT INTO user_data (user_id, data) VALUES (:user_id, :data) "
    "ON CONFLICT (user_id) DO UPDATE SET data = excluded.data"
).bindparams(bindparam("data", type_=JSON))
_DELETE_USER_DATA = text("DELETE FROM user_data WHERE user_id = :user_id")


@dataclass
class _PendingStep:
    name: str
    key: str
    state: object | None
    user_id: int
    data: dict[str, Any]
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class ConversationStore:
    """Each write is its own short transaction, so state is durable as soon as it is saved."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self._factory = session_factory
        bind = session_factory.kw.get("bind")
        assert isinstance(bind, AsyncEngine), "the session factory must be bound to an engine"
        self._engine = bind
        self._pending: list[_PendingStep] = []
        self._writer: asyncio.Task[None] | None = None

    def _insert(self, dialect_name: str, model: Any) -> Any:
        return pg_insert(model) if dialect_name == "postgresql" else sqlite_insert(model)

    async def load_conversations(self, name: str) -> dict[ConversationKey, object]:
        async with self._factory() as session:
            rows = await session.execute(
                select(ConversationState.key, ConversationState.state).where(
                    ConversationState.name == name
                )
            )
            return {_decode_key(row.key): row.state for row in rows}

    async def save_conversation(
        self, name: str, key: ConversationKey, state: object | None
    ) -> None:
        async with self._factory() as session, session.begin():
            await self._write_conversation(session, name, key, state)

    async def save_step(
        self,
        name: str,
        key: ConversationKey,
        state: object | None,
        user_id: int,
        data: dict[str, Any],
    ) -> None:
        """Where a chat stands and what it has said so far, durable when this returns.

        This runs before every answer of a conversation. Steps of chats that arrive while a
        write is under way are committed together in the next transaction (group commit):
        under load one transaction carries many steps, and each caller still waits for its
        own step to be on disk.
        """
        step = _PendingStep(name, _encode_key(key), state, user_id, data)
        self._pending.append(step)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        await step.done

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._write_batch(batch)
            except Exception as exc:
                for step in batch:
                    step.done.set_exception(exc)
            else:
                for step in batch:
                    step.done.set_result(None)

    async def _write_batch(self, batch: list[_PendingStep]) -> None:
        # The same user may not appear twice: a chat's updates run one after another.
        upserts = [s for s in batch if s.state is not None]
        ends = [s for s in batch if s.state is None]
        kept = [s for s in batch if s.data]
        dropped = [s for s in batch if not s.data]
        async with self._engine.begin() as connection:
            if upserts:
                await connection.execute(
                    _UPSERT_STATE,
                    [{"name": s.name, "key": s.key, "state": s.state} for s in upserts],
                )
            if ends:
                await connection.execute(
                    _DELETE_STATE, [{"name": s.name, "key": s.key} for s in ends]
                )
            if kept:
                await connection.execute(
                    _UPSERT_USER_DATA, [{"user_id": s.user_id, "data": s.data} for s in kept]
                )
            if dropped:
                await connection.execute(
                    _DELETE_USER_DATA, [{"user_id": s.user_id} for s in dropped]
                )

    async def _write_conversation(
        self, session: AsyncSession, name: str, key: ConversationKey, state: object | None
    ) -> None:
        encoded = _encode_key(key)
        if state is None:
            await session.execute(
                delete(ConversationState).where(
                    ConversationState.name == name, ConversationState.key == encoded
                )
            )
            return
        insert = self._insert(session.get_bind().dialect.name, ConversationState)
        statement = insert.values(name=name, key=encoded, state=state)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["name", "key"], set_={"state": statement.excluded.state}
            )
        )

    async def load_user_data(self) -> dict[int, dict[str, Any]]:
        async with self._factory() as session:
            rows = await session.execute(select(UserData.user_id, UserData.data))
            return {int(row.user_id): dict(row.data) for row in rows}

    async def save_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        async with self._factory() as session, session.begin():
            await self._write_user_data(session, user_id, data)

    async def _write_user_data(
        self, session: AsyncSession, user_id: int, data: dict[str, Any]
    ) -> None:
        if not data:
            await session.execute(delete(UserData).where(UserData.user_id == user_id))
            return
        insert = self._insert(session.get_bind().dialect.name, UserData)
        statement = insert.values(user_id=user_id, data=data)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"], set_={"data": statement.excluded.data}
            )
        )

    async def drop_user_data(self, user_id: int) -> None:
        await self.save_user_data(user_id, {})
