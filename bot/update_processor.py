"""Updates of different chats run concurrently; one chat's updates run in order.

After each update the application's persistence is flushed, so what the bot has answered
is already on disk when the next message arrives (a restart resumes where the chat was).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

AfterUpdate = Callable[[], Awaitable[None]]


def ordering_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.after_update: AfterUpdate | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None:
            await coroutine
            await self._after()
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
                await self._after()
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                # No one else queued for this chat: forget its lock to keep memory flat.
                del self._waiting[key]
                del self._locks[key]

    async def _after(self) -> None:
        if self.after_update is not None:
            await self.after_update()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
