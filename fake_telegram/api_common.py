"""Shared plumbing for the Bot API method implementations."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fake_telegram.markup import MAX_CAPTION, MAX_TEXT, format_text, utf16_len
from fake_telegram.objects import sample_content
from fake_telegram.state import (
    ApiError,
    BotState,
    ChatState,
    FileRecord,
    JsonDict,
    StoredMessage,
    Upload,
    as_chat_id,
    bad_request,
)

if TYPE_CHECKING:
    from fake_telegram.core import FakeBotApi

Handler = Callable[["Ctx"], Awaitable[Any]]


class Params:
    """Typed access to request parameters that may be JSON values or form strings."""

    def __init__(self, raw: JsonDict) -> None:
        self.raw = raw

    def __contains__(self, key: str) -> bool:
        return key in self.raw

    def get(self, key: str) -> Any:
        return self.raw.get(key)

    def opt_str(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def req_str(self, key: str) -> str:
        value = self.opt_str(key)
        if value is None or value == "":
            raise bad_request(f"{key} is empty")
        return value

    def opt_int(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {key} specified") from None

    def req_int(self, key: str) -> int:
        value = self.opt_int(key)
        if value is None:
            raise bad_request(f"{key} is empty")
        return value

    def opt_float(self, key: str) -> float | None:
        value = self.raw.get(key)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {key} specified") from None

    def opt_bool(self, key: str) -> bool:
        value = self.raw.get(key)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)


@dataclass
class Ctx:
    api: FakeBotApi
    bot: BotState
    p: Params
    uploads: dict[str, Upload]

    def chat(self, key: str = "chat_id") -> ChatState:
        return self.api.require_chat(self.p.get(key))

    def message(self, chat: ChatState, key: str = "message_id", *, purpose: str) -> StoredMessage:
        message_id = self.p.opt_int(key)
        stored = chat.messages.get(message_id) if message_id is not None else None
        if stored is None or stored.deleted:
            raise bad_request(f"message to {purpose} not found")
        return stored

    def resolve_file(self, kind: str, value: Any) -> FileRecord:
        """Accepts a known file_id, an http(s) URL, or an upload (``attach://name``)."""
        files = self.api.files
        if isinstance(value, str) and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if not upload.content:
                raise bad_request("file must be non-empty")
            return files.create(
                kind, upload.content, mime_type=upload.mime_type, file_name=upload.filename
            )
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or None
            return files.create(kind, sample_content(kind), file_name=name)
        if isinstance(value, str) and value:
            record = files.get(value)
            if record is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if record.kind != kind:
                raise bad_request(f"can't use file of type {_title(record.kind)} as {_title(kind)}")
            return record
        raise bad_request(f"there is no {kind} in the request")


def _title(kind: str) -> str:
    return kind.replace("_", " ").title().replace(" ", "")


def checked_text(text: str | None, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    if text is None or not text.strip():
        raise bad_request("message text is empty")
    plain, entities = format_text(text, parse_mode)
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, entities


def checked_caption(caption: str | None, parse_mode: str | None) -> JsonDict:
    """The caption fields of a media message (possibly none)."""
    if not caption:
        return {}
    plain, entities = format_text(caption, parse_mode)
    if utf16_len(plain) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    fields: JsonDict = {"caption": plain}
    if entities:
        fields["caption_entities"] = entities
    return fields


def explicit_entities(ctx: Ctx, key: str, parse_mode: str | None) -> list[JsonDict]:
    value = ctx.p.get(key)
    if parse_mode or not isinstance(value, list):
        return []
    return [e for e in value if isinstance(e, dict)]


def reply_to(ctx: Ctx, chat: ChatState) -> JsonDict | None:
    params = ctx.p.get("reply_parameters")
    if isinstance(params, dict):
        message_id = params.get("message_id")
        target_chat_id = as_chat_id(params.get("chat_id"))
        allow_missing = bool(params.get("allow_sending_without_reply"))
    else:
        message_id = ctx.p.opt_int("reply_to_message_id")
        target_chat_id = None
        allow_missing = ctx.p.opt_bool("allow_sending_without_reply")
    if message_id is None:
        return None
    target = chat if target_chat_id is None else ctx.api.chats.get(target_chat_id)
    stored = target.messages.get(int(message_id)) if target is not None else None
    if stored is None or stored.deleted:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    replied = copy.deepcopy(stored.payload)
    replied.pop("reply_to_message", None)
    return replied


def new_bot_message(
    ctx: Ctx,
    chat: ChatState,
    fields: JsonDict,
    *,
    method: str,
    source: str | None = None,
    parse_mode: str | None = None,
    markup: JsonDict | None = None,
    with_reply: bool = True,
) -> JsonDict:
    payload: JsonDict = {
        "message_id": ctx.api.next_message_id(),
        "from": copy.deepcopy(ctx.bot.user),
        "chat": copy.deepcopy(chat.chat),
        "date": ctx.api.now(),
    }
    payload.update(fields)
    if with_reply:
        replied = reply_to(ctx, chat)
        if replied is not None:
            payload["reply_to_message"] = replied
    if ctx.p.opt_bool("protect_content"):
        payload["has_protected_content"] = True
    # Only inline keyboards are part of the Message object Telegram returns.
    if markup is not None and "inline_keyboard" in markup:
        payload["reply_markup"] = markup
    stored = StoredMessage(
        chat_id=chat.chat_id,
        message_id=payload["message_id"],
        payload=payload,
        from_bot=True,
        method=method,
        source_text=source,
        parse_mode=parse_mode,
        sent_markup=markup,
    )
    ctx.api.log.bot_message(chat, stored)
    return copy.deepcopy(payload)


def forbid_if_blocked(api: FakeBotApi, chat_id: int | None) -> None:
    if chat_id is not None and chat_id in api.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
