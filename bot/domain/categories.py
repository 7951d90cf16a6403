"""The default issue categories (the 12345 hotline's first-level labels, plus 其他)."""

from __future__ import annotations

from bot.i18n import N_

# key -> (English message id, Simplified Chinese label stored in the database)
DEFAULT_CATEGORIES: dict[str, tuple[str, str]] = {
    "urban_construction": (N_("Urban and rural construction"), "城乡建设"),
    "environment": (N_("Environmental protection"), "环境保护"),
    "transport": (N_("Transport"), "交通运输"),
    "education_culture": (N_("Education, culture and sports"), "教育文体"),
    "labour_social": (N_("Labour and social security"), "劳动和社会保障"),
    "commerce_tourism": (N_("Commerce and tourism"), "商贸旅游"),
    "health": (N_("Health and family planning"), "卫生计生"),
    "other": (N_("Other"), "其他"),
}

_KEY_BY_LABEL = {label: key for key, (_msgid, label) in DEFAULT_CATEGORIES.items()}


def key_for_label(label: str) -> str | None:
    """The default key of a category named like a default one (setup accepts Chinese names)."""
    return _KEY_BY_LABEL.get(label.strip())
