"""Simulated people (and groups) that talk to the bot through the fake API."""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from typing import TYPE_CHECKING, Any

from fake_telegram.markup import inline_rows
from fake_telegram.objects import (
    command_entities,
    describe_message,
    media_object,
    sample_content,
)
from fake_telegram.state import CallbackRecord, ChatState, FileRecord, JsonDict, StoredMessage
from fake_telegram.views import BotMessage, ChatView

if TYPE_CHECKING:
    from fake_telegram.core import FakeBotApi

__all__ = ["BotMessage", "SimUser"]

ChatRef = ChatView | int | None
DEFAULT_LOCATION = (39.9042, 116.4074)


class SimUser(ChatView):
    """A person; their own private chat has ``chat_id == user id``.

    Every action takes ``chat=`` to act in a group instead, and returns the update id,
    or None when Telegram would not deliver the message to the bot (group privacy mode).
    """

    def __init__(self, api: FakeBotApi, user: JsonDict, token: str) -> None:
        super().__init__(api, int(user["id"]), token)
        self.user = user
        self.phone_number = f"+86138{int(user['id']) % 10**8:08d}"

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def first_name(self) -> str:
        return str(self.user["first_name"])

    # -- plumbing -----------------------------------------------------------------------------

    def _view(self, chat: ChatRef) -> tuple[ChatState, str]:
        if chat is None:
            return self.state, self.token
        if isinstance(chat, ChatView):
            return chat.state, chat.token
        return self._api.require_chat(chat), self.token

    def _delivers(self, state: ChatState, token: str, payload: JsonDict) -> bool:
        """Group privacy mode: only commands, mentions and replies to the bot get through."""
        api = self._api
        if state.is_private or not api.privacy_mode or "new_chat_members" in payload:
            return True
        bot = api.bot_state(token)
        text = str(payload.get("text") or payload.get("caption") or "")
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            return "@" not in head or head.split("@", 1)[1].lower() == bot.username.lower()
        if f"@{bot.username}".lower() in text.lower():
            return True
        replied = payload.get("reply_to_message") or {}
        return bool(replied.get("from", {}).get("id") == bot.bot_id)

    async def post(
        self, fields: JsonDict, chat: ChatRef = None, reply_to: BotMessage | int | None = None
    ) -> int | None:
        """Sends a message made of arbitrary Telegram ``Message`` fields (e.g. a venue)."""
        update_id = self._record(fields, chat, reply_to)
        # Let a waiting getUpdates long poll run before the test continues.
        await asyncio.sleep(0)
        return update_id

    def _record(
        self, fields: JsonDict, chat: ChatRef = None, reply_to: BotMessage | int | None = None
    ) -> int | None:
        """Stores a message from this user and queues it for the bot (unless privacy hides it)."""
        api = self._api
        state, token = self._view(chat)
        payload: JsonDict = {
            "message_id": api.next_message_id(),
            "from": copy.deepcopy(self.user),
            "chat": copy.deepcopy(state.chat),
            "date": api.now(),
        }
        payload.update(fields)
        if reply_to is not None:
            target_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            target = state.messages.get(target_id)
            if target is None:
                raise AssertionError(f"no message {target_id} in chat {state.chat_id} to reply to")
            replied = copy.deepcopy(target.payload)
            replied.pop("reply_to_message", None)
            payload["reply_to_message"] = replied
        stored = StoredMessage(state.chat_id, payload["message_id"], payload, from_bot=False)
        state.messages[stored.message_id] = stored
        if not state.is_private:
            state.members.setdefault(self.id, "member")
        api.log.add(state, "user", self.first_name, describe_message(payload), stored)
        if not self._delivers(state, token, payload):
            return None
        return api.enqueue_update("message", payload, token)

    def _file(
        self,
        kind: str,
        file_id: str | None,
        content: bytes | None = None,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> FileRecord:
        files = self._api.files
        known = files.get(file_id) if file_id else None
        if known is not None:
            return known
        record = files.create(
            kind, content or sample_content(kind), mime_type=mime_type, file_name=file_name
        )
        if file_id:
            record = dataclasses.replace(record, file_id=file_id)
            files.by_id[file_id] = record
        return record

    # -- messages -----------------------------------------------------------------------------

    async def send(
        self, text: str, *, reply_to: BotMessage | int | None = None, chat: ChatRef = None
    ) -> int | None:
        fields: JsonDict = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        return await self.post(fields, chat, reply_to)

    async def command(
        self, name: str, *args: str, mention: bool = False, chat: ChatRef = None
    ) -> int | None:
        """Sends ``/name args``; ``mention=True`` addresses the bot as ``/name@botname``."""
        _, token = self._view(chat)
        head = f"/{name}@{self._api.bot_state(token).username}" if mention else f"/{name}"
        return await self.send(" ".join([head, *args]), chat=chat)

    async def send_photo(
        self,
        file_id: str | None = None,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        content: bytes | None = None,
        reply_to: BotMessage | int | None = None,
        chat: ChatRef = None,
    ) -> int | None:
        fields = self._photo_fields(file_id, caption, media_group_id, content)
        return await self.post(fields, chat, reply_to)

    def _photo_fields(
        self,
        file_id: str | None,
        caption: str | None,
        media_group_id: str | None,
        content: bytes | None = None,
    ) -> JsonDict:
        fields: JsonDict = {"photo": media_object("photo", self._file("photo", file_id, content))}
        if caption:
            fields["caption"] = caption
        if media_group_id:
            fields["media_group_id"] = media_group_id
        return fields

    async def send_album(
        self, n: int = 3, caption: str | None = None, *, chat: ChatRef = None
    ) -> list[int | None]:
        """``n`` photos sharing a media_group_id; like Telegram, only the first has the caption."""
        group_id = self._api.new_media_group_id()
        # Queued without yielding in between, so the bot usually gets the album in one batch.
        update_ids = [
            self._record(self._photo_fields(None, caption if i == 0 else None, group_id), chat)
            for i in range(n)
        ]
        await asyncio.sleep(0)
        return update_ids

    async def send_voice(
        self, duration: int = 5, *, file_id: str | None = None, chat: ChatRef = None
    ) -> int | None:
        record = self._file("voice", file_id)
        return await self.post({"voice": media_object("voice", record, duration=duration)}, chat)

    async def send_location(
        self, latitude: float, longitude: float, *, chat: ChatRef = None
    ) -> int | None:
        return await self.post({"location": {"latitude": latitude, "longitude": longitude}}, chat)

    async def send_sticker(self, emoji: str = "👍", *, chat: ChatRef = None) -> int | None:
        record = self._file("sticker", None)
        return await self.post({"sticker": media_object("sticker", record, emoji=emoji)}, chat)

    async def send_video_note(self, duration: int = 3, *, chat: ChatRef = None) -> int | None:
        record = self._file("video_note", None)
        fields = {"video_note": media_object("video_note", record, duration=duration)}
        return await self.post(fields, chat)

    async def send_document(
        self,
        file_name: str = "a.pdf",
        *,
        content: bytes | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        chat: ChatRef = None,
    ) -> int | None:
        if mime_type is None and file_name.endswith(".pdf"):
            mime_type = "application/pdf"
        record = self._file("document", None, content, mime_type=mime_type, file_name=file_name)
        fields: JsonDict = {"document": media_object("document", record)}
        if caption:
            fields["caption"] = caption
        return await self.post(fields, chat)

    async def send_contact(
        self,
        phone_number: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        user_id: int | None = None,
        chat: ChatRef = None,
    ) -> int | None:
        """Without arguments, shares the user's own contact (as a request_contact button does)."""
        own = phone_number is None
        contact: JsonDict = {
            "phone_number": phone_number or self.phone_number,
            "first_name": first_name or self.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        if user_id is not None or own:
            contact["user_id"] = user_id if user_id is not None else self.id
        return await self.post({"contact": contact}, chat)

    async def edit(self, message_id: int, text: str, *, chat: ChatRef = None) -> int | None:
        """Edits one of this user's own text messages (an ``edited_message`` update)."""
        state, token = self._view(chat)
        stored = state.messages[message_id]
        stored.payload.update(text=text, edit_date=self._api.now())
        stored.edited = True
        self._api.log.add(state, "user", self.first_name, f"(edited #{message_id}) {text}")
        return self._api.enqueue_update("edited_message", stored.payload, token)

    # -- buttons ------------------------------------------------------------------------------

    async def press(
        self,
        data: str,
        message: BotMessage | None = None,
        *,
        chat: ChatRef = None,
        check: bool = True,
    ) -> str:
        """Presses the inline button with this callback_data; returns the callback query id.

        Without ``message``, the newest bot message that has such a button is used. With
        ``check=False`` any data may be sent (e.g. to simulate a stale keyboard).
        """
        state, token = self._view(chat)
        target = self._press_target(state, data, message, check)
        labels = [
            str(b.get("text"))
            for row in inline_rows(target.sent_markup)
            for b in row
            if b.get("callback_data") == data
        ]
        api = self._api
        query_id = api.new_callback_id()
        api.callbacks[query_id] = CallbackRecord(
            query_id, state.chat_id, target.message_id, self.id, data
        )
        body: JsonDict = {
            "id": query_id,
            "from": copy.deepcopy(self.user),
            "message": copy.deepcopy(target.payload),
            "chat_instance": str(abs(state.chat_id) * 7919 + 104729),
            "data": data,
        }
        api.log.add(state, "user", self.first_name, f"[pressed {labels[0] if labels else data}]")
        api.enqueue_update("callback_query", body, token)
        await asyncio.sleep(0)
        return query_id

    def _press_target(
        self, state: ChatState, data: str, message: BotMessage | None, check: bool
    ) -> StoredMessage:
        def datas(stored: StoredMessage) -> list[Any]:
            return [b.get("callback_data") for row in inline_rows(stored.sent_markup) for b in row]

        candidates = [m for m in self._api.messages(state.chat_id) if m.from_bot and datas(m)]
        if message is not None:
            target = state.messages.get(message.message_id)
            if target is None or target.deleted:
                raise AssertionError(f"message {message.message_id} is gone; cannot press it")
        else:
            matching = [m for m in candidates if data in datas(m)]
            if not matching and (check or not candidates):
                raise AssertionError(self._missing(state, f"no button with data {data!r}"))
            target = (matching or candidates)[-1]
        if check and data not in datas(target):
            raise AssertionError(self._missing(state, f"no button with data {data!r}"))
        return target

    def _missing(self, state: ChatState, what: str) -> str:
        seen = [
            (
                m.message_id,
                [
                    (b.get("text"), b.get("callback_data"))
                    for row in inline_rows(m.sent_markup)
                    for b in row
                ],
            )
            for m in self._api.messages(state.chat_id)
            if m.from_bot and inline_rows(m.sent_markup)
        ]
        return f"{what} in chat {state.chat_id}; inline buttons by message: {seen}"

    async def press_button(self, text: str, *, chat: ChatRef = None) -> str:
        """Presses the inline button with this label on the newest bot message showing it."""
        state, _ = self._view(chat)
        for stored in reversed(self._api.messages(state.chat_id)):
            if not stored.from_bot:
                continue
            for row in inline_rows(stored.sent_markup):
                for button in row:
                    if button.get("text") == text and "callback_data" in button:
                        message = BotMessage.from_stored(stored)
                        return await self.press(button["callback_data"], message, chat=chat)
        raise AssertionError(self._missing(state, f"no inline button labelled {text!r}"))

    async def tap_reply_button(
        self,
        text: str,
        *,
        chat: ChatRef = None,
        location: tuple[float, float] = DEFAULT_LOCATION,
    ) -> int | None:
        """Taps a button of the chat's current reply keyboard (location/contact aware)."""
        state, _ = self._view(chat)
        keyboard: list[Any] = []
        for stored in reversed(self._api.messages(state.chat_id, include_deleted=True)):
            markup = stored.sent_markup or {}
            if stored.from_bot and ("keyboard" in markup or "remove_keyboard" in markup):
                keyboard = [b for row in markup.get("keyboard", []) for b in row]
                break
        for button in keyboard:
            label = button if isinstance(button, str) else str(button.get("text", ""))
            if label != text:
                continue
            if isinstance(button, dict) and button.get("request_location"):
                return await self.send_location(*location, chat=chat)
            if isinstance(button, dict) and button.get("request_contact"):
                return await self.send_contact(chat=chat)
            return await self.send(text, chat=chat)
        labels = [b if isinstance(b, str) else b.get("text") for b in keyboard]
        raise AssertionError(
            f"no reply keyboard button {text!r} in chat {state.chat_id}; "
            f"current keyboard: {labels or 'none'}"
        )
