"""/my: the resident's own issues, newest first, and each one's detail and history."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.domain.errors import NotAllowed, NotFound
from bot.services import issues
from handlers.keyboards import MENU_MY, labels_in_every_locale
from handlers.render import issue_detail, issue_line
from handlers.replies import acknowledge, say

PAGE_SIZE = 8


async def _show_page(update: Update, context: BotContext, page: int) -> None:
    tr = context.tr
    services = context.services
    async with services.read_uow() as uow:
        rows, total = await issues.my_issues(uow, context.me.id, page=page, page_size=PAGE_SIZE)
    if total == 0:
        await say(update, context, tr._("You have not raised any matter yet. Use /new to start."))
        return
    zone = services.settings.zone
    buttons = [
        [InlineKeyboardButton(issue_line(tr, row, zone), callback_data=f"my:is:{row.id}")]
        for row in rows
    ]
    navigation = []
    if page > 0:
        navigation.append(InlineKeyboardButton(tr._("‹ Newer"), callback_data=f"my:pg:{page - 1}"))
    if (page + 1) * PAGE_SIZE < total:
        navigation.append(InlineKeyboardButton(tr._("Older ›"), callback_data=f"my:pg:{page + 1}"))
    if navigation:
        buttons.append(navigation)
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    await say(
        update,
        context,
        tr._(
            "Your issues ({total}), page {page} of {pages}:",
            total=total,
            page=page + 1,
            pages=pages,
        ),
        InlineKeyboardMarkup(buttons),
    )


async def my_command(update: Update, context: BotContext) -> None:
    await _show_page(update, context, 0)


async def page_pressed(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    await acknowledge(update)
    await _show_page(update, context, int(update.callback_query.data.rsplit(":", 1)[1]))


async def issue_pressed(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    issue_id = int(update.callback_query.data.rsplit(":", 1)[1])
    tr = context.tr
    try:
        async with context.services.read_uow() as uow:
            detail = await issues.issue_detail(uow, issue_id, context.me.id)
    except (NotFound, NotAllowed):
        # Either a stale button or forged data: answer the same, reveal nothing.
        await acknowledge(update, tr._("This issue cannot be shown."), alert=True)
        return
    await acknowledge(update)
    await say(update, context, issue_detail(tr, detail))


def handlers() -> list[object]:
    return [
        CommandHandler("my", my_command),
        MessageHandler(filters.Text(labels_in_every_locale(MENU_MY)), my_command),
        CallbackQueryHandler(page_pressed, pattern=r"^my:pg:\d{1,5}$"),
        CallbackQueryHandler(issue_pressed, pattern=r"^my:is:\d{1,12}$"),
    ]
