"""The errors of posting progress as people read them: one sentence each."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from bot.domain import progress_errors as errors
from bot.i18n import Translator
from handlers.render import esc
from handlers.toolkit import BotContext
from handlers.toolkit.access import refuse

R = TypeVar("R")


def explain(tr: Translator, error: errors.ProgressError) -> str:
    if isinstance(error, errors.ItemDone):
        return tr._(
            "“{item}” is marked done already: no more progress can be posted on it.",
            item=esc(error.description),
        )
    if isinstance(error, errors.NotItemOwner):
        return tr._(
            "Only the member in charge of “{item}” or the liaison office's staff can post its "
            "progress.",
            item=esc(error.description),
        )
    if isinstance(error, errors.PercentOutOfRange):
        return tr._(
            "“{text}” is not a percentage: please type a whole number from 0 to 100, like 60.",
            text=esc(error.text),
        )
    if isinstance(error, errors.NothingToPost):
        return tr._(
            "There is nothing to post yet: write a few words, send a photo or choose a percentage."
        )
    if isinstance(error, errors.BadPeriod):
        return tr._("The period ends before it starts.")
    return tr._("This is not possible now.")


def explained(
    callback: Callable[..., Awaitable[R]],
) -> Callable[..., Coroutine[Any, Any, R | None]]:
    """Run a handler; a progress error rolls the update back and is told in words."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext, *args: Any) -> R | None:
        try:
            return await callback(update, context, *args)
        except errors.ProgressError as error:
            await context.scope.abandon()
            refuse(update, context, explain(context.tr, error))
            return None

    return wrapper
