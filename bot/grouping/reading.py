"""One issue's text read once: normalised title and body opening, title words and places.

Normalising and segmenting are the slowest steps of grouping (about a tenth of a
millisecond per issue each), and both the 附议 index and every regrouping read the same
open issues again and again. So the reading of a text is cached, keyed by the text: a
regroup after a few new issues only reads the new ones, and the index and the candidate
topics share what they read.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.grouping._jieba_cut import forget_runs
from bot.grouping._lexicon import WordClass, in_dictionary, word_class
from bot.grouping._normalize_batch import normalize_many
from bot.grouping.places import PlaceLevel, Segmented, segment

# Bodies open with the address and the complaint and then drift into history and
# pleas; the opening is where place and matter are restated.
BODY_CHARS = 200
# Normalising removes boilerplate (a salutation, masked phone numbers), so the raw body
# is cut with a margin first; normalising costs in proportion to what it is given.
_RAW_BODY_CHARS = BODY_CHARS + 80
# Readings kept: a few townships' open issues. One costs about 1.5 KB.
CACHE_SIZE = 32_768
_MAX_ANCHORED_CHARS = 8
_DATE_LIKE = re.compile(r"\d+[年月日号]?")


@dataclass(frozen=True, slots=True)
class Reading:
    title: str  # normalised
    body: str  # normalised, the first BODY_CHARS characters
    segmented: Segmented  # the title's words and the places named in it
    anchored: tuple[str, ...]  # names right after a district code
    framing: tuple[tuple[int, int], ...]  # spans of title words that frame a complaint


def _name_like(word: str) -> bool:
    cls = word_class(word)
    if cls is WordClass.STOP or cls is WordClass.VERB:
        return False
    # A word jieba does not know (余易贷, 丽发), a proper noun, a single character or a
    # number: the stuff names are made of. Known common words (平台, 公司) end the name.
    return not in_dictionary(word) or cls is WordClass.PROPER or len(word) == 1 or word.isdigit()


def anchored_names(seg: Segmented) -> list[str]:
    """Names written right after a district code ("A市58车贷恶性退出" -> 58车贷).

    Titles of pseudonymised or hotline data open with the district, then the name of what
    the complaint is about; many such names (platforms, companies, 天健盛世) carry no
    place suffix for places.py to anchor on.
    """
    ends = {m.end for m in seg.mentions if m.level is PlaceLevel.DISTRICT}
    if not ends:
        return []
    site_starts = {m.start for m in seg.mentions if m.level is not PlaceLevel.DISTRICT}
    out: list[str] = []
    for k, start in enumerate(seg.starts):
        if start not in ends:
            continue
        name = ""
        j = k
        while j < len(seg.tokens) and len(name) < _MAX_ANCHORED_CHARS:
            word = seg.tokens[j]
            if seg.starts[j] in site_starts or not _name_like(word):
                break
            name += word
            j += 1
        if len(name) >= 2 and not _DATE_LIKE.fullmatch(name):
            out.append(name)
    return out


def framing(seg: Segmented) -> list[tuple[int, int]]:
    """Spans of words that frame a complaint rather than name its matter."""
    return [
        (start, start + len(tok))
        for tok, start in zip(seg.tokens, seg.starts, strict=True)
        if word_class(tok) is WordClass.STOP
    ]


def _reading(title: str, body: str) -> Reading:
    """The reading of a normalised title and body."""
    seg = segment(title)
    return Reading(title, body[:BODY_CHARS], seg, tuple(anchored_names(seg)), tuple(framing(seg)))


# Least recently used first; guarded by the lock, since the index is read from worker
# threads. The readings themselves are computed outside the lock.
_cache: OrderedDict[tuple[str, str], Reading] = OrderedDict()
_lock = threading.Lock()


def read(title: str, body: str = "") -> Reading:
    """The reading of an issue's title and body (cached; safe to call from any thread)."""
    return read_all([(title, body)])[0]


def read_all(texts: Sequence[tuple[str, str]]) -> list[Reading]:
    """The readings of many (title, body) pairs; those not cached are read as a batch."""
    # Only the opening is read, so only it is part of the key: long letters that
    # differ further on share a reading, and the cache does not hold whole letters.
    keys = [(title, body[:_RAW_BODY_CHARS]) for title, body in texts]
    with _lock:
        found = [_cache.get(k) for k in keys]
        for k, r in zip(keys, found, strict=True):
            if r is not None:
                _cache.move_to_end(k)
    missing = list(dict.fromkeys(k for k, r in zip(keys, found, strict=True) if r is None))
    if not missing:
        return [r for r in found if r is not None]
    titles = normalize_many([t for t, _ in missing])
    bodies = normalize_many([b for _, b in missing])
    made = {k: _reading(t, b) for k, t, b in zip(missing, titles, bodies, strict=True)}
    with _lock:
        _cache.update(made)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return [r if r is not None else made[k] for k, r in zip(keys, found, strict=True)]


def clear_cache() -> None:
    """Forget every reading (for measurements of a cold start)."""
    with _lock:
        _cache.clear()
    forget_runs()
