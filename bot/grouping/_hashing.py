"""Feature hashing of character n-grams and word n-grams, vectorised with numpy.

Generating n-grams in Python costs about a microsecond each; a few million of them (the
category training set, or 10,000 issue bodies) would take seconds. Here all texts are
encoded once as UTF-32 code points and every n-gram is packed into one 64-bit integer
(a code point needs 21 bits, so up to three fit exactly) before a multiplicative hash.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_CP_BITS = np.uint64(21)

U64 = npt.NDArray[np.uint64]


def mix(x: U64, bits: int) -> U64:
    """Fibonacci hashing to ``bits`` bits, after folding high bits into low ones."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(29))
        return (x * _GOLDEN) >> np.uint64(64 - bits)


def _salted(packed: U64, salt: int) -> U64:
    with np.errstate(over="ignore"):
        return packed + np.uint64(salt) * np.uint64(0xD6E8FEB86659FD93)


def counts_matrix(
    rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], n_rows: int, bits: int
) -> sp.csr_matrix:
    """CSR matrix of occurrence counts, built by sorting packed (row, col) keys.

    About three times faster than letting scipy convert COO triplets and sum duplicates.
    """
    shape = (n_rows, 1 << bits)
    if len(rows) == 0:
        return sp.csr_matrix(shape, dtype=np.float32)
    key = (rows << np.int64(bits)) | cols
    if n_rows << bits <= 1 << 32:
        # Sorting is most of the cost, and 32-bit keys sort in about half the time;
        # a batch of texts (_BATCH_CHARS) usually fits.
        key = key.astype(np.uint32)
    key.sort()
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(key))).astype(np.float32)
    uniq = key[starts]
    u_rows = uniq >> bits
    u_cols = (uniq & ((1 << bits) - 1)).astype(np.int32)
    indptr = np.searchsorted(u_rows, np.arange(n_rows + 1, dtype=np.int64))
    return sp.csr_matrix((counts, u_cols, indptr), shape=shape)


def _word_char(cp: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    han = ((cp >= 0x4E00) & (cp <= 0x9FFF)) | ((cp >= 0x3400) & (cp <= 0x4DBF))
    digit = (cp >= 0x30) & (cp <= 0x39)
    lower = (cp >= 0x61) & (cp <= 0x7A)
    return han | digit | lower


# Characters per batch: the temporaries are about 100 bytes per character, so batches
# keep the peak around 10 MB however many texts come in.
_BATCH_CHARS = 100_000


def char_ngram_counts(
    texts: Sequence[str], n_min: int, n_max: int, bits: int, salt: int = 0
) -> sp.csr_matrix:
    """Hashed counts of character n-grams made only of Han, digit or latin characters.

    Texts are lower-cased; punctuation and spaces break n-grams, so segmented input
    ("油烟 扰民") and raw input ("油烟，扰民") give the same n-grams inside each word.
    """
    batches: list[sp.csr_matrix] = []
    start = 0
    size = 0
    for i, t in enumerate(texts):
        size += len(t) + 1
        if size >= _BATCH_CHARS:
            batches.append(_char_ngram_batch(texts[start : i + 1], n_min, n_max, bits, salt))
            start, size = i + 1, 0
    if start < len(texts) or not batches:
        batches.append(_char_ngram_batch(texts[start:], n_min, n_max, bits, salt))
    if len(batches) == 1:
        return batches[0]
    out: sp.csr_matrix = sp.vstack(batches, format="csr")
    return out


def _char_ngram_batch(
    texts: Sequence[str], n_min: int, n_max: int, bits: int, salt: int
) -> sp.csr_matrix:
    n = len(texts)
    shape = (n, 1 << bits)
    if n == 0:
        return sp.csr_matrix(shape, dtype=np.float32)
    joined = "\x00".join(t.lower() for t in texts) + "\x00"
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=n)
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    ok = _word_char(cp)
    wide = cp.astype(np.uint64)
    rows_parts: list[npt.NDArray[np.int64]] = []
    cols_parts: list[npt.NDArray[np.int64]] = []
    total = len(cp)
    for size in range(n_min, n_max + 1):
        if total < size:
            break
        span = total - size + 1
        packed = np.zeros(span, dtype=np.uint64)
        valid = np.ones(span, dtype=bool)
        for k in range(size):
            packed = (packed << _CP_BITS) | wide[k : k + span]
            valid &= ok[k : k + span]
        buckets = mix(_salted(packed, salt * 8 + size), bits).astype(np.int64)
        rows_parts.append(doc[:span][valid])
        cols_parts.append(buckets[valid])
    rows = np.concatenate(rows_parts) if rows_parts else np.empty(0, dtype=np.int64)
    cols = np.concatenate(cols_parts) if cols_parts else np.empty(0, dtype=np.int64)
    return counts_matrix(rows, cols, n, bits)


def token_bucket(token: str, bits: int, salt: int = 0) -> int:
    """Stable bucket of a word (crc32; Python's hash() differs between processes)."""
    return zlib.crc32(f"{salt}\x1f{token}".encode()) & ((1 << bits) - 1)


def token_ngram_counts(
    token_lists: Sequence[Sequence[str]], bigrams: bool, bits: int, salt: int = 0
) -> sp.csr_matrix:
    """Hashed counts of words (and adjacent word pairs when ``bigrams``).

    Each distinct word is hashed once; occurrences are mapped through a dict at C speed
    and word pairs are hashed from the two word buckets with numpy.
    """
    n = len(token_lists)
    shape = (n, 1 << bits)
    flat = list(chain.from_iterable(token_lists))
    if not flat:
        return sp.csr_matrix(shape, dtype=np.float32)
    table = {tok: token_bucket(tok, bits, salt) for tok in set(flat)}
    buckets = np.fromiter(map(table.__getitem__, flat), dtype=np.int64, count=len(flat))
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=n)
    doc = np.repeat(np.arange(n, dtype=np.int64), lengths)
    rows, cols = doc, buckets
    if bigrams and len(flat) > 1:
        same_doc = doc[1:] == doc[:-1]
        pair = (buckets[:-1].astype(np.uint64) << np.uint64(bits)) | buckets[1:].astype(np.uint64)
        pair_buckets = mix(_salted(pair, salt * 8 + 7), bits).astype(np.int64)
        rows = np.concatenate([rows, doc[1:][same_doc]])
        cols = np.concatenate([cols, pair_buckets[same_doc]])
    return counts_matrix(rows, cols, n, bits)


# Rows normalised at a time: the temporaries take 16 bytes per entry, and over a whole
# batch's matter that was the highest point of a regroup's memory.
_NORM_ROWS = 1024


def normalise_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """Scale every row of a CSR matrix to unit L2 norm, in place (empty rows stay empty)."""
    for first in range(0, m.shape[0], _NORM_ROWS):
        last = min(first + _NORM_ROWS, m.shape[0])
        start, stop = m.indptr[first], m.indptr[last]
        if start == stop:
            continue
        row_of = np.repeat(np.arange(last - first), np.diff(m.indptr[first : last + 1]))
        # Each row's squares are summed in the order of its entries, as over the whole.
        squares = np.square(m.data[start:stop], dtype=np.float64)
        norms = np.sqrt(np.bincount(row_of, weights=squares, minlength=last - first))
        norms[norms == 0.0] = 1.0
        # Cast before spreading over the entries: the same values, a smaller temporary.
        m.data[start:stop] /= norms.astype(m.data.dtype)[row_of]
    return m
