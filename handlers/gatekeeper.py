"""Runs first for every update: private chats only, who is this, which language, which
flows are open. Also the flood gate, which turns a flooding chat away before it queues."""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Mapping

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.i18n import locale_for_language_code, translator
from bot.services import people
from bot.services.container import Services
from handlers.long_messages import LongMessages
from handlers.toolkit import BotContext

log = logging.getLogger(__name__)


def _addressed_to_bot(update: Update, bot_username: str) -> bool:
    """A press, a command for this bot, or a mention of it — read from the message's
    entities, as Telegram marks them (the text alone would take "/help@another_bot" or
    "@haoshangliang_bot_fan" for us)."""
    if update.callback_query is not None:
        return True
    message = update.effective_message
    if message is None or not message.text:
        return False
    ours = f"@{bot_username}".lower()
    for entity in message.entities or ():
        fragment = message.parse_entity(entity).lower()
        if entity.type == "bot_command" and entity.offset == 0:
            _command, _, target = fragment.partition("@")
            if not target or f"@{target}" == ours:
                return True
        if entity.type == "mention" and fragment == ours:
            return True
    # Clients always mark mentions; a message that came without entities is read word-wise.
    # A username is ASCII letters, digits and "_": "@botÏ" still mentions @bot, as Telegram
    # marks it.
    mention = re.compile(rf"(?<![\w@]){re.escape(ours)}(?![A-Za-z0-9_])", re.IGNORECASE)
    return not message.entities and mention.search(message.text) is not None


def _refuse_group(update: Update, context: BotContext) -> None:
    if not _addressed_to_bot(update, context.bot.username):
        return
    # The person may never have talked to us privately: use Telegram's language hint.
    language_code = update.effective_user.language_code if update.effective_user else None
    tr = translator(
        locale_for_language_code(language_code, context.services.settings.default_locale)
    )
    text = tr._("I only talk in private chat, so that what you tell me stays between us.")
    if update.callback_query is not None:
        context.ui.answer(text, alert=True)
        return
    button = InlineKeyboardButton(
        tr._("Talk to me privately"), url=f"https://t.me/{context.bot.username}?start=group"
    )
    context.ui.say(text, InlineKeyboardMarkup([[button]]))


def make_gatekeeper(flow_titles: Mapping[str, str], long_messages: LongMessages):  # type: ignore[no-untyped-def]
    """The gatekeeper, knowing the flows' names (a flow that waited too long is closed) and
    holding back the parts of a long message until it is whole."""

    async def gatekeeper(update: Update, context: BotContext) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None or user.is_bot:
            raise ApplicationHandlerStop
        if chat.type != ChatType.PRIVATE:
            _refuse_group(update, context)
            raise ApplicationHandlerStop
        await _identify(update, context)
        message = update.message
        context.scope.text = message.text if message is not None else None
        long_messages.take(update, context)
        tr = context.tr
        for frame in await context.scope.load_flows():
            title = flow_titles.get(frame.flow)
            if title is not None:
                context.ui.say(
                    tr._(
                        "Closed {title}: it waited too long, and nothing was sent.",
                        title=tr._(title),
                    )
                )
        # Frames of flows this version no longer has are dropped.
        for frame in list(context.scope.flows.frames):
            if frame.flow not in flow_titles:
                context.scope.flows.remove(frame)

    return gatekeeper


async def _identify(update: Update, context: BotContext) -> None:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    services = context.services
    contact = people.Contact(
        telegram_id=user.id,
        chat_id=chat.id,
        first_name=user.first_name or "",
        username=user.username,
        language_code=user.language_code,
    )
    monotonic = time.monotonic()
    person = services.people.get(contact, monotonic)
    if person is None:
        settings = services.settings
        derived = locale_for_language_code(
            user.language_code,
            settings.default_locale,
            default_is_explicit="default_locale" in settings.model_fields_set,
        )
        person = await people.register_contact(context.uow, contact, derived, context.now)
        known = person
        context.scope.after_commit(lambda: services.people.put(contact, known, monotonic))
    context.person = person
    context.use_locale(person.locale)


class FloodGate:
    """The update processor's gate: counts arrivals, turns a flooding chat away, warns once."""

    def __init__(self, services: Services, bot: Bot) -> None:
        self._services = services
        self._bot = bot

    def admit(self, key: int, update: Update, now: float) -> bool:
        message = update.effective_message
        group = message.media_group_id if message is not None else None
        # Commands are left out: asking /inbox again after a change is not a flood.
        text = message.text if message is not None and update.callback_query is None else None
        if text is not None and text.startswith("/"):
            text = None
        return self._services.flood.arrive(key, now, group, text)

    def still_admitted(self, key: int, now: float) -> bool:
        return not self._services.flood.flooding(key, now)

    async def turned_away(self, update: Update) -> None:
        """Every press is answered (its spinner stops); the person hears of it once."""
        query = update.callback_query
        if query is not None:
            with contextlib.suppress(TelegramError):
                await query.answer()
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        if not self._services.flood.should_warn(chat.id):
            return
        user = update.effective_user
        known = self._services.people.peek(user.id) if user is not None else None
        locale = (
            known.locale
            if known is not None
            else locale_for_language_code(
                user.language_code if user else None, self._services.settings.default_locale
            )
        )
        text = translator(locale)._("You are sending messages very fast. Please wait a moment.")
        try:
            await self._bot.send_message(chat.id, text)
        except TelegramError:
            log.info("could not warn chat %s about flooding", chat.id)
