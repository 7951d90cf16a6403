"""Scored pairs of issues for topic grouping: place and matter must both agree.

For two issues that both name a place, the score is a weighted geometric mean of the
place cosine and the (scaled) matter cosine, so neither alone joins them: one estate with
many matters (开裂, 入学, 车位) keeps them apart through the matter, and a petition
template reused under another estate's name scores 0 through the place. When one side
names no place, only the matter speaks, discounted. Different counties never join.

All pairs are generated without an n x n matrix: name vectors are sparse enough for an
exact product; matter vectors are split into rare n-grams (a sparse product, computed
in row blocks) and the few hundred common ones (a small dense block), so every score
returned is exact.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

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
# Neighbours kept per issue from each space; they bound the work, the scores decide.
NAME_NEIGHBOURS = 60
MATTER_NEIGHBOURS = 20
_MIN_NAME = 0.05
_MIN_MATTER = 0.02
_BLOCK_ROWS = 512
# N-grams in more than this share of issues are handled as a dense block.
_COMMON_SHARE = 0.02
_COMMON_MIN_DF = 20
_DENSE_STEP = 20_000

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
    row_of = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
    indptr = np.searchsorted(row_of[keep], np.arange(m.shape[0] + 1))
    return sp.csr_matrix((m.data[keep], m.indices[keep], indptr), shape=m.shape)


def _top(cols: np.ndarray, vals: np.ndarray, k: int, floor: float) -> np.ndarray:
    ok = vals >= floor
    cols, vals = cols[ok], vals[ok]
    if len(cols) > k:
        cols = cols[np.argpartition(-vals, k)[:k]]
    return cols


def _lookup(indices: np.ndarray, data: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Values of a sorted sparse row at ``wanted`` columns (0 where absent)."""
    out = np.zeros(len(wanted), dtype=np.float32)
    if len(indices):
        pos = np.searchsorted(indices, wanted)
        pos = np.minimum(pos, len(indices) - 1)
        hit = indices[pos] == wanted
        out[hit] = data[pos[hit]]
    return out


def scored_pairs(features: TopicFeatures) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs (i < j) worth linking, with their combined scores."""
    n = len(features)
    names, matter = features.names, features.matter
    names_t = names.T.tocsr()
    df = np.bincount(matter.indices, minlength=matter.shape[1])
    common = df > max(_COMMON_MIN_DF, int(_COMMON_SHARE * n))
    rare = _without(matter, common)
    rare_t = rare.T.tocsr()
    dense = matter[:, np.flatnonzero(common)].toarray().astype(np.float32)

    rows_out: list[np.ndarray] = []
    cols_out: list[np.ndarray] = []
    place_out: list[np.ndarray] = []
    rare_out: list[np.ndarray] = []
    for start in range(0, n, _BLOCK_ROWS):
        pb = (names[start : start + _BLOCK_ROWS] @ names_t).tocsr()
        mb = (rare[start : start + _BLOCK_ROWS] @ rare_t).tocsr()
        pb.sort_indices()
        mb.sort_indices()
        for r in range(pb.shape[0]):
            i = start + r
            p_idx = pb.indices[pb.indptr[r] : pb.indptr[r + 1]]
            p_val = pb.data[pb.indptr[r] : pb.indptr[r + 1]]
            m_idx = mb.indices[mb.indptr[r] : mb.indptr[r + 1]]
            m_val = mb.data[mb.indptr[r] : mb.indptr[r + 1]]
            cand = np.union1d(
                _top(p_idx, p_val, NAME_NEIGHBOURS, _MIN_NAME),
                _top(m_idx, m_val, MATTER_NEIGHBOURS, _MIN_MATTER),
            )
            cand = cand[cand != i]
            if not len(cand):
                continue
            rows_out.append(np.full(len(cand), i, dtype=np.int64))
            cols_out.append(cand.astype(np.int64))
            place_out.append(_lookup(p_idx, p_val, cand))
            rare_out.append(_lookup(m_idx, m_val, cand))
    if not rows_out:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float32)
    rows = np.concatenate(rows_out)
    cols = np.concatenate(cols_out)
    place = np.concatenate(place_out)
    m = np.concatenate(rare_out)
    # A pair is often found from both sides (the values agree): keep it once, as i < j.
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    _, first = np.unique(lo * n + hi, return_index=True)
    rows, cols, place, m = lo[first], hi[first], place[first], m[first]
    for s in range(0, len(rows), _DENSE_STEP):
        a, b = rows[s : s + _DENSE_STEP], cols[s : s + _DENSE_STEP]
        m[s : s + _DENSE_STEP] += np.einsum("ij,ij->i", dense[a], dense[b])
    scores = combine(place, m, features.has_name[rows], features.has_name[cols])
    keep = scores >= MIN_EDGE
    return rows[keep], cols[keep], scores[keep]
