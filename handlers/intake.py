"""The resident's intake flow: /new → (home village) → description (→ 附议 offer) → category
→ photos → location → anonymity → confirm. Prompts live in intake_prompts, 附议 in
intake_join, the steps' buttons and the draft in intake_draft."""

from __future__ import annotations

import uuid
from datetime import timedelta

from telegram import Update
from telegram.ext import filters

from bot.domain.errors import DraftIncomplete, NotFound, QuotaExceeded
from bot.i18n import N_
from bot.services import intake
from bot.services.intake import IssueDraft, MediaRef
from handlers import start
from handlers.intake_draft import (
    ANONYMITY,
    CATEGORY,
    CONFIRM,
    DESCRIBE,
    FLOW_NAME,
    LOCATION,
    PHOTOS,
    PLACE,
    SIMILAR,
    WHERE,
    Anonymity,
    Confirm,
    HappenedIn,
    IntakeCategory,
    IntakeTownship,
    IntakeVillage,
    JoinExisting,
    JoinNone,
    MenuNew,
    PhotosDone,
    draft_of,
    keep,
    message_of,
)
from handlers.intake_join import joined, not_joining, offer_joining, show_join_offer
from handlers.intake_media import (
    location_received,
    location_skipped,
    location_text,
    photo_received,
    photos_done,
    photos_text,
)
from handlers.intake_prompts import (
    ask_anonymity,
    ask_category,
    ask_confirmation,
    ask_description,
    ask_location,
    ask_photos,
    ask_place,
    ask_where,
    confirm_keyboard,
    confirmation_text,
    photos_prompt,
    quota_refusal,
    set_text,
    summary_of,
    too_long,
)
from handlers.keyboards import (
    MENU_NEW,
    SKIP_LOCATION,
    labels_in_every_locale,
    main_menu,
)
from handlers.render import category_label, esc, unsupported_text
from handlers.toolkit import END, BotContext, Flow, button, command, message

# A resident may leave a draft for a day and come back to it.
TIMEOUT = timedelta(hours=24)

# -- entering ----------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext, press: MenuNew | None = None) -> str:
    """/new or "raise a matter": a fresh draft, starting where the resident lives."""
    if await quota_refusal(context):
        return END
    me = context.me
    draft = IssueDraft(
        ref=uuid.uuid4().hex,
        township_id=me.township_id,
        village_id=me.village_id,
        home_village_id=me.village_id,
    )
    keep(context, draft)
    if draft.village_id is None:
        await ask_place(update, context)
        return PLACE
    await ask_description(update, context)
    return DESCRIBE


# -- answering each step -----------------------------------------------------------------------


async def place_township(update: Update, context: BotContext, press: IntakeTownship) -> str:
    """The resident picked a township: its villages."""
    flow = context.flow.id
    await start.ask_village(
        context, press.township, lambda v: IntakeVillage(flow=flow, village=v), edit=True
    )
    return PLACE


async def place_village(update: Update, context: BotContext, press: IntakeVillage) -> str:
    """The resident picked their village: it becomes their home, and the draft's place."""
    name = await start.choose_home_village(context, press.village)
    village = await context.services.directory.village(press.village)
    draft = draft_of(context)
    draft.township_id, draft.village_id = village.township_id, village.id
    draft.home_village_id = village.id
    keep(context, draft)
    context.ui.edit(context.tr._("Saved: {village}.", village=name))
    await ask_description(update, context)
    return DESCRIBE


async def category_chosen(update: Update, context: BotContext, press: IntakeCategory) -> str:
    """A category was pressed: the question becomes the photos question (one edit)."""
    draft = draft_of(context)
    assert draft.township_id is not None
    category = await context.services.directory.category(draft.township_id, press.category)
    draft.category_id = category.id
    keep(context, draft)
    tr = context.tr
    chosen = tr._("Category: {category}", category=category_label(tr, category))
    text, markup = photos_prompt(context, len(draft.photos))
    context.ui.edit(f"{chosen}\n\n{text}", markup)
    return PHOTOS


async def description_text(update: Update, context: BotContext) -> str | None:
    """The description, typed: then the 附议 offer, or the category."""
    text = context.text
    draft = draft_of(context)
    if not set_text(context, draft, text):
        too_long(context, len(text.strip()))
        return None
    if not draft.text:
        await ask_description(update, context)
        return None
    keep(context, draft)
    return await _where_then_on(update, context)


async def _where_then_on(update: Update, context: BotContext) -> str:
    """After the description: where it happened (when there is a choice), then on."""
    if await ask_where(update, context):
        return WHERE
    return await _after_where(update, context)


async def _after_where(update: Update, context: BotContext) -> str:
    """The 附议 offer when there are words to compare, else the category."""
    if draft_of(context).text:
        return await offer_joining(update, context)
    await ask_category(update, context)
    return CATEGORY


async def happened_in(update: Update, context: BotContext, press: HappenedIn) -> str:
    """The resident said where it is: kept, and on to neighbours' similar issues."""
    draft = draft_of(context)
    village = await context.services.directory.village(press.village)
    if village.township_id != draft.township_id:
        context.ui.answer(context.tr._("This option is no longer available."), alert=True)
        return WHERE
    draft.village_id = village.id
    keep(context, draft)
    context.ui.edit(context.tr._("Place: {place}", place=esc(village.name)))
    return await _after_where(update, context)


async def description_voice(update: Update, context: BotContext) -> str:
    """The description as a voice message: kept as it is, then the category."""
    voice = message_of(update).voice
    assert voice is not None
    draft = draft_of(context)
    seconds = voice.duration
    if isinstance(seconds, timedelta):
        seconds = int(seconds.total_seconds())
    draft.voice = MediaRef(voice.file_id, voice.file_unique_id, seconds)
    keep(context, draft)
    context.ui.say(context.tr._("Voice message received."))
    return await _where_then_on(update, context)


async def description_photo(update: Update, context: BotContext) -> str | None:
    """A photo with a caption is a description with its first photo."""
    message = message_of(update)
    draft = draft_of(context)
    if message.caption and not set_text(context, draft, message.caption):
        too_long(context, len(message.caption.strip()))
        return None
    assert message.photo
    largest = message.photo[-1]
    draft.add_photo(
        MediaRef(largest.file_id, largest.file_unique_id),
        context.services.settings.max_photos_per_issue,
    )
    keep(context, draft)
    if not draft.has_description:
        # A photo alone does not say what is wrong: keep it, and ask for the words.
        context.ui.say(
            context.tr._(
                "Photo kept. Please also tell me in words what the matter is: write it, or "
                "send a voice message."
            )
        )
        return None
    return await _where_then_on(update, context)


async def anonymity_chosen(update: Update, context: BotContext, press: Anonymity) -> str:
    """Named or anonymous to members: the question becomes the summary to confirm."""
    draft = draft_of(context)
    draft.anonymous = press.anonymous
    keep(context, draft)
    context.ui.edit(await confirmation_text(context), confirm_keyboard(context))
    return CONFIRM


async def confirmed(update: Update, context: BotContext, press: Confirm) -> str | None:
    """✅ Send: the draft becomes a numbered issue; ✖ Cancel: nothing is sent."""
    tr = context.tr
    if press.answer == "cancel":
        context.ui.edit(tr._("Cancelled. Nothing was sent."))
        context.ui.say(
            tr._("Press “{new}” whenever you want to raise a matter.", new=tr._(MENU_NEW)),
            main_menu(tr),
        )
        return END
    draft = draft_of(context)
    try:
        issue = await intake.submit(
            context.uow,
            context.me.id,
            draft,
            now=context.now,
            daily_limit=context.services.settings.max_issues_per_day,
        )
    except QuotaExceeded:
        context.ui.drop_buttons()
        await quota_refusal(context)
        return END
    except (DraftIncomplete, NotFound):
        context.ui.drop_buttons()
        context.ui.say(tr._("Something is missing; let us go through it again."))
        return await begin(update, context)
    summary = await summary_of(context, draft)
    receipt = tr._(
        "✅ Thank you! Your issue is registered as <b>{number}</b> ({when}).\n"
        "The office will look at it; I will tell you here about every step. "
        "See it any time under /my.",
        number=issue.number,
        when=tr.when(issue.created_at, context.services.settings.zone),
    )
    # The summary the resident checked becomes the receipt (one edit, no extra message).
    context.ui.answer(tr._("Sent"))
    context.ui.edit(f"{receipt}\n\n{summary}")
    return END


# -- wrong input inside the flow ---------------------------------------------------------------


async def unsupported_media(update: Update, context: BotContext) -> None:
    context.ui.say(unsupported_text(context.tr))


UNSUPPORTED = (
    filters.Sticker.ALL
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.AUDIO
    | filters.Document.ALL
    | filters.CONTACT
    | filters.POLL
    | filters.Dice.ALL
    | filters.GAME
)
TEXT = filters.TEXT & ~filters.COMMAND


def flow() -> Flow:
    skip = filters.Text(labels_in_every_locale(SKIP_LOCATION))
    return Flow(
        name=FLOW_NAME,
        title=N_("your new issue"),
        timeout=TIMEOUT,
        entry=[
            command("new", begin),
            message(filters.Text(labels_in_every_locale(MENU_NEW)), begin),
            button(MenuNew, begin),
        ],
        states={
            # Steps answered with buttons: anything else gets a hint and the question again.
            PLACE: [button(IntakeTownship, place_township), button(IntakeVillage, place_village)],
            WHERE: [button(HappenedIn, happened_in)],
            CATEGORY: [button(IntakeCategory, category_chosen)],
            DESCRIBE: [
                message(TEXT, description_text),
                message(filters.VOICE, description_voice),
                message(filters.PHOTO, description_photo),
                message(UNSUPPORTED, unsupported_media),
            ],
            SIMILAR: [button(JoinExisting, joined), button(JoinNone, not_joining)],
            PHOTOS: [
                message(filters.PHOTO, photo_received),
                button(PhotosDone, photos_done),
                message(TEXT, photos_text),
                message(UNSUPPORTED, unsupported_media),
            ],
            LOCATION: [
                message(filters.LOCATION | filters.VENUE, location_received),
                message(skip, location_skipped),
                message(TEXT, location_text),
                message(UNSUPPORTED, unsupported_media),
            ],
            ANONYMITY: [button(Anonymity, anonymity_chosen)],
            CONFIRM: [button(Confirm, confirmed)],
        },
        prompts={
            PLACE: ask_place,
            WHERE: _ask_where_again,
            CATEGORY: ask_category,
            DESCRIBE: ask_description,
            SIMILAR: _ask_similar_again,
            PHOTOS: ask_photos,
            LOCATION: ask_location,
            ANONYMITY: ask_anonymity,
            CONFIRM: ask_confirmation,
        },
    )


async def _ask_where_again(update: Update, context: BotContext) -> None:
    await ask_where(update, context)


async def _ask_similar_again(update: Update, context: BotContext) -> None:
    if not await show_join_offer(update, context):
        await ask_category(update, context)
