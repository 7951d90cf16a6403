"""What a handler answers, collected during the update and sent only after the commit.

Handlers never talk to Telegram directly: they call `say`, `edit`, `answer`, `photos`, …
on the update's `Replies`. The scope commits the unit of work first and then sends, so the
bot never tells someone about a change that did not happen, and a crash before the commit
leaves nothing half-said. Sending handles Telegram's sharp edges in one place:

* a long text is split at line breaks into parts of at most 4,096 characters;
* editing a message into what it already shows ("message is not modified", a double tap)
  is a no-op, and a message that can no longer be edited gets a new message instead;
* one photo goes as a photo (albums need 2–10 items), more in albums of up to ten; a photo
  or voice Telegram refuses is logged and skipped, never costing the text that follows;
* a button press is always answered, once, so its spinner stops;
* someone who blocked the bot ends the sending (the caller marks them inactive).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

log = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALBUM_LIMIT = 10

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
OnSent = Callable[[Message], Awaitable[None]]


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split at line breaks so that every part fits one Telegram message."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            parts.append(current)
            current = ""
        current += line
    if current:
        parts.append(current)
    return parts


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


class Blocked(Exception):
    """The person blocked the bot: nothing more can be sent to them."""


async def send_replies(
    bot: Bot, chat_id: int, query: CallbackQuery | None, replies: Replies
) -> None:
    """Send what a handler said. Raises Blocked when the person blocked the bot."""
    if query is not None:
        # First, so the spinner stops at once; "query is too old" is not worth an error.
        with contextlib.suppress(BadRequest):
            await query.answer(replies.notice, show_alert=replies.alert)
    pressed = query.message if query is not None and isinstance(query.message, Message) else None
    try:
        for op in replies.ops:
            await _perform(bot, chat_id, pressed, op)
    except Forbidden as exc:
        raise Blocked(str(exc)) from exc


async def _perform(bot: Bot, chat_id: int, pressed: Message | None, op: _Op) -> None:
    if isinstance(op, _Text):
        await _send_text(bot, chat_id, op.text, op.markup, op.on_sent)
    elif isinstance(op, _Edit):
        await _edit(bot, chat_id, pressed, op)
    elif isinstance(op, _DropButtons):
        if pressed is not None and pressed.reply_markup is not None:
            await _ignore_unmodified(pressed.edit_reply_markup(reply_markup=None))
    elif isinstance(op, _Photos):
        await _send_photos(bot, chat_id, op.file_ids)
    elif isinstance(op, _Voice):
        await _tolerate_media(bot.send_voice(chat_id, op.file_id), "voice")
    elif isinstance(op, _Location):
        await bot.send_location(chat_id, op.latitude, op.longitude)
    elif isinstance(op, _Document):
        caption = op.caption[:CAPTION_LIMIT] if op.caption else None
        await bot.send_document(
            chat_id, op.content, filename=op.filename, caption=caption, parse_mode=ParseMode.HTML
        )
    elif isinstance(op, _Picture):
        caption = op.caption[:CAPTION_LIMIT] if op.caption else None
        await _tolerate_media(
            bot.send_photo(chat_id, op.content, caption=caption, parse_mode=ParseMode.HTML),
            "picture",
        )
    elif isinstance(op, _EditMessage):
        await _edit_elsewhere(bot, op)
    else:
        await bot.set_my_commands(list(op.commands), scope=BotCommandScopeChat(chat_id))


async def _edit_elsewhere(bot: Bot, op: _EditMessage) -> None:
    # Another chat's message: its trouble (deleted, too old, that person blocked the bot)
    # is not this chat's, so it is logged and never ends the sending here.
    try:
        await bot.edit_message_text(
            op.text,
            chat_id=op.chat_id,
            message_id=op.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=op.markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    except TelegramError as exc:
        if "not modified" not in str(exc).lower():
            log.info("could not edit message %s in chat %s: %s", op.message_id, op.chat_id, exc)


async def _send_text(
    bot: Bot, chat_id: int, text: str, markup: Markup, on_sent: OnSent | None
) -> None:
    parts = split_text(text)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        if last and on_sent is not None:
            await on_sent(message)


async def _edit(bot: Bot, chat_id: int, pressed: Message | None, op: _Edit) -> None:
    parts = split_text(op.text)
    if pressed is None or not pressed.text:
        # Nothing to rewrite (a command, or a photo's caption): say it as a new message.
        await _send_text(bot, chat_id, op.text, op.markup, None)
        return
    first, rest = parts[0], parts[1:]
    try:
        await _ignore_unmodified(
            pressed.edit_text(
                first,
                parse_mode=ParseMode.HTML,
                reply_markup=None if rest else op.markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
    except (BadRequest, NetworkError) as exc:
        # Too old to edit, deleted meanwhile, or Telegram failed: the change is committed,
        # so the answer still has to reach the person, as a new message.
        log.info("could not edit message %s (%s); sending a new one", pressed.message_id, exc)
        await _send_text(bot, chat_id, op.text, op.markup, None)
        return
    if rest:
        await _send_text(bot, chat_id, "".join(rest), op.markup, None)


async def _ignore_unmodified(call: Awaitable[object]) -> None:
    try:
        await call
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def _send_photos(bot: Bot, chat_id: int, file_ids: Sequence[str]) -> None:
    for start in range(0, len(file_ids), ALBUM_LIMIT):
        chunk = file_ids[start : start + ALBUM_LIMIT]
        if len(chunk) == 1:
            await _tolerate_media(bot.send_photo(chat_id, chunk[0]), "photo")
        else:
            album = [InputMediaPhoto(file_id) for file_id in chunk]
            await _tolerate_media(bot.send_media_group(chat_id, album), "album")


async def _tolerate_media(call: Awaitable[object], what: str) -> None:
    """Media are extras around a text: one Telegram refuses must not cost the rest."""
    try:
        await call
    except (Forbidden, TelegramError) as exc:
        if isinstance(exc, Forbidden):
            raise
        log.warning("could not send a %s: %s", what, exc)
