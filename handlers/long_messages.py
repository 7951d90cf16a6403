"""One long message, even when Telegram delivers it in parts.

A text longer than 4,096 characters is split by the sender's app into several messages,
each part but the last at the limit. Taken one by one, the first part would be refused as
too long and its tail would become the description, starting mid-word. So a text at the
limit is held back for a moment: the parts that follow it (same chat, next in line, within
`LONG_MESSAGE_WAIT_SECONDS`) are joined to it, and the whole is handled as one message.
A part that nothing follows is handled on its own when the wait is over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, cast

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop

from handlers.toolkit import BotContext
from handlers.toolkit.context import RUN_HOWEVER_LATE

# Telegram's limit, less a margin: apps cut at a word or line break near it.
PART_AT = 4000


@dataclass
class _Held:
    update: Update
    parts: list[str] = field(default_factory=list)
    last_at: float = 0.0


class LongMessages:
    """Held-back parts per chat (in memory: a part waits a second at most)."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait = wait_seconds
        self._held: dict[int, _Held] = {}
        # Updates released after their wait: handled as they are, not held again.
        self._released: set[int] = set()

    def take(self, update: Update, context: BotContext) -> None:
        """Hold a part back, or join a held text with this one (`context.scope.text`).

        Raises ApplicationHandlerStop while a message is still arriving.
        """
        message = update.message
        chat = update.effective_chat
        if message is None or chat is None or update.update_id in self._released:
            self._released.discard(update.update_id)
            return
        text = message.text
        held = self._held.get(chat.id)
        now = time.monotonic()
        if held is not None and text is not None and now - held.last_at <= self.wait:
            held.parts.append(text)
            held.last_at = now
            if len(text) >= PART_AT:
                raise ApplicationHandlerStop  # more parts to come
            del self._held[chat.id]
            context.scope.text = "".join(held.parts)
            return
        if text is not None and len(text) >= PART_AT:
            self._held[chat.id] = _Held(update, [text], now)
            self._release_later(context, chat.id)
            raise ApplicationHandlerStop

    def _release_later(self, context: BotContext, chat_id: int) -> None:
        assert context.job_queue is not None
        context.job_queue.run_once(
            cast(Any, self._release),
            self.wait + 0.05,
            chat_id=chat_id,
            name=f"long:{chat_id}",
            job_kwargs=RUN_HOWEVER_LATE,
        )

    async def _release(self, context: BotContext) -> None:
        """The wait is over and the message did not go on: handle what came, as one text."""
        assert context.job is not None and context.job.chat_id is not None
        held = self._held.get(context.job.chat_id)
        if held is None or time.monotonic() - held.last_at < self.wait:
            if held is not None:
                self._release_later(context, context.job.chat_id)  # a part came meanwhile
            return
        del self._held[context.job.chat_id]
        application = cast(Application[Any, Any, Any, Any, Any, Any], context.application)
        if len(held.parts) == 1:
            # A text at the limit that nothing followed: itself, unchanged.
            self._released.add(held.update.update_id)
            await application.update_queue.put(held.update)
            return
        # Parts that ended at the limit too (a text of exactly 8,192 characters…): one text.
        joined = held.update.to_dict()
        joined["message"]["text"] = "".join(held.parts)
        update = Update.de_json(joined, application.bot)
        self._released.add(update.update_id)
        await application.update_queue.put(update)
