"""Codes of a text's first characters, 21 bits a character, for the place search.

Gazetteer.find_all (places.py) looks for known place cores in a whole batch of texts at
once; these are its numpy parts: which positions start a known two-character prefix,
and whether a code is among sorted known codes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

Codes = npt.NDArray[np.uint64]

# Below this many characters (one text, a few titles) numbering the characters costs
# more than the binary search it saves.
_DENSE_MIN_CHARS = 1 << 16
# Cells of the table of character pairs that prefix_starts builds (one byte each).
_MAX_PAIR_CELLS = 1 << 22


def prefix_starts(cp: npt.NDArray[np.uint32], prefixes: Codes) -> npt.NDArray[np.intp]:
    """Positions of ``cp`` (code points, ending in a separator) where one of the sorted
    two-character ``prefixes`` starts.

    About half the characters of a text start some prefix, so over a batch, looking
    each pair up by binary search was most of the search. For a batch the prefixes'
    first and second characters are numbered instead, and a table over those numbers
    says which pairs are prefixes: three lookups per position. Few characters, or a
    table too large (thousands of distinct characters on both sides), keep the binary
    search.
    """
    if len(cp) >= _DENSE_MIN_CHARS:
        found = _by_pair_table(cp, prefixes)
        if found is not None:
            return found
    firsts = prefixes >> np.uint64(21)
    table = np.zeros(int(firsts.max()) + 2, dtype=bool)
    table[firsts.astype(np.int64)] = True
    maybe = np.flatnonzero(table[np.minimum(cp[:-1], len(table) - 1)])
    codes = (cp[maybe].astype(np.uint64) << np.uint64(21)) | cp[maybe + 1].astype(np.uint64)
    return maybe[among(codes, prefixes)]


def _by_pair_table(cp: npt.NDArray[np.uint32], prefixes: Codes) -> npt.NDArray[np.intp] | None:
    """prefix_starts through a table of numbered character pairs; None if too large."""
    firsts, first_of = np.unique((prefixes >> np.uint64(21)).astype(np.int64), return_inverse=True)
    seconds, second_of = np.unique(
        (prefixes & np.uint64((1 << 21) - 1)).astype(np.int64), return_inverse=True
    )
    width = len(seconds) + 1
    if (len(firsts) + 1) * width > _MAX_PAIR_CELLS:
        return None
    # Number 0 stands for "no prefix has this character there".
    first_no = np.zeros(int(firsts[-1]) + 2, dtype=np.int32)
    first_no[firsts] = np.arange(1, len(firsts) + 1, dtype=np.int32)
    second_no = np.zeros(int(seconds[-1]) + 2, dtype=np.int32)
    second_no[seconds] = np.arange(1, len(seconds) + 1, dtype=np.int32)
    a = first_no[np.minimum(cp[:-1], len(first_no) - 1)]
    b = second_no[np.minimum(cp[1:], len(second_no) - 1)]
    table = np.zeros((len(firsts) + 1) * width, dtype=bool)
    table[(first_of + 1) * width + second_of + 1] = True
    return np.flatnonzero(table[a * width + b])


def opening_codes(texts: Sequence[str], width: int) -> Codes:
    """Code of each text's first ``width`` characters, 21 bits a character, as find_all
    computes them."""
    out = np.zeros(len(texts), dtype=np.uint64)
    for k in range(width):
        out = (out << np.uint64(21)) | np.array([ord(t[k]) for t in texts], dtype=np.uint64)
    return out


def among(codes: Codes, known: Codes) -> npt.NDArray[np.bool_]:
    """Whether each code is in the sorted ``known`` codes."""
    if not len(known):
        return np.zeros(len(codes), dtype=bool)
    slot = np.minimum(np.searchsorted(known, codes), len(known) - 1)
    found: npt.NDArray[np.bool_] = known[slot] == codes
    return found
