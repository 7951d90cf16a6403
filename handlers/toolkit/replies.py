"""What a handler answers, collected during the update and sent only after the commit.

Handlers never talk to Telegram directly: they call `say`, `edit`, `answer`, `photos`, …
on the update's `Replies`. The scope commits the unit of work first and then sends
(handlers/toolkit/outgoing.py), so the bot never tells someone about a change that did not
happen, and a crash before the commit leaves nothing half-said. The answers are kept as JSON
with the commit, so a crash between the commit and the sending does not lose them either
(bot/updates.py sends them after the restart).
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

CAPTION_LIMIT = 1024
ALBUM_LIMIT = 10

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
OnSent = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class _Text:
    text: str
    markup: Markup
    on_sent: OnSent | None = None


@dataclass(frozen=True)
class _Edit:
    text: str
    markup: InlineKeyboardMarkup | None


@dataclass(frozen=True)
class _DropButtons:
    pass


@dataclass(frozen=True)
class _Photos:
    file_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Voice:
    file_id: str


@dataclass(frozen=True)
class _Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class _Document:
    content: bytes
    filename: str
    caption: str | None


@dataclass(frozen=True)
class _Menu:
    commands: tuple[BotCommand, ...]


@dataclass(frozen=True)
class _Picture:
    content: bytes
    caption: str | None


@dataclass(frozen=True)
class _EditMessage:
    chat_id: int
    message_id: int
    text: str
    markup: InlineKeyboardMarkup | None


_Op = (
    _Text
    | _Edit
    | _DropButtons
    | _Photos
    | _Voice
    | _Location
    | _Document
    | _Menu
    | _Picture
    | _EditMessage
)


@dataclass
class Replies:
    """The answers of one update, in the order the handler gave them."""

    ops: list[_Op] = field(default_factory=list)
    notice: str | None = None
    alert: bool = False
    answered: bool = False

    def say(self, text: str, markup: Markup = None, *, on_sent: OnSent | None = None) -> None:
        """A new message (escaped HTML); the markup goes on the last part of a long text."""
        self.ops.append(_Text(text, markup, on_sent))

    def say_first(self, text: str) -> None:
        """A message that goes before everything said so far (a notice about what follows)."""
        self.ops.insert(0, _Text(text, None))

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Rewrite the message whose button was pressed (a new message when there is none)."""
        self.ops.append(_Edit(text, markup))

    def drop_buttons(self) -> None:
        """Take the keyboard off the pressed message, so it cannot be pressed again."""
        self.ops.append(_DropButtons())

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """The short notice on a button press (shown as an alert when `alert`)."""
        if not self.answered:
            self.notice, self.alert, self.answered = text, alert, True

    def photos(self, file_ids: Sequence[str]) -> None:
        if file_ids:
            self.ops.append(_Photos(tuple(file_ids)))

    def voice(self, file_id: str) -> None:
        self.ops.append(_Voice(file_id))

    def location(self, latitude: float, longitude: float) -> None:
        self.ops.append(_Location(latitude, longitude))

    def document(self, content: bytes, filename: str, caption: str | None = None) -> None:
        self.ops.append(_Document(content, filename, caption))

    def picture(self, content: bytes, caption: str | None = None) -> None:
        """A picture made by the bot (a QR code), uploaded as a photo."""
        self.ops.append(_Picture(content, caption))

    def edit_message(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> None:
        """Rewrite an earlier message of the bot, in this chat or another (a live count in a
        staff member's chat). It is a courtesy: if it fails, the rest is still sent."""
        self.ops.append(_EditMessage(chat_id, message_id, text, markup))

    def menu(self, commands: Sequence[BotCommand]) -> None:
        """This chat's command menu (Telegram shows it beside the text field)."""
        self.ops.append(_Menu(tuple(commands)))

    def discard(self) -> None:
        """Forget everything said so far (the unit of work was rolled back)."""
        self.ops.clear()
        self.notice, self.alert, self.answered = None, False, False

    @property
    def empty(self) -> bool:
        return not self.ops and not self.answered

    def to_json(self) -> list[dict[str, Any]]:
        """The messages to send, as JSON: stored with the update's commit, so what was
        committed but not yet sent is sent after a crash (the notice of a button press is
        not kept: Telegram accepts it only for seconds; nor is `on_sent`)."""
        return [_op_to_json(op) for op in self.ops]

    @classmethod
    def from_json(cls, data: Sequence[dict[str, Any]]) -> Replies:
        return cls(ops=[_op_from_json(item) for item in data])


def _op_to_json(op: _Op) -> dict[str, Any]:
    if isinstance(op, _Text):
        return {"op": "text", "text": op.text, "markup": _markup_to_json(op.markup)}
    if isinstance(op, _Edit):
        return {"op": "edit", "text": op.text, "markup": _markup_to_json(op.markup)}
    if isinstance(op, _DropButtons):
        return {"op": "drop_buttons"}
    if isinstance(op, _Photos):
        return {"op": "photos", "file_ids": list(op.file_ids)}
    if isinstance(op, _Voice):
        return {"op": "voice", "file_id": op.file_id}
    if isinstance(op, _Location):
        return {"op": "location", "latitude": op.latitude, "longitude": op.longitude}
    if isinstance(op, _Document):
        content = base64.b64encode(op.content).decode("ascii")
        return {
            "op": "document",
            "content": content,
            "filename": op.filename,
            "caption": op.caption,
        }
    if isinstance(op, _Picture):
        content = base64.b64encode(op.content).decode("ascii")
        return {"op": "picture", "content": content, "caption": op.caption}
    if isinstance(op, _EditMessage):
        return {
            "op": "edit_message",
            "chat_id": op.chat_id,
            "message_id": op.message_id,
            "text": op.text,
            "markup": _markup_to_json(op.markup),
        }
    return {"op": "menu", "commands": [[c.command, c.description] for c in op.commands]}


def _op_from_json(item: dict[str, Any]) -> _Op:
    kind = item["op"]
    if kind == "text":
        return _Text(item["text"], _markup_from_json(item["markup"]))
    if kind == "edit":
        markup = _markup_from_json(item["markup"])
        return _Edit(item["text"], markup if isinstance(markup, InlineKeyboardMarkup) else None)
    if kind == "drop_buttons":
        return _DropButtons()
    if kind == "photos":
        return _Photos(tuple(item["file_ids"]))
    if kind == "voice":
        return _Voice(item["file_id"])
    if kind == "location":
        return _Location(item["latitude"], item["longitude"])
    if kind == "document":
        return _Document(base64.b64decode(item["content"]), item["filename"], item["caption"])
    if kind == "picture":
        return _Picture(base64.b64decode(item["content"]), item["caption"])
    if kind == "edit_message":
        markup = _markup_from_json(item["markup"])
        return _EditMessage(
            item["chat_id"],
            item["message_id"],
            item["text"],
            markup if isinstance(markup, InlineKeyboardMarkup) else None,
        )
    if kind == "menu":
        return _Menu(tuple(BotCommand(command, text) for command, text in item["commands"]))
    raise ValueError(f"unknown reply {kind!r}")


def _markup_to_json(markup: Markup) -> dict[str, Any] | None:
    return markup.to_dict() if markup is not None else None


def _markup_from_json(data: dict[str, Any] | None) -> Markup:
    if data is None:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        # ReplyKeyboardMarkup.de_json leaves the buttons as dicts: build them here.
        options = {key: value for key, value in data.items() if key != "keyboard"}
        rows = [
            [KeyboardButton.de_json(button, None) for button in row] for row in data["keyboard"]
        ]
        return ReplyKeyboardMarkup(rows, **options)
    return ReplyKeyboardRemove(selective=data.get("selective"))
