"""Bot API methods that create, change or remove messages."""

from __future__ import annotations

import copy
from typing import Any

from fake_telegram.api_common import (
    Ctx,
    Handler,
    checked_caption,
    checked_text,
    explicit_entities,
    new_bot_message,
)
from fake_telegram.markup import validate_reply_markup
from fake_telegram.objects import media_object
from fake_telegram.state import ChatState, JsonDict, StoredMessage, bad_request

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_MEDIA_KINDS = (
    "photo",
    "voice",
    "document",
    "video",
    "audio",
    "animation",
    "sticker",
    "video_note",
)


async def send_message(ctx: Ctx) -> JsonDict:
    chat = ctx.chat()
    source = ctx.p.opt_str("text")
    parse_mode = ctx.p.opt_str("parse_mode")
    plain, entities = checked_text(source, parse_mode)
    entities = entities or explicit_entities(ctx, "entities", parse_mode)
    markup = validate_reply_markup(ctx.p.get("reply_markup"))
    fields: JsonDict = {"text": plain}
    if entities:
        fields["entities"] = entities
    preview = ctx.p.get("link_preview_options")
    if isinstance(preview, dict) and preview:
        fields["link_preview_options"] = preview
    return new_bot_message(
        ctx,
        chat,
        fields,
        method="sendMessage",
        source=source,
        parse_mode=parse_mode,
        markup=markup,
    )


def _media_sender(kind: str, method: str) -> Handler:
    async def send(ctx: Ctx) -> JsonDict:
        chat = ctx.chat()
        record = ctx.resolve_file(kind, ctx.p.get(kind))
        extra = {key: ctx.p.get(key) for key in ("duration", "width", "height", "length")}
        fields: JsonDict = {kind: media_object(kind, record, emoji=ctx.p.get("emoji"), **extra)}
        source = ctx.p.opt_str("caption")
        parse_mode = ctx.p.opt_str("parse_mode")
        if kind != "sticker":
            fields.update(checked_caption(source, parse_mode))
        markup = validate_reply_markup(ctx.p.get("reply_markup"))
        return new_bot_message(
            ctx, chat, fields, method=method, source=source, parse_mode=parse_mode, markup=markup
        )

    return send


async def send_location(ctx: Ctx) -> JsonDict:
    chat = ctx.chat()
    lat, lon = ctx.p.opt_float("latitude"), ctx.p.opt_float("longitude")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("wrong latitude or longitude specified")
    markup = validate_reply_markup(ctx.p.get("reply_markup"))
    fields = {"location": {"latitude": lat, "longitude": lon}}
    return new_bot_message(ctx, chat, fields, method="sendLocation", markup=markup)


async def send_contact(ctx: Ctx) -> JsonDict:
    chat = ctx.chat()
    contact: JsonDict = {
        "phone_number": ctx.p.req_str("phone_number"),
        "first_name": ctx.p.req_str("first_name"),
    }
    if ctx.p.opt_str("last_name"):
        contact["last_name"] = ctx.p.opt_str("last_name")
    markup = validate_reply_markup(ctx.p.get("reply_markup"))
    return new_bot_message(ctx, chat, {"contact": contact}, method="sendContact", markup=markup)


async def send_media_group(ctx: Ctx) -> list[JsonDict]:
    chat = ctx.chat()
    media = ctx.p.get("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media specified: a media group has 2-10 items")
    kinds = {item.get("type") for item in media if isinstance(item, dict)}
    for exclusive in ("document", "audio"):
        if exclusive in kinds and len(kinds) > 1:
            raise bad_request(f"{exclusive} can't be mixed with other media types")
    prepared: list[tuple[JsonDict, str | None, str | None]] = []
    for item in media:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in ("photo", "video", "document", "audio"):
            raise bad_request("can't parse InputMedia: unsupported media type")
        record = ctx.resolve_file(kind, item.get("media"))
        source, parse_mode = item.get("caption"), item.get("parse_mode")
        fields: JsonDict = {kind: media_object(kind, record, **item)}
        fields.update(checked_caption(source, parse_mode))
        prepared.append((fields, source, parse_mode))
    group_id = ctx.api.new_media_group_id()
    sent = []
    for index, (fields, source, parse_mode) in enumerate(prepared):
        fields["media_group_id"] = group_id
        sent.append(
            new_bot_message(
                ctx,
                chat,
                fields,
                method="sendMediaGroup",
                source=source,
                parse_mode=parse_mode,
                with_reply=index == 0,
            )
        )
    return sent


async def send_chat_action(ctx: Ctx) -> bool:
    ctx.chat()
    ctx.p.req_str("action")
    return True


def _editable(ctx: Ctx) -> tuple[ChatState, StoredMessage]:
    if ctx.p.get("inline_message_id") is not None:
        # Inline-mode messages live outside any chat the fake tracks.
        raise bad_request("message to edit not found")
    chat = ctx.chat()
    stored = ctx.message(chat, purpose="edit")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _apply_edit(
    ctx: Ctx,
    chat: ChatState,
    stored: StoredMessage,
    changes: JsonDict,
    *,
    source: str | None = None,
    parse_mode: str | None = None,
) -> JsonDict:
    markup = validate_reply_markup(ctx.p.get("reply_markup"))
    # Editing without reply_markup drops the inline keyboard, as Telegram does.
    changes["reply_markup"] = markup if markup and "inline_keyboard" in markup else None
    old = stored.payload
    if all(old.get(key) == value for key, value in changes.items()):
        raise bad_request(_NOT_MODIFIED)
    for key, value in changes.items():
        if value is None or value == []:
            old.pop(key, None)
        else:
            old[key] = value
    old["edit_date"] = ctx.api.now()
    stored.edited = True
    stored.sent_markup = changes["reply_markup"]
    if source is not None:
        stored.source_text, stored.parse_mode = source, parse_mode
    ctx.api.log.edit(chat, stored, buttons_only=set(changes) == {"reply_markup"})
    return copy.deepcopy(old)


async def edit_message_text(ctx: Ctx) -> JsonDict:
    chat, stored = _editable(ctx)
    if "text" not in stored.payload:
        raise bad_request("there is no text in the message to edit")
    source = ctx.p.opt_str("text")
    parse_mode = ctx.p.opt_str("parse_mode")
    plain, entities = checked_text(source, parse_mode)
    entities = entities or explicit_entities(ctx, "entities", parse_mode)
    changes: JsonDict = {"text": plain, "entities": entities or None}
    return _apply_edit(ctx, chat, stored, changes, source=source, parse_mode=parse_mode)


async def edit_message_caption(ctx: Ctx) -> JsonDict:
    chat, stored = _editable(ctx)
    if not any(kind in stored.payload for kind in _MEDIA_KINDS):
        raise bad_request("there is no caption in the message to edit")
    source = ctx.p.opt_str("caption")
    parse_mode = ctx.p.opt_str("parse_mode")
    fields = checked_caption(source, parse_mode)
    changes: JsonDict = {
        "caption": fields.get("caption"),
        "caption_entities": fields.get("caption_entities"),
    }
    return _apply_edit(ctx, chat, stored, changes, source=source or "", parse_mode=parse_mode)


async def edit_message_reply_markup(ctx: Ctx) -> JsonDict:
    chat, stored = _editable(ctx)
    return _apply_edit(ctx, chat, stored, {})


async def delete_message(ctx: Ctx) -> bool:
    chat = ctx.chat()
    stored = ctx.message(chat, purpose="delete")
    ctx.api.log.delete(chat, stored, ctx.bot.first_name)
    return True


async def delete_messages(ctx: Ctx) -> bool:
    chat = ctx.chat()
    ids = ctx.p.get("message_ids")
    if not isinstance(ids, list) or not ids:
        raise bad_request("message_ids is empty")
    for message_id in ids:
        stored = chat.messages.get(int(message_id))
        if stored is not None and not stored.deleted:
            ctx.api.log.delete(chat, stored, ctx.bot.first_name)
    return True


async def answer_callback_query(ctx: Ctx) -> bool:
    query_id = ctx.p.opt_str("callback_query_id") or ""
    record = ctx.api.callbacks.get(query_id)
    if record is None or record.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = ctx.p.opt_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    answer: dict[str, Any] = {"text": text, "show_alert": ctx.p.opt_bool("show_alert")}
    for key in ("url", "cache_time"):
        if ctx.p.get(key) is not None:
            answer[key] = ctx.p.get(key)
    record.answered = True
    record.answer = answer
    ctx.api.log.answer(ctx.api.chats.get(record.chat_id), record, ctx.bot.first_name)
    return True


METHODS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendPhoto": _media_sender("photo", "sendPhoto"),
    "sendVoice": _media_sender("voice", "sendVoice"),
    "sendDocument": _media_sender("document", "sendDocument"),
    "sendVideo": _media_sender("video", "sendVideo"),
    "sendAudio": _media_sender("audio", "sendAudio"),
    "sendAnimation": _media_sender("animation", "sendAnimation"),
    "sendSticker": _media_sender("sticker", "sendSticker"),
    "sendVideoNote": _media_sender("video_note", "sendVideoNote"),
    "sendLocation": send_location,
    "sendContact": send_contact,
    "sendMediaGroup": send_media_group,
    "sendChatAction": send_chat_action,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
}
