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

    Writes happen when the application flushes; the bot flushes after every update (see
    bot/update_processor.py), so a crash between two steps loses nothing already answered.
    """

    def __init__(self, store: ConversationStore) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self._store = store
        # The last saved copy per user, so unchanged data costs no write.
        self._saved_user_data: dict[int, UserDataDict] = {}

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
        return await self._store.load_conversations(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self._store.save_conversation(name, key, new_state)

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
