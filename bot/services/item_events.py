"""What happens elsewhere when an action item changes.

The progress service (bot/services/progress.py) calls these inside the unit of work that
made the change, so whatever they write is committed with it, or not at all.
"""

from __future__ import annotations

from datetime import datetime

from storage.models import ActionItem
from storage.uow import UnitOfWork


async def on_item_done(uow: UnitOfWork, item: ActionItem, now: datetime) -> None:
    """`item` was just marked done (status done, done_at set, flushed).

    The topic's resolution is asked for here: once every action item of the topic is done,
    staff are asked to resolve it. Until that part is connected this does nothing.
    """
    return None
