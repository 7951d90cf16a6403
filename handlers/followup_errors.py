"""The errors of resolving, rating, reopening and looking back as people read them."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import Update

from bot.domain import followup_errors as errors
from bot.domain.deliberation_errors import DeliberationError
from bot.i18n import Translator
from handlers import deliberation_errors
from handlers.toolkit import BotContext
from handlers.toolkit.access import refuse

R = TypeVar("R")


def explain(tr: Translator, error: errors.FollowUpError) -> str:
    number = error.topic_number
    if isinstance(error, errors.AlreadyResolved):
        return tr._("Topic {number} is resolved already.", number=number)
    if isinstance(error, errors.NotRaiserOrSupporter):
        return tr._(
            "Only the people who raised or joined an issue of topic {number} are asked about it.",
            number=number,
        )
    if isinstance(error, errors.RoundClosed) and error.reopened:
        return tr._(
            "Topic {number} was reopened since this was sent: the work goes on, and you will "
            "be asked again when it is resolved.",
            number=number,
        )
    if isinstance(error, errors.RoundClosed):
        return tr._("This question about topic {number} is not open now.", number=number)
    if isinstance(error, errors.AlreadyReopened):
        return tr._(
            "Topic {number} was reopened already; its card shows the new action item.",
            number=number,
        )
    if isinstance(error, errors.NotRated):
        return tr._("There is no such rating of topic {number}.", number=number)
    if isinstance(error, errors.NothingToReopenWith):
        return tr._(
            "Topic {number} has no published outcome to add a new action item to.", number=number
        )
    return tr._("This is not possible now.")


def explained(
    callback: Callable[..., Awaitable[R]],
) -> Callable[..., Coroutine[Any, Any, R | None]]:
    """Run a handler; one of these errors rolls the update back and is told in words."""

    @functools.wraps(callback)
    async def wrapper(update: Update, context: BotContext, *args: Any) -> R | None:
        try:
            return await callback(update, context, *args)
        except errors.FollowUpError as error:
            text = explain(context.tr, error)
        except DeliberationError as error:
            text = deliberation_errors.explain(context.tr, error)
        await context.scope.abandon()
        refuse(update, context, text)
        return None

    return wrapper
