"""What every staff handler shares: the role check, and telling people about pushes."""

from __future__ import annotations

from telegram import Update

from bot import dispatcher
from bot.context import BotContext
from bot.domain.errors import NotAllowed
from bot.domain.roles import RoleName
from bot.services.access import STAFF_ROLES, staff_township
from handlers.replies import acknowledge, say


async def staff_scope(
    update: Update, context: BotContext, roles: frozenset[RoleName] = STAFF_ROLES
) -> int | None:
    """The staff member's township, or None after telling a non-staff person so.

    Runs on every staff command and every staff button press: buttons can be forged or
    outlive a revoked role, so nothing in the callback data is trusted.
    """
    try:
        return staff_township(context.me, roles)
    except NotAllowed:
        text = context.tr._("This is for the liaison office's staff only.")
        if update.callback_query is not None:
            await acknowledge(update, text, alert=True)
        else:
            await say(update, context, text)
        return None


def pushes_written(context: BotContext, township_id: int | None = None) -> None:
    """After a commit that queued notifications or changed what is open."""
    services = context.services
    if township_id is not None:
        services.similar.invalidate(township_id)
    dispatcher.wake(context.application)


def callback_ints(update: Update) -> list[int]:
    """The numeric arguments of a button's callback data (its pattern already matched)."""
    assert update.callback_query is not None and update.callback_query.data is not None
    return [int(part) for part in update.callback_query.data.split(":")[2:]]
