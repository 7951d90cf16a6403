"""The command menus Telegram shows next to the text field, in each language."""

from __future__ import annotations

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)

from bot.domain.roles import RoleName
from bot.i18n import N_, Translator, translator
from bot.services.views import PersonView
from handlers.toolkit import BotContext

RESIDENT_COMMANDS: list[tuple[str, str]] = [
    ("new", N_("Raise a matter")),
    ("my", N_("My issues")),
    ("help", N_("How this works")),
    ("lang", N_("Language")),
    ("cancel", N_("Stop what you are doing")),
    ("start", N_("Start again")),
]


# What each role adds to the menu (a person's menu is everyone's plus their roles').
MEMBER_COMMANDS: list[tuple[str, str]] = [
    ("topics", N_("Consultation topics")),
    ("issue", N_("An issue by its number")),
    ("mine", N_("My action items and their progress")),
    ("record", N_("My participation record")),
    ("township", N_("Which township you work in")),
]
STAFF_COMMANDS: list[tuple[str, str]] = [
    ("inbox", N_("Issues waiting for triage")),
    ("candidates", N_("Candidate topics")),
    ("topics", N_("Consultation topics")),
    ("issue", N_("An issue by its number")),
    ("alerts", N_("How staff hear of new issues")),
    ("meetings", N_("Deliberation meetings")),
    ("opinions", N_("Opinions before a meeting")),
    ("outcome", N_("Record a meeting's outcome")),
    ("minutes", N_("Minutes of past meetings")),
    ("mine", N_("My action items and their progress")),
    ("stats", N_("The office's figures")),
    ("export", N_("Export the figures as a file")),
    ("report", N_("The monthly report on public opinion")),
    ("township", N_("Which township you work in")),
]
ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("grant", N_("Give someone a role")),
    ("revoke", N_("Take a role back")),
    ("holiday", N_("Public holidays and working weekends")),
]


def resident_commands(tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, tr._(description)) for name, description in RESIDENT_COMMANDS]


def office_roles(person: PersonView) -> set[RoleName]:
    """The roles beyond "resident" the person holds in any township."""
    return {role for _township, role in person.roles if role is not RoleName.RESIDENT}


def role_commands(roles: set[RoleName]) -> list[tuple[str, str]]:
    """The commands the roles add, each once, in menu order."""
    if roles & {RoleName.STAFF, RoleName.ADMIN}:
        extra = list(STAFF_COMMANDS)  # admins triage too (bot/domain/permissions.py)
    elif RoleName.MEMBER in roles:
        extra = list(MEMBER_COMMANDS)
    else:
        extra = []
    if RoleName.ADMIN in roles:
        extra += ADMIN_COMMANDS
    return extra


def person_commands(tr: Translator, roles: set[RoleName]) -> list[BotCommand]:
    """The menu of one person's chat: everyone's commands, plus those of their roles."""
    extra = role_commands(roles)
    return resident_commands(tr) + [BotCommand(name, tr._(text)) for name, text in extra]


def menu_key(person: PersonView) -> str:
    """What a person's menu depends on: their language and their roles."""
    return f"{person.locale}:" + ",".join(sorted(office_roles(person)))


async def follow_roles(update: Update, context: BotContext) -> None:
    """After every update: the person's chat menu follows their roles and language.

    A role granted or taken back (in chat, by invite, from the command line) or a language
    chosen shows in the menu from the person's next message on. The menu last set is stored
    with the person, so it is set again only when something it depends on changed.
    """
    person = context.person
    if person is None:
        return
    key = menu_key(person)
    default = not office_roles(person) and person.chosen_locale is None
    if person.menu == key or (person.menu is None and default):
        return  # Telegram's default menu (in their app's language) fits people without roles
    context.ui.menu(person_commands(translator(person.locale), office_roles(person)))
    await context.uow.staff.set_menu(person.id, key)
    telegram_id, people = person.telegram_id, context.services.people
    context.scope.after_commit(lambda: people.amend(telegram_id, menu=key))


async def publish_menus(bot: Bot, default_locale: str) -> None:
    """Default menu in the default locale; 'zh' and 'en' clients get theirs.

    Telegram keys menus by a two-letter language code, so Traditional Chinese readers get
    their menu per chat when they pick it with /lang.
    """
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(resident_commands(translator(default_locale)), scope=private)
    await bot.set_my_commands(
        resident_commands(translator("zh_Hans")), scope=private, language_code="zh"
    )
    await bot.set_my_commands(
        resident_commands(translator("en")), scope=private, language_code="en"
    )
    # In groups the bot only points people to a private chat, so it offers no commands there.
    await bot.delete_my_commands(scope=BotCommandScopeAllGroupChats())
