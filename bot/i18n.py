"""Translations: gettext catalogues from locales/, loaded with Babel, looked up per person.

Message ids are English; `{name}` placeholders are filled with str.format after translation.
The .po files are compiled in memory at start-up, so no compiled .mo files are kept in git.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.config import SUPPORTED_LOCALES

DOMAIN = "messages"

LOCALE_NAMES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}

# One date style per language (Babel patterns): a moment, a day, a moment with its weekday.
_PATTERNS = {
    "zh_Hans": ("y年M月d日 HH:mm", "y年M月d日", "y年M月d日 EEEE HH:mm"),
    "zh_Hant": ("y年M月d日 HH:mm", "y年M月d日", "y年M月d日 EEEE HH:mm"),
    "en": ("d MMM y, HH:mm", "d MMM y", "EEEE d MMMM y, HH:mm"),
}

_SIMPLIFIED_CODES = {"zh", "zh-hans", "zh-cn", "zh-sg", "zh-my"}
_TRADITIONAL_CODES = {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (constants, menus)."""
    return message


def locale_for_language_code(
    language_code: str | None, default_locale: str, *, default_is_explicit: bool = False
) -> str:
    """Map Telegram's IETF language_code to one of our locales.

    Simplified and Traditional Chinese variants map to their script; any other language
    gets English, unless the operator set DEFAULT_LOCALE explicitly for everyone.
    """
    if not language_code:
        return default_locale
    code = language_code.strip().lower().replace("_", "-")
    if code in _SIMPLIFIED_CODES or code.startswith("zh-hans"):
        return "zh_Hans"
    if code in _TRADITIONAL_CODES or code.startswith("zh-hant"):
        return "zh_Hant"
    if code.startswith("en"):
        return "en"
    return default_locale if default_is_explicit else "en"


@cache
def _load(locale: str) -> Translations:
    # Package data: found the same way from a checkout and from an installed wheel.
    path = resources.files("locales").joinpath(locale, "LC_MESSAGES", f"{DOMAIN}.po")
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """All user-visible text for one locale."""

    def __init__(self, locale: str) -> None:
        if locale not in SUPPORTED_LOCALES:
            raise ValueError(f"unsupported locale {locale!r}")
        self.locale = locale
        self._translations = _load(locale)
        self._babel_locale = Locale.parse(locale)

    def _(self, message: str, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def n_(self, singular: str, plural: str, count: int, **values: object) -> str:
        text = self._translations.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    def when(self, moment: datetime, zone: ZoneInfo) -> str:
        """A moment as people of this language write it: 2026年11月30日 16:14."""
        return format_datetime(
            moment, _PATTERNS[self.locale][0], tzinfo=zone, locale=self._babel_locale
        )

    def day(self, moment: datetime, zone: ZoneInfo) -> str:
        """A day in the same style: 2026年11月30日."""
        return format_datetime(
            moment, _PATTERNS[self.locale][1], tzinfo=zone, locale=self._babel_locale
        )

    def when_with_weekday(self, moment: datetime, zone: ZoneInfo) -> str:
        """A date to act on (a meeting): 2026年12月5日 星期六 19:00."""
        return format_datetime(
            moment, _PATTERNS[self.locale][2], tzinfo=zone, locale=self._babel_locale
        )


@cache
def translator(locale: str) -> Translator:
    return Translator(locale)


def all_translators() -> Iterable[Translator]:
    return (translator(locale) for locale in SUPPORTED_LOCALES)
