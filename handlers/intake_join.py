"""附议 during intake: when neighbours raised the same, offer to join them instead."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.services import joining
from handlers.intake_draft import CATEGORY, SIMILAR, JoinExisting, JoinNone, draft_of
from handlers.intake_prompts import ask_category
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import END, BotContext


async def offer_joining(update: Update, context: BotContext) -> str:
    """After the description: similar open issues or topics of the township, if any."""
    if await show_join_offer(update, context):
        return SIMILAR
    await ask_category(update, context)
    return CATEGORY


async def show_join_offer(update: Update, context: BotContext) -> bool:
    """Say what neighbours raised that looks the same; False when there is nothing."""
    draft = draft_of(context)
    services = context.services
    if draft.township_id is None or not draft.text:
        return False
    village = await services.directory.village(draft.village_id) if draft.village_id else None
    similar = await services.similar.worth_joining(
        draft.township_id, text=draft.text, village=village.name if village else None
    )
    if not similar:
        return False
    options = await joining.join_options(
        context.reads, draft.township_id, context.me.id, [(item.kind, item.id) for item in similar]
    )
    if not options:
        return False
    tr = context.tr
    flow = context.flow.id
    lines = [
        tr.n_(
            "{count} neighbour raised something similar:",
            "{count} neighbours raised something similar:",
            sum(option.people for option in options),
        )
    ]
    buttons = []
    for index, option in enumerate(options, start=1):
        lines.append(f"{index}. {option.number} {esc(option.preview)}")
        press = JoinExisting(flow=flow, kind="t" if option.kind == "topic" else "i", id=option.id)
        buttons.append([inline(tr._("Join {number}", number=option.number), press)])
    lines.append(tr._("Join one of them, and you will hear of every step just as its raiser does."))
    buttons.append([inline(tr._("Mine is different, continue ›"), JoinNone(flow=flow))])
    context.ui.say("\n".join(lines), InlineKeyboardMarkup(buttons))
    return True


async def joined(update: Update, context: BotContext, press: JoinExisting) -> str:
    """The resident joins a neighbour's issue or topic: nothing else is submitted."""
    draft = draft_of(context)
    if press.kind == "t":
        number = await joining.join_topic(
            context.uow,
            person_id=context.me.id,
            topic_id=press.id,
            now=context.now,
            township_id=draft.township_id,
        )
    else:
        number = await joining.join_issue(
            context.uow,
            person_id=context.me.id,
            issue_id=press.id,
            now=context.now,
            township_id=draft.township_id,
        )
    context.ui.edit(
        context.tr._(
            "✅ You joined {number}. I will tell you about every step of it. "
            "Nothing else was submitted.",
            number=number,
        )
    )
    return END


async def not_joining(update: Update, context: BotContext, press: JoinNone) -> str:
    """ "Mine is different": on to the category."""
    context.ui.drop_buttons()
    await ask_category(update, context)
    return CATEGORY
