"""INSERT … ON CONFLICT, the same on SQLite and PostgreSQL (the only dialect switch here).

"Check, then insert" is not enough once two transactions add the same row at the same
moment: on PostgreSQL the second waits for the first and then fails on the unique index.
ON CONFLICT DO NOTHING lets the database decide, and the caller learns whether it added
the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


async def insert_if_absent(
    session: AsyncSession,
    model: type[Any],
    values: Mapping[str, Any],
    unique: Sequence[InstrumentedAttribute[Any]],
) -> bool:
    """Insert the row unless one with the same `unique` columns exists; True if inserted."""
    statement = (
        insert_for(session)(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(model.id)
    )
    return await session.scalar(statement) is not None
