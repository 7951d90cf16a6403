"""One issue's text read once: normalised title and body opening, title words and places.

Normalising and segmenting are the slowest steps of grouping (about a tenth of a
millisecond per issue each), and both the 附议 index and every regrouping read the same
open issues again and again. So the reading of a text is cached, keyed by the text: a
regroup after a few new issues only reads the new ones, and the index and the candidate
topics share what they read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.grouping.normalize import normalize_text
from bot.grouping.places import Segmented, segment

# Bodies open with the address and the complaint and then drift into history and
# pleas; the opening is where place and matter are restated.
BODY_CHARS = 200
# Normalising removes boilerplate, so the raw body is cut with a margin first.
_RAW_BODY_CHARS = 2 * BODY_CHARS
# Readings kept: a few townships' open issues. One costs about 1.5 KB.
CACHE_SIZE = 32_768


@dataclass(frozen=True, slots=True)
class Reading:
    title: str  # normalised
    body: str  # normalised, the first BODY_CHARS characters
    segmented: Segmented  # the title's words and the places named in it


@lru_cache(maxsize=CACHE_SIZE)
def _read(title: str, body: str) -> Reading:
    t = normalize_text(title)
    return Reading(t, normalize_text(body)[:BODY_CHARS], segment(t))


def read(title: str, body: str = "") -> Reading:
    """The reading of an issue's title and body (cached; safe to call from any thread)."""
    # Only the opening is read, so only it is part of the key: long letters that
    # differ further on share a reading, and the cache does not hold whole letters.
    return _read(title, body[:_RAW_BODY_CHARS])


def clear_cache() -> None:
    """Forget every reading (for measurements of a cold start)."""
    _read.cache_clear()
