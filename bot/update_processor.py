"""Updates of different chats run concurrently; one chat's updates run in order.

PTB's own concurrency gate would be taken *before* a chat's turn, so a chat with sixty
waiting messages would hold sixty of the slots and everyone else would wait. Here the order
is reversed: an update first waits for its chat's turn (an asyncio lock per chat, forgotten
when the chat is idle), and only then takes one of the running slots. A flooding chat is
turned away when its updates arrive, before they queue (see bot/services/flood.py).

What happens around each update (its unit of work, its answers) is given by the wiring as
`around`, so this module knows nothing of handlers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Around = Callable[[object, Awaitable[Any]], Awaitable[None]]
# PTB's gate is opened wide; the real limit is `max_running` below.
_UNLIMITED = 1 << 20


class Gate(Protocol):
    """Turns away the updates of a flooding chat (and answers them)."""

    def admit(self, key: int, update: Update, now: float) -> bool: ...

    def still_admitted(self, key: int, now: float) -> bool: ...

    async def turned_away(self, update: Update) -> None: ...


def ordering_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_running: int) -> None:
        super().__init__(_UNLIMITED)
        self._slots = asyncio.Semaphore(max_running)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.around: Around | None = None
        self.gate: Gate | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        if key is None or not isinstance(update, Update):
            async with self._slots:
                await self._run(update, coroutine)
            return
        if self.gate is not None and not self.gate.admit(key, update, time.monotonic()):
            await self._turn_away(update, coroutine)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                if self.gate is not None and not self.gate.still_admitted(key, time.monotonic()):
                    await self._turn_away(update, coroutine)
                    return
                async with self._slots:
                    await self._run(update, coroutine)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                # No one else queued for this chat: forget its lock to keep memory flat.
                del self._waiting[key]
                del self._locks[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.around is None:
            await coroutine
        else:
            await self.around(update, coroutine)

    async def _turn_away(self, update: Update, coroutine: Awaitable[Any]) -> None:
        if isinstance(coroutine, Coroutine):
            coroutine.close()  # never started: close it quietly
        assert self.gate is not None
        await self.gate.turned_away(update)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
