"""/township: staff and members of several townships choose the one they work in."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.services import people
from bot.services.access import townships_for
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import BotContext, Button, Route, button, command


@dataclass(frozen=True)
class WorkIn(Button, prefix="tw.in"):
    township: int


async def township_command(update: Update, context: BotContext) -> None:
    """/township: where one works now, and the others one may switch to."""
    tr = context.tr
    current = await context.services.directory.township(context.township)
    choices = townships_for(context.me, Act.CHOOSE_TOWNSHIP)
    if len(choices) < 2:
        context.ui.say(tr._("You work in {township}.", township=esc(current.name)))
        return
    buttons = []
    for township_id in choices:
        township = await context.services.directory.township(township_id)
        mark = "✓ " if township_id == context.township else ""
        buttons.append([inline(mark + township.name, WorkIn(township_id))])
    context.ui.say(
        tr._("You work in {township}. Switch to:", township=esc(current.name)),
        InlineKeyboardMarkup(buttons),
    )


async def work_in(update: Update, context: BotContext, press: WorkIn) -> None:
    """A township was picked: /inbox, /topics and the rest act there from now on."""
    if press.township not in townships_for(context.me, Act.CHOOSE_TOWNSHIP):
        context.ui.answer(context.tr._("This option is no longer available."), alert=True)
        return
    await people.choose_working_township(context.uow, context.me.id, press.township, context.now)
    township = await context.services.directory.township(press.township)
    context.ui.edit(
        context.tr._(
            "From now on you work in {township}: /inbox, /topics and /candidates show its matters.",
            township=esc(township.name),
        )
    )


def routes() -> list[Route]:
    return [
        command("township", township_command, Act.CHOOSE_TOWNSHIP),
        button(WorkIn, work_in, Act.CHOOSE_TOWNSHIP),
    ]
