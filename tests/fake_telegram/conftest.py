"""A tiny PTB bot wired to the fake API, used to test the fake itself."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeAlias

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from fake_telegram import FakeBotApi, InProcessRequest

Ctx = ContextTypes.DEFAULT_TYPE
App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
CHOICES = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("同意", callback_data="vote:yes")],
        [InlineKeyboardButton("反对", callback_data="vote:no")],
    ]
)


async def start(update: Update, context: Ctx) -> None:
    assert update.effective_message and update.effective_user
    payload = " ".join(context.args or [])
    name = html.escape(update.effective_user.first_name)
    await update.effective_message.reply_text(
        f"欢迎 <b>{name}</b> {html.escape(payload)}".strip(),
        parse_mode=ParseMode.HTML,
        reply_markup=CHOICES,
    )


async def menu(update: Update, context: Ctx) -> None:
    assert update.effective_message
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("发送位置", request_location=True)], [KeyboardButton("取消")]],
        resize_keyboard=True,
    )
    await update.effective_message.reply_text("请选择", reply_markup=keyboard)


async def echo(update: Update, context: Ctx) -> None:
    assert update.effective_message and update.effective_message.text
    text = html.escape(update.effective_message.text)
    await update.effective_message.reply_text(f"你说：<i>{text}</i>", parse_mode=ParseMode.HTML)


async def vote(update: Update, context: Ctx) -> None:
    query = update.callback_query
    assert query and query.data
    await query.answer("已记录")
    await query.edit_message_text(f"选择：{query.data.split(':')[1]}")


async def photo(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message and message.photo
    seen = context.bot_data.setdefault("album", [])
    seen.append(message.media_group_id)
    if message.media_group_id is None:
        data = await (await message.photo[-1].get_file()).download_as_bytearray()
        await message.reply_text(f"收到照片 {len(data)} 字节")


async def location(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message and message.location
    await message.reply_text(
        f"位置 {message.location.latitude:.2f},{message.location.longitude:.2f}",
        reply_markup=ReplyKeyboardRemove(),
    )


def add_handlers(app: App) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("new", echo))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(MessageHandler(filters.LOCATION, location))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(vote, pattern="^vote:"))


def in_process_app(api: FakeBotApi) -> App:
    app = (
        ApplicationBuilder()
        .token(api.token)
        .request(InProcessRequest(api))
        .get_updates_request(InProcessRequest(api))
        .rate_limiter(AIORateLimiter())
        .build()
    )
    add_handlers(app)
    return app


@asynccontextmanager
async def polling(app: App) -> AsyncIterator[App]:
    updater = app.updater
    assert updater is not None
    async with app:
        await updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            yield app
        finally:
            await updater.stop()
            await app.stop()


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi(
        token="123456:TEST", bot_username="haoshangliang_bot", bot_first_name="有事好商量"
    )


@pytest.fixture
async def running_app(api: FakeBotApi) -> AsyncIterator[App]:
    async with polling(in_process_app(api)) as app:
        yield app
