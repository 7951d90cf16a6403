from __future__ import annotations

from storage.conversation_store import ConversationStore
from storage.db import SessionFactory


async def test_conversation_states_round_trip(session_factory: SessionFactory) -> None:
    store = ConversationStore(session_factory)
    await store.save_conversation("intake", (1001, 1001), "describe")
    await store.save_conversation("intake", (1002, 1002), "photos")
    await store.save_conversation("intake", (1001, 1001), "location")  # overwrite
    assert await store.load_conversations("intake") == {
        (1001, 1001): "location",
        (1002, 1002): "photos",
    }
    await store.save_conversation("intake", (1002, 1002), None)  # conversation ended
    assert await store.load_conversations("intake") == {(1001, 1001): "location"}
    assert await store.load_conversations("other") == {}


async def test_user_data_round_trip(session_factory: SessionFactory) -> None:
    store = ConversationStore(session_factory)
    draft = {"intake": {"text": "路灯坏了", "photos": [{"file_id": "a", "file_unique_id": "b"}]}}
    await store.save_user_data(7, draft)
    await store.save_user_data(7, {**draft, "intake_step": "photos"})
    assert await store.load_user_data() == {7: {**draft, "intake_step": "photos"}}
    await store.drop_user_data(7)
    assert await store.load_user_data() == {}
