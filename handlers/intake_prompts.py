"""The questions of the intake, one per step (also asked again after a wrong answer)."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update

from bot.domain.errors import DescriptionTooLong
from bot.services import intake
from bot.services.intake import IssueDraft
from bot.services.views import CategoryView
from handlers import start
from handlers.intake_draft import (
    Anonymity,
    Confirm,
    HappenedIn,
    IntakeCategory,
    IntakeTownship,
    IntakeVillage,
    PhotosDone,
    draft_of,
)
from handlers.keyboards import choice, inline, location_keyboard, main_menu, rows
from handlers.render import category_label, esc
from handlers.toolkit import BotContext


def categories_keyboard(
    context: BotContext, categories: Sequence[CategoryView], suggested: CategoryView | None
) -> InlineKeyboardMarkup:
    """Two per row; a suggested category gets a row of its own, first, marked ✓."""
    tr, flow = context.tr, context.flow.id
    others = [c for c in categories if suggested is None or c.id != suggested.id]
    buttons = [
        inline(category_label(tr, c), IntakeCategory(flow=flow, category=c.id)) for c in others
    ]
    keyboard = rows(buttons, 2)
    if suggested is not None:
        label = "✓ " + category_label(tr, suggested)
        keyboard.insert(0, [inline(label, IntakeCategory(flow=flow, category=suggested.id))])
    return InlineKeyboardMarkup(keyboard)


async def ask_place(update: Update, context: BotContext) -> None:
    """Where the resident lives, when they have not said yet (the village's buttons)."""
    flow = context.flow.id
    await start.ask_place(
        context,
        lambda township: IntakeTownship(flow=flow, township=township),
        lambda village: IntakeVillage(flow=flow, village=village),
    )


async def ask_where(update: Update, context: BotContext) -> bool:
    """Where it happened, the resident's own village first; False when there is no choice
    (a township of one village): then it is that village."""
    draft = draft_of(context)
    assert draft.township_id is not None
    villages = await context.services.directory.villages(draft.township_id)
    if len(villages) < 2:
        return False
    tr, flow = context.tr, context.flow.id
    home = next((v for v in villages if v.id == draft.home_village_id), None)
    others = [v for v in villages if home is None or v.id != home.id]
    keyboard = rows([inline(v.name, HappenedIn(flow=flow, village=v.id)) for v in others], 3)
    if home is not None:
        keyboard.insert(0, [inline("✓ " + home.name, HappenedIn(flow=flow, village=home.id))])
        text = tr._(
            "Where is it? If it is in {village}, where you live, press the first button.",
            village=esc(home.name),
        )
    else:
        text = tr._("Which village or community is it in?")
    context.ui.say(text, InlineKeyboardMarkup(keyboard))
    return True


async def ask_category(update: Update, context: BotContext) -> None:
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
    context.ui.say(text, categories_keyboard(context, categories, suggested))


def description_prompt(context: BotContext) -> str:
    return context.tr._(
        "Please describe the matter: what, where, since when. Write it, or send a voice "
        "message. You can also send a photo with a caption."
    )


async def ask_description(update: Update, context: BotContext) -> None:
    context.ui.say(description_prompt(context))


def photos_prompt(context: BotContext, count: int) -> tuple[str, InlineKeyboardMarkup]:
    tr = context.tr
    done = PhotosDone(flow=context.flow.id)
    if count:
        text = tr.n_(
            "Got {count} photo. Send more, or press “Next”.",
            "Got {count} photos. Send more, or press “Next”.",
            count,
        )
        return text, choice((tr._("Next ›"), done))
    text = tr._("Would you like to add photos? Send them now (several at once is fine).")
    return text, choice((tr._("No photos, next ›"), done))


async def ask_photos(update: Update, context: BotContext) -> None:
    text, markup = photos_prompt(context, len(draft_of(context).photos))
    context.ui.say(text, markup)


async def ask_location(update: Update, context: BotContext) -> None:
    tr = context.tr
    context.ui.say(
        tr._("Where is it? Share the location, or skip if you described the place already."),
        location_keyboard(tr),
    )


async def ask_anonymity(update: Update, context: BotContext) -> None:
    tr = context.tr
    flow = context.flow.id
    context.ui.say(
        tr._(
            "May CPPCC members see your name with this issue? "
            "The office always knows who raised it, so it can answer you."
        ),
        choice(
            (tr._("Yes, show my name"), Anonymity(flow=flow, anonymous=False)),
            (tr._("No, keep me anonymous to members"), Anonymity(flow=flow, anonymous=True)),
        ),
    )


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
    flow = context.flow.id
    return choice(
        (tr._("✅ Send"), Confirm(flow=flow, answer="ok")),
        (tr._("✖ Cancel"), Confirm(flow=flow, answer="cancel")),
    )


async def confirmation_text(context: BotContext) -> str:
    heading = context.tr._("<b>Please check before sending</b>")
    return f"{heading}\n{await summary_of(context, draft_of(context))}"


async def ask_confirmation(update: Update, context: BotContext) -> None:
    context.ui.say(await confirmation_text(context), confirm_keyboard(context))


async def quota_refusal(context: BotContext) -> bool:
    """Tell the resident when they may raise the next issue; True if they may not now."""
    services = context.services
    retry_at = await intake.quota_retry_at(
        context.reads, context.me.id, context.now, services.settings.max_issues_per_day
    )
    if retry_at is None:
        return False
    tr = context.tr
    context.ui.say(
        tr._(
            "You have raised {limit} matters in the last 24 hours, which is the daily limit. "
            "You can raise the next one after {time}. Thank you for your patience.",
            limit=services.settings.max_issues_per_day,
            time=tr.when(retry_at, services.settings.zone),
        ),
        main_menu(tr),
    )
    return True


def set_text(context: BotContext, draft: IssueDraft, text: str) -> bool:
    """Store the description; False (and the draft unchanged) when it is too long."""
    try:
        draft.text = intake.check_description(text, context.services.settings.max_description_chars)
    except DescriptionTooLong:
        return False
    return True


def too_long(context: BotContext, length: int) -> None:
    context.ui.say(
        context.tr._(
            "That is {length} characters; please keep the description under {limit} "
            "(a short summary is best — you can add photos next). Everything else you "
            "entered is kept.",
            length=length,
            limit=context.services.settings.max_description_chars,
        )
    )
