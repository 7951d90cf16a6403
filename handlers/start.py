"""/start (with QR deep links), /help, /lang and choosing one's home township and village."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.errors import NotFound
from bot.services import invites, people
from handlers import admin, commands
from handlers.keyboards import (
    MENU_HELP,
    MENU_LANG,
    MENU_NEW,
    labels_in_every_locale,
    main_menu,
    rows,
)
from handlers.render import esc
from handlers.toolkit import BotContext, Button, Route, button, command, message

VILLAGE_LINK_PREFIX = "v"
LOCALE_CODES = {"hans": "zh_Hans", "hant": "zh_Hant", "en": "en"}
LOCALE_NAMES = {"hans": "简体中文", "hant": "繁體中文", "en": "English"}


@dataclass(frozen=True)
class PickLanguage(Button, prefix="lang"):
    code: Literal["hans", "hant", "en"]


@dataclass(frozen=True)
class HomeTownship(Button, prefix="home.tw"):
    township: int


@dataclass(frozen=True)
class HomeVillage(Button, prefix="home.vl"):
    village: int


# How a place question builds its buttons: intake asks the same question with its own kinds.
TownshipButton = Callable[[int], Button]
VillageButton = Callable[[int], Button]


def _parse_village_payload(args: list[str]) -> int | None:
    if len(args) != 1:
        return None
    payload = args[0]
    if payload.startswith(VILLAGE_LINK_PREFIX) and payload[1:].isdigit() and len(payload) < 12:
        return int(payload[1:])
    return None


async def start(update: Update, context: BotContext) -> None:
    """/start, or a QR code's deep link: greet, register the village or redeem an invite."""
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
        welcome = await admin.redeem_invite(context, args[0])
        parts.append(welcome or tr._("This invitation is not valid any more; ask for a new one."))
    roles = commands.office_roles(context.me)
    if roles:
        # The office's people are greeted as what they are, not asked where they live.
        parts[0] = await _office_greeting(context, name)
    village_id = _parse_village_payload(args)
    registered = village_id is not None and await _register_from_link(context, village_id, parts)
    if village_id is not None and not registered:
        parts.append(tr._("This link is no longer valid. Please choose below."))
    context.ui.say("\n\n".join(parts), main_menu(tr))
    if not roles and not registered and context.me.village_id is None:
        await ask_place(context, HomeTownship, HomeVillage)


async def _office_greeting(context: BotContext, name: str) -> str:
    """Staff, members and admins: which roles they hold where, and their commands."""
    tr = context.tr
    held = []
    for township_id, role in sorted(context.me.roles):
        if role in admin.ROLE_LABELS:
            township = await context.services.directory.township(township_id)
            held.append(
                tr._(
                    "{role} of {township}",
                    role=tr._(admin.ROLE_LABELS[role]),
                    township=esc(township.name),
                )
            )
    lines = [
        tr._(
            "Hello, {name}! This is 有事好商量, and you are {roles}.",
            name=esc(name),
            roles=tr._("; ").join(held),
        ),
        "",
        *_role_help(context),
        "",
        tr._("You can raise a matter yourself too: /new. /help lists everything."),
    ]
    return "\n".join(lines)


def _role_help(context: BotContext) -> list[str]:
    """One line per command the person's roles add (as in their menu)."""
    tr = context.tr
    return [
        f"/{name} — {tr._(description)}"
        for name, description in commands.role_commands(commands.office_roles(context.me))
    ]


async def _register_from_link(context: BotContext, village_id: int, parts: list[str]) -> bool:
    """A QR code on a notice board carries the village: register the person there."""
    directory = context.services.directory
    try:
        village = await directory.village(village_id)
        township = await directory.township(village.township_id)
    except NotFound:
        return False
    await people.choose_village(
        context.uow, context.me.id, context.me.telegram_id, village_id, context.now
    )
    tr = context.tr
    parts.append(
        tr._(
            "You are registered with {village}, {township}. Press “{new}” to raise a matter.",
            village=esc(village.name),
            township=esc(township.name),
            new=tr._(MENU_NEW),
        )
    )
    return True


async def ask_place(
    context: BotContext, township_button: TownshipButton, village_button: VillageButton
) -> bool:
    """Ask for the township (or, with only one, the village); False if none is set up yet."""
    tr = context.tr
    cache = context.services.directory
    townships = await cache.townships()
    if not townships:
        context.ui.say(
            tr._("The consultation office has not been set up yet. Please try again later.")
        )
        return False
    if len(townships) > 1:
        buttons = [
            InlineKeyboardButton(t.name, callback_data=township_button(t.id).data())
            for t in townships
        ]
        context.ui.say(
            tr._("Which township do you live in?"), InlineKeyboardMarkup(rows(buttons, 2))
        )
        return True
    await ask_village(context, townships[0].id, village_button, edit=False)
    return True


async def ask_village(
    context: BotContext, township_id: int, village_button: VillageButton, *, edit: bool
) -> None:
    """The villages of a township as buttons (raises NotFound for an unknown township)."""
    cache = context.services.directory
    township = await cache.township(township_id)
    villages = await cache.villages(township_id)
    buttons = [
        InlineKeyboardButton(v.name, callback_data=village_button(v.id).data()) for v in villages
    ]
    text = context.tr._(
        "Which village or community of {township} do you live in?", township=esc(township.name)
    )
    markup = InlineKeyboardMarkup(rows(buttons, 3))
    if edit:
        context.ui.edit(text, markup)
    else:
        context.ui.say(text, markup)


async def choose_home_village(context: BotContext, village_id: int) -> str:
    """Register the person's home village; returns its name (NotFound if it is gone)."""
    village = await context.services.directory.village(village_id)
    await people.choose_village(
        context.uow, context.me.id, context.me.telegram_id, village_id, context.now
    )
    return village.name


async def home_township_chosen(update: Update, context: BotContext, press: HomeTownship) -> None:
    """The resident picked their township: now the villages of it."""
    await ask_village(context, press.township, HomeVillage, edit=True)


async def home_village_chosen(update: Update, context: BotContext, press: HomeVillage) -> None:
    """The resident picked their village: saved, and how to go on."""
    name = await choose_home_village(context, press.village)
    tr = context.tr
    context.ui.edit(tr._("Saved: {village}.", village=esc(name)))
    context.ui.say(
        tr._("Press “{new}” whenever you want to raise a matter.", new=tr._(MENU_NEW)),
        main_menu(tr),
    )


async def help_command(update: Update, context: BotContext) -> None:
    """/help or the help button: what the bot does and its commands."""
    tr = context.tr
    text = tr._(
        "<b>How to use 有事好商量</b>\n"
        "/new — raise a matter (or press “{new}”)\n"
        "/my — your issues and what happened to them\n"
        "/lang — language: 简体中文, 繁體中文, English\n"
        "/cancel — stop what you are doing\n\n"
        "You can write or send a voice message, add photos and your location. "
        "Neighbours who raised the same can join you, and the office tells everyone "
        "what was decided and done.",
        new=tr._(MENU_NEW),
    )
    office = _role_help(context)
    if office:
        # The commands of their roles, as in their menu.
        text += "\n\n" + "\n".join([tr._("<b>For your work in the office</b>"), *office])
    context.ui.say(text, main_menu(tr))


def languages_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(name, callback_data=PickLanguage(code).data())]  # type: ignore[arg-type]
            for code, name in LOCALE_NAMES.items()
        ]
    )


async def lang_command(update: Update, context: BotContext) -> None:
    """/lang or the language button: the three languages as buttons."""
    context.ui.say(context.tr._("Choose your language:"), languages_keyboard())


async def language_chosen(update: Update, context: BotContext, press: PickLanguage) -> None:
    """A language was picked: saved, and from now on everything is in it."""
    locale = LOCALE_CODES[press.code]
    await people.choose_locale(context.uow, context.me.id, locale, context.now)
    context.use_locale(locale)
    tr = context.tr
    context.ui.drop_buttons()
    context.ui.say(tr._("Language set to English."), main_menu(tr))
    # Telegram's per-language menus cannot tell Simplified from Traditional Chinese, so the
    # person's own chat gets a menu in the language they chose (handlers/commands.py sets
    # it after this update, from the person as they are now).
    context.person = dataclasses.replace(context.me, locale=locale, chosen_locale=locale)


def routes() -> list[Route]:
    return [
        command("start", start),
        command("help", help_command),
        command("lang", lang_command),
        message(filters.Text(labels_in_every_locale(MENU_HELP)), help_command),
        message(filters.Text(labels_in_every_locale(MENU_LANG)), lang_command),
        button(PickLanguage, language_chosen),
        button(HomeTownship, home_township_chosen),
        button(HomeVillage, home_village_chosen),
    ]
