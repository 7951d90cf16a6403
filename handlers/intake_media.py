"""Intake steps after the category: photos (an album answered once), then the location."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.services.intake import MediaRef
from handlers.intake_draft import (
    ANONYMITY,
    LOCATION,
    PHOTOS,
    PhotosDone,
    draft_of,
    keep,
    message_of,
)
from handlers.intake_prompts import ask_anonymity, ask_location, photos_prompt, set_text, too_long
from handlers.keyboards import SHARE_LOCATION, SKIP_LOCATION, location_keyboard, main_menu
from handlers.toolkit import BotContext
from handlers.toolkit.albums import answer_album_once


async def photo_received(update: Update, context: BotContext) -> None:
    """Another photo: counted; an album is answered once, after its last photo."""
    message = message_of(update)
    assert message.photo
    largest = message.photo[-1]
    draft = draft_of(context)
    limit = context.services.settings.max_photos_per_issue
    added = draft.add_photo(MediaRef(largest.file_id, largest.file_unique_id), limit)
    if message.caption and not draft.text:
        set_text(context, draft, message.caption)
    keep(context, draft)
    if not added:
        context.ui.say(
            context.tr._(
                "You can attach up to {limit} photos; this one was not added.", limit=limit
            )
        )
        return
    if message.media_group_id:
        # An album arrives as one update per photo: answer once, after the last one.
        answer_album_once(context, message.chat_id, PHOTOS, _photos_so_far)
        return
    text, markup = photos_prompt(context, len(draft.photos))
    context.ui.say(text, markup)


def _photos_so_far(context: BotContext) -> tuple[str, InlineKeyboardMarkup | None]:
    return photos_prompt(context, len(draft_of(context).photos))


async def photos_text(update: Update, context: BotContext) -> None:
    """Text while collecting photos adds to the description (residents think aloud)."""
    draft = draft_of(context)
    addition = context.text.strip()
    combined = f"{draft.text}\n{addition}".strip()
    if not set_text(context, draft, combined):
        too_long(context, len(combined))
        return
    keep(context, draft)
    context.ui.say(context.tr._("Added to your description."))


async def photos_done(update: Update, context: BotContext, press: PhotosDone) -> str:
    """No (more) photos: on to the location."""
    context.ui.drop_buttons()
    await ask_location(update, context)
    return LOCATION


async def location_received(update: Update, context: BotContext) -> str:
    """A shared location (or venue): kept, then the anonymity question."""
    message = message_of(update)
    location = message.location or (message.venue.location if message.venue else None)
    assert location is not None
    draft = draft_of(context)
    draft.latitude, draft.longitude = location.latitude, location.longitude
    keep(context, draft)
    context.ui.say(context.tr._("Location saved."), main_menu(context.tr))
    await ask_anonymity(update, context)
    return ANONYMITY


async def location_skipped(update: Update, context: BotContext) -> str:
    """ "Skip, no location": fine, then the anonymity question."""
    context.ui.say(context.tr._("No location, that is fine."), main_menu(context.tr))
    await ask_anonymity(update, context)
    return ANONYMITY


async def location_text(update: Update, context: BotContext) -> None:
    """Text where a location was asked: point to the two buttons."""
    context.ui.say(
        context.tr._(
            "Please press “{share}” or “{skip}” below.",
            share=context.tr._(SHARE_LOCATION),
            skip=context.tr._(SKIP_LOCATION),
        ),
        location_keyboard(context.tr),
    )
