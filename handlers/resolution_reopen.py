"""Staff reopen a resolved topic (after a 不满意 or a "又出现了", or from its card): what will
be done now → who is in charge → by when, asked as an outcome's action items are (the same
questions and checks, handlers/outcome_items.py); then the topic is back to implementing and
everyone concerned is told what happens next."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import filters

from bot.domain.followup_errors import FollowUpError
from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import meeting_people, outcomes, resolution
from handlers.deliberation_errors import day_text
from handlers.followup_buttons import ReopenTopic
from handlers.followup_errors import explain, explained
from handlers.outcome_items import ask_due, ask_owner
from handlers.outcome_steps import ItemOwner
from handlers.render import esc
from handlers.toolkit import END, BotContext, Flow, button, message

DESCRIBE = "describe"
OWNER = "owner"
DUE = "due"
TIMEOUT = timedelta(hours=2)
TEXT = filters.TEXT & ~filters.COMMAND


@explained
async def begin_reopen(update: Update, context: BotContext, press: ReopenTopic) -> str:
    topic = await resolution.reopenable(context.uow, context.township, press.topic, press.round_no)
    context.flow.data = {
        "topic_id": topic.id,
        "round": press.round_no,
        "number": topic.number,
        "title": topic.title,
        # Read by the owner question shared with the outcome flow.
        "township": context.township,
    }
    await ask_description(update, context)
    return DESCRIBE


async def ask_description(update: Update, context: BotContext) -> None:
    data = context.flow.data
    context.ui.say(
        context.tr._(
            "Reopening topic {number} {title}. What will be done now? Type the new action "
            "item in one message (or /cancel).",
            number=data["number"],
            title=esc(str(data["title"])),
        )
    )


@explained
async def description_typed(update: Update, context: BotContext) -> str:
    context.flow.data["description"] = resolution.check_item_text(context.text)
    await ask_owner(update, context)
    return OWNER


async def owner_picked(update: Update, context: BotContext, press: ItemOwner) -> str:
    """A member picked (checked when the item is saved); then the due date."""
    members = await meeting_people.members(context.reads, context.township)
    named = [m.name for m in members if m.id == press.person]
    if named:
        context.ui.edit(context.tr._("In charge: {owner}", owner=esc(named[0])))
    else:
        context.ui.drop_buttons()
    context.flow.data["owner_person"] = press.person
    await ask_due(update, context)
    return DUE


@explained
async def owner_typed(update: Update, context: BotContext) -> str:
    context.flow.data["owner_name"] = outcomes.clean_owner_name(context.text)
    await ask_due(update, context)
    return DUE


@explained
async def due_typed(update: Update, context: BotContext) -> str:
    """The due date: the topic is reopened with the new item."""
    tr, data = context.tr, context.flow.data
    today = await outcomes.local_today(context.reads, context.township, context.now)
    due = outcomes.parse_due(context.text, today)
    try:
        reopened = await resolution.reopen(
            context.uow,
            township_id=context.township,
            topic_id=int(data["topic_id"]),
            round_=int(data["round"]),
            description=str(data["description"]),
            owner_person_id=data.get("owner_person"),
            owner_name=data.get("owner_name"),
            due_on=due,
            actor_id=context.me.id,
            now=context.now,
        )
    except FollowUpError as error:
        context.ui.say(explain(tr, error))
        return END
    context.ui.say(
        tr.n_(
            "Topic {number} is reopened with the new action item, due {due}. {count} person "
            "was told what happens next.",
            "Topic {number} is reopened with the new action item, due {due}. {count} people "
            "were told what happens next.",
            reopened.told,
            number=reopened.topic_number,
            due=day_text(tr, due),
        )
    )
    return END


def flow() -> Flow:
    act = Act.RESOLVE
    return Flow(
        name="reopen",
        title=N_("reopening a topic"),
        timeout=TIMEOUT,
        entry=[button(ReopenTopic, begin_reopen, act)],
        states={
            DESCRIBE: [message(TEXT, description_typed, act)],
            OWNER: [button(ItemOwner, owner_picked, act), message(TEXT, owner_typed, act)],
            DUE: [message(TEXT, due_typed, act)],
        },
        prompts={DESCRIBE: ask_description, OWNER: ask_owner, DUE: ask_due},
        restart=True,
    )
