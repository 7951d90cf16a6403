"""Where and what of a batch of issues: two vector spaces for grouping them into topics.

A 议题 is one matter at one place, and the two halves behave differently in real
messages: neighbours' complaints about the same restaurants share the estate's name but
hardly a word of matter (油烟, 噪音, 夜宵摊), while a templated petition repeats its text
word for word under another estate's name. So each issue gets

* a **name** vector: the places it names (estates, roads, schools, companies; see
  places.py), places named by other issues and found in its text, the bot's village
  field, and the name right after a district code ("A2区余易贷平台" names 余易贷, which
  has no place suffix); character bigrams, TF-IDF weighted so that rare names count;
* a **matter** vector: character 2-3-grams of the title (counted twice) and the body
  opening with every place and district code blanked out, TF-IDF weighted;
* a **title** vector: the title's matter n-grams alone, complaint framing (投诉, 关于,
  何时) blanked too; only whether two titles share any of them is used (pairs.py).

All are hashed (no fitted vocabulary) and L2-normalised, so a dot product of two rows
is their cosine. Counties named by district codes are kept as sets, because one topic
never spans two counties.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.grouping._hashing import char_ngram_counts, normalise_rows, token_ngram_counts
from bot.grouping._lexicon import WordClass, word_class
from bot.grouping.places import (
    Gazetteer,
    PlaceLevel,
    PlaceMention,
    Segmented,
    district_scopes,
)
from bot.grouping.reading import read_all
from bot.grouping.types import IssueDoc

# The body opening restates place and matter; later paragraphs drift into history and
# share stock phrases with unrelated letters. 200 characters scored better on the
# hand-checked topics than 150 or 300 (bench/grouping.py).
BODY_CHARS = 200
# Places found in the body are often neighbours of the place the issue is about
# (路, 小区 nearby), and a name read after a district code may be a stray word: both count
# half as much as a place named in the title.
BODY_NAME_WEIGHT = 0.5
ANCHORED_NAME_WEIGHT = 0.5
_BITS = 20
_SALT_NAMES = 21
_SALT_MATTER = 22
_SALT_VILLAGE = 23
_SALT_TITLE = 24
MIN_IDF_DOCS = 200
_BLANK = "|"
_DISTRICT_TEXT = re.compile(r"[A-Za-z]\d{0,2}(?:省|市|区|县)")
_HAN = re.compile("[\u4e00-\u9fff]")

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class IssueParts:
    """One issue split into where and what (all text normalised)."""

    title: str
    sites: tuple[PlaceMention, ...]  # places named in the title (with suffix or known)
    body_sites: tuple[PlaceMention, ...]  # known places found in the body opening
    anchored: tuple[str, ...]  # names right after a district code
    counties: frozenset[str]  # "city:A", "county:A5": district codes named in the title
    segmented: Segmented  # the title's words, for explanations
    spans: tuple[tuple[int, int], ...]  # place spans in the title
    title_matter: str  # title with places and codes blanked
    body_matter: str  # body opening with places and codes blanked
    title_words: str  # title_matter with complaint framing blanked too


def _blank(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The text with place spans and district codes replaced by separators."""
    for start, end in spans:
        # Slices rather than a list of characters: there are only a few spans.
        stop = min(end, len(text))
        if start < stop:
            text = text[:start] + _BLANK * (stop - start) + text[stop:]
    return _DISTRICT_TEXT.sub(lambda m: _BLANK * len(m.group()), text)


def terms(parts: IssueParts) -> tuple[str, ...]:
    """Title words outside places and complaint framing (computed for explanations only)."""
    seg, blanked = parts.segmented, parts.title_matter
    seen: dict[str, None] = {}
    for tok, start in zip(seg.tokens, seg.starts, strict=True):
        # A single character is never kept (the cheapest test first). Places (and
        # district codes) are blanked in title_matter: a word touching a blank is part
        # of a name.
        if len(tok) < 2 or _BLANK in blanked[start : start + len(tok)]:
            continue
        word = tok.strip()
        if len(word) >= 2 and _HAN.search(word) and word_class(word) is not WordClass.STOP:
            seen.setdefault(word, None)
    return tuple(seen)


def split_issues(docs: Sequence[IssueDoc]) -> list[IssueParts]:
    """Analyse a batch; places seen in any title are then found in every text."""
    readings = read_all([(d.title, d.body) for d in docs])
    gazetteer = Gazetteer()
    for r in readings:
        gazetteer.add_mentions(r.segmented.mentions)
    owns = [
        [m for m in r.segmented.mentions if m.level is not PlaceLevel.DISTRICT] for r in readings
    ]
    known_in_title = gazetteer.find_all([r.title for r in readings], owns)
    known_in_body = gazetteer.find_all([r.body[:BODY_CHARS] for r in readings])
    out: list[IssueParts] = []
    for r, own, known, in_body in zip(readings, owns, known_in_title, known_in_body, strict=True):
        title, body, seg = r.title, r.body[:BODY_CHARS], r.segmented
        sites = tuple(m for m in [*own, *known] if m.level is PlaceLevel.SITE)
        body_sites = tuple(in_body)
        counties = frozenset(
            f"{level}:{code}"
            for m in seg.mentions
            if m.level is PlaceLevel.DISTRICT
            for level, code in district_scopes(m.text)
            if level in ("city", "county")
        )
        spans = [(m.start, m.end) for m in [*own, *known]]
        title_matter = _blank(title, spans)
        out.append(
            IssueParts(
                title=title,
                sites=sites,
                body_sites=body_sites,
                anchored=r.anchored,
                counties=counties,
                segmented=seg,
                spans=tuple(spans),
                title_matter=title_matter,
                body_matter=_blank(body, [(m.start, m.end) for m in body_sites]),
                title_words=_blank(title_matter, r.framing),
            )
        )
    return out


def _tfidf(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Sublinear TF, smoothed IDF from this batch (at least MIN_IDF_DOCS), unit rows."""
    m = counts.tocsr()
    m.sum_duplicates()
    # A small batch (a quiet township, a test) is weighed as if it were part of
    # MIN_IDF_DOCS issues: among four complaints, three about one restaurant would
    # otherwise make 餐馆 and 油烟 look as common as 我们.
    n = max(m.shape[0], MIN_IDF_DOCS)
    df = np.bincount(m.indices, minlength=m.shape[1]).astype(np.float32)
    idf = (np.log((n + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)
    del df
    # In place, one temporary at a time: these arrays are the size of the whole batch.
    weights = np.log(m.data)
    weights += 1.0
    weights *= idf[m.indices]
    m.data = weights.astype(np.float32, copy=False)
    return normalise_rows(m)


@dataclass(slots=True)
class TopicFeatures:
    """Name and matter vectors of a batch of issues, row i for ``parts[i]``."""

    parts: list[IssueParts]
    names: sp.csr_matrix
    matter: sp.csr_matrix
    titles: sp.csr_matrix
    has_name: BoolArray

    @classmethod
    def build(cls, docs: Sequence[IssueDoc]) -> TopicFeatures:
        parts = split_issues(docs)

        def name_counts(texts: list[str]) -> sp.csr_matrix:
            return char_ngram_counts(texts, 2, 2, _BITS, _SALT_NAMES)

        title_names = name_counts([_BLANK.join(m.core for m in p.sites) for p in parts])
        # The village field is a key compared for equality: one token, not its bigrams.
        villages = token_ngram_counts(
            [[d.village] if d.village else [] for d in docs], False, _BITS, _SALT_VILLAGE
        )
        body_names = name_counts([_BLANK.join(m.core for m in p.body_sites) for p in parts])
        anchored = name_counts([_BLANK.join(p.anchored) for p in parts])
        counts = (
            title_names + villages + BODY_NAME_WEIGHT * body_names + ANCHORED_NAME_WEIGHT * anchored
        )
        names = _tfidf(counts)
        matter_text = [f"{p.title_matter} {p.title_matter} {p.body_matter}" for p in parts]
        matter = _tfidf(char_ngram_counts(matter_text, 2, 3, _BITS, _SALT_MATTER))
        titles = char_ngram_counts([p.title_words for p in parts], 2, 3, _BITS, _SALT_TITLE)
        has_name = np.diff(names.indptr) > 0
        return cls(parts, names, matter, titles, has_name)

    def __len__(self) -> int:
        return len(self.parts)
