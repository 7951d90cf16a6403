"""Runs first for every update: private chats only, flood guard, who is this, which language."""

from __future__ import annotations

import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import locale_for_language_code, translator
from bot.services import people


def _addressed_to_bot(update: Update, bot_username: str) -> bool:
    message = update.effective_message
    if update.callback_query is not None:
        return True
    if message is None or not message.text:
        return False
    text = message.text
    return text.startswith("/") or f"@{bot_username}".lower() in text.lower()


async def _refuse_group(update: Update, context: BotContext) -> None:
    if not _addressed_to_bot(update, context.bot.username):
        return
    # The person may never have talked to us privately: use Telegram's language hint.
    language_code = update.effective_user.language_code if update.effective_user else None
    tr = translator(
        locale_for_language_code(language_code, context.services.settings.default_locale)
    )
    text = tr._("I only talk in private chat, so that what you tell me stays between us.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
        return
    button = InlineKeyboardButton(
        tr._("Talk to me privately"), url=f"https://t.me/{context.bot.username}?start=group"
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=InlineKeyboardMarkup([[button]]))


async def gatekeeper(update: Update, context: BotContext) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        await _refuse_group(update, context)
        raise ApplicationHandlerStop

    services = context.services
    settings = services.settings
    guard = services.flood
    monotonic = time.monotonic()
    if not guard.admit(user.id, monotonic):
        if guard.should_warn(user.id, monotonic):
            tr = context.tr
            await context.bot.send_message(
                chat.id, tr._("You are sending messages very fast. Please wait a moment.")
            )
        raise ApplicationHandlerStop

    contact = people.Contact(
        telegram_id=user.id,
        chat_id=chat.id,
        first_name=user.first_name or "",
        username=user.username,
        language_code=user.language_code,
    )
    person = services.people.get(contact, monotonic)
    if person is None:
        derived = locale_for_language_code(
            user.language_code,
            settings.default_locale,
            default_is_explicit="default_locale" in settings.model_fields_set,
        )
        async with services.uow() as uow:
            person = await people.register_contact(uow, contact, derived, services.clock.now())
        services.people.put(contact, person, monotonic)
    context.person = person
    context.use_locale(person.locale)
