"""附议 during intake: when neighbours raised the same, offer to join them instead."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.domain.errors import (
    DomainError,
)
from bot.services import topics
from handlers.intake_draft import (
    END,
    SIMILAR,
    checkpoint,
    draft_of,
)
from handlers.intake_prompts import (
    ask_category,
)
from handlers.render import esc
from handlers.replies import acknowledge, drop_buttons, say, settle


async def offer_joining(update: Update, context: BotContext) -> str:
    """附议: when neighbours raised the same, offer to join them instead of repeating it."""
    draft = draft_of(context)
    services = context.services
    if draft.township_id is None or not draft.text:
        return await ask_category(update, context)
    village = await services.directory.village(draft.village_id) if draft.village_id else None
    similar = await services.similar.worth_joining(
        draft.township_id, text=draft.text, village=village.name if village else None
    )
    if not similar:
        return await ask_category(update, context)
    async with services.read_uow() as uow:
        options = await topics.join_options(
            uow, draft.township_id, context.me.id, [(item.kind, item.id) for item in similar]
        )
    if not options:
        return await ask_category(update, context)
    tr = context.tr
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
        code = "t" if option.kind == "topic" else "i"
        buttons.append(
            [
                InlineKeyboardButton(
                    tr._("Join {number}", number=option.number),
                    callback_data=f"in:jn:{code}:{option.id}",
                )
            ]
        )
    lines.append(tr._("Join one of them, and you will be told every step, as they are."))
    buttons.append(
        [InlineKeyboardButton(tr._("Mine is different, continue ›"), callback_data="in:jn:no")]
    )
    await checkpoint(update, context, SIMILAR)
    await say(update, context, "\n".join(lines), InlineKeyboardMarkup(buttons))
    return SIMILAR


async def joined(update: Update, context: BotContext) -> str | int:
    assert update.callback_query is not None and update.callback_query.data is not None
    _prefix, _step, code, raw_id = update.callback_query.data.split(":")
    draft = draft_of(context)
    services = context.services
    tr = context.tr
    try:
        async with services.uow() as uow:
            join = topics.join_topic if code == "t" else topics.join_issue
            number = await join(
                uow,
                person_id=context.me.id,
                now=services.clock.now(),
                township_id=draft.township_id,
                **{"topic_id" if code == "t" else "issue_id": int(raw_id)},
            )
    except DomainError:
        await acknowledge(update, tr._("This option is no longer available."), alert=True)
        return SIMILAR
    await checkpoint(update, context, None)
    if draft.township_id is not None:
        services.similar.invalidate(draft.township_id)
    await settle(
        update,
        tr._(
            "✅ You joined {number}. I will tell you about every step of it. "
            "Nothing else was submitted.",
            number=number,
        ),
    )
    return END


async def not_joining(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    await drop_buttons(update)
    return await ask_category(update, context)
