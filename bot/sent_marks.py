"""Updates whose answers went out, marked done in batches.

An update's answers are stored with its commit (status "handled") and sent after it; once
sent, the update is done. Marking that in a transaction of its own would cost a second
commit per update, so the marks ride along with the next update's commit, or are written
on their own after a short pause when no update comes. A crash in that short window sends
an answer twice after the restart: better than an answer that never comes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.container import Services

log = logging.getLogger(__name__)

FLUSH_AFTER_SECONDS = 0.5


class SentMarks:
    def __init__(self, flush_after: float = FLUSH_AFTER_SECONDS) -> None:
        self._ids: list[int] = []
        self._flush_after = flush_after
        self._timer: asyncio.TimerHandle | None = None

    def add(self, update_id: int, services: Services) -> None:
        self._ids.append(update_id)
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self._flush_after, self._flush_soon(services))

    def take(self) -> list[int]:
        """The ids to mark in the commit under way (they are forgotten here)."""
        ids, self._ids = self._ids, []
        return ids

    def _flush_soon(self, services: Services) -> Callable[[], None]:
        def start() -> None:
            self._timer = None
            if not self._ids:
                return
            task = asyncio.create_task(self.flush(services), name="sent-marks")
            services.background.add(task)
            task.add_done_callback(services.background.discard)

        return start

    async def flush(self, services: Services) -> None:
        """Write the marks now (also at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        ids = self.take()
        if not ids:
            return
        try:
            async with services.uow() as uow:
                await uow.received.mark_sent(ids, services.clock.now())
                await uow.commit()
        except Exception:
            # Not fatal: the answers would be sent once more after a restart.
            log.warning("could not mark %d answered updates done", len(ids), exc_info=True)
