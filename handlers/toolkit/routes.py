"""Routes: a command, a button kind or a kind of message, the handler it runs, and who may.

    command("inbox", show_inbox, Act.TRIAGE)
    button(NewTopic, new_topic, Act.TRIAGE)       # new_topic(update, context, press)
    message(filters.VOICE, description_voice)

Every route's callback runs behind the same guard: the permission check (which also sets
`context.township`), parsing the button's data (a press that does not parse is stale or
forged and gets "this button has expired"), and turning a domain error into a rollback and
one translated answer. Handlers therefore hold only what is particular to them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler
from telegram.ext.filters import BaseFilter

from bot.domain.errors import DomainError
from bot.domain.permissions import Act
from handlers.toolkit.access import admit, refuse
from handlers.toolkit.buttons import Button
from handlers.toolkit.context import BotContext
from handlers.toolkit.errors import explain

log = logging.getLogger(__name__)

R = TypeVar("R")
K = TypeVar("K", bound=Button)
Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]
PressCallback = Callable[[Update, BotContext, K], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    """One way into the bot; `handler` is the PTB handler that matches and runs it."""

    handler: BaseHandler[Update, BotContext, Any]
    act: Act | None = None
    kind: type[Button] | None = None
    command: str | None = None


def expired(update: Update, context: BotContext) -> None:
    """A press whose data is not a current button: stale, or forged. Nothing changes."""
    context.ui.answer(context.tr._("This button has expired."), alert=True)


def _guard(
    callback: Callable[..., Awaitable[Any]], act: Act | None, kind: type[Button] | None
) -> Callback:
    async def guarded(update: Update, context: BotContext) -> Any:
        if act is not None and not admit(update, context, act):
            return None
        arguments: tuple[Button, ...] = ()
        if kind is not None:
            query = update.callback_query
            press = kind.parse(query.data if query is not None else None)
            if press is None:
                expired(update, context)
                return None
            arguments = (press,)
        try:
            return await callback(update, context, *arguments)
        except DomainError as error:
            log.info("refused %s: %s", getattr(callback, "__name__", callback), error)
            await context.scope.abandon()
            refuse(update, context, explain(context.tr, error))
            return None

    guarded.__name__ = getattr(callback, "__name__", "guarded")
    guarded.__doc__ = callback.__doc__
    return guarded


class _ButtonHandler(CallbackQueryHandler[BotContext, Any]):
    """PTB lets a press without data through every pattern; a button kind needs data."""

    def check_update(self, update: object) -> bool | object | None:
        query = update.callback_query if isinstance(update, Update) else None
        if query is None or not query.data:
            return None
        return super().check_update(update)


def command(name: str, callback: Callback, act: Act | None = None) -> Route:
    handler: CommandHandler[BotContext, Any] = CommandHandler(name, _guard(callback, act, None))
    return Route(cast(BaseHandler[Update, BotContext, Any], handler), act, None, name)


def button(kind: type[K], callback: PressCallback[K], act: Act | None = None) -> Route:
    handler = _ButtonHandler(_guard(callback, act, kind), pattern=kind.pattern())
    return Route(cast(BaseHandler[Update, BotContext, Any], handler), act, kind)


def message(filter_: BaseFilter, callback: Callback, act: Act | None = None) -> Route:
    handler: MessageHandler[BotContext, Any] = MessageHandler(filter_, _guard(callback, act, None))
    return Route(cast(BaseHandler[Update, BotContext, Any], handler), act)
