"""Every catalogue translates every message the code can say, with the same placeholders."""

from __future__ import annotations

import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.i18n import locale_for_language_code, translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "n_": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?\w+>")


def _source_messages() -> dict[str | tuple[str, ...], str]:
    found: dict[str | tuple[str, ...], str] = {}
    for package in ("bot", "handlers"):
        for filename, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, keywords=KEYWORDS, comment_tags=()
        ):
            found[message] = f"{package}/{filename}"
    return found


SOURCE = _source_messages()


def test_the_code_has_messages() -> None:
    assert len(SOURCE) > 50


def _catalogue(locale: str) -> Traversable:
    return resources.files("locales").joinpath(locale, "LC_MESSAGES", "messages.po")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalogue_is_complete(locale: str) -> None:
    with (
        resources.files("locales")
        .joinpath(locale, "LC_MESSAGES", "messages.po")
        .open("rb") as handle
    ):
        catalog = read_po(handle, locale=locale)
    missing = []
    for message in SOURCE:
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        if (
            entry is None
            or not entry.string
            or not all(entry.string if isinstance(entry.string, tuple) else [entry.string])
        ):
            missing.append(key)
    assert not missing, f"{locale} misses {len(missing)}: {missing[:5]}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_placeholders_and_tags_survive_translation(locale: str) -> None:
    with (
        resources.files("locales")
        .joinpath(locale, "LC_MESSAGES", "messages.po")
        .open("rb") as handle
    ):
        catalog = read_po(handle, locale=locale)
    for entry in catalog:
        if not entry.id:
            continue
        source = entry.id if isinstance(entry.id, str) else entry.id[-1]
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for text in translations:
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(source)), entry.id
            if isinstance(entry.id, str):
                assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(source)), entry.id
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(source)), entry.id


def test_chinese_is_the_default_and_translations_differ() -> None:
    assert translator("zh_Hans")._("Withdrawn") == "已撤回"
    assert translator("zh_Hant")._("Withdrawn") == "已撤回"
    assert translator("zh_Hant")._("Language set to English.") == "語言已設定為繁體中文。"
    assert translator("en")._("Withdrawn") == "Withdrawn"
    assert translator("zh_Hans")._("Category: {category}", category="环境保护") == "类别：环境保护"


def test_plurals() -> None:
    assert translator("en").n_("{count} photo", "{count} photos", 1) == "1 photo"
    assert translator("en").n_("{count} photo", "{count} photos", 3) == "3 photos"
    assert translator("zh_Hans").n_("{count} photo", "{count} photos", 3) == "照片 3 张"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-sg", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-hant", "zh_Hant"),
        ("zh-TW", "zh_Hant"),
        ("zh-hk", "zh_Hant"),
        ("zh-mo", "zh_Hant"),
        ("en", "en"),
        ("en-GB", "en"),
        ("ru", "en"),
        (None, "zh_Hans"),
        ("", "zh_Hans"),
    ],
)
def test_language_code_mapping(code: str | None, expected: str) -> None:
    assert locale_for_language_code(code, "zh_Hans") == expected


def test_explicit_default_locale_wins_for_other_languages() -> None:
    assert locale_for_language_code("ru", "zh_Hant", default_is_explicit=True) == "zh_Hant"
    assert locale_for_language_code("zh-tw", "zh_Hans", default_is_explicit=True) == "zh_Hant"


def test_one_date_style_per_language() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    zone = ZoneInfo("Asia/Shanghai")
    simplified, traditional, english = (translator(x) for x in ("zh_Hans", "zh_Hant", "en"))
    assert simplified.when(moment, zone) == "2026年12月5日 19:00"
    assert simplified.day(moment, zone) == "2026年12月5日"
    assert simplified.when_with_weekday(moment, zone) == "2026年12月5日 星期六 19:00"
    assert traditional.when_with_weekday(moment, zone) == "2026年12月5日 星期六 19:00"
    assert english.when(moment, zone) == "5 Dec 2026, 19:00"
    assert english.when_with_weekday(moment, zone) == "Saturday 5 December 2026, 19:00"


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_chinese_text_uses_full_width_punctuation(locale: str) -> None:
    """Commas, colons and brackets between Chinese characters are full-width (，：（）)."""
    with _catalogue(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    offenders = []
    for entry in catalog:
        for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            bare = re.sub(r"\{[a-z_]+\}|<[^>]+>|/[a-z]+", "", text or "")
            if re.search(r"[\u4e00-\u9fff][,;:()!?]|[,;:()!?][\u4e00-\u9fff]", bare):
                offenders.append(text)
    assert offenders == []
