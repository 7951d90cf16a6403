"""normalize_text for a batch of texts, with the per-character checks done in numpy.

Width folding (NFKC) and the check for traditional characters look at every character,
and for a cold regroup of 10,000 issues they were most of the cost of normalising. Over
a batch they become table lookups: each text is encoded once as code points, folded
through a table, and only texts holding a character the table does not settle take the
per-text path. The output is exactly normalize_text's.

Why a table can fold: NFKC is the canonical composition of the compatibility
decomposition, and the decomposition works character by character. Replacing a
character by its decomposition therefore leaves the NFKC form unchanged; and a text
made only of *stable* characters (NFKC leaves them alone, combining class 0, never the
second half of a composition) is already in NFKC form. So a character that is stable
stays, one whose decomposition is a single stable character becomes it, and any other
(combining marks, ligatures that expand, characters beyond the BMP) sends its text to
the per-text path.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from bot.grouping.normalize import (
    finish_normalizing,
    normalize_text,
    to_simplified,
    traditional_characters,
)

# Below this many texts the numpy set-up costs more than it saves.
_MIN_BATCH = 16
# Texts per numpy pass: bounds the temporaries (a few bytes per character each).
_CHUNK_TEXTS = 512
_BMP = 0x10000
_SEPARATOR = "\x00"

U32 = npt.NDArray[np.uint32]
Flags = npt.NDArray[np.bool_]


def _second_halves() -> frozenset[str]:
    """Characters that can be the second of a canonical composition pair."""
    out = set()
    for c in range(0x20000):
        d = unicodedata.decomposition(chr(c))
        if d and not d.startswith("<"):
            parts = d.split()
            if len(parts) == 2:
                out.add(chr(int(parts[1], 16)))
    # Hangul vowels and trailing consonants compose algorithmically, not by table.
    out.update(chr(c) for c in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)))
    return frozenset(out)


@cache
def _tables() -> tuple[U32, Flags, Flags, Flags]:
    """Per BMP character: what it folds to, whether it needs the per-text path, whether
    it is traditional (after folding) and whether it is a decimal digit (what ``\\d``
    matches). Built once, on first use."""
    second = _second_halves()

    def stable(ch: str) -> bool:
        return (
            unicodedata.combining(ch) == 0
            and ch not in second
            and unicodedata.normalize("NFKC", ch) == ch
        )

    fold = np.arange(_BMP, dtype=np.uint32)
    unsettled = np.zeros(_BMP, dtype=bool)
    unsettled[0xD800:0xE000] = True  # surrogates are not characters
    for c in range(_BMP):
        ch = chr(c)
        if unsettled[c] or stable(ch):
            continue
        d = unicodedata.normalize("NFKD", ch)
        if len(d) == 1 and stable(d):
            fold[c] = ord(d)
        else:
            unsettled[c] = True
    traditional = np.zeros(_BMP, dtype=bool)
    for ch in traditional_characters():
        if ord(ch) < _BMP:
            traditional[ord(ch)] = True
    decimal = np.array([chr(c).isdecimal() for c in range(_BMP)], dtype=bool)
    return fold, unsettled, traditional, decimal


def normalize_many(texts: Sequence[str]) -> list[str]:
    """normalize_text of every text, in order."""
    if len(texts) < _MIN_BATCH:
        return [normalize_text(t) for t in texts]
    out: list[str] = []
    for s in range(0, len(texts), _CHUNK_TEXTS):
        out.extend(_normalize_chunk(texts[s : s + _CHUNK_TEXTS]))
    return out


def _phone_like(folded: U32, decimal: Flags) -> Flags:
    """Positions starting a star or seven digits in a row (normalize's _MAYBE_PHONE).

    The regex looks at every character in Python's engine, and over the bodies of a
    batch that was a third of normalising them.
    """
    digits = np.zeros(len(folded) + 1, dtype=np.int32)
    np.cumsum(decimal[folded], out=digits[1:])
    out: Flags = folded == ord("*")
    if len(folded) >= 7:
        out[: len(folded) - 6] |= digits[7:] - digits[:-7] == 7
    return out


def _texts_with(flags: Flags, starts: npt.NDArray[np.int64]) -> set[int]:
    """Indices of the texts holding a flagged character."""
    positions = np.flatnonzero(flags)
    return set((np.searchsorted(starts, positions, side="right") - 1).tolist())


def _normalize_chunk(texts: Sequence[str]) -> list[str]:
    joined = _SEPARATOR.join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:
        return [normalize_text(t) for t in texts]  # a text holds the separator itself
    try:
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate
        return [normalize_text(t) for t in texts]
    fold, unsettled, traditional, decimal = _tables()
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum([len(t) + 1 for t in texts[:-1]], out=starts[1:])
    beyond = cp >= _BMP
    # Beyond the BMP the text takes the per-text path; a space stands in meanwhile.
    in_bmp = np.where(beyond, 0x20, cp)
    per_text = _texts_with(unsettled[in_bmp] | beyond, starts)
    folded = fold[in_bmp]
    convert = _texts_with(traditional[folded], starts)
    phone_like = _texts_with(_phone_like(folded, decimal), starts)
    parts = folded.tobytes().decode("utf-32-le").split(_SEPARATOR)
    out: list[str] = []
    for i, (text, part) in enumerate(zip(texts, parts, strict=True)):
        if not text:
            out.append("")
        elif i in per_text:
            out.append(normalize_text(text))
        elif i in convert:
            # Converting may change the characters the phone check looked at.
            out.append(finish_normalizing(to_simplified(part)))
        else:
            out.append(finish_normalizing(part, i in phone_like))
    return out
