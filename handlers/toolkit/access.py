"""The permission check every command and button of staff, members and admins passes.

The table itself is domain knowledge (bot/domain/permissions.py). Here it decides whether
the person may act, and in which township: staff of several townships work in the one they
chose with /township. The township is handed to the handler as `context.township`; the
services it calls check that every object named by the update belongs to it.
"""

from __future__ import annotations

from telegram import Update

from bot.domain.errors import NotAllowed
from bot.domain.permissions import ADMINS, PERMISSIONS, STAFF, Act
from bot.i18n import Translator
from bot.services.access import working_township
from handlers.toolkit.context import BotContext


def refusal(tr: Translator, act: Act) -> str:
    roles = PERMISSIONS[act]
    if roles == ADMINS:
        return tr._("Only an administrator can do this.")
    if roles == STAFF:
        return tr._("This is for the liaison office's staff only.")
    return tr._("This is for CPPCC members and the liaison office's staff.")


def refuse(update: Update, context: BotContext, text: str) -> None:
    """Say no: as an alert on a button press, as a message otherwise."""
    if update.callback_query is not None:
        context.ui.answer(text, alert=True)
    else:
        context.ui.say(text)


def admit(update: Update, context: BotContext, act: Act) -> bool:
    """True when the person may do `act`; sets `context.township`. Otherwise says why not."""
    try:
        context.township = working_township(context.me, act)
    except NotAllowed:
        refuse(update, context, refusal(context.tr, act))
        return False
    return True
