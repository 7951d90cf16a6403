"""Posting progress on an action item, from its card: a few words → photos, if any (an
album is one update, answered once) → how far it is (25 / 50 / 75 %, typed, done, or
unchanged). Nothing is stored or told before the last step, so /cancel leaves no trace."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.permissions import Act
from bot.i18n import N_
from bot.services import progress
from handlers.keyboards import inline, rows
from handlers.mine import done_text
from handlers.progress_buttons import PhotosNext, PickPercent, PostProgress
from handlers.progress_errors import explained
from handlers.render import esc
from handlers.toolkit import END, BotContext, Flow, button, message
from handlers.toolkit.albums import answer_album_once

TEXT = filters.TEXT & ~filters.COMMAND
WORDS, PHOTOS, PERCENT = "words", "photos", "percent"
TIMEOUT = timedelta(hours=2)


def _data(context: BotContext) -> dict[str, Any]:
    return context.flow.data


async def ask_words(update: Update, context: BotContext) -> None:
    context.ui.say(
        context.tr._(
            "Progress on “{item}”: what was done? Write a few words, or send photos (an album "
            "counts as one update). /cancel stops.",
            item=esc(str(_data(context)["description"])),
        )
    )


def _photos_prompt(context: BotContext) -> tuple[str, InlineKeyboardMarkup]:
    tr, count = context.tr, len(_data(context)["photos"])
    text = (
        tr.n_(
            "{count} photo received. Send more, or press “Next ›”.",
            "{count} photos received. Send more, or press “Next ›”.",
            count,
        )
        if count
        else tr._("Any photos? Send them now (an album is fine), or press “Next ›”.")
    )
    return text, InlineKeyboardMarkup([[inline(tr._("Next ›"), PhotosNext(context.flow.id))]])


async def ask_photos(update: Update, context: BotContext) -> None:
    context.ui.say(*_photos_prompt(context))


async def ask_percent(update: Update, context: BotContext) -> None:
    tr, frame = context.tr, context.flow.id
    current = int(_data(context)["progress"])
    buttons = [
        inline("25%", PickPercent(frame, "25")),
        inline("50%", PickPercent(frame, "50")),
        inline("75%", PickPercent(frame, "75")),
    ]
    keyboard = [
        *rows(buttons, 3),
        [inline(tr._("✅ Done (100%)"), PickPercent(frame, "done"))],
        [inline(tr._("Keep {percent}% and post", percent=current), PickPercent(frame, "keep"))],
    ]
    context.ui.say(
        tr._("How far is it now? Press a button or type a number from 0 to 100."),
        InlineKeyboardMarkup(keyboard),
    )


@explained
async def begin(update: Update, context: BotContext, press: PostProgress) -> str:
    """📝 Post progress: only the owner or staff, and not on an item that is done."""
    item = await progress.check_poster(
        context.reads, context.township, press.item, context.me.id, context.now
    )
    context.ui.answer()
    context.flow.data.update(
        {
            "item": item.id,
            "description": item.description,
            "progress": item.progress,
            "text": "",
            "photos": [],
        }
    )
    await ask_words(update, context)
    return WORDS


async def words_typed(update: Update, context: BotContext) -> str | None:
    text = context.text.strip()
    if len(text) > progress.MAX_TEXT_CHARS:
        context.ui.say(
            context.tr._(
                "Please keep it under {limit} characters (this was {length}).",
                limit=progress.MAX_TEXT_CHARS,
                length=len(text),
            )
        )
        return None
    data = _data(context)
    data["text"] = f"{data['text']}\n{text}".strip()
    if context.flow.state == PHOTOS:
        context.ui.say(context.tr._("Added to your words."))
        return None
    await ask_photos(update, context)
    return PHOTOS


async def photo_received(update: Update, context: BotContext) -> str:
    """A photo (its caption joins the words); an album is answered once, after its last."""
    message = update.message
    assert message is not None and message.photo
    data = _data(context)
    if len(data["photos"]) >= progress.MAX_PHOTOS:
        context.ui.say(
            context.tr._(
                "You can attach up to {limit} photos; this one was not added.",
                limit=progress.MAX_PHOTOS,
            )
        )
        return PHOTOS
    data["photos"] = [*data["photos"], message.photo[-1].file_id]
    if message.caption:
        data["text"] = f"{data['text']}\n{message.caption.strip()}".strip()
    if message.media_group_id:
        answer_album_once(context, message.chat_id, PHOTOS, _photos_prompt)
    else:
        context.ui.say(*_photos_prompt(context))
    return PHOTOS


async def photos_next(update: Update, context: BotContext, press: PhotosNext) -> str:
    context.ui.drop_buttons()
    await ask_percent(update, context)
    return PERCENT


async def _post(context: BotContext, percent: int | None, done: bool) -> str:
    data = _data(context)
    posted = await progress.post_update(
        context.uow,
        township_id=context.township,
        item_id=int(data["item"]),
        actor_id=context.me.id,
        text=str(data["text"]),
        photos=[str(photo) for photo in data["photos"]],
        percent=percent,
        done=done,
        now=context.now,
    )
    context.ui.say(done_text(context.tr, posted))
    return END


@explained
async def percent_picked(update: Update, context: BotContext, press: PickPercent) -> str:
    context.ui.answer()
    if press.value == "done":
        result = await _post(context, None, True)
    elif press.value == "keep":
        result = await _post(context, None, False)
    else:
        result = await _post(context, int(press.value), False)
    context.ui.drop_buttons()
    return result


@explained
async def percent_typed(update: Update, context: BotContext) -> str:
    return await _post(context, progress.parse_percent(context.text), False)


def flow() -> Flow:
    act = Act.FOLLOW_UP
    return Flow(
        name="progress",
        title=N_("posting progress"),
        timeout=TIMEOUT,
        entry=[button(PostProgress, begin, act)],
        states={
            WORDS: [message(TEXT, words_typed, act), message(filters.PHOTO, photo_received, act)],
            PHOTOS: [
                message(filters.PHOTO, photo_received, act),
                message(TEXT, words_typed, act),
                button(PhotosNext, photos_next, act),
            ],
            PERCENT: [button(PickPercent, percent_picked, act), message(TEXT, percent_typed, act)],
        },
        prompts={WORDS: ask_words, PHOTOS: ask_photos, PERCENT: ask_percent},
        restart=True,
    )
