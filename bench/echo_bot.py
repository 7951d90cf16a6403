"""The anchor of bench/intake.py: a bare python-telegram-bot echo bot, nothing else.

It answers every message with one message and every button press with an answer plus one
message, the least any bot can do per update. Configured like the real bot, by environment:
BOT_TOKEN and BOT_API_BASE_URL.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(update.effective_message.text or "ok")


async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    await query.answer()
    await _context.bot.send_message(update.effective_chat.id, query.data or "ok")


def main() -> None:
    base_url = os.environ["BOT_API_BASE_URL"]
    app = (
        Application.builder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
