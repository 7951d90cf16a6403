"""Read-side helpers for tests: bot messages as friendly objects and per-chat waiting."""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fake_telegram.markup import inline_rows
from fake_telegram.state import ChatEvent, ChatState, JsonDict, StoredMessage

if TYPE_CHECKING:
    from fake_telegram.core import FakeBotApi

_KINDS = (
    "text",
    "photo",
    "voice",
    "document",
    "video",
    "audio",
    "animation",
    "sticker",
    "video_note",
    "location",
    "contact",
)


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as it looked at one moment (new or just edited)."""

    message_id: int
    chat_id: int
    text: str  # what the user sees: text or caption, markup removed
    source: str | None  # text or caption exactly as the bot sent it, markup included
    parse_mode: str | None
    reply_markup: JsonDict | None
    inline_keyboard: list[list[tuple[str, str | None]]]
    method: str | None
    kind: str
    edited: bool = False
    deleted: bool = False
    payload: JsonDict = field(default_factory=dict, repr=False)

    @classmethod
    def from_stored(cls, stored: StoredMessage) -> BotMessage:
        payload = stored.payload
        rows = [
            [
                (str(b.get("text", "")), b.get("callback_data") or b.get("url"))
                for b in row
                if isinstance(b, dict)
            ]
            for row in inline_rows(stored.sent_markup)
        ]
        return cls(
            message_id=stored.message_id,
            chat_id=stored.chat_id,
            text=str(payload.get("text", payload.get("caption", ""))),
            source=stored.source_text,
            parse_mode=stored.parse_mode,
            reply_markup=stored.sent_markup,
            inline_keyboard=rows,
            method=stored.method,
            kind=next((k for k in _KINDS if k in payload), "other"),
            edited=stored.edited,
            deleted=stored.deleted,
            payload=copy.deepcopy(payload),
        )

    @property
    def buttons(self) -> list[str]:
        return [text for row in self.inline_keyboard for text, _ in row]

    def has_button(self, text: str) -> bool:
        return text in self.buttons or text in (self.reply_keyboard or [])

    def button_data(self, text: str) -> str:
        for row in self.inline_keyboard:
            for label, data in row:
                if label == text and data is not None:
                    return data
        raise AssertionError(
            f"no inline button {text!r} on message {self.message_id}; buttons: {self.buttons}"
        )

    @property
    def reply_keyboard(self) -> list[str] | None:
        rows = (self.reply_markup or {}).get("keyboard")
        if not isinstance(rows, list):
            return None
        return [b if isinstance(b, str) else str(b.get("text", "")) for row in rows for b in row]

    @property
    def removes_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))


class ChatView:
    """Everything a test can observe about one chat."""

    def __init__(self, api: FakeBotApi, chat_id: int, token: str) -> None:
        self._api = api
        self.chat_id = chat_id
        self.token = token
        self._cursor = 0
        # Edits read ahead of the cursor (see next_message_with).
        self._taken: set[int] = set()

    @property
    def state(self) -> ChatState:
        return self._api.chats[self.chat_id]

    def bot_messages(self, *, include_deleted: bool = False) -> list[BotMessage]:
        """All bot messages in this chat in their current state, oldest first."""
        found = self._api.messages(self.chat_id, include_deleted=include_deleted)
        return [BotMessage.from_stored(m) for m in found if m.from_bot]

    def last_bot_message(self) -> BotMessage:
        messages = self.bot_messages()
        if not messages:
            raise AssertionError(f"the bot has not sent anything to chat {self.chat_id}")
        return messages[-1]

    def _bot_events_after(self, seq: int) -> list[ChatEvent]:
        return [
            e
            for e in self.state.events
            if e.seq > seq and e.kind in ("bot", "edit") and e.seq not in self._taken
        ]

    async def next_message(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The next bot message (new or edited) after the last one this view returned."""
        found: list[ChatEvent] = []

        def arrived() -> bool:
            found[:] = self._bot_events_after(self._cursor)[:1]
            return bool(found)

        if not await self._api.activity.wait_for(arrived, timeout):
            raise TimeoutError(
                f"no bot message in chat {self.chat_id} within {timeout}s. Transcript:\n"
                + self.transcript_text()
            )
        event = found[0]
        self._cursor = event.seq
        assert event.message is not None
        return BotMessage.from_stored(event.message)

    async def next_message_with(self, fragment: str, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The next bot message; if it is a new message without `fragment`, an edit with
        `fragment` that comes after it is read first (the new message stays next).

        An edit rewrites a message the person has already read, above the new ones, so
        whether it lands before or after a new message is nothing they can see; bots tidy a
        pressed message after sending what follows it. Nothing is skipped: when no such
        edit comes within `timeout`, the new message is returned as it is.
        """
        cursor = self._cursor
        message = await self.next_message(timeout)
        if message.edited or fragment in (message.text or ""):
            return message
        first = self._cursor
        found: list[ChatEvent] = []

        def edited() -> bool:
            found[:] = [
                e
                for e in self._bot_events_after(first)
                if e.kind == "edit"
                and e.message is not None
                and fragment in (BotMessage.from_stored(e.message).text or "")
            ][:1]
            return bool(found)

        if not await self._api.activity.wait_for(edited, timeout):
            return message
        self._cursor = cursor  # the new message is read next
        self._taken.add(found[0].seq)
        assert found[0].message is not None
        return BotMessage.from_stored(found[0].message)

    async def messages_until_idle(
        self,
        quiet: float = 0.2,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[BotMessage]:
        """Waits for the bot to go quiet, then returns every message not yet consumed."""
        await self.wait_idle(quiet=quiet, timeout=timeout)
        events = self._bot_events_after(self._cursor)
        if events:
            self._cursor = events[-1].seq
        return [BotMessage.from_stored(e.message) for e in events if e.message is not None]

    def skip_pending(self) -> None:
        """Marks every bot message so far as consumed by ``next_message``."""
        if self.state.events:
            self._cursor = self.state.events[-1].seq

    def _has_pending_update(self) -> bool:
        for update in self._api.bot_state(self.token).updates:
            for body in update.values():
                if isinstance(body, dict):
                    chat = (body.get("message") or body).get("chat") or {}
                    if chat.get("id") == self.chat_id:
                        return True
        return False

    # Explicit timeouts (instead of asyncio.timeout) let failures print the transcript.
    async def wait_idle(self, quiet: float = 0.2, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Waits until neither side has acted in this chat for ``quiet`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            idle_for = time.monotonic() - self.state.last_activity
            if idle_for >= quiet and not self._has_pending_update():
                return
            pause = max(quiet - idle_for, 0.01)
            if loop.time() + pause > deadline:
                pending = self._has_pending_update()
                waiting = " (the bot has not fetched its updates)" if pending else ""
                raise TimeoutError(
                    f"chat {self.chat_id} still busy after {timeout}s{waiting}. Transcript:\n"
                    + self.transcript_text()
                )
            await asyncio.sleep(pause)

    def transcript(self) -> list[tuple[str, str]]:
        """(who, text) for every user action and bot message, edit or deletion, in order."""
        return [(event.who, event.text) for event in self.state.events]

    def transcript_text(self) -> str:
        lines = []
        for who, text in self.transcript():
            first, *rest = text.split("\n")
            lines.append(f"{who}: {first}")
            lines.extend(f"    {line}" for line in rest)
        return "\n".join(lines)
