"""What the bot says when nothing else applies, and when something breaks."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import translator
from handlers.keyboards import MENU_MY, MENU_NEW, choice, main_menu
from handlers.render import unsupported_text
from handlers.replies import acknowledge, say

log = logging.getLogger(__name__)


async def expired_button(update: Update, context: BotContext) -> None:
    """An unknown, stale or forged button: no traceback, a way forward instead."""
    tr = context.tr
    await acknowledge(update, tr._("This button has expired."))
    await say(
        update,
        context,
        tr._("That button is no longer valid. What would you like to do?"),
        choice((tr._(MENU_NEW), "menu:new"), (tr._(MENU_MY), "my:pg:0")),
    )


async def cancel_outside(update: Update, context: BotContext) -> None:
    await say(update, context, context.tr._("There is nothing to cancel."), main_menu(context.tr))


async def unknown_command(update: Update, context: BotContext) -> None:
    await say(
        update,
        context,
        context.tr._("I do not know that command. See /help."),
        main_menu(context.tr),
    )


async def unsupported(update: Update, context: BotContext) -> None:
    await say(update, context, unsupported_text(context.tr), main_menu(context.tr))


async def free_text(update: Update, context: BotContext) -> None:
    tr = context.tr
    await say(
        update,
        context,
        tr._(
            "To raise a matter, press “{new}” below; to see your issues, /my.", new=tr._(MENU_NEW)
        ),
        main_menu(tr),
    )


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update id (never the token) and tell the person something useful."""
    if isinstance(context.error, Forbidden):
        log.info("chat blocked the bot: %s", context.error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    tr = context.tr if context.person else translator(context.services.settings.default_locale)
    if update.callback_query is not None:
        # It may have been answered before the error; the message below is what matters.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            tr._(
                "Sorry, something went wrong on our side. What you entered so far is kept; "
                "please try again in a moment."
            ),
        )
    except TelegramError:  # the error report itself must never raise
        log.warning("could not tell the user about the error", exc_info=True)


def handlers() -> list[object]:
    return [
        CommandHandler("cancel", cancel_outside),
        MessageHandler(filters.COMMAND, unknown_command),
        CallbackQueryHandler(expired_button),
        MessageHandler(filters.TEXT, free_text),
        MessageHandler(filters.ALL, unsupported),
    ]
