"""Hashed TF-IDF vectors for matter similarity.

Hashing (instead of a fitted vocabulary) lets the index accept new issues without
refitting: a new word simply lands in its bucket. Document frequencies are counted per
bucket and frozen into IDF weights; the index refreshes them when the collection has
doubled. Character bigrams are hashed with numpy over all texts at once, because a
Python loop over every bigram of 10,000 issue bodies would take seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from bot.grouping._hashing import (
    char_ngram_counts,
    normalise_rows,
    token_bucket,
    token_ngram_counts,
)
from bot.grouping.analysis import Analysis

N_BITS = 20
N_FEATURES = 1 << N_BITS

# Relative weight of each feature family after per-family normalisation. Titles are
# what a resident writes to name the matter; the body opening adds context but is
# templated and wordy, so it counts for less. Character bigrams catch variants that
# segment differently (搅拌站/搅拌厂, 噪音/噪声).
WEIGHT_TITLE_WORDS = 1.0
WEIGHT_TITLE_BIGRAMS = 0.8
WEIGHT_BODY_BIGRAMS = 0.45
_WEIGHTS = (WEIGHT_TITLE_WORDS, WEIGHT_TITLE_BIGRAMS, WEIGHT_BODY_BIGRAMS)

FloatArray = npt.NDArray[np.float32]
Families = tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]

_SALT_TITLE_BIGRAMS = 1
_SALT_BODY_BIGRAMS = 2


def word_bucket(token: str) -> int:
    """Bucket of a title word."""
    return token_bucket(token, N_BITS)


def bigram_bucket(bigram: str) -> int:
    """Bucket of a body bigram, computed exactly as for the vectors."""
    m = char_ngram_counts([bigram], 2, 2, N_BITS, _SALT_BODY_BIGRAMS)
    return int(m.indices[0]) if m.nnz else 0


def family_counts(analyses: Sequence[Analysis]) -> Families:
    """Raw counts for title words, title bigrams and body-opening bigrams."""
    return (
        token_ngram_counts([a.terms for a in analyses], False, N_BITS),
        char_ngram_counts([a.title_matter for a in analyses], 2, 2, N_BITS, _SALT_TITLE_BIGRAMS),
        char_ngram_counts([a.body_matter for a in analyses], 2, 2, N_BITS, _SALT_BODY_BIGRAMS),
    )


# Below one bucket in this many touched, counting the touched ones beats a full pass.
_FEW_FEATURES = 16


class DocumentFrequencies:
    """Per-bucket document counts, frozen into IDF weights on demand."""

    __slots__ = ("_df", "_idf", "n_docs")

    def __init__(self) -> None:
        self._df = np.zeros(N_FEATURES, dtype=np.int32)
        self.n_docs = 0
        self._idf: FloatArray | None = None

    def copy(self) -> DocumentFrequencies:
        twin = DocumentFrequencies.__new__(DocumentFrequencies)
        twin._df = self._df.copy()
        twin.n_docs = self.n_docs
        twin._idf = self._idf
        return twin

    def add(self, counts: Families) -> None:
        present = (counts[0] + counts[1] + counts[2]).tocsr()
        present.sum_duplicates()
        if present.nnz * _FEW_FEATURES < N_FEATURES:
            # One new issue touches a few hundred of the million buckets: counting into a
            # million-long array would cost more than the rest of indexing the issue.
            buckets, in_docs = np.unique(present.indices, return_counts=True)
            self._df[buckets] += in_docs.astype(np.int32)
        else:
            self._df += np.bincount(present.indices, minlength=N_FEATURES).astype(np.int32)
        self.n_docs += present.shape[0]
        self._idf = None

    def idf(self) -> FloatArray:
        if self._idf is None:
            n = float(self.n_docs)
            df = self._df.astype(np.float32)
            self._idf = (np.log((n + 1.0) / (df + 1.0)) + 1.0).astype(np.float32)
        return self._idf


def vectorise(counts: Families, idf: FloatArray, *, consume: bool = False) -> sp.csr_matrix:
    """L2-normalised rows combining the three families with their weights.

    ``consume=True`` reuses the count matrices' memory (they are overwritten), which
    keeps the peak lower when the counts are not needed afterwards.
    """
    total: sp.csr_matrix | None = None
    for fam, weight in zip(counts, _WEIGHTS, strict=True):
        m = fam if consume else fam.astype(np.float32, copy=True)
        m.data = (1.0 + np.log(m.data)) * idf[m.indices]
        normalise_rows(m)
        m.data *= np.float32(weight)
        total = m if total is None else (total + m).tocsr()
    assert total is not None
    return normalise_rows(total)
