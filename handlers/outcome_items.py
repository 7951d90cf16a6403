"""The action items of an outcome, step by step: what is to be done → for which topic (when
the meeting had several) → who is in charge (a member of the township picked from a list,
or a department or village typed by name) → by when (typed like 12月20日 or 2026-12-20).
An item is saved only once it is whole, so a half-typed one never reaches anyone.
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.permissions import Act
from bot.services import meeting_people, outcomes
from handlers.deliberation_errors import day_text, explained
from handlers.keyboards import inline, rows
from handlers.outcome_steps import (
    ITEM_DUE,
    ITEM_OWNER,
    ITEM_TEXT,
    ITEM_TOPIC,
    ITEMS,
    REVIEW,
    AddItem,
    ItemOwner,
    ItemsDone,
    ItemTopic,
    RemoveItem,
    flow_township,
)
from handlers.render import esc, with_note
from handlers.toolkit import BotContext, Route, button, message

TEXT = filters.TEXT & ~filters.COMMAND
# Members offered as buttons; more than this and staff type the department instead.
MAX_MEMBER_BUTTONS = 12


def item_line(context: BotContext, item: outcomes.ItemView) -> str:
    tr = context.tr
    line = tr._(
        "{description} — in charge: {owner}; due {due}",
        description=esc(item.description),
        owner=esc(item.owner),
        due=day_text(tr, item.due_on),
    )
    return with_note(tr, line, esc(item.topic_number)) if item.topic_number else line


def show_items(context: BotContext, view: outcomes.OutcomeView) -> None:
    """The items so far, with [➕ Add one], [🗑 n] and [Done ›]."""
    tr, frame = context.tr, context.flow.id
    lines = [tr._("Step 4 of 4 — the action items: what will be done, who is in charge, by when.")]
    if view.items:
        lines += [
            f"{index}. {item_line(context, item)}" for index, item in enumerate(view.items, 1)
        ]
    else:
        lines.append(tr._("No action items yet."))
    removers = [
        inline(tr._("🗑 {index}", index=index), RemoveItem(frame, item.id))
        for index, item in enumerate(view.items, 1)
    ]
    keyboard = [
        [inline(tr._("➕ Add an action item"), AddItem(frame))],
        *rows(removers, 5),
        [inline(tr._("Done: review ›"), ItemsDone(frame))],
    ]
    context.ui.say("\n".join(lines), InlineKeyboardMarkup(keyboard))


async def _view(context: BotContext) -> outcomes.OutcomeView:
    view = await outcomes.outcome_view(
        context.uow, flow_township(context.flow.data), int(context.flow.data["meeting"])
    )
    assert view is not None
    return view


async def ask_items(update: Update, context: BotContext) -> None:
    """The action items so far, to add to or remove from."""
    show_items(context, await _view(context))


async def ask_text(update: Update, context: BotContext) -> None:
    """The question: what is to be done."""
    context.ui.say(context.tr._("What is to be done? One message (or /cancel)."))


async def ask_topic(update: Update, context: BotContext) -> None:
    """The question: which of the meeting's topics the item belongs to."""
    view = await _view(context)
    frame = context.flow.id
    buttons = [[inline(f"{t.number} {t.title[:30]}", ItemTopic(frame, t.id))] for t in view.topics]
    context.ui.say(context.tr._("For which topic?"), InlineKeyboardMarkup(buttons))


async def ask_owner(update: Update, context: BotContext) -> None:
    """The question: who is in charge (the township's members as buttons)."""
    tr, frame = context.tr, context.flow.id
    members = await meeting_people.members(context.reads, flow_township(context.flow.data))
    buttons = [inline(m.name[:30], ItemOwner(frame, m.id)) for m in members[:MAX_MEMBER_BUTTONS]]
    text = (
        tr._(
            "Who is in charge? Pick a member, or type the name of the department or village "
            "(for example 城管办 or 东风村村委会)."
        )
        if buttons
        else tr._(
            "Who is in charge? Type the name of the department or village (for example "
            "城管办 or 东风村村委会)."
        )
    )
    context.ui.say(text, InlineKeyboardMarkup(rows(buttons, 2)) if buttons else None)


async def ask_due(update: Update, context: BotContext) -> None:
    """The question: by when."""
    context.ui.say(context.tr._("By when? Type the date, like 12月20日 or 2026-12-20."))


async def add_item(update: Update, context: BotContext, press: AddItem) -> str:
    """[➕ Add an action item]: its description comes first."""
    context.ui.drop_buttons()
    context.flow.data["item"] = {}
    await ask_text(update, context)
    return ITEM_TEXT


async def item_text(update: Update, context: BotContext) -> str | None:
    """The description; then the topic (if the meeting had several) or the owner."""
    text = context.text.strip()
    if len(text) > outcomes.MAX_ITEM_CHARS:
        context.ui.say(
            context.tr._(
                "Please keep it under {limit} characters (this was {length}).",
                limit=outcomes.MAX_ITEM_CHARS,
                length=len(text),
            )
        )
        return None
    context.flow.data["item"] = {"description": text}
    if int(context.flow.data.get("topics", 1)) > 1:
        await ask_topic(update, context)
        return ITEM_TOPIC
    await ask_owner(update, context)
    return ITEM_OWNER


async def item_topic(update: Update, context: BotContext, press: ItemTopic) -> str:
    """The topic picked (the question becomes the answer); then the owner."""
    picked = [t for t in (await _view(context)).topics if t.id == press.topic]
    if picked:
        topic = picked[0]
        context.ui.edit(
            context.tr._("Topic: {number} {title}", number=topic.number, title=esc(topic.title))
        )
    else:
        context.ui.drop_buttons()
    context.flow.data["item"]["topic"] = press.topic
    await ask_owner(update, context)
    return ITEM_OWNER


async def owner_picked(update: Update, context: BotContext, press: ItemOwner) -> str:
    """A member picked as the owner (checked when the item is saved); then the due date."""
    members = await meeting_people.members(context.reads, flow_township(context.flow.data))
    named = [m.name for m in members if m.id == press.person]
    if named:
        context.ui.edit(context.tr._("In charge: {owner}", owner=esc(named[0])))
    else:
        context.ui.drop_buttons()
    context.flow.data["item"]["owner_person"] = press.person
    await ask_due(update, context)
    return ITEM_DUE


@explained
async def owner_typed(update: Update, context: BotContext) -> str:
    """A department or village typed as the owner ("无" is no owner, and says so)."""
    name = outcomes.clean_owner_name(context.text)
    context.flow.data["item"]["owner_name"] = name
    await ask_due(update, context)
    return ITEM_DUE


@explained
async def due_typed(update: Update, context: BotContext) -> str:
    """The due date (today or later): the item is saved, and the list shown again."""
    today = await outcomes.local_today(context.reads, context.township, context.now)
    due: date = outcomes.parse_due(context.text, today)
    item = context.flow.data["item"]
    saved = await outcomes.add_item(
        context.uow,
        township_id=context.township,
        meeting_id=int(context.flow.data["meeting"]),
        description=str(item.get("description", "")),
        topic_id=item.get("topic"),
        owner_person_id=item.get("owner_person"),
        owner_name=item.get("owner_name"),
        due_on=due,
        now=context.now,
    )
    context.flow.data.pop("item", None)
    context.ui.say(context.tr._("Added: {item}", item=item_line(context, saved)))
    show_items(context, await _view(context))
    return ITEMS


@explained
async def remove_item(update: Update, context: BotContext, press: RemoveItem) -> None:
    """🗑 n: the item leaves the draft."""
    await outcomes.remove_item(
        context.uow,
        township_id=context.township,
        meeting_id=int(context.flow.data["meeting"]),
        item_id=press.item,
        now=context.now,
    )
    context.ui.drop_buttons()
    context.ui.answer(context.tr._("Removed."))
    show_items(context, await _view(context))


async def items_done(update: Update, context: BotContext, press: ItemsDone) -> str:
    """[Done: review ›]: the whole draft, to check and publish."""
    from handlers import outcome_review  # the review shows this module's buttons too

    context.ui.drop_buttons()
    context.flow.data["back"] = True
    outcome_review.show_review(context, await _view(context))
    return REVIEW


def items_routes() -> list[Route]:
    act = Act.RECORD_OUTCOME
    return [
        button(AddItem, add_item, act),
        button(RemoveItem, remove_item, act),
        button(ItemsDone, items_done, act),
    ]


def text_routes() -> list[Route]:
    return [message(TEXT, item_text, Act.RECORD_OUTCOME)]


def topic_routes() -> list[Route]:
    return [button(ItemTopic, item_topic, Act.RECORD_OUTCOME)]


def owner_routes() -> list[Route]:
    act = Act.RECORD_OUTCOME
    return [button(ItemOwner, owner_picked, act), message(TEXT, owner_typed, act)]


def due_routes() -> list[Route]:
    return [message(TEXT, due_typed, Act.RECORD_OUTCOME)]
