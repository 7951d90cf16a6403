"""Scored pairs of issues for topic grouping: place and matter must both agree.

For two issues that both name a place, the score is a weighted geometric mean of the
place cosine and the (scaled) matter cosine, so neither alone joins them: one estate with
many matters (开裂, 入学, 车位) keeps them apart through the matter, and a petition
template reused under another estate's name scores 0 through the place. When one side
names no place, only the matter speaks, discounted. Different counties never join.

A pair is *strong* when it could start a topic on its own (linkage.py): it scores at
least the linkage's strong bar and either the two titles share matter wording or the
texts are alike well beyond chance (MATTER_STRONG). Bodies of unrelated letters share
stock phrases ("几天没人管"), and in a small batch nothing shows those are common.

Pairs are found without an n x n matrix. Matter vectors are split into rare n-grams (a
sparse product in row blocks, each pair computed once) and common ones (in more than
1 % of issues), whose part of the cosine is added only for the pairs found. A pair is
scored when its rare n-grams alone reach a floor (RARE_FLOOR) or when the two name a
place in common (their matter then decides); every score returned is exact.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.grouping._product import product
from bot.grouping.features import TopicFeatures

# A matter cosine of this much is already "the same matter, reworded": char n-gram
# cosines of re-worded complaints rarely go higher, so the scale maps it to 1.
MATTER_SCALE = 0.2
# Unrelated texts share common n-grams (我们, 没有, 小区) and reach cosines of a few
# hundredths; below this floor the matter counts as nothing.
MATTER_FLOOR = 0.03
# Exponent of the place cosine in the geometric mean (the matter takes the rest): a
# shared place is strong evidence, so it needs less weight to matter as much.
PLACE_WEIGHT = 0.3
# Neither issue names a place (city-wide policy, a platform): the matter decides.
NO_PLACE_FACTOR = 0.8
# One names a place and the other does not: the other may be elsewhere.
ONE_PLACE_FACTOR = 0.6
# Without a place the matter must be close: squaring the scaled matter keeps
# "the same ask, worded alike" and drops "the same kind of thing".
NO_PLACE_POWER = 2.0
# Pairs scoring below this are not kept (they would lower averages negligibly).
MIN_EDGE = 0.04
# A matter cosine this high is a strong pair even when the titles share no wording.
MATTER_STRONG = 0.15
# Pairs sharing rare n-grams worth less than this, and no place, are not scored: their
# matter cosine rarely reaches what a pair without a place needs to score at all.
RARE_FLOOR = 0.03
# Name pairs below this are left to their matter (they are found there if alike).
_MIN_NAME = 0.3
_BLOCK_ROWS = 256
# Issues per column chunk of the transposed rare matter (see _candidates).
_CHUNK_COLS = 2048
_GATHER_STEP = 4096
# N-grams in more than this share of issues (and more than _COMMON_MIN_DF) are left
# out of the product, which they would make nearly dense; they cost it most, and it
# takes about half the time of a regroup.
_COMMON_SHARE = 0.01
_COMMON_MIN_DF = 20

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]


def combine(
    place: FloatArray,
    matter: FloatArray,
    has_a: npt.NDArray[np.bool_],
    has_b: npt.NDArray[np.bool_],
) -> FloatArray:
    """Pair scores in 0..1 from place and matter cosines and whether each side has a place."""
    m = np.clip((matter - MATTER_FLOOR) / (MATTER_SCALE - MATTER_FLOOR), 0.0, 1.0)
    p = np.clip(place, 0.0, 1.0)
    both = np.power(p, PLACE_WEIGHT) * np.power(m, 1.0 - PLACE_WEIGHT)
    strict = np.power(m, NO_PLACE_POWER)
    none = NO_PLACE_FACTOR * strict
    one = ONE_PLACE_FACTOR * strict
    out: FloatArray = np.where(has_a & has_b, both, np.where(has_a | has_b, one, none)).astype(
        np.float32
    )
    return out


def _without(m: sp.csr_matrix, drop: npt.NDArray[np.bool_]) -> sp.csr_matrix:
    keep = ~drop[m.indices]
    # Entries kept before each position, read at the row starts: the new row pointers.
    before = np.zeros(len(keep) + 1, dtype=np.int32 if len(keep) < 2**31 else np.int64)
    np.cumsum(keep, out=before[1:])
    return sp.csr_matrix((m.data[keep], m.indices[keep], before[m.indptr]), shape=m.shape)


def _entries(
    m: sp.csr_matrix, row_offset: int, col_offset: int, n: int
) -> tuple[IntArray, FloatArray]:
    """Keys (i * n + j, global indices) and values of a block's entries with i < j."""
    rows = np.repeat(
        np.arange(row_offset, row_offset + m.shape[0], dtype=np.int64), np.diff(m.indptr)
    )
    cols = m.indices.astype(np.int64) + col_offset
    upper = rows < cols
    return rows[upper] * n + cols[upper], m.data[upper].astype(np.float32)


def _kept_entries(
    product: sp.csr_matrix, start: int, first: int, named: IntArray, n: int
) -> tuple[IntArray, FloatArray]:
    """Keys (i * n + j, global) and values of a rare product cell's entries worth keeping.

    ``product`` holds rows ``start..`` against columns ``first..``. An entry is kept
    when i < j and its rare part reaches the floor or the two name a place in common
    (``named``: sorted keys of the row block's place pairs). Most entries are tiny
    products of a shared stock phrase, so the tests run on cell-local int32 positions
    and keys are made only for the entries kept.
    """
    height, width = product.shape
    rows = np.repeat(np.arange(height, dtype=np.int32), np.diff(product.indptr))
    cols = product.indices
    values = product.data
    kept = values >= RARE_FLOOR
    named_cols = named % n
    inside = (named_cols >= first) & (named_cols < first + width)
    if inside.any():
        # A dense mask of the cell's place pairs, read at every entry's position.
        place_pair = np.zeros(height * width, dtype=bool)
        place_pair[(named[inside] // n - start) * width + (named_cols[inside] - first)] = True
        kept |= place_pair[rows * width + cols]
    if start + height > first:
        # The cell reaches the diagonal: only pairs i < j count.
        kept &= cols + (first - start) > rows
    at = np.flatnonzero(kept)
    keys = (rows[at].astype(np.int64) + start) * n + (cols[at].astype(np.int64) + first)
    return keys, values[at].astype(np.float32, copy=False)


def _at(keys: IntArray, values: FloatArray, wanted: IntArray) -> FloatArray:
    """Values at ``wanted`` keys (0 where absent); ``keys`` must be sorted."""
    out = np.zeros(len(wanted), dtype=np.float32)
    if len(keys):
        pos = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        hit = keys[pos] == wanted
        out[hit] = values[pos[hit]]
    return out


def _row_dots(m: sp.csr_matrix, rows: IntArray, cols: IntArray) -> FloatArray:
    """Dot products of row pairs of a sparse matrix (for few pairs or very sparse rows)."""
    out = np.empty(len(rows), dtype=np.float32)
    for s in range(0, len(rows), _GATHER_STEP):
        a = m[rows[s : s + _GATHER_STEP]]
        b = m[cols[s : s + _GATHER_STEP]]
        out[s : s + _GATHER_STEP] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def _compact_columns(m: sp.csr_matrix) -> sp.csr_matrix:
    """The same rows over only the columns in use, in the same order.

    Each transposed chunk (_candidates) has one index entry per column of ``m``:
    over the 2**20 hashed columns that would be megabytes per chunk, over the columns in
    use a fraction of that. Keeping the order keeps every product summed in the same
    order, so its values do not change in the last bit.
    """
    used = np.zeros(m.shape[1], dtype=bool)
    used[m.indices] = True
    remap = np.cumsum(used, dtype=np.int32) - 1
    width = max(int(remap[-1]) + 1, 1) if len(remap) else 1
    return sp.csr_matrix((m.data, remap[m.indices], m.indptr), shape=(m.shape[0], width))


def _place_pairs(
    names: sp.csr_matrix, names_t: sp.csr_matrix, start: int, stop: int, n: int
) -> tuple[IntArray, FloatArray]:
    """Sorted keys (i < j) and place cosines of a row block's pairs naming alike places."""
    keys, values = _entries(product(names[start:stop], names_t), start, 0, n)
    order = np.argsort(keys)
    return keys[order], values[order]


def _candidates(
    features: TopicFeatures, rare: sp.csr_matrix
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Sorted pair keys worth scoring, with their place cosines and rare matter parts.

    The rare product runs one column chunk (_CHUNK_COLS issues) of the transposed rare
    matter at a time, against the row blocks above and left of it only: each pair is
    computed once (i < j), and only one chunk is held in memory.
    """
    n = len(features)
    names = features.names
    names_t = names.T.tocsr()
    blocks = [(start, min(start + _BLOCK_ROWS, n)) for start in range(0, n, _BLOCK_ROWS)]
    places = [_place_pairs(names, names_t, start, stop, n) for start, stop in blocks]
    named = [keys[values >= _MIN_NAME] for keys, values in places]
    found: list[list[tuple[IntArray, FloatArray]]] = [[] for _ in blocks]
    for first in range(0, n, _CHUNK_COLS):
        last = min(first + _CHUNK_COLS, n)
        chunk = rare[first:last].T.tocsr()
        for b, (start, stop) in enumerate(blocks):
            if start >= last - 1:
                break  # no pair i < j left in this chunk
            cell = product(rare[start:stop], chunk)
            found[b].append(_kept_entries(cell, start, first, named[b], n))
            del cell
        del chunk  # before the next one is made
    keys_out: list[IntArray] = []
    place_out: list[FloatArray] = []
    rare_out: list[FloatArray] = []
    for b in range(len(blocks)):
        if found[b]:
            m_keys = np.concatenate([k for k, _ in found[b]])
            m_vals = np.concatenate([v for _, v in found[b]])
        else:
            m_keys, m_vals = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        order = np.argsort(m_keys)
        m_keys, m_vals = m_keys[order], m_vals[order]
        keys = np.union1d(named[b], m_keys[m_vals >= RARE_FLOOR])
        keys_out.append(keys)
        place_out.append(_at(*places[b], keys))
        rare_out.append(_at(m_keys, m_vals, keys))
    if not keys_out:
        empty = np.empty(0, dtype=np.float32)
        return np.empty(0, dtype=np.int64), empty, empty
    return np.concatenate(keys_out), np.concatenate(place_out), np.concatenate(rare_out)


def scored_pairs(
    features: TopicFeatures, strong: float = 0.0
) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """Pairs (i < j) worth linking: rows, cols, scores, and the scores of strong pairs
    (the score where the pair is strong, else 0)."""
    n = len(features)
    matter = features.matter
    df = np.bincount(matter.indices, minlength=matter.shape[1])
    common = df > max(_COMMON_MIN_DF, int(_COMMON_SHARE * n))
    # An n-gram of one issue only pairs that issue with itself: the product skips it.
    rare = _compact_columns(_without(matter, common | (df < 2)))
    del df  # it spans every hashed column
    keys, place, m = _candidates(features, rare)
    del rare
    rows, cols = keys // n, keys % n
    m += _row_dots(_without(matter, ~common), rows, cols)
    scores = combine(place, m, features.has_name[rows], features.has_name[cols])
    keep = scores >= MIN_EDGE
    rows, cols, scores, m = rows[keep], cols[keep], scores[keep], m[keep]
    # Only pairs strong enough by score need the title check, so it is done for those.
    strong_scores = np.where(scores >= strong, scores, 0.0).astype(np.float32)
    check = np.flatnonzero((strong_scores > 0) & (m < MATTER_STRONG))
    if len(check):
        shared = _row_dots(features.titles, rows[check], cols[check]) > 0
        strong_scores[check[~shared]] = 0.0
    return rows, cols, scores, strong_scores
