"""What happens elsewhere when an action item changes.

The progress service (bot/services/progress.py) calls these inside the unit of work that
made the change, so whatever they write is committed with it, or not at all.
"""

from __future__ import annotations

from datetime import datetime

from bot.services import resolution
from storage.models import ActionItem
from storage.uow import UnitOfWork


async def on_item_done(uow: UnitOfWork, item: ActionItem, now: datetime) -> None:
    """`item` was just marked done (status done, done_at set, flushed): once every action
    item of its topic is done, the township's staff are asked to resolve the topic."""
    if item.topic_id is not None:
        await resolution.ask_to_resolve_if_all_done(uow, item.topic_id, now)
