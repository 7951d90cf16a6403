"""The questions of the intake, one per step (also asked again after a wrong answer)."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.services import intake
from bot.services.intake import IssueDraft
from handlers.intake_draft import (
    ANONYMITY,
    CATEGORY,
    CONFIRM,
    DESCRIBE,
    LOCATION,
    PHOTOS,
    checkpoint,
    draft_of,
)
from handlers.keyboards import (
    categories_keyboard,
    choice,
    location_keyboard,
    main_menu,
)
from handlers.render import category_label, esc
from handlers.replies import say

# -- asking for each step --------------------------------------------------------------------


async def ask_category(update: Update, context: BotContext) -> str:
    """Categories as buttons; the likely one, learnt from the description, comes first."""
    draft = draft_of(context)
    assert draft.township_id is not None
    services = context.services
    categories = await services.directory.categories(draft.township_id)
    suggestion = await services.categories.suggest(draft.township_id, draft.text)
    tr = context.tr
    text = tr._("What is it about? Choose a category:")
    suggested = next((c for c in categories if suggestion and c.id == suggestion.category_id), None)
    if suggested is not None:
        text = tr._(
            "What is it about? It looks like “{category}” — press it if that is right, or "
            "choose another:",
            category=category_label(tr, suggested),
        )
    await checkpoint(update, context, CATEGORY)
    await say(update, context, text, categories_keyboard(tr, categories, suggested=suggested))
    return CATEGORY


def description_prompt(context: BotContext) -> str:
    return context.tr._(
        "Please describe the matter: what, where, since when. Write it, or send a voice "
        "message. You can also send a photo with a caption."
    )


async def ask_description(update: Update, context: BotContext) -> str:
    await checkpoint(update, context, DESCRIBE)
    await say(update, context, description_prompt(context))
    return DESCRIBE


def photos_prompt(context: BotContext, count: int) -> tuple[str, InlineKeyboardMarkup]:
    tr = context.tr
    if count:
        text = tr.n_(
            "Got {count} photo. Send more, or press “Next”.",
            "Got {count} photos. Send more, or press “Next”.",
            count,
        )
        markup = choice((tr._("Next ›"), "in:ph:done"))
    else:
        text = tr._("Would you like to add photos? Send them now (several at once is fine).")
        markup = choice((tr._("No photos, next ›"), "in:ph:done"))
    return text, markup


async def ask_photos(update: Update, context: BotContext) -> str:
    text, markup = photos_prompt(context, len(draft_of(context).photos))
    await checkpoint(update, context, PHOTOS)
    await say(update, context, text, markup)
    return PHOTOS


async def ask_location(update: Update, context: BotContext) -> str:
    tr = context.tr
    await checkpoint(update, context, LOCATION)
    await say(
        update,
        context,
        tr._("Where is it? Share the location, or skip if you described the place already."),
        location_keyboard(tr),
    )
    return LOCATION


async def ask_anonymity(update: Update, context: BotContext) -> str:
    tr = context.tr
    await checkpoint(update, context, ANONYMITY)
    await say(
        update,
        context,
        tr._(
            "May CPPCC members and the office see your name with this issue? "
            "The office always knows who raised it, so it can answer you."
        ),
        choice(
            (tr._("Yes, show my name"), "in:anon:0"),
            (tr._("No, keep me anonymous to members"), "in:anon:1"),
        ),
    )
    return ANONYMITY


async def summary_of(context: BotContext, draft: IssueDraft) -> str:
    tr = context.tr
    assert draft.township_id is not None and draft.village_id is not None
    assert draft.category_id is not None
    village = await context.services.directory.village(draft.village_id)
    category = await context.services.directory.category(draft.township_id, draft.category_id)
    lines = [
        tr._("Category: {category}", category=category_label(tr, category)),
        tr._("Place: {place}", place=esc(village.name)),
    ]
    if draft.text:
        lines.append(tr._("Description: {text}", text=esc(draft.text)))
    if draft.voice:
        lines.append(tr._("Voice message attached"))
    if draft.photos:
        lines.append(tr.n_("{count} photo", "{count} photos", len(draft.photos)))
    lines.append(tr._("Location shared") if draft.latitude is not None else tr._("No location"))
    lines.append(
        tr._("Name hidden from members") if draft.anonymous else tr._("Name shown to members")
    )
    return "\n".join(lines)


def confirm_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    tr = context.tr
    return choice((tr._("✅ Send"), "in:cf:ok"), (tr._("✖ Cancel"), "in:cf:cancel"))


async def ask_confirmation(update: Update, context: BotContext) -> str:
    await checkpoint(update, context, CONFIRM)
    text = context.tr._("<b>Please check before sending</b>")
    summary = await summary_of(context, draft_of(context))
    await say(update, context, f"{text}\n{summary}", confirm_keyboard(context))
    return CONFIRM


async def quota_refusal(update: Update, context: BotContext) -> bool:
    """Tell the resident when they may raise the next issue; True if they may not now."""
    services = context.services
    me = context.me
    async with services.read_uow() as uow:
        retry_at = await intake.quota_retry_at(
            uow, me.id, services.clock.now(), services.settings.max_issues_per_day
        )
    if retry_at is None:
        return False
    tr = context.tr
    await say(
        update,
        context,
        tr._(
            "You have raised {limit} matters in the last 24 hours, which is the daily limit. "
            "You can raise the next one after {time}. Thank you for your patience.",
            limit=services.settings.max_issues_per_day,
            time=tr.when(retry_at, services.settings.zone, "short"),
        ),
        main_menu(tr),
    )
    return True
