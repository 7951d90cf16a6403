"""Keyboards. Button texts are translated; callback data carries only short prefixes and ids."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.i18n import LOCALE_NAMES, N_, Translator, all_translators
from bot.services.views import CategoryView, TownshipView, VillageView
from handlers.render import category_label

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


def _rows(
    buttons: Sequence[InlineKeyboardButton], per_row: int
) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def townships_keyboard(townships: Sequence[TownshipView], prefix: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(t.name, callback_data=f"{prefix}:tw:{t.id}") for t in townships]
    return InlineKeyboardMarkup(_rows(buttons, 2))


def villages_keyboard(villages: Sequence[VillageView], prefix: str) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(v.name, callback_data=f"{prefix}:vl:{v.id}") for v in villages]
    return InlineKeyboardMarkup(_rows(buttons, 3))


def categories_keyboard(
    tr: Translator, categories: Sequence[CategoryView], suggested: CategoryView | None = None
) -> InlineKeyboardMarkup:
    """Two per row; a suggested category gets a row of its own, first, marked ✓."""
    others = [c for c in categories if suggested is None or c.id != suggested.id]
    buttons = [
        InlineKeyboardButton(category_label(tr, c), callback_data=f"in:cat:{c.id}") for c in others
    ]
    rows = _rows(buttons, 2)
    if suggested is not None:
        label = "✓ " + category_label(tr, suggested)
        rows.insert(0, [InlineKeyboardButton(label, callback_data=f"in:cat:{suggested.id}")])
    return InlineKeyboardMarkup(rows)


def languages_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(name, callback_data=f"lang:{code}")]
            for code, name in LOCALE_NAMES.items()
        ]
    )


def single(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


def choice(*options: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in options]
    )
