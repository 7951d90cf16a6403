"""What the bot says when nothing else applies, and when something breaks."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import CallbackQueryHandler, filters

from handlers.intake_draft import MenuNew
from handlers.keyboards import MENU_MY, MENU_NEW, choice, main_menu
from handlers.my_issues import MyPage
from handlers.render import unsupported_text
from handlers.toolkit import BotContext, Route, command, message
from handlers.toolkit.scope import current_scope

log = logging.getLogger(__name__)


async def expired_button(update: Update, context: BotContext) -> None:
    """An unknown, stale or forged button: no traceback, a way forward instead."""
    tr = context.tr
    context.ui.answer(tr._("This button has expired."))
    context.ui.say(
        tr._("That button is no longer valid. What would you like to do?"),
        choice((tr._(MENU_NEW), MenuNew()), (tr._(MENU_MY), MyPage(0))),
    )


async def cancel_outside(update: Update, context: BotContext) -> None:
    """/cancel with nothing open."""
    context.ui.say(context.tr._("There is nothing to cancel."), main_menu(context.tr))


async def unknown_command(update: Update, context: BotContext) -> None:
    context.ui.say(context.tr._("I do not know that command. See /help."), main_menu(context.tr))


async def unsupported(update: Update, context: BotContext) -> None:
    context.ui.say(unsupported_text(context.tr), main_menu(context.tr))


async def free_text(update: Update, context: BotContext) -> None:
    """Text, a photo or a voice note outside any flow: how to raise a matter with it."""
    tr = context.tr
    message = update.effective_message
    if message is not None and (message.photo or message.voice):
        text = tr._(
            "To raise a matter with this, press “{new}” below first, then send it again.",
            new=tr._(MENU_NEW),
        )
    else:
        text = tr._(
            "To raise a matter, press “{new}” below; to see your issues, /my.", new=tr._(MENU_NEW)
        )
    context.ui.say(text, main_menu(tr))


async def on_error(update: object, context: BotContext) -> None:
    """Log with the update id (never the token); roll the update back; tell the person."""
    if isinstance(context.error, Forbidden):
        log.info("chat blocked the bot: %s", context.error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    scope = current_scope()
    if scope is None or not isinstance(update, Update) or update.effective_chat is None:
        return
    # Nothing of a failed update stays: not its writes, not its flow moves, not its answers.
    await scope.abandon()
    if update.effective_chat.type != "private":
        return
    scope.replies.say(
        context.tr._(
            "Sorry, something went wrong on our side. What you entered so far is kept; "
            "please try again in a moment."
        )
    )


def routes() -> list[Route]:
    return [
        command("cancel", cancel_outside),
        message(filters.COMMAND, unknown_command),
        Route(CallbackQueryHandler(expired_button)),
        message(filters.TEXT, free_text),
        message(filters.ALL, unsupported),
    ]
