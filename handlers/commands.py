"""The command menus Telegram shows next to the text field, in each language."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from bot.i18n import N_, Translator, translator

RESIDENT_COMMANDS: list[tuple[str, str]] = [
    ("new", N_("Raise a matter")),
    ("my", N_("My issues")),
    ("help", N_("How this works")),
    ("lang", N_("Language")),
    ("cancel", N_("Stop what you are doing")),
    ("start", N_("Start again")),
]


STAFF_COMMANDS: list[tuple[str, str]] = [
    ("inbox", N_("Issues waiting for triage")),
    ("candidates", N_("Candidate topics")),
    ("topics", N_("Consultation topics")),
    ("meetings", N_("Deliberation meetings")),
    ("township", N_("Which township you work in")),
]
ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("grant", N_("Give someone a role")),
    ("revoke", N_("Take a role back")),
]


def resident_commands(tr: Translator) -> list[BotCommand]:
    return [BotCommand(name, tr._(description)) for name, description in RESIDENT_COMMANDS]


def person_commands(tr: Translator, *, staff: bool, admin: bool) -> list[BotCommand]:
    """The menu of one person's chat: everyone's commands, plus those of their roles."""
    extra = (STAFF_COMMANDS if staff else []) + (ADMIN_COMMANDS if admin else [])
    return resident_commands(tr) + [BotCommand(name, tr._(text)) for name, text in extra]


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
