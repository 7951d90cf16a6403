"""The resident's intake conversation: /new → category → description (→ 附议 offer) → photos
→ location → anonymity → confirm. Each step is stored before the bot answers, so a restart
resumes where the resident was. Steps and prompts live in intake_draft and intake_prompts."""

from __future__ import annotations

import uuid
import warnings
from datetime import timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.domain.errors import (
    DescriptionTooLong,
    DraftIncomplete,
    NotFound,
    QuotaExceeded,
)
from bot.services import intake
from bot.services.intake import IssueDraft, MediaRef
from handlers import start
from handlers.intake_draft import (
    ANONYMITY,
    CATEGORY,
    CONFIRM,
    CONVERSATION,
    DESCRIBE,
    DRAFT_KEY,
    END,
    LOCATION,
    PHOTOS,
    PLACE,
    SIMILAR,
    STEP_KEY,
    Step,
    checkpoint,
    draft_of,
    keep,
    message_of,
)
from handlers.intake_join import joined, not_joining, offer_joining
from handlers.intake_prompts import (
    ask_anonymity,
    ask_category,
    ask_confirmation,
    ask_description,
    ask_location,
    ask_photos,
    confirm_keyboard,
    photos_prompt,
    quota_refusal,
    summary_of,
)
from handlers.keyboards import (
    MENU_NEW,
    SHARE_LOCATION,
    SKIP_LOCATION,
    labels_in_every_locale,
    location_keyboard,
    main_menu,
)
from handlers.render import category_label, unsupported_text
from handlers.replies import acknowledge, drop_buttons, say, settle

# -- entering ----------------------------------------------------------------------------------


async def begin(update: Update, context: BotContext) -> str | int:
    await acknowledge(update)
    return await _open_draft(update, context)


async def _open_draft(update: Update, context: BotContext) -> str | int:
    if await quota_refusal(update, context):
        return END
    me = context.me
    draft = IssueDraft(ref=uuid.uuid4().hex, township_id=me.township_id, village_id=me.village_id)
    keep(context, draft, PLACE)
    if draft.village_id is None:
        await checkpoint(update, context, PLACE)
        return PLACE if await start.ask_place(update, context, prefix="in") else END
    return await ask_description(update, context)


# -- answering each step -----------------------------------------------------------------------


def _callback_arg(update: Update) -> str:
    assert update.callback_query is not None and update.callback_query.data is not None
    return update.callback_query.data.rsplit(":", 1)[1]


async def place_township(update: Update, context: BotContext) -> str:
    await start.township_chosen(update, context, int(_callback_arg(update)), "in")
    return PLACE


async def place_village(update: Update, context: BotContext) -> str:
    village_id = int(_callback_arg(update))
    if not await start.village_chosen(update, context, village_id):
        return PLACE
    village = await context.services.directory.village(village_id)
    draft = draft_of(context)
    draft.township_id, draft.village_id = village.township_id, village.id
    keep(context, draft)
    return await ask_description(update, context)


async def category_chosen(update: Update, context: BotContext) -> str:
    draft = draft_of(context)
    assert draft.township_id is not None
    try:
        category = await context.services.directory.category(
            draft.township_id, int(_callback_arg(update))
        )
    except NotFound:
        await acknowledge(update, context.tr._("This option is no longer available."), alert=True)
        return CATEGORY
    draft.category_id = category.id
    keep(context, draft)
    await checkpoint(update, context, PHOTOS)
    tr = context.tr
    chosen = tr._("Category: {category}", category=category_label(tr, category))
    # The category message becomes the photos question (one edit, no extra message).
    text, markup = photos_prompt(context, len(draft.photos))
    await settle(update, f"{chosen}\n\n{text}", markup)
    return PHOTOS


def _set_text(context: BotContext, draft: IssueDraft, text: str) -> bool:
    """Store the description; False (and the draft unchanged) when it is too long."""
    try:
        draft.text = intake.check_description(text, context.services.settings.max_description_chars)
    except DescriptionTooLong:
        return False
    return True


async def _too_long(update: Update, context: BotContext, length: int) -> None:
    await say(
        update,
        context,
        context.tr._(
            "That is {length} characters; please keep the description under {limit} "
            "(a short summary is best — you can add photos next). Everything else you "
            "entered is kept.",
            length=length,
            limit=context.services.settings.max_description_chars,
        ),
    )


async def description_text(update: Update, context: BotContext) -> str:
    text = message_of(update).text or ""
    draft = draft_of(context)
    if not _set_text(context, draft, text):
        await _too_long(update, context, len(text.strip()))
        return DESCRIBE
    if not draft.text:
        return await ask_description(update, context)
    keep(context, draft)
    return await offer_joining(update, context)


async def description_voice(update: Update, context: BotContext) -> str:
    voice = message_of(update).voice
    assert voice is not None
    draft = draft_of(context)
    seconds = voice.duration
    if isinstance(seconds, timedelta):
        seconds = int(seconds.total_seconds())
    draft.voice = MediaRef(voice.file_id, voice.file_unique_id, seconds)
    keep(context, draft)
    await checkpoint(update, context, CATEGORY)
    await say(update, context, context.tr._("Voice message received."))
    return await ask_category(update, context)


async def description_photo(update: Update, context: BotContext) -> str:
    """A photo with a caption is a description with its first photo."""
    message = message_of(update)
    draft = draft_of(context)
    if message.caption and not _set_text(context, draft, message.caption):
        await _too_long(update, context, len(message.caption.strip()))
        return DESCRIBE
    assert message.photo
    largest = message.photo[-1]
    draft.add_photo(
        MediaRef(largest.file_id, largest.file_unique_id),
        context.services.settings.max_photos_per_issue,
    )
    keep(context, draft)
    if not draft.has_description:
        # A photo alone does not say what is wrong: keep it and ask for the words.
        return await ask_description(update, context)
    return await offer_joining(update, context)


async def photo_received(update: Update, context: BotContext) -> str:
    message = message_of(update)
    assert message.photo
    largest = message.photo[-1]
    draft = draft_of(context)
    limit = context.services.settings.max_photos_per_issue
    added = draft.add_photo(MediaRef(largest.file_id, largest.file_unique_id), limit)
    if message.caption and not draft.text:
        _set_text(context, draft, message.caption)
    keep(context, draft)
    await checkpoint(update, context, PHOTOS)
    if not added:
        await say(
            update,
            context,
            context.tr._(
                "You can attach up to {limit} photos; this one was not added.", limit=limit
            ),
        )
        return PHOTOS
    chat_id = message.chat_id
    if message.media_group_id:
        # An album arrives as one update per photo: answer once, after the last one.
        _schedule_album_ack(context, chat_id)
        return PHOTOS
    text, markup = photos_prompt(context, len(draft.photos))
    await say(update, context, text, markup)
    return PHOTOS


def _schedule_album_ack(context: BotContext, chat_id: int) -> None:
    assert context.job_queue is not None
    name = f"album-ack:{chat_id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    context.job_queue.run_once(
        cast(Any, _album_ack),
        context.services.settings.album_wait_seconds,
        chat_id=chat_id,
        user_id=context.me.telegram_id,
        name=name,
        data=context.me.locale,
    )


async def _album_ack(context: BotContext) -> None:
    assert context.job is not None and context.user_data is not None
    context.use_locale(str(context.job.data))
    count = len(IssueDraft.from_dict(context.user_data.get(DRAFT_KEY) or {}).photos)
    if context.user_data.get(STEP_KEY) != PHOTOS or not count:
        return  # the resident moved on or cancelled meanwhile
    text, markup = photos_prompt(context, count)
    assert context.job.chat_id is not None
    await context.bot.send_message(context.job.chat_id, text, reply_markup=markup)


async def photos_text(update: Update, context: BotContext) -> str:
    """Text while collecting photos adds to the description (residents think aloud)."""
    draft = draft_of(context)
    addition = (message_of(update).text or "").strip()
    combined = f"{draft.text}\n{addition}".strip()
    if not _set_text(context, draft, combined):
        await _too_long(update, context, len(combined))
        return PHOTOS
    keep(context, draft)
    await checkpoint(update, context, PHOTOS)
    await say(update, context, context.tr._("Added to your description."))
    return PHOTOS


async def photos_done(update: Update, context: BotContext) -> str:
    await acknowledge(update)
    await drop_buttons(update)
    return await ask_location(update, context)


async def location_received(update: Update, context: BotContext) -> str:
    message = message_of(update)
    location = message.location or (message.venue.location if message.venue else None)
    assert location is not None
    draft = draft_of(context)
    draft.latitude, draft.longitude = location.latitude, location.longitude
    keep(context, draft)
    await checkpoint(update, context, ANONYMITY)
    await say(update, context, context.tr._("Location saved."), main_menu(context.tr))
    return await ask_anonymity(update, context)


async def location_skipped(update: Update, context: BotContext) -> str:
    await checkpoint(update, context, ANONYMITY)
    await say(update, context, context.tr._("No location, that is fine."), main_menu(context.tr))
    return await ask_anonymity(update, context)


async def location_text(update: Update, context: BotContext) -> str:
    await say(
        update,
        context,
        context.tr._(
            "Please press “{share}” or “{skip}” below.",
            share=context.tr._(SHARE_LOCATION),
            skip=context.tr._(SKIP_LOCATION),
        ),
        location_keyboard(context.tr),
    )
    return LOCATION


async def anonymity_chosen(update: Update, context: BotContext) -> str:
    draft = draft_of(context)
    draft.anonymous = _callback_arg(update) == "1"
    keep(context, draft)
    await checkpoint(update, context, CONFIRM)
    heading = context.tr._("<b>Please check before sending</b>")
    summary = await summary_of(context, draft)
    await settle(update, f"{heading}\n{summary}", confirm_keyboard(context))
    return CONFIRM


async def confirmed(update: Update, context: BotContext) -> str | int:
    tr = context.tr
    services = context.services
    draft = draft_of(context)
    try:
        async with services.uow() as uow:
            issue = await intake.submit(
                uow,
                context.me.id,
                draft,
                now=services.clock.now(),
                daily_limit=services.settings.max_issues_per_day,
            )
    except QuotaExceeded:
        await checkpoint(update, context, None)
        await acknowledge(update)
        await drop_buttons(update)
        await quota_refusal(update, context)
        return END
    except (DraftIncomplete, NotFound):
        await acknowledge(update)
        await drop_buttons(update)
        await say(update, context, tr._("Something is missing; let us go through it again."))
        return await _open_draft(update, context)
    summary = await summary_of(context, draft)
    await checkpoint(update, context, None)
    if draft.township_id is not None:
        village = await services.directory.village(draft.village_id) if draft.village_id else None
        services.similar.add_issue(
            draft.township_id,
            issue.id,
            draft.text,
            village.name if village else None,
            issue.created_at,
        )
    zone = ZoneInfo(services.settings.timezone)
    receipt = tr._(
        "✅ Thank you! Your issue is registered as <b>{number}</b> ({when}).\n"
        "The office will look at it; I will tell you here about every step. "
        "See it any time under /my.",
        number=issue.number,
        when=tr.when(issue.created_at, zone, "short"),
    )
    # The summary the resident checked becomes the receipt (one edit, no extra message).
    await settle(update, f"{receipt}\n\n{summary}", notice=tr._("Sent"))
    return END


async def cancelled(update: Update, context: BotContext) -> int:
    await checkpoint(update, context, None)
    await acknowledge(update)
    await drop_buttons(update)
    await say(update, context, context.tr._("Cancelled. Nothing was sent."), main_menu(context.tr))
    return END


# -- wrong input inside the conversation -------------------------------------------------------


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an earlier step: say so and ask the current step again."""
    await acknowledge(update, context.tr._("This button has expired."))
    await _repeat_current_step(update, context)


async def unsupported_media(update: Update, context: BotContext) -> None:
    await say(update, context, unsupported_text(context.tr))


async def wrong_input(update: Update, context: BotContext) -> None:
    await say(update, context, context.tr._("Please use the buttons above, or /cancel to stop."))
    await _repeat_current_step(update, context)


async def _repeat_current_step(update: Update, context: BotContext) -> None:
    assert context.user_data is not None
    prompt = STEP_PROMPTS.get(str(context.user_data.get(STEP_KEY)))
    if prompt is not None:
        await prompt(update, context)


STEP_PROMPTS: dict[str, Step] = {
    CATEGORY: ask_category,
    DESCRIBE: ask_description,
    SIMILAR: offer_joining,
    PHOTOS: ask_photos,
    LOCATION: ask_location,
    ANONYMITY: ask_anonymity,
    CONFIRM: ask_confirmation,
}

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


def conversation() -> ConversationHandler[BotContext]:
    text = filters.TEXT & ~filters.COMMAND
    skip = filters.Text(labels_in_every_locale(SKIP_LOCATION))
    entry = [
        CommandHandler("new", begin),
        MessageHandler(filters.Text(labels_in_every_locale(MENU_NEW)), begin),
        CallbackQueryHandler(begin, pattern=r"^menu:new$"),
    ]
    with warnings.catch_warnings():
        # per_message=False is intended: one intake per chat, buttons are checked by prefix.
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            name=CONVERSATION,
            persistent=True,
            allow_reentry=True,
            entry_points=entry,  # type: ignore[arg-type]
            states={
                PLACE: [
                    CallbackQueryHandler(place_township, pattern=r"^in:tw:\d{1,9}$"),
                    CallbackQueryHandler(place_village, pattern=r"^in:vl:\d{1,9}$"),
                    MessageHandler(text, wrong_input),
                ],
                CATEGORY: [
                    CallbackQueryHandler(category_chosen, pattern=r"^in:cat:\d{1,9}$"),
                    MessageHandler(text, wrong_input),
                ],
                DESCRIBE: [
                    MessageHandler(text, description_text),
                    MessageHandler(filters.VOICE, description_voice),
                    MessageHandler(filters.PHOTO, description_photo),
                ],
                SIMILAR: [
                    CallbackQueryHandler(joined, pattern=r"^in:jn:[it]:\d{1,12}$"),
                    CallbackQueryHandler(not_joining, pattern=r"^in:jn:no$"),
                    MessageHandler(text, wrong_input),
                ],
                PHOTOS: [
                    MessageHandler(filters.PHOTO, photo_received),
                    CallbackQueryHandler(photos_done, pattern=r"^in:ph:done$"),
                    MessageHandler(text, photos_text),
                ],
                LOCATION: [
                    MessageHandler(filters.LOCATION | filters.VENUE, location_received),
                    MessageHandler(skip, location_skipped),
                    MessageHandler(text, location_text),
                ],
                ANONYMITY: [
                    CallbackQueryHandler(anonymity_chosen, pattern=r"^in:anon:[01]$"),
                    MessageHandler(text, wrong_input),
                ],
                CONFIRM: [
                    CallbackQueryHandler(confirmed, pattern=r"^in:cf:ok$"),
                    CallbackQueryHandler(cancelled, pattern=r"^in:cf:cancel$"),
                    MessageHandler(text, wrong_input),
                ],
            },
            fallbacks=[
                CommandHandler("cancel", cancelled),
                CallbackQueryHandler(stale_button, pattern=r"^in:"),
                MessageHandler(UNSUPPORTED, unsupported_media),
            ],
        )
