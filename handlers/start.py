"""/start (with QR deep links), /help, /lang and choosing one's township and village."""

from __future__ import annotations

from telegram import BotCommandScopeChat, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.domain.errors import NotFound
from bot.domain.roles import RoleName
from bot.i18n import LOCALE_NAMES
from bot.services import invites, people
from handlers import admin, commands
from handlers.keyboards import (
    MENU_HELP,
    MENU_LANG,
    MENU_NEW,
    labels_in_every_locale,
    languages_keyboard,
    main_menu,
    townships_keyboard,
    villages_keyboard,
)
from handlers.render import esc
from handlers.replies import acknowledge, drop_buttons, say, settle

VILLAGE_LINK_PREFIX = "v"


def _parse_village_payload(args: list[str]) -> int | None:
    if len(args) != 1:
        return None
    payload = args[0]
    if payload.startswith(VILLAGE_LINK_PREFIX) and payload[1:].isdigit() and len(payload) < 12:
        return int(payload[1:])
    return None


async def start(update: Update, context: BotContext) -> None:
    tr = context.tr
    me = context.me
    name = me.first_name or tr._("neighbour")
    parts = [
        tr._(
            "Hello, {name}! This is 有事好商量, the consultation office of your township.\n\n"
            "Tell me about a matter that concerns you and your neighbours — a broken street "
            "light, rubbish, parking, care for the elderly. The office gathers what residents "
            "raise, discusses it with residents, CPPCC members, village cadres and departments, "
            "and I will tell you every step: the meeting, the outcome, what got done.",
            name=esc(name),
        )
    ]
    args = context.args or []
    if len(args) == 1 and args[0].startswith(invites.PREFIX):
        welcome = await admin.redeem_invite(update, context, args[0])
        parts.append(welcome or tr._("This invitation is not valid any more; ask for a new one."))
    village_id = _parse_village_payload(args)
    registered = village_id is not None and await _register_from_link(context, village_id, parts)
    if village_id is not None and not registered:
        parts.append(tr._("This link is no longer valid. Please choose below."))
    await say(update, context, "\n\n".join(parts), main_menu(tr))
    await publish_chat_menu(update, context)
    if not registered and me.village_id is None:
        await ask_place(update, context, prefix="st")


async def _register_from_link(context: BotContext, village_id: int, parts: list[str]) -> bool:
    """A QR code on a notice board carries the village: register the person there."""
    services = context.services
    tr = context.tr
    try:
        village = await services.directory.village(village_id)
        township = await services.directory.township(village.township_id)
        async with services.uow() as uow:
            await people.choose_village(uow, context.me.id, village_id, services.clock.now())
    except NotFound:
        return False
    services.people.amend(
        context.me.telegram_id, village_id=village.id, township_id=village.township_id
    )
    parts.append(
        tr._(
            "You are registered with {village}, {township}. Press “{new}” to raise a matter.",
            village=esc(village.name),
            township=esc(township.name),
            new=tr._(MENU_NEW),
        )
    )
    return True


async def ask_place(update: Update, context: BotContext, *, prefix: str) -> bool:
    """Show township (or, with only one, village) buttons; False if none is set up yet."""
    tr = context.tr
    cache = context.services.directory
    townships = await cache.townships()
    villages = await cache.villages(townships[0].id) if len(townships) == 1 else []
    if not townships:
        await say(
            update,
            context,
            tr._("The consultation office has not been set up yet. Please try again later."),
        )
        return False
    if len(townships) > 1:
        await say(
            update,
            context,
            tr._("Which township do you live in?"),
            townships_keyboard(townships, prefix),
        )
    else:
        await say(
            update,
            context,
            tr._(
                "Which village or community of {township} do you live in?",
                township=esc(townships[0].name),
            ),
            villages_keyboard(villages, prefix),
        )
    return True


async def township_chosen(
    update: Update, context: BotContext, township_id: int, prefix: str
) -> bool:
    tr = context.tr
    try:
        township = await context.services.directory.township(township_id)
        villages = await context.services.directory.villages(township_id)
    except NotFound:
        await acknowledge(update, tr._("This option is no longer available."), alert=True)
        return False
    await acknowledge(update)
    await drop_buttons(update)
    await say(
        update,
        context,
        tr._(
            "Which village or community of {township} do you live in?", township=esc(township.name)
        ),
        villages_keyboard(villages, prefix),
    )
    return True


async def village_chosen(update: Update, context: BotContext, village_id: int) -> bool:
    tr = context.tr
    services = context.services
    try:
        village = await services.directory.village(village_id)
        async with services.uow() as uow:
            await people.choose_village(uow, context.me.id, village_id, services.clock.now())
    except NotFound:
        await acknowledge(update, tr._("This option is no longer available."), alert=True)
        return False
    services.people.amend(
        context.me.telegram_id, village_id=village.id, township_id=village.township_id
    )
    await settle(update, tr._("Saved: {village}.", village=esc(village.name)))
    return True


def _callback_id(update: Update) -> int:
    assert update.callback_query is not None and update.callback_query.data is not None
    return int(update.callback_query.data.rsplit(":", 1)[1])


async def _start_township(update: Update, context: BotContext) -> None:
    await township_chosen(update, context, _callback_id(update), "st")


async def _start_village(update: Update, context: BotContext) -> None:
    if await village_chosen(update, context, _callback_id(update)):
        tr = context.tr
        await say(
            update,
            context,
            tr._("Press “{new}” whenever you want to raise a matter.", new=tr._(MENU_NEW)),
            main_menu(tr),
        )


async def help_command(update: Update, context: BotContext) -> None:
    tr = context.tr
    await say(
        update,
        context,
        tr._(
            "<b>How to use 有事好商量</b>\n"
            "/new — raise a matter (or press “{new}”)\n"
            "/my — your issues and what happened to them\n"
            "/lang — language: 简体中文, 繁體中文, English\n"
            "/cancel — stop what you are doing\n\n"
            "You can write or send a voice message, add photos and your location. "
            "Neighbours who raised the same can join you, and the office tells everyone "
            "what was decided and done.",
            new=tr._(MENU_NEW),
        ),
        main_menu(tr),
    )


async def lang_command(update: Update, context: BotContext) -> None:
    await say(update, context, context.tr._("Choose your language:"), languages_keyboard())


async def language_chosen(update: Update, context: BotContext) -> None:
    assert update.callback_query is not None and update.callback_query.data is not None
    locale = update.callback_query.data.split(":", 1)[1]
    services = context.services
    if locale not in LOCALE_NAMES:
        await acknowledge(update, context.tr._("This option is no longer available."), alert=True)
        return
    async with services.uow() as uow:
        await people.choose_locale(uow, context.me.id, locale, services.clock.now())
    services.people.amend(context.me.telegram_id, locale=locale, chosen_locale=locale)
    context.use_locale(locale)
    tr = context.tr
    await acknowledge(update)
    await drop_buttons(update)
    await say(update, context, tr._("Language set to English."), main_menu(tr))
    # Telegram's per-language menus cannot tell Simplified from Traditional Chinese, so the
    # person's own chat gets a menu in the language they chose.
    await publish_chat_menu(update, context, force=True)


async def publish_chat_menu(update: Update, context: BotContext, *, force: bool = False) -> None:
    """Staff and admins see their commands in their own chat's menu (others keep the default
    menu unless they chose a language)."""
    chat = update.effective_chat
    assert chat is not None
    person = context.person
    if person is None:
        return
    roles = {role for _township, role in person.roles}
    staff = bool(roles & {RoleName.STAFF, RoleName.ADMIN})
    admin = RoleName.ADMIN in roles
    if not (force or staff):
        return
    await context.bot.set_my_commands(
        commands.person_commands(context.tr, staff=staff, admin=admin),
        scope=BotCommandScopeChat(chat.id),
    )


def handlers() -> list[object]:
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CommandHandler("lang", lang_command),
        MessageHandler(filters.Text(labels_in_every_locale(MENU_HELP)), help_command),
        MessageHandler(filters.Text(labels_in_every_locale(MENU_LANG)), lang_command),
        CallbackQueryHandler(language_chosen, pattern=r"^lang:[A-Za-z_]{2,8}$"),
        CallbackQueryHandler(_start_township, pattern=r"^st:tw:\d{1,9}$"),
        CallbackQueryHandler(_start_village, pattern=r"^st:vl:\d{1,9}$"),
    ]
