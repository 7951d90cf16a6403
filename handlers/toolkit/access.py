"""The permission check every command and button of staff, members and admins passes.

The table itself is domain knowledge (bot/domain/permissions.py). Here it decides whether
the person may act, and in which township: staff of several townships work in the one they
chose with /township. The township is handed to the handler as `context.township`; the
services it calls check that every object named by the update belongs to it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from bot.domain.errors import NotAllowed
from bot.domain.permissions import ADMINS, PERMISSIONS, STAFF, Act
from bot.i18n import Translator
from bot.services.access import working_township
from handlers.toolkit.context import BotContext

R = TypeVar("R")


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


# How one kind of domain error reads: (its base class, its explanation in the reader's words).
Explainer = tuple[type[Exception], Callable[[Translator, Any], str]]


def explained_by(
    *explainers: Explainer,
) -> Callable[[Callable[..., Awaitable[R]]], Callable[..., Coroutine[Any, Any, R | None]]]:
    """A handler decorator: one of these errors rolls the update back and is told in words
    (the first explainer whose class matches says it)."""
    kinds = tuple(kind for kind, _explain in explainers)

    def decorate(
        callback: Callable[..., Awaitable[R]],
    ) -> Callable[..., Coroutine[Any, Any, R | None]]:
        @functools.wraps(callback)
        async def wrapper(update: Update, context: BotContext, *args: Any) -> R | None:
            try:
                return await callback(update, context, *args)
            except kinds as error:
                explain = next(fn for kind, fn in explainers if isinstance(error, kind))
                await context.scope.abandon()
                refuse(update, context, explain(context.tr, error))
                return None

        return wrapper

    return decorate
