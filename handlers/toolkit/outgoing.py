"""Sending what a handler said (handlers/toolkit/replies.py), after the commit.

Telegram's sharp edges are handled here, in one place:

* a long text is split at line breaks into parts of at most 4,096 characters;
* editing a message into what it already shows ("message is not modified", a double tap)
  is a no-op, and a message that can no longer be edited gets a new message instead;
* one photo goes as a photo (albums need 2–10 items), more in albums of up to ten; a photo
  or voice Telegram refuses is logged and skipped, never costing the text that follows;
* a button press is always answered, once, so its spinner stops;
* the pressed message is tidied (its answer recorded in it, its buttons taken away) after
  the messages that follow it, so the person's next question is not one round trip later;
* someone who blocked the bot ends the sending (the caller marks them inactive).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import (
    Bot,
    BotCommandScopeChat,
    CallbackQuery,
    InputMediaPhoto,
    Message,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.plain_calls import html_message, plain_call
from handlers.toolkit.replies import (
    ALBUM_LIMIT,
    CAPTION_LIMIT,
    Markup,
    OnSent,
    Replies,
    _Document,
    _DropButtons,
    _Edit,
    _EditMessage,
    _Location,
    _Op,
    _Photos,
    _Picture,
    _Text,
    _Voice,
)
from handlers.toolkit.splitting import split_text

log = logging.getLogger(__name__)


class Blocked(Exception):
    """The person blocked the bot: nothing more can be sent to them."""


@dataclass(frozen=True)
class Pressed:
    """The message whose button was pressed: what an edit rewrites."""

    message_id: int
    has_text: bool
    has_buttons: bool

    def to_json(self) -> list[Any]:
        return [self.message_id, self.has_text, self.has_buttons]

    @classmethod
    def from_json(cls, data: Sequence[Any] | None) -> Pressed | None:
        return cls(int(data[0]), bool(data[1]), bool(data[2])) if data else None

    @classmethod
    def of(cls, query: CallbackQuery | None) -> Pressed | None:
        message = query.message if query is not None else None
        if not isinstance(message, Message):
            return None
        return cls(message.message_id, bool(message.text), message.reply_markup is not None)


async def send_replies(
    bot: Bot,
    chat_id: int,
    query: CallbackQuery | None,
    replies: Replies,
    pressed: Pressed | None = None,
) -> None:
    """Send what a handler said. Raises Blocked when the person blocked the bot."""
    # The press is answered beside the messages, not before them: it stops the spinner and
    # moves no message, so the answer need not wait for it.
    answering = asyncio.ensure_future(_answer(query, replies)) if query is not None else None
    pressed = pressed or Pressed.of(query)
    try:
        for op in _new_messages_first(replies.ops, pressed):
            await _perform(bot, chat_id, pressed, op)
    except Forbidden as exc:
        raise Blocked(str(exc)) from exc
    finally:
        if answering is not None:
            await answering


def _new_messages_first(ops: Sequence[_Op], pressed: Pressed | None) -> list[_Op]:
    """The ops in sending order: tidying the pressed message waits for the new messages.

    The person waits for what comes next (the next question, the result). Rewriting the
    pressed message into a record of the answer, or taking its buttons away, changes a
    message they have already read, above the new ones, so it does not hold them up: it
    moves to just after the last new message. An edit that becomes a new message (nothing
    to rewrite, too long for one message) or that carries buttons (the pressed message
    turned into the next question) keeps its place.
    """
    last_new = max((i for i, op in enumerate(ops) if isinstance(op, _NEW_MESSAGES)), default=-1)
    head = ops[: last_new + 1]
    tidies = [_tidies_pressed(op, pressed) for op in head]
    if not any(tidies):
        return list(ops)
    kept = [op for op, tidy in zip(head, tidies, strict=True) if not tidy]
    tidying = [op for op, tidy in zip(head, tidies, strict=True) if tidy]
    return kept + tidying + list(ops[last_new + 1 :])


_NEW_MESSAGES = (_Text, _Photos, _Voice, _Location, _Document, _Picture)


def _tidies_pressed(op: _Op, pressed: Pressed | None) -> bool:
    if isinstance(op, _DropButtons):
        return True
    return (
        isinstance(op, _Edit)
        and op.markup is None
        and pressed is not None
        and pressed.has_text
        and len(split_text(op.text)) == 1
    )


async def _answer(query: CallbackQuery, replies: Replies) -> None:
    """Stop the button's spinner (with the notice, if any); its trouble ends nothing."""
    try:
        await query.answer(replies.notice, show_alert=replies.alert)
    except BadRequest as exc:
        # "query is too old": the person pressed long ago, there is no spinner to stop.
        log.debug("a button press was not answered: %s", exc)
    except TelegramError as exc:
        log.info("could not answer a button press: %s", exc)


async def _perform(bot: Bot, chat_id: int, pressed: Pressed | None, op: _Op) -> None:
    if isinstance(op, _Text):
        await _send_text(bot, chat_id, op.text, op.markup, op.on_sent)
    elif isinstance(op, _Edit):
        await _edit(bot, chat_id, pressed, op)
    elif isinstance(op, _DropButtons):
        if pressed is not None and pressed.has_buttons:
            await _ignore_unmodified(
                plain_call(
                    bot,
                    "editMessageReplyMarkup",
                    {"chat_id": chat_id, "message_id": pressed.message_id},
                )
            )
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
    words = html_message(op.chat_id, op.text, op.markup, message_id=op.message_id)
    try:
        await plain_call(bot, "editMessageText", words)
    except TelegramError as exc:
        if "not modified" not in str(exc).lower():
            log.info("could not edit message %s in chat %s: %s", op.message_id, op.chat_id, exc)


async def _send_text(
    bot: Bot, chat_id: int, text: str, markup: Markup, on_sent: OnSent | None
) -> None:
    parts = split_text(text)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        words = html_message(chat_id, part, markup if last else None)
        if last and on_sent is not None:
            # The one case that needs the sent message (its id, to edit it later).
            await on_sent(await bot.send_message(**words))
        else:
            await plain_call(bot, "sendMessage", words)


async def _edit(bot: Bot, chat_id: int, pressed: Pressed | None, op: _Edit) -> None:
    parts = split_text(op.text)
    if pressed is None or not pressed.has_text:
        # Nothing to rewrite (a command, or a photo's caption): say it as a new message.
        await _send_text(bot, chat_id, op.text, op.markup, None)
        return
    first, rest = parts[0], parts[1:]
    try:
        markup = None if rest else op.markup
        words = html_message(chat_id, first, markup, message_id=pressed.message_id)
        await _ignore_unmodified(plain_call(bot, "editMessageText", words))
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
