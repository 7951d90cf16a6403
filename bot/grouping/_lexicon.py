"""Word segmentation and word classes for the grouping logic (the lists are data files).

jieba is used read-only through its default tokenizer so that the bot holds a single copy
of the dictionary in memory (about 70 MB) whichever module segments text first.
"""

from __future__ import annotations

import logging
import threading
import zlib
from array import array
from bisect import bisect_left
from enum import Enum

import jieba

from bot.grouping import _jieba_cut
from bot.grouping.wordlists import complaint_words, words


class WordClass(Enum):
    """How a dictionary word behaves at the edge of a place name."""

    STOP = "stop"
    VERB = "verb"
    PROPER = "proper"
    OTHER = "other"


_init_lock = threading.RLock()  # re-entered: loading word classes initialises jieba
_word_classes: _ClassTable | None = None

# Dictionary parts of speech that never belong inside a place name: prepositions,
# conjunctions, particles, pronouns, adverbs, locatives (附近/旁边), modal particles,
# interjections, onomatopoeia, idioms and fixed phrases and measure words.
_STOP_POS = frozenset(
    {"p", "c", "u", "uj", "ul", "uz", "ug", "uv", "ud", "r", "d", "f", "y", "e", "o", "i", "l"}
    | {"q", "ad", "mq"}
)
# Verbs usually end a place name ("附近建搅拌站"), but street and village names are often
# built from them (解放路, 建设村), so places.py lets them through in that one position.
_VERB_POS = frozenset({"v", "vg", "vd"})
# Proper nouns: a dictionary word with one of these tags is a name, not a generic facility.
_PROPER_POS = frozenset({"ns", "nt", "nz"})

# Words that introduce or frame a complaint (words/complaint_words.txt). They are never
# part of a place name and carry no information about the matter, so they are also
# dropped from terms.
REQUEST_WORDS = complaint_words()

# Place-name stems that only point at "some place" rather than a specific one.
GENERIC_PLACE_NAMES = frozenset(words("generic_place_names.txt"))


def tokenizer() -> jieba.Tokenizer:
    """The shared jieba tokenizer, initialised on first use."""
    dt: jieba.Tokenizer = jieba.dt
    if not dt.initialized:
        with _init_lock:
            if not dt.initialized:
                # jieba logs every initialisation at DEBUG to stderr; that is noise in a bot.
                logging.getLogger("jieba").setLevel(logging.WARNING)
                dt.initialize()
    return dt


def cut(text: str) -> list[str]:
    """Segment text into words (HMM on, so unseen names such as 丽发 stay together)."""
    if not text:
        return []
    return _jieba_cut.cut(tokenizer(), text)


class _ClassTable:
    """Word classes keyed by crc32 of the word, in two flat arrays.

    A dict of 116,000 words costs about 15 MB (the word strings dominate); sorted
    32-bit hashes with one class byte each cost under 1 MB. A collision between an
    unknown word and a dictionary word has odds of about 1 in 40,000 and only moves a
    place-name boundary, so it is accepted. word_class() keeps the answers it gave.
    """

    __slots__ = ("_classes", "_hashes")

    _CODES = (WordClass.OTHER, WordClass.STOP, WordClass.VERB, WordClass.PROPER)

    def __init__(self, hashes: array[int], classes: bytearray) -> None:
        # Sort both by hash without building per-word Python objects.
        order = sorted(range(len(hashes)), key=hashes.__getitem__)
        self._hashes = array("I", (hashes[i] for i in order))
        self._classes = bytes(classes[i] for i in order)

    def get(self, word: str) -> WordClass:
        h = zlib.crc32(word.encode("utf-8"))
        i = bisect_left(self._hashes, h)
        code = self._classes[i] if i < len(self._hashes) and self._hashes[i] == h else 0
        return self._CODES[code]


def _load_word_classes() -> _ClassTable:
    hashes: array[int] = array("I")
    classes = bytearray()
    with tokenizer().get_dict_file() as fh:
        for raw in fh:
            parts = raw.split()
            if len(parts) != 3:
                continue
            pos = parts[2].decode("ascii", "replace")
            if pos in _STOP_POS:
                code = 1
            elif pos in _VERB_POS:
                code = 2
            elif pos in _PROPER_POS:
                code = 3
            else:
                continue
            hashes.append(zlib.crc32(parts[0]))
            classes.append(code)
    return _ClassTable(hashes, classes)


# Answers for words seen before: a regroup asks about every title word several times
# (place edges, framing, explanations). Bounded; about 100 bytes a word.
_answers: dict[str, WordClass] = {}
_MAX_ANSWERS = 65_536


def word_class(word: str) -> WordClass:
    """Classify a segmented word for place-name boundary decisions."""
    known = _answers.get(word)
    if known is not None:
        return known
    global _word_classes
    if word in REQUEST_WORDS or not any(ch.isalnum() for ch in word):
        cls = WordClass.STOP
    else:
        if _word_classes is None:
            with _init_lock:
                if _word_classes is None:
                    _word_classes = _load_word_classes()
        cls = _word_classes.get(word)
    if len(_answers) < _MAX_ANSWERS:
        _answers[word] = cls
    return cls


def in_dictionary(word: str) -> bool:
    """True when jieba knows ``word`` as a word of its own (not just a prefix)."""
    return int(tokenizer().FREQ.get(word, 0)) > 0
