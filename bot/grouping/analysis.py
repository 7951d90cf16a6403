"""Splitting an issue into *where* (place mentions) and *what* (matter terms)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.grouping._lexicon import WordClass, cut, word_class
from bot.grouping.normalize import normalize_text
from bot.grouping.places import Gazetteer, PlaceLevel, PlaceMention, extract_places

# Bodies open with the address and the complaint and then drift into history and
# pleas. The opening is where the place and matter are restated, and capping it keeps
# long letters from dominating the features and the running time.
BODY_PREFIX_CHARS = 200


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the similarity code needs to know about one issue (all text normalised)."""

    title: str
    body: str
    title_mentions: tuple[PlaceMention, ...]
    body_mentions: tuple[PlaceMention, ...]
    terms: tuple[str, ...]
    title_matter: str
    body_terms: tuple[str, ...]

    @property
    def sites(self) -> tuple[PlaceMention, ...]:
        """Precise places named in the title."""
        return tuple(m for m in self.title_mentions if m.level is PlaceLevel.SITE)

    @property
    def body_sites(self) -> tuple[PlaceMention, ...]:
        return tuple(m for m in self.body_mentions if m.level is PlaceLevel.SITE)

    @property
    def all_sites(self) -> tuple[PlaceMention, ...]:
        return self.sites + self.body_sites

    @property
    def areas(self) -> frozenset[str]:
        """Townships/streets (街道, 镇, 乡) named in title or body opening."""
        return frozenset(
            m.core
            for m in (*self.title_mentions, *self.body_mentions)
            if m.level is PlaceLevel.AREA
        )


def _mask(text: str, mentions: Sequence[PlaceMention]) -> str:
    """Replace mention spans by a separator so their words do not count as matter."""
    if not mentions:
        return text
    chars = list(text)
    for m in mentions:
        for i in range(m.start, min(m.end, len(chars))):
            chars[i] = "|"
    return "".join(chars)


def _is_term(word: str) -> bool:
    if "|" in word or word_class(word) is WordClass.STOP:
        return False
    # Numbers and codes (栋号, 2019) differ between otherwise identical complaints.
    return any("\u4e00" <= ch <= "\u9fff" for ch in word) or (len(word) >= 3 and word.isalpha())


def _terms(masked: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for word in cut(masked):
        w = word.strip()
        if w and _is_term(w):
            seen.setdefault(w, None)
    return tuple(seen)


def _build(
    title: str, body: str, t_mentions: Sequence[PlaceMention], b_mentions: Sequence[PlaceMention]
) -> Analysis:
    t_masked = _mask(title, t_mentions)
    return Analysis(
        title=title,
        body=body,
        title_mentions=tuple(sorted(t_mentions, key=lambda m: m.start)),
        body_mentions=tuple(sorted(b_mentions, key=lambda m: m.start)),
        terms=_terms(t_masked),
        title_matter=t_masked,
        body_terms=_terms(_mask(body, b_mentions)),
    )


def analyse(title: str, body: str = "", gazetteer: Gazetteer | None = None) -> Analysis:
    """Normalise an issue and separate its place mentions from its matter terms."""
    t = normalize_text(title)
    b = normalize_text(body[: BODY_PREFIX_CHARS * 2])[:BODY_PREFIX_CHARS]
    analysis = _build(t, b, extract_places(t), extract_places(b) if b else [])
    return augment(analysis, gazetteer) if gazetteer is not None else analysis


def augment(analysis: Analysis, gazetteer: Gazetteer) -> Analysis:
    """Add places known from other issues that this one names without a type suffix."""
    extra_t = gazetteer.find(analysis.title, analysis.title_mentions)
    extra_b = gazetteer.find(analysis.body, analysis.body_mentions)
    if not extra_t and not extra_b:
        return analysis
    return _build(
        analysis.title,
        analysis.body,
        [*analysis.title_mentions, *extra_t],
        [*analysis.body_mentions, *extra_b],
    )
