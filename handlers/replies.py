"""Small helpers for answering: HTML by default, long texts split, callback queries answered."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode

from bot.context import BotContext
from handlers.render import split_text

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


async def say(update: Update, context: BotContext, text: str, markup: Markup = None) -> Message:
    """Send `text` (already escaped HTML) to the update's chat; the markup goes on the last part."""
    chat = update.effective_chat
    assert chat is not None
    parts = split_text(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        message = await context.bot.send_message(
            chat.id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if index == len(parts) - 1 else None,
        )
    assert message is not None
    return message


async def acknowledge(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (Telegram shows a spinner until we do)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=alert)


async def drop_buttons(update: Update) -> None:
    """Remove the inline keyboard from the message whose button was pressed (no double taps)."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message) and query.message.reply_markup:
        await query.edit_message_reply_markup(reply_markup=None)


async def settle(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    notice: str | None = None,
) -> None:
    """Answer a button press by rewriting its message: the choice made, and what comes next.

    One edit instead of removing the keyboard and sending another message: the chat keeps a
    readable record of what was chosen, and Telegram gets one request fewer.
    """
    query = update.callback_query
    assert query is not None
    await query.answer(notice)
    if isinstance(query.message, Message):
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
