"""The fake Bot API: all state and method dispatch, independent of any transport."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from fake_telegram.api_bot import METHODS as _BOT_METHODS
from fake_telegram.api_bot import visible_menu
from fake_telegram.api_common import Ctx, Handler, Params, forbid_if_blocked
from fake_telegram.api_messages import METHODS as _MESSAGE_METHODS
from fake_telegram.chatlog import ChatLog
from fake_telegram.groups import SimGroup
from fake_telegram.limits import SENDING_METHODS, Fault, Faults, RateLimits
from fake_telegram.objects import (
    FileStore,
    group_chat_object,
    private_chat_object,
    user_object,
)
from fake_telegram.state import (
    ApiError,
    BotState,
    CallbackRecord,
    ChatState,
    Failure,
    JsonDict,
    Notifier,
    RecordedCall,
    StoredMessage,
    Upload,
    as_chat_id,
    bad_request,
)
from fake_telegram.users import SimUser

_LOGGER = logging.getLogger(__name__)
_TOKEN_RE = re.compile(r"([0-9]+):(.+)")
_METHODS: dict[str, Handler] = {**_BOT_METHODS, **_MESSAGE_METHODS}
# Telegram matches method names case-insensitively.
_CANONICAL = {name.lower(): name for name in _METHODS}
_DEFAULT_ALLOWED_EXCLUDES = {"chat_member", "message_reaction", "message_reaction_count"}
_FAILURE_TEXT = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_CHAT_SCOPED_PREFIXES = ("send", "edit", "copy", "forward")


def canonical_method(name: str) -> str | None:
    return _CANONICAL.get(name.lower())


class FakeBotApi:
    """An in-memory Telegram Bot API for one or more bots, with simulated users."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "haoshangliang_bot",
        bot_first_name: str = "有事好商量",
        *,
        privacy_mode: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.privacy_mode = privacy_mode
        self.clock = clock
        self.bots: dict[str, BotState] = {}
        self.chats: dict[int, ChatState] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.files = FileStore()
        self.calls: list[RecordedCall] = []
        self.blocked: set[int] = set()
        self.updates_changed = Notifier()
        self.activity = Notifier()
        self.log = ChatLog(self.activity)
        self._default_token = token
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._media_group_ids = itertools.count(1)
        self._failures: list[Failure] = []
        self.limits: RateLimits | None = None
        self.faults = Faults()
        # How long a call injected as "timeout" hangs before it gives up.
        self.hang_seconds = 30.0
        self._delays: dict[str | None, tuple[float, bool]] = {}
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self.add_bot(token, bot_username, bot_first_name)

    # -- bots ---------------------------------------------------------------------------------

    def add_bot(self, token: str, bot_username: str, bot_first_name: str) -> BotState:
        match = _TOKEN_RE.fullmatch(token)
        if match is None:
            raise ValueError("a bot token looks like '<digits>:<secret>'")
        user = user_object(int(match.group(1)), bot_first_name, username=bot_username, is_bot=True)
        state = BotState(token=token, user=user)
        self.bots[token] = state
        return state

    def bot_state(self, token: str | None = None) -> BotState:
        return self.bots[token or self._default_token]

    @property
    def token(self) -> str:
        return self._default_token

    @property
    def bot_id(self) -> int:
        return self.bot_state().bot_id

    @property
    def bot_username(self) -> str:
        return self.bot_state().username

    # -- request handling ---------------------------------------------------------------------

    async def handle(
        self,
        token: str,
        method: str,
        params: JsonDict,
        uploads: dict[str, Upload] | None = None,
    ) -> tuple[int, JsonDict]:
        """Runs one Bot API call; returns the HTTP status and Telegram's JSON envelope."""
        try:
            result = await self._dispatch(token, method, dict(params), uploads or {})
        except ApiError as exc:
            return exc.status, exc.envelope()
        except Exception as exc:
            # A bug in the fake must not look like flaky networking to the bot under test.
            _LOGGER.exception("fake Bot API failed on %s", method)
            body = {"ok": False, "error_code": 500, "description": f"Fake API bug: {exc!r}"}
            return 500, body
        return 200, {"ok": True, "result": result}

    async def _dispatch(
        self, token: str, method: str, params: JsonDict, uploads: dict[str, Upload]
    ) -> Any:
        bot = self.bots.get(token)
        if bot is None:
            raise ApiError(401, "Unauthorized")
        referenced = json.dumps(params, ensure_ascii=False)
        for field_name in uploads:
            # A multipart part nobody points at via attach:// is the parameter of that name.
            if field_name not in params and f"attach://{field_name}" not in referenced:
                params[field_name] = f"attach://{field_name}"
        name = canonical_method(method)
        call = RecordedCall(name or method, params, time.monotonic(), token)
        self.calls.append(call)
        self._touch(call)
        if name is None:
            raise ApiError(404, "Not Found: method not found")
        delay, after = self._delays.get(name) or self._delays.get(None) or (0.0, False)
        if delay and not after:
            await asyncio.sleep(delay)
        chat_id = call.chat_id
        failure = self._take_failure(name, chat_id)
        if failure is not None:
            retry = failure.retry_after if failure.status == 429 else None
            raise ApiError(failure.status, failure.description, retry)
        await self._unreliable(name, chat_id)
        if name.startswith(_CHAT_SCOPED_PREFIXES):
            forbid_if_blocked(self, chat_id)
        result = await _METHODS[name](Ctx(self, bot, Params(params), uploads))
        if delay and after:
            await asyncio.sleep(delay)
        self._touch(call)
        return result

    def _touch(self, call: RecordedCall) -> None:
        chat_id = call.chat_id
        if chat_id is None and call.method == "answerCallbackQuery":
            record = self.callbacks.get(str(call.params.get("callback_query_id")))
            chat_id = record.chat_id if record else None
        chat = self.chats.get(chat_id) if chat_id is not None else None
        if chat is not None:
            chat.last_activity = time.monotonic()
        self.activity.notify()

    def file_content(self, token: str, file_path: str) -> bytes | None:
        if token not in self.bots:
            return None
        record = self.files.by_path.get(file_path)
        return record.content if record else None

    # -- calls and failure injection ----------------------------------------------------------

    def calls_of(self, method: str, chat_id: int | None = None) -> list[RecordedCall]:
        name = canonical_method(method) or method
        return [
            c for c in self.calls if c.method == name and (chat_id is None or c.chat_id == chat_id)
        ]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[RecordedCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented test API
        *,
        since: int = 0,
    ) -> RecordedCall:
        """First matching call at index ``since`` or later in ``calls``, waiting if needed."""
        name = canonical_method(method) or method
        found: list[RecordedCall] = []

        def seen() -> bool:
            for call in self.calls[since:]:
                if call.method == name and (predicate is None or predicate(call)):
                    found.append(call)
                    return True
            return False

        if not await self.activity.wait_for(seen, timeout):
            recent = [c.method for c in self.calls[since:]][-20:]
            raise TimeoutError(f"no matching {name} call within {timeout}s; saw {recent}")
        return found[0]

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = _FAILURE_TEXT.get(status, f"Error {status}")
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
        name = canonical_method(method) or method
        self._failures.append(Failure(name, status, description, retry_after, times, chat_id))

    def _take_failure(self, method: str, chat_id: int | None) -> Failure | None:
        for failure in self._failures:
            if failure.method == method and failure.chat_id in (None, chat_id):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def enforce_limits(self, limits: RateLimits | None) -> None:
        """Answer sends beyond Telegram's flood limits with 429 (None: no limits)."""
        self.limits = limits

    def inject(
        self,
        status: int | str,
        *,
        rate: float,
        method: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make `rate` of the matching calls fail with `status` (or hang: "timeout")."""
        name = canonical_method(method) or method if method else None
        self.faults.add(Fault(status, rate, name, chat_id))

    async def _unreliable(self, method: str, chat_id: int | None) -> None:
        fault = self.faults.pick(method, chat_id)
        if fault is not None:
            if fault.status == "timeout":
                await asyncio.sleep(self.hang_seconds)
                raise ApiError(504, "Gateway Timeout")
            status = int(fault.status)
            raise ApiError(status, _FAILURE_TEXT.get(status, f"Error {status}"))
        if self.limits is not None and method in SENDING_METHODS:
            chat = self.chats.get(chat_id) if chat_id is not None else None
            is_group = chat is not None and not chat.is_private
            wait = self.limits.check(chat_id, is_group, time.monotonic())
            if wait is not None:
                raise ApiError(429, f"Too Many Requests: retry after {wait:g}", wait)

    def block(self, user_id: int) -> None:
        self.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self.blocked.discard(user_id)

    def delay(self, seconds: float, *, method: str | None = None, after: bool = False) -> None:
        """Adds latency to bot calls; ``after=True`` runs the call first, then delays the answer."""
        key = canonical_method(method) or method if method else None
        if seconds > 0:
            self._delays[key] = (seconds, after)
        else:
            self._delays.pop(key, None)

    # -- simulated people ---------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        token: str | None = None,
    ) -> SimUser:
        """The simulated person with this id (created on first use); chat id == user id."""
        if user_id not in self._users:
            user = user_object(
                user_id,
                first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
            chat = ChatState(private_chat_object(user), members={user_id: "member"})
            self.chats[user_id] = chat
            self._users[user_id] = SimUser(self, user, token or self._default_token)
        return self._users[user_id]

    def group(
        self,
        chat_id: int,
        title: str = "Group",
        *,
        chat_type: str = "supergroup",
        bot_status: str = "member",
        token: str | None = None,
    ) -> SimGroup:
        if chat_id not in self._groups:
            bot = self.bot_state(token)
            chat = ChatState(group_chat_object(chat_id, title, chat_type))
            chat.members[bot.bot_id] = bot_status
            self.chats[chat_id] = chat
            self._groups[chat_id] = SimGroup(self, chat_id, token or self._default_token)
        return self._groups[chat_id]

    def known_user(self, user_id: int) -> JsonDict | None:
        sim = self._users.get(user_id)
        return sim.user if sim else None

    # -- updates ------------------------------------------------------------------------------

    def enqueue_update(self, kind: str, body: JsonDict, token: str | None = None) -> int | None:
        """Queues an update for getUpdates; None if the bot's allowed_updates filter it out."""
        bot = self.bot_state(token)
        allowed = bot.allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in _DEFAULT_ALLOWED_EXCLUDES):
            return None
        update_id = next(self._update_ids)
        bot.updates.append({"update_id": update_id, kind: copy.deepcopy(body)})
        self.updates_changed.notify()
        return update_id

    def pending_updates(self, token: str | None = None) -> list[JsonDict]:
        return copy.deepcopy(self.bot_state(token).updates)

    # -- chat store ---------------------------------------------------------------------------

    def require_chat(self, value: Any) -> ChatState:
        chat_id = as_chat_id(value)
        if chat_id is not None and chat_id in self.chats:
            return self.chats[chat_id]
        if isinstance(value, str) and value.startswith("@"):
            for chat in self.chats.values():
                if str(chat.chat.get("username", "")).lower() == value[1:].lower():
                    return chat
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        raise bad_request("chat not found")

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[StoredMessage]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        found = sorted(chat.messages.values(), key=lambda m: m.message_id)
        return [m for m in found if include_deleted or not m.deleted]

    def commands(
        self, scope: JsonDict | None = None, language_code: str = "", token: str | None = None
    ) -> list[JsonDict] | None:
        """The menu set by setMyCommands for this scope and language, or None if unset."""
        key = (json.dumps(scope or {"type": "default"}, sort_keys=True), language_code)
        found = self.bot_state(token).commands.get(key)
        return copy.deepcopy(found) if found is not None else None

    def menu_for(
        self,
        user_id: int,
        chat_id: int | None = None,
        *,
        language_code: str | None = None,
        token: str | None = None,
    ) -> list[JsonDict]:
        """The command menu ``user_id`` would see in ``chat_id`` (default: their private chat)."""
        chat = self.require_chat(user_id if chat_id is None else chat_id)
        if language_code is None:
            user = self.known_user(user_id) or {}
            language_code = str(user.get("language_code", ""))
        return visible_menu(self.bot_state(token), chat, user_id, language_code)

    def callback_answer(self, query_id: str) -> JsonDict | None:
        record = self.callbacks.get(query_id)
        return copy.deepcopy(record.answer) if record and record.answer else None

    def now(self) -> int:
        return int(self.clock())

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def new_media_group_id(self) -> str:
        return str(13_000_000_000_000_000 + next(self._media_group_ids))

    def new_callback_id(self) -> str:
        return str(4_000_000_000_000_000 + next(self._callback_ids))
