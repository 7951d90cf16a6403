"""Place mentions: *where* an issue is, kept apart from *what* the issue is.

A consultation topic (议题) is one matter at one place, so similarity needs to know
whether two issues are at the same place independently of whether they describe the
same matter. Places are recognised by their type suffix (小区, 村, 路, 学院, ...) with the
name to its left; the left edge of the name is where segmentation finds a word that
cannot be part of a name (a preposition, a verb, 附近, 投诉, ...). District codes used by
pseudonymised data and by township staff ("A5区", "K9县") are recognised separately.

Matching compares the *cores* of mentions (name without 小区/村/社区 and similar
type words) by character-bigram containment, so 丽发新城小区, 丽发新城社区 and 丽发小区
all match, while 丽发新城 and 武广新城 do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

import numpy as np

from bot.grouping._core_codes import Codes, among, opening_codes, prefix_starts
from bot.grouping._lexicon import GENERIC_PLACE_NAMES, WordClass, cut, in_dictionary, word_class
from bot.grouping.wordlists import sections


class PlaceLevel(Enum):
    """How precisely a mention pins down a location."""

    DISTRICT = "district"  # 省/市/区/县 codes: too coarse to group by
    AREA = "area"  # 街道/镇/乡: a whole township, still too coarse to be "the same place"
    SITE = "site"  # 小区, 村, 路, 学校, ...: what a 议题 is about


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """One place named in a text (offsets refer to the normalised text).

    ``grams`` caches the core's character bigrams because matching compares every
    mention of one issue with every mention of its neighbours.
    """

    text: str
    core: str
    level: PlaceLevel
    start: int
    end: int
    grams: frozenset[str] = frozenset()


def mention(text: str, core: str, level: PlaceLevel, start: int, end: int) -> PlaceMention:
    """Build a mention with its bigram set filled in."""
    return PlaceMention(text, core, level, start, end, core_bigrams(core))


@dataclass(frozen=True, slots=True)
class Segmented:
    """A text's words (with start offsets) and the place mentions found among them."""

    tokens: tuple[str, ...]
    starts: tuple[int, ...]
    mentions: tuple[PlaceMention, ...]


# Pseudonymised or abbreviated administrative units: "A市", "A5区", "K9县".
_DISTRICT_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]\d{0,2}(?:省|市|区|县)")
# A named province ("西地省"); cities and counties with Han names are too easily
# confused with ordinary words ending in 市/区 (超市, 小区) to be matched this way.
_PROVINCE = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,3}省")

_SUFFIXES = sections("place_suffixes.txt")
_AREA_SUFFIXES = _SUFFIXES["area"]
# Type words dropped from a core: they say what kind of place it is, not which one.
_TYPE_SUFFIXES = frozenset((*_SUFFIXES["village"], *_SUFFIXES["type"], *_AREA_SUFFIXES))
_SITE_SUFFIXES = frozenset((*_SUFFIXES["village"], *_SUFFIXES["type"], *_SUFFIXES["site"]))
# Street and village names are often made of verbs (解放路, 建设村, 劳动东路), so a
# verb right before one of these suffixes is kept as part of the name.
_VERB_FRIENDLY = frozenset(_SUFFIXES["verb_friendly"])
# Words that end in a place suffix but describe a position or an activity.
_NOT_PLACES = frozenset(_SUFFIXES["not_places"])
_NAME_LINKERS = frozenset({"之", "·"})
# Parts of a village or estate named by a number ("三组"; "二期" is not a suffix).
_SUBUNIT_SUFFIXES = frozenset(_SUFFIXES["subunit"])

_ALL_SUFFIXES = frozenset({*_SITE_SUFFIXES, *_AREA_SUFFIXES})
_SUFFIX_LENGTHS = tuple(sorted({len(x) for x in _ALL_SUFFIXES}, reverse=True))
# Last characters of the suffixes: most words end in none of them and need no slicing.
_SUFFIX_ENDS = frozenset(x[-1] for x in _ALL_SUFFIXES if x)
_MAX_NAME_CHARS = 8


def _suffix_at_end(token: str) -> str | None:
    """Longest place suffix ending the token (set lookups: this runs for every word)."""
    if token[-1:] not in _SUFFIX_ENDS:
        return None
    for n in _SUFFIX_LENGTHS:
        if len(token) >= n and token[-n:] in _ALL_SUFFIXES:
            return token[-n:]
    return None


def core_of(text: str) -> str:
    core = text
    while True:
        # Only strip when the longest suffix is a type word: 科教新村 ends in 新村 (part
        # of the name), not in the type word 村.
        suffix = _suffix_at_end(core)
        if suffix is None or suffix not in _TYPE_SUFFIXES or len(core) - len(suffix) < 2:
            return core
        core = core[: -len(suffix)]


def _is_generic_name(name: str) -> bool:
    # One character ("南路", "八组") is an abbreviation or a number, not a findable name.
    if len(name) < 2 or name in GENERIC_PLACE_NAMES:
        return True
    # House numbers and building codes ("4区10栋") identify nothing on their own.
    return all(ch.isdigit() or ch.isascii() for ch in name)


def _name_like(word: str) -> bool:
    cls = word_class(word)
    return cls is not WordClass.STOP and cls is not WordClass.VERB and not _suffix_at_end(word)


def _generic_facility(tok: str, suffix: str, name_tokens: Sequence[str]) -> bool:
    """True for a kind of facility (搅拌站, 菜市场, 公交线路) rather than a named one.

    Such suffix words are ordinary dictionary words; they only become a particular place
    when a real name precedes them: a word jieba does not know (丽发, 唐祥) or a proper
    noun. Words it knows (绿化带, 公交) only describe the facility further.
    """
    if tok == suffix or not in_dictionary(tok) or word_class(tok) is WordClass.PROPER:
        return False
    for word in name_tokens:
        has_han = any("\u4e00" <= ch <= "\u9fff" for ch in word)
        if has_han and (not in_dictionary(word) or word_class(word) is WordClass.PROPER):
            return False
    return True


def extract_places(text: str) -> list[PlaceMention]:
    """Find place mentions in an already normalised text, in order of appearance."""
    return list(segment(text).mentions)


def segment(text: str) -> Segmented:
    """Segment a normalised text and find its place mentions."""
    if not text:
        return Segmented((), (), ())
    mentions: list[PlaceMention] = []
    blocked = [False] * len(text)
    # A named province needs its 省; most titles have none, and the search is slow.
    for rx in (_DISTRICT_CODE, _PROVINCE) if "省" in text else (_DISTRICT_CODE,):
        for m in rx.finditer(text):
            if any(blocked[m.start() : m.end()]):
                continue
            mentions.append(mention(m.group(), m.group(), PlaceLevel.DISTRICT, m.start(), m.end()))
            for i in range(m.start(), m.end()):
                blocked[i] = True
    # Segment with districts blanked out: otherwise jieba glues the code's 区 to the next
    # word ("A5区长房半岛" -> 区长/房) and the name after it is lost.
    # Slices rather than a pass over every character: most titles name no district.
    masked = text
    for code in mentions:
        masked = masked[: code.start] + "，" * (code.end - code.start) + masked[code.end :]
    tokens = cut(masked)
    starts: list[int] = []
    pos = 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok)

    last_end = 0  # names never reach back over an earlier mention
    district_ends = sorted(m.end for m in mentions)

    found: list[PlaceMention] = []
    for k, tok in enumerate(tokens):
        suffix = _suffix_at_end(tok)
        if suffix is None:
            continue
        tok_start = starts[k]
        suffix_start = tok_start + len(tok) - len(suffix)
        end = tok_start + len(tok)
        floor = max([last_end, *[e for e in district_ends if e <= suffix_start]], default=0)
        name_start = max(tok_start, floor)
        if suffix_start - name_start > _MAX_NAME_CHARS:
            name_start = suffix_start - _MAX_NAME_CHARS
        if tok in _NOT_PLACES:
            continue
        j = k - 1
        first = True
        while j >= 0 and tok_start > floor:
            prev = tokens[j]
            cls = word_class(prev)
            verb_ok = first and cls is WordClass.VERB and suffix in _VERB_FRIENDLY
            # 之 links two halves of a name (魅力之城, 在水之城); elsewhere it is a particle.
            linker = prev in _NAME_LINKERS and j > 0 and _name_like(tokens[j - 1])
            if not linker and (cls is WordClass.STOP or (cls is WordClass.VERB and not verb_ok)):
                break
            # The previous place's suffix ends this name: 小区 in "X小区临街" is not part of
            # a place called "...小区临街".
            if _suffix_at_end(prev) is not None:
                break
            if starts[j] < floor or suffix_start - starts[j] > _MAX_NAME_CHARS:
                break
            name_start = starts[j]
            first = False
            j -= 1
        name = text[name_start:suffix_start]
        # An area word inside the name ("春华镇金鼎村" segmented as 春华/镇金鼎村) splits
        # it: the township becomes its own mention and the village keeps the rest.
        for area in _AREA_SUFFIXES:
            cut_at = name.find(area)
            if cut_at >= 2 and cut_at + len(area) < len(name):
                area_text = text[name_start : name_start + cut_at + len(area)]
                found.append(
                    mention(
                        area_text,
                        core_of(area_text),
                        PlaceLevel.AREA,
                        name_start,
                        name_start + len(area_text),
                    )
                )
                name_start += cut_at + len(area)
                name = text[name_start:suffix_start]
                break
        level = PlaceLevel.AREA if suffix in _AREA_SUFFIXES else PlaceLevel.SITE
        adjacent = bool(found) and found[-1].end == name_start
        short = (suffix in _SUBUNIT_SUFFIXES and len(name) <= 2) or len(name.strip()) == 1
        if adjacent and short and found[-1].level is PlaceLevel.SITE:
            # A numbered sub-unit or a one-character name continues the place before
            # it: 桃源村 + 三组, 白沙湾 + 嘉园 (segmented 白沙湾/嘉园).
            prev_m = found.pop()
            joined = text[prev_m.start : end]
            found.append(mention(joined, core_of(joined), prev_m.level, prev_m.start, end))
            last_end = end
            continue
        if not name.strip():
            # A bare suffix right after a mention continues it: 魅力之城 + 小区.
            if found and found[-1].end == suffix_start and found[-1].level is PlaceLevel.SITE:
                prev_m = found.pop()
                joined = text[prev_m.start : end]
                found.append(mention(joined, core_of(joined), level, prev_m.start, end))
                last_end = end
            continue
        if _is_generic_name(name.strip()):
            continue
        whole = text[name_start:end]
        if _generic_facility(tok, suffix, tokens[j + 1 : k]):
            continue
        found.append(mention(whole, core_of(whole), level, name_start, end))
        last_end = end
    return Segmented(
        tuple(tokens), tuple(starts), tuple(sorted([*mentions, *found], key=lambda m: m.start))
    )


_CODE_PARTS = re.compile(r"([A-Z])(\d*)(省|市|区|县)")


def district_scopes(code: str) -> list[tuple[str, str]]:
    """Administrative scopes a district mention pins down, coarse to fine.

    Codes follow the pattern of pseudonymised and abbreviated data: a letter alone is a
    city ("A市"), letter plus number a county-level unit inside that city ("A5区",
    "A7县", "C4市"). So "A5区" lies in city A and county A5, and "A5区" vs "L1区" are
    in different cities. Named provinces ("西地省") are their own scope.
    """
    m = _CODE_PARTS.fullmatch(code)
    if m is None:
        return [("province", code)] if code.endswith("省") else []
    letter, number, kind = m.group(1), m.group(2), m.group(3)
    if kind == "省":
        return [("province", letter)]
    if not number:
        return [("city", letter)]
    return [("city", letter), ("county", letter + number)]


@lru_cache(maxsize=16384)
def core_bigrams(core: str) -> frozenset[str]:
    """Character bigrams used to compare place cores (the core itself if one char).

    Cached: the same few places recur across thousands of issues, and sharing one set
    per core keeps mentions small.
    """
    if len(core) < 2:
        return frozenset({core}) if core else frozenset()
    return frozenset(core[i : i + 2] for i in range(len(core) - 1))


def core_containment(a: str, b: str) -> float:
    """Share of the shorter core's bigrams found in the longer one (0..1)."""
    return gram_containment(core_bigrams(a), core_bigrams(b))


def gram_containment(ba: frozenset[str], bb: frozenset[str]) -> float:
    if not ba or not bb:
        return 0.0
    return len(ba & bb) / min(len(ba), len(bb))


class Gazetteer:
    """Place cores seen in earlier titles, to recognise them where written without suffix.

    Residents often drop the type word ("万科魅力之城楼板开裂" for 魅力之城小区), and
    jieba then has no suffix to anchor on. Once a core has been seen with its suffix in
    some title, a plain substring occurrence is trusted. Bodies are only searched this
    way, which needs no segmentation.

    A batch of texts is searched at once (:meth:`find_all`): numpy marks every position
    where some core's first two characters occur, and only those few positions are
    checked in Python. 10,000 bodies take a few tens of milliseconds, against most of a
    second for a Python scan or a pure-Python automaton.
    """

    __slots__ = ("_by_prefix", "_codes")

    def __init__(self) -> None:
        self._by_prefix: dict[str, list[str]] = {}
        # Sorted codes of the cores' first two characters, of the two-character cores
        # and of the longer cores' first three characters (see find_all); None after add().
        self._codes: tuple[Codes, Codes, Codes] | None = None

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_prefix.values())

    def add(self, core: str) -> None:
        """Remember a core if it is distinctive enough to be matched as a bare substring."""
        if sum(1 for ch in core if "\u4e00" <= ch <= "\u9fff") < 2:
            return
        # Two-character cores that are ordinary words (新安, 人民) would fire everywhere;
        # only invented names (丽发) are safe at that length.
        if len(core) == 2 and in_dictionary(core):
            return
        bucket = self._by_prefix.setdefault(core[:2], [])
        if core not in bucket:
            bucket.append(core)
            bucket.sort(key=len, reverse=True)  # longest match wins
            self._codes = None

    def add_mentions(self, mentions: Iterable[PlaceMention]) -> None:
        for m in mentions:
            if m.level is PlaceLevel.SITE:
                self.add(m.core)

    def find(self, text: str, known: Sequence[PlaceMention] = ()) -> list[PlaceMention]:
        """Occurrences of known cores in ``text`` not overlapping the ``known`` mentions."""
        return self.find_all([text], [known])[0]

    def find_all(
        self, texts: Sequence[str], known: Sequence[Sequence[PlaceMention]] | None = None
    ) -> list[list[PlaceMention]]:
        """:meth:`find` for many texts; longest match first, left to right, no overlaps."""
        out: list[list[PlaceMention]] = [[] for _ in texts]
        if not self._by_prefix or not texts:
            return out
        if self._codes is None:
            # Sorting fresh arrays is cheap next to the search, and keeps add() O(1).
            cores = [c for bucket in self._by_prefix.values() for c in bucket]
            self._codes = (
                np.sort(opening_codes(list(self._by_prefix), 2)),
                np.sort(opening_codes([c for c in cores if len(c) == 2], 2)),
                np.sort(opening_codes([c for c in cores if len(c) > 2], 3)),
            )
        prefixes, short_cores, openings = self._codes
        joined = "\x00".join(texts) + "\x00"
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        hits = prefix_starts(cp, prefixes)
        pairs = (cp[hits].astype(np.uint64) << np.uint64(21)) | cp[hits + 1].astype(np.uint64)
        # Most of those positions start no core (bodies are long and cores share
        # openings): only where a two-character core or a longer core's first three
        # characters start can the loop below find one.
        third = np.append(cp, np.uint32(0))[hits + 2].astype(np.uint64)
        opening = (pairs << np.uint64(21)) | third
        hits = hits[among(pairs, short_cores) | among(opening, openings)]
        if not len(hits):
            return out
        starts = np.cumsum([0, *(len(t) + 1 for t in texts[:-1])])
        owner = np.searchsorted(starts, hits, side="right") - 1
        resume = -1
        for pos, k in zip(hits.tolist(), owner.tolist(), strict=True):
            if pos < resume:
                continue
            for core in self._by_prefix.get(joined[pos : pos + 2], ()):
                if joined.startswith(core, pos):
                    begin = pos - int(starts[k])
                    end = begin + len(core)
                    spans = known[k] if known is not None else ()
                    if not any(begin < m.end and m.start < end for m in spans):
                        out[k].append(mention(core, core, PlaceLevel.SITE, begin, end))
                        resume = pos + len(core)
                    break
        return out
