"""Plain data kept by the fake Bot API, plus the error type its methods raise."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API failure, rendered as Telegram's ``{"ok": false, ...}`` envelope."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class RecordedCall:
    method: str
    params: JsonDict
    at: float
    token: str = ""

    @property
    def chat_id(self) -> int | None:
        return as_chat_id(self.params.get("chat_id"))


@dataclass(frozen=True)
class Upload:
    """A file that arrived as multipart data instead of a file_id or URL."""

    content: bytes
    filename: str | None = None
    mime_type: str | None = None


@dataclass
class FileRecord:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    kind: str = "document"
    mime_type: str | None = None
    file_name: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class StoredMessage:
    """Current state of one message; ``payload`` is the Telegram ``Message`` object."""

    chat_id: int
    message_id: int
    payload: JsonDict
    from_bot: bool
    method: str | None = None
    source_text: str | None = None
    parse_mode: str | None = None
    # Telegram never echoes reply keyboards back, so the markup as sent is kept separately.
    sent_markup: JsonDict | None = None
    edited: bool = False
    deleted: bool = False


@dataclass
class ChatEvent:
    seq: int
    kind: str  # "user", "bot", "edit", "delete", "answer"
    who: str
    text: str
    message: StoredMessage | None = None


@dataclass
class ChatState:
    chat: JsonDict
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)
    members: dict[int, str] = field(default_factory=dict)
    last_activity: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        return bool(self.chat.get("type") == "private")


@dataclass
class CallbackRecord:
    query_id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str
    answered: bool = False
    answer: JsonDict | None = None


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | None


@dataclass
class BotState:
    token: str
    user: JsonDict
    updates: list[JsonDict] = field(default_factory=list)
    webhook_url: str = ""
    allowed_updates: list[str] | None = None
    poll_generation: int = 0
    commands: dict[tuple[str, str], list[JsonDict]] = field(default_factory=dict)
    menu_buttons: dict[int | None, JsonDict] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    @property
    def bot_id(self) -> int:
        return int(self.user["id"])

    @property
    def username(self) -> str:
        return str(self.user["username"])

    @property
    def first_name(self) -> str:
        return str(self.user["first_name"])


class Notifier:
    """Wakes coroutines waiting for a condition on shared state, without polling."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_for(self, predicate: Callable[[], bool], within: float) -> bool:
        """Returns whether ``predicate`` became true in the next ``within`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return predicate()
            finally:
                self._waiters.discard(waiter)
        return True


def as_chat_id(value: Any) -> int | None:
    """Chat ids arrive as ints, as digit strings (form data) or as ``@username``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None
