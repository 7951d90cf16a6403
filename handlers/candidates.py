"""/candidates: the 选题 aid. Unassigned issues grouped by matter and place; one press makes
a group a consultation topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from telegram import InlineKeyboardMarkup, Update

from bot.domain.errors import StaleState
from bot.domain.permissions import Act
from bot.services import candidates, topics
from bot.services.candidates import CandidateView
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import BotContext, Button, Route, Token, button, command

SHOWN = 6


@dataclass(frozen=True)
class MakeTopic(Button, prefix="cd.mk"):
    key: Annotated[str, Token(r"[A-Za-z0-9]{4,40}")]


def _describe(context: BotContext, index: int, view: CandidateView) -> str:
    tr = context.tr
    zone = context.services.settings.zone
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
                first=tr.day(view.first_at, zone),
                last=tr.day(view.last_at, zone),
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
        lines.append(tr._("Grouped because: {why}", why=tr._("; ").join(why)))
    lines += [f"• {issue.ref} {esc(issue.snippet)}" for issue in view.representatives]
    return "\n".join(lines)


async def candidates_command(update: Update, context: BotContext) -> None:
    """/candidates: the largest groups of waiting issues, each with "make it a topic"."""
    tr = context.tr
    views = await candidates.candidate_topics(context.reads, context.township)
    if not views:
        context.ui.say(
            tr._("No candidate topics: no two waiting issues are about the same matter.")
        )
        return
    context.ui.say(tr._("Candidate topics, largest first ({count} in all):", count=len(views)))
    for index, view in enumerate(views[:SHOWN], start=1):
        markup = InlineKeyboardMarkup([[inline(tr._("📌 Make it a topic"), MakeTopic(view.key))]])
        context.ui.say(_describe(context, index, view), markup)


async def make_topic(update: Update, context: BotContext, press: MakeTopic) -> None:
    """📌 Make it a topic: the group (as it is now) becomes a consultation topic."""
    tr = context.tr
    views = await candidates.candidate_topics(context.reads, context.township)
    view = next((v for v in views if v.key == press.key), None)
    if view is None:
        context.ui.answer(tr._("This group has changed since; see /candidates again."), alert=True)
        return
    try:
        created = await topics.create_topic(
            context.uow,
            township_id=context.township,
            issue_ids=[i.id for i in view.issues],
            title=view.title,
            actor_id=context.me.id,
            now=context.now,
            zone=context.services.settings.zone,
        )
    except StaleState:
        await context.scope.abandon()
        context.ui.answer(tr._("This group has changed since; see /candidates again."), alert=True)
        return
    context.ui.edit(
        tr._("Topic {number} created: {title}", number=created.number, title=esc(created.title))
        + "\n"
        + tr._("{people} people raised or joined it.", people=created.head_count)
    )


def routes() -> list[Route]:
    return [
        command("candidates", candidates_command, Act.CANDIDATES),
        button(MakeTopic, make_topic, Act.CANDIDATES),
    ]
