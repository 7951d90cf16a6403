"""Keyboards. Button texts are translated; callback data comes from declared button kinds."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.i18n import N_, Translator, all_translators
from handlers.toolkit import Button

# Main-menu buttons, so residents never need to know a command.
MENU_NEW = N_("📝 I have a problem")
MENU_MY = N_("📋 My issues")
MENU_HELP = N_("❓ Help")
MENU_LANG = N_("🌐 Language")
SKIP_LOCATION = N_("Skip, no location")
SHARE_LOCATION = N_("📍 Share my location")


def labels_in_every_locale(message: str) -> list[str]:
    """The texts a reply-keyboard button can arrive as, whichever language the person uses."""
    return sorted({tr._(message) for tr in all_translators()})


def main_menu(tr: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[tr._(MENU_NEW)], [tr._(MENU_MY), tr._(MENU_HELP), tr._(MENU_LANG)]],
        resize_keyboard=True,
        is_persistent=True,
    )


def location_keyboard(tr: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(tr._(SHARE_LOCATION), request_location=True)], [tr._(SKIP_LOCATION)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def rows(buttons: Sequence[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def inline(text: str, press: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=press.data())


def choice(*options: tuple[str, Button]) -> InlineKeyboardMarkup:
    """One button per row."""
    return InlineKeyboardMarkup([[inline(text, press)] for text, press in options])
