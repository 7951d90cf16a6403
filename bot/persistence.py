"""python-telegram-bot persistence backed by the bot's own database (no pickle files)."""

from __future__ import annotations

import copy
from collections.abc import MutableMapping
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.conversation_store import ConversationKey, ConversationStore

UserDataDict = dict[str, Any]
ConversationDict = MutableMapping[ConversationKey, object]
# PTB's shape for callback data; unused here because callback data carries only short ids.
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class DatabasePersistence(BasePersistence[UserDataDict, dict[str, Any], dict[str, Any]]):
    """Keeps conversation states and user_data; chat/bot/callback data are not used here.

    PTB writes when the application flushes; the bot flushes after every update (see
    bot/update_processor.py). A flush comes after the reply, though, so conversations that
    must survive a crash save each step *before* answering with `save_step`; the flush then
    finds nothing changed and writes nothing.
    """

    def __init__(self, store: ConversationStore) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self._store = store
        # The last saved copies, so unchanged data costs no write.
        self._saved_user_data: dict[int, UserDataDict] = {}
        self._saved_states: dict[tuple[str, ConversationKey], object] = {}

    async def save_step(
        self,
        name: str,
        key: ConversationKey,
        state: object | None,
        user_id: int,
        user_data: UserDataDict,
    ) -> None:
        """Make a conversation step durable now: its state and the user's data together."""
        data = copy.deepcopy(user_data)
        unchanged = (
            self._saved_states.get((name, key)) == state
            and self._saved_user_data.get(user_id, {}) == data
        )
        if unchanged:
            return
        await self._store.save_step(name, key, state, user_id, data)
        self._saved_user_data[user_id] = data
        self._remember_state(name, key, state)

    def _remember_state(self, name: str, key: ConversationKey, state: object | None) -> None:
        if state is None:
            self._saved_states.pop((name, key), None)
        else:
            self._saved_states[(name, key)] = state

    async def get_user_data(self) -> dict[int, UserDataDict]:
        data = await self._store.load_user_data()
        self._saved_user_data = copy.deepcopy(data)
        return data

    async def update_user_data(self, user_id: int, data: UserDataDict) -> None:
        if self._saved_user_data.get(user_id, {}) == data:
            return
        await self._store.save_user_data(user_id, data)
        self._saved_user_data[user_id] = copy.deepcopy(data)

    async def drop_user_data(self, user_id: int) -> None:
        await self._store.drop_user_data(user_id)
        self._saved_user_data.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: UserDataDict) -> None:
        """The database is written only by this process, so memory is already current."""

    async def get_conversations(self, name: str) -> ConversationDict:
        states = await self._store.load_conversations(name)
        for key, state in states.items():
            self._saved_states[(name, key)] = state
        return states

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        if self._saved_states.get((name, key)) == new_state:
            return
        await self._store.save_conversation(name, key, new_state)
        self._remember_state(name, key, new_state)

    # -- data kinds this bot does not persist ------------------------------------------------
    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def flush(self) -> None:
        """Every write above is already committed."""
