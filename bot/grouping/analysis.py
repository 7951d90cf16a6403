"""Splitting an issue into *where* (place mentions) and *what* (matter terms).

Only the title is segmented into words: it names the place and the matter, it is short,
and segmentation is the slowest step (about 150k characters per second). The body
opening contributes character bigrams and the places it shares with other issues
(found by substring search for places seen in titles), which needs no segmentation.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.grouping._lexicon import WordClass, word_class
from bot.grouping.places import (
    Gazetteer,
    PlaceLevel,
    PlaceMention,
    Segmented,
    district_scopes,
)
from bot.grouping.reading import read

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
    body_sites: tuple[PlaceMention, ...]
    terms: tuple[str, ...]
    title_matter: str
    body_matter: str
    segmented: Segmented
    # Derived views, stored because pair scoring reads them hundreds of thousands of times.
    sites: tuple[PlaceMention, ...]  # precise places named in the title
    all_sites: tuple[PlaceMention, ...]  # title sites, then known places in the body
    areas: frozenset[str]  # townships/streets (街道, 镇, 乡) named in the title
    districts: frozenset[tuple[str, str]]  # (level, code) of district codes in the title


def _mask(text: str, mentions: Sequence[PlaceMention]) -> str:
    """Replace mention spans by a separator so their characters do not count as matter."""
    if not mentions:
        return text
    chars = list(text)
    for m in mentions:
        for i in range(m.start, min(m.end, len(chars))):
            chars[i] = "|"
    return "".join(chars)


def _mask_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = "|"
    return "".join(chars)


def _is_term(word: str) -> bool:
    if word_class(word) is WordClass.STOP:
        return False
    # Numbers and codes (栋号, 2019) differ between otherwise identical complaints.
    return any("\u4e00" <= ch <= "\u9fff" for ch in word) or (len(word) >= 3 and word.isalpha())


def _terms(seg: Segmented, mentions: Sequence[PlaceMention]) -> tuple[str, ...]:
    """Title words outside every place mention, first occurrence order."""
    spans = [(m.start, m.end) for m in mentions]
    seen: dict[str, None] = {}
    for tok, start in zip(seg.tokens, seg.starts, strict=True):
        end = start + len(tok)
        if any(start < e and s < end for s, e in spans):
            continue
        w = tok.strip()
        if w and _is_term(w):
            # Interned: the same few thousand words recur across all issues.
            seen.setdefault(sys.intern(w), None)
    return tuple(seen)


def _build(
    title: str,
    body: str,
    seg: Segmented,
    mentions: Sequence[PlaceMention],
    body_sites: Sequence[PlaceMention],
) -> Analysis:
    ordered = tuple(sorted(mentions, key=lambda m: m.start))
    sites = tuple(m for m in ordered if m.level is PlaceLevel.SITE)
    # Bigrams of the title should describe the matter only: framing words (投诉, 关于,
    # 一点看法) are blanked like places, or templated titles would look alike.
    framing = [
        (start, start + len(tok))
        for tok, start in zip(seg.tokens, seg.starts, strict=True)
        if word_class(tok) is WordClass.STOP
    ]
    return Analysis(
        title=title,
        body=body,
        title_mentions=ordered,
        body_sites=tuple(body_sites),
        terms=_terms(seg, ordered),
        title_matter=_mask_spans(_mask(title, ordered), framing),
        body_matter=_mask(body, body_sites),
        segmented=seg,
        sites=sites,
        all_sites=sites + tuple(body_sites),
        areas=frozenset(m.core for m in ordered if m.level is PlaceLevel.AREA),
        districts=frozenset(
            scope
            for m in ordered
            if m.level is PlaceLevel.DISTRICT
            for scope in district_scopes(m.text)
        ),
    )


_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
# A message typed in chat has no title; its first sentence names the matter the way a
# title would (the candidate topics do the same, bot/services/candidates.py).
_DERIVED_TITLE_CHARS = 60


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0][:_DERIVED_TITLE_CHARS]


def analyse(title: str, body: str = "", gazetteer: Gazetteer | None = None) -> Analysis:
    """Normalise an issue and separate its place mentions from its matter terms."""
    # The reading is shared with the grouping (and cached): the same open issues are
    # indexed here and regrouped there.
    if not title.strip():
        title = first_sentence(body)
    reading = read(title, body)
    t, b, seg = reading.title, reading.body[:BODY_PREFIX_CHARS], reading.segmented
    analysis = _build(t, b, seg, seg.mentions, ())
    return augment(analysis, gazetteer) if gazetteer is not None else analysis


def augment(analysis: Analysis, gazetteer: Gazetteer) -> Analysis:
    """Add places known from other issues: bare names in the title, any in the body."""
    return with_known(
        analysis,
        gazetteer.find(analysis.title, analysis.title_mentions),
        gazetteer.find(analysis.body),
    )


def augment_all(analyses: Sequence[Analysis], gazetteer: Gazetteer) -> list[Analysis]:
    """:func:`augment` for a batch, searching all titles and all bodies at once."""
    in_titles = gazetteer.find_all(
        [a.title for a in analyses], [a.title_mentions for a in analyses]
    )
    in_bodies = gazetteer.find_all([a.body for a in analyses])
    return [with_known(a, t, b) for a, t, b in zip(analyses, in_titles, in_bodies, strict=True)]


def with_known(
    analysis: Analysis, extra_t: Sequence[PlaceMention], found_in_body: Sequence[PlaceMention]
) -> Analysis:
    """The analysis with known places found in its title and body added."""
    body_sites = tuple(found_in_body)
    if not extra_t and not body_sites:
        return analysis
    if not extra_t:
        # Title words are unchanged; skip re-deriving them.
        return replace(
            analysis,
            body_sites=body_sites,
            body_matter=_mask(analysis.body, body_sites),
            all_sites=analysis.sites + body_sites,
        )
    return _build(
        analysis.title,
        analysis.body,
        analysis.segmented,
        [*analysis.title_mentions, *extra_t],
        body_sites,
    )


_EMPTY_SEGMENTATION = Segmented((), (), ())


def compact(analysis: Analysis) -> Analysis:
    """The analysis without what only :func:`augment` needs (segmentation, raw body).

    For analyses kept in a collection after augmentation; augmenting a compacted
    analysis again is harmless but finds nothing new in the body.
    """
    return replace(analysis, body="", segmented=_EMPTY_SEGMENTATION)
