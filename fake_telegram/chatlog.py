"""Per-chat transcripts: what each side did, in order, for waiting and for reading back."""

from __future__ import annotations

import copy
import itertools
import time

from fake_telegram.objects import button_rows_text, describe_message
from fake_telegram.state import CallbackRecord, ChatEvent, ChatState, Notifier, StoredMessage


def _bot_name(stored: StoredMessage) -> str:
    return str(stored.payload.get("from", {}).get("first_name", "bot"))


def _bot_line(stored: StoredMessage) -> str:
    buttons = button_rows_text(stored.sent_markup)
    text = describe_message(stored.payload)
    return f"{text}\n{buttons}" if buttons else text


class ChatLog:
    """Appends chat events and wakes whoever waits for chat activity."""

    def __init__(self, activity: Notifier) -> None:
        self._activity = activity
        self._seq = itertools.count(1)

    def add(
        self, chat: ChatState, kind: str, who: str, text: str, message: StoredMessage | None = None
    ) -> None:
        # Events keep a snapshot so a later edit does not rewrite what was seen earlier.
        snapshot = copy.deepcopy(message) if message is not None else None
        chat.events.append(ChatEvent(next(self._seq), kind, who, text, snapshot))
        chat.last_activity = time.monotonic()
        self._activity.notify()

    def bot_message(self, chat: ChatState, stored: StoredMessage) -> None:
        chat.messages[stored.message_id] = stored
        self.add(chat, "bot", _bot_name(stored), _bot_line(stored), stored)

    def edit(self, chat: ChatState, stored: StoredMessage, *, buttons_only: bool = False) -> None:
        if buttons_only and not stored.sent_markup:
            line = f"(took the buttons off #{stored.message_id})"
        elif buttons_only:
            line = f"(new buttons on #{stored.message_id})\n{button_rows_text(stored.sent_markup)}"
        else:
            line = f"(edited #{stored.message_id}) {_bot_line(stored)}"
        self.add(chat, "edit", _bot_name(stored), line, stored)

    def delete(self, chat: ChatState, stored: StoredMessage, who: str) -> None:
        stored.deleted = True
        self.add(chat, "delete", who, f"(deleted #{stored.message_id})", stored)

    def answer(self, chat: ChatState | None, record: CallbackRecord, who: str) -> None:
        answer = record.answer or {}
        if chat is not None and answer.get("text"):
            style = "alert" if answer.get("show_alert") else "toast"
            self.add(chat, "answer", who, f"({style}) {answer['text']}")
