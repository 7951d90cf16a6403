"""/candidates: the 选题 aid. Unassigned issues grouped by matter and place; one press makes
a group a consultation topic."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.domain.errors import DomainError
from bot.services import candidates, topics
from bot.services.candidates import CandidateView
from handlers.render import esc
from handlers.replies import acknowledge, say, settle
from handlers.staff_common import pushes_written, staff_scope

SHOWN = 6


def _describe(context: BotContext, index: int, view: CandidateView) -> str:
    tr = context.tr
    lines = [
        tr._(
            "<b>{index}. {title}</b> — {size} issues",
            index=index,
            title=esc(view.title),
            size=view.size,
        )
    ]
    if view.first_at and view.last_at:
        lines.append(
            tr._(
                "From {first} to {last}",
                first=view.first_at.strftime("%Y-%m-%d"),
                last=view.last_at.strftime("%Y-%m-%d"),
            )
        )
    if view.villages:
        lines.append(tr._("Villages: {names}", names=esc("、".join(view.villages))))
    why = []
    if view.shared_place:
        why.append(tr._("same place: {place}", place=esc(view.shared_place)))
    if view.key_terms:
        why.append(tr._("shared words: {terms}", terms=esc("、".join(view.key_terms[:5]))))
    if why:
        lines.append(tr._("Grouped because: {why}", why="; ".join(why)))
    lines += [f"• {issue.ref} {esc(issue.snippet)}" for issue in view.representatives]
    return "\n".join(lines)


async def _current(context: BotContext, township: int) -> list[CandidateView]:
    async with context.services.uow() as uow:
        return await candidates.candidate_topics(uow, township)


async def candidates_command(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    tr = context.tr
    views = await _current(context, township)
    if not views:
        await say(
            update,
            context,
            tr._("No candidate topics: no two waiting issues are about the same matter."),
        )
        return
    await say(
        update, context, tr._("Candidate topics, largest first ({count} in all):", count=len(views))
    )
    for index, view in enumerate(views[:SHOWN], start=1):
        button = InlineKeyboardButton(tr._("📌 Make it a topic"), callback_data=f"cd:mk:{view.key}")
        await say(
            update, context, _describe(context, index, view), InlineKeyboardMarkup([[button]])
        )


async def make_topic(update: Update, context: BotContext) -> None:
    township = await staff_scope(update, context)
    if township is None:
        return
    assert update.callback_query is not None and update.callback_query.data is not None
    key = update.callback_query.data.split(":", 2)[2]
    tr = context.tr
    view = next((v for v in await _current(context, township) if v.key == key), None)
    if view is None:
        await acknowledge(
            update, tr._("This group has changed since; see /candidates again."), alert=True
        )
        return
    services = context.services
    try:
        async with services.uow() as uow:
            created = await topics.create_topic(
                uow,
                township_id=township,
                issue_ids=[i.id for i in view.issues],
                title=view.title,
                actor_id=context.me.id,
                now=services.clock.now(),
                zone=services.settings.zone,
            )
    except DomainError:
        await acknowledge(
            update, tr._("This group has changed since; see /candidates again."), alert=True
        )
        return
    pushes_written(context, township)
    await settle(
        update,
        tr._("Topic {number} created: {title}", number=created.number, title=esc(created.title))
        + "\n"
        + tr._("{people} people raised or joined it.", people=created.head_count),
    )


def handlers() -> list[object]:
    return [
        CommandHandler("candidates", candidates_command),
        CallbackQueryHandler(make_topic, pattern=r"^cd:mk:[A-Za-z0-9]{4,40}$"),
    ]
