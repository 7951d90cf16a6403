"""Hashed TF-IDF vectors for matter similarity.

Hashing (instead of a fitted vocabulary) lets the index accept new issues without
refitting: a new word simply lands in its bucket. Document frequencies are counted per
bucket at build time and frozen, which only slightly mis-weights words that become
common later; the index rebuilds its statistics when the collection has doubled.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.grouping.analysis import Analysis

N_FEATURES = 1 << 20
_MASK = N_FEATURES - 1

# Relative weight of each feature family after per-family normalisation. Titles are
# what a resident writes to name the matter; the body opening adds context but is
# templated and wordy, so it counts for less. Character bigrams catch variants that
# segment differently (搅拌站/搅拌厂, 噪音/噪声).
WEIGHT_TITLE_WORDS = 1.0
WEIGHT_TITLE_BIGRAMS = 0.8
WEIGHT_BODY_WORDS = 0.45
_FAMILIES = ("w", "c", "b")
_WEIGHTS = (WEIGHT_TITLE_WORDS, WEIGHT_TITLE_BIGRAMS, WEIGHT_BODY_WORDS)

_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")

FloatArray = npt.NDArray[np.float32]


def bucket(family: str, token: str) -> int:
    return zlib.crc32(f"{family}\x1f{token}".encode()) & _MASK


def _bigrams(text: str) -> list[str]:
    out: list[str] = []
    for run in _RUN.findall(text):
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def family_counts(a: Analysis) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Bucket counts for title words, title bigrams and body words."""
    fams: list[dict[int, int]] = [{}, {}, {}]
    sources: tuple[Sequence[str], ...] = (a.terms, _bigrams(a.title_matter), a.body_terms)
    for fam, name, tokens in zip(fams, _FAMILIES, sources, strict=True):
        for tok in tokens:
            h = bucket(name, tok)
            fam[h] = fam.get(h, 0) + 1
    return fams[0], fams[1], fams[2]


class DocumentFrequencies:
    """Per-bucket document counts, frozen into IDF weights on demand."""

    __slots__ = ("_df", "_idf", "n_docs")

    def __init__(self) -> None:
        self._df = np.zeros(N_FEATURES, dtype=np.int32)
        self.n_docs = 0
        self._idf: FloatArray | None = None

    def add(self, counts: Sequence[dict[int, int]]) -> None:
        buckets = {h for fam in counts for h in fam}
        if buckets:
            self._df[np.fromiter(buckets, dtype=np.int64, count=len(buckets))] += 1
        self.n_docs += 1
        self._idf = None

    def idf(self) -> FloatArray:
        if self._idf is None:
            n = float(self.n_docs)
            self._idf = (np.log((n + 1.0) / (self._df.astype(np.float32) + 1.0)) + 1.0).astype(
                np.float32
            )
        return self._idf


def vectorise(
    counts: Sequence[tuple[dict[int, int], dict[int, int], dict[int, int]]],
    idf: FloatArray,
) -> sp.csr_matrix:
    """L2-normalised rows combining the three families with their weights."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for fams in counts:
        row: dict[int, float] = {}
        for fam, weight in zip(fams, _WEIGHTS, strict=True):
            if not fam:
                continue
            keys = np.fromiter(fam.keys(), dtype=np.int64, count=len(fam))
            tf = 1.0 + np.log(np.fromiter(fam.values(), dtype=np.float32, count=len(fam)))
            vals = tf * idf[keys]
            norm = float(np.sqrt(np.dot(vals, vals)))
            if norm == 0.0:
                continue
            vals *= weight / norm
            for k, v in zip(keys.tolist(), vals.tolist(), strict=True):
                row[k] = row.get(k, 0.0) + v
        if row:
            total = float(np.sqrt(sum(v * v for v in row.values())))
            indices.extend(row.keys())
            data.extend(v / total for v in row.values())
        indptr.append(len(indices))
    return sp.csr_matrix(
        (
            np.asarray(data, dtype=np.float32),
            np.asarray(indices, dtype=np.int32),
            np.asarray(indptr, dtype=np.int64),
        ),
        shape=(len(counts), N_FEATURES),
    )
