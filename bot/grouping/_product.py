"""Sparse matrix products without scipy's counting pass.

``a @ b`` on CSR matrices runs scipy's product kernel twice: once only to count the
entries of the result (so it can allocate exactly), then again to compute them. For
the pair search (pairs.py) the count costs almost as much as the product, about a fifth
of a second of a regroup of 10,000 issues. A row of the result holds at most as many
entries as its row of ``a`` reaches in ``b``, and never more than ``b`` has columns; that
bound costs one pass over ``a``'s entries in numpy, and the kernel then fills arrays of
that size. The kernel is the same, so the result is entry for entry the same.

The kernel lives in a private scipy module; where it is missing or a dtype does not
fit, the ordinary product is used.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

try:
    from scipy.sparse._sparsetools import csr_matmat
except ImportError:  # pragma: no cover - a scipy that moved its kernels
    csr_matmat = None

_INDEX = np.int32


def product(a: sp.csr_matrix, b: sp.csr_matrix) -> sp.csr_matrix:
    """``(a @ b).tocsr()`` for CSR matrices with int32 indices and one float dtype."""
    height, width = a.shape[0], b.shape[1]
    fits = (
        csr_matmat is not None
        and a.data.dtype == b.data.dtype
        and all(x.dtype == _INDEX for x in (a.indptr, a.indices, b.indptr, b.indices))
    )
    if not fits:
        out: sp.csr_matrix = (a @ b).tocsr()
        return out
    # Entries of b each entry of a reaches (read at a's entries only: b may have many
    # more rows than a has entries), summed per row of a.
    reached = np.zeros(a.nnz + 1, dtype=np.int64)
    np.cumsum(b.indptr[a.indices + 1] - b.indptr[a.indices], out=reached[1:])
    per_row = reached[a.indptr[1:]] - reached[a.indptr[:-1]]
    bound = int(np.minimum(per_row, width).sum())
    if bound >= np.iinfo(_INDEX).max:
        return (a @ b).tocsr()
    indptr = np.empty(height + 1, dtype=_INDEX)
    indices = np.empty(bound, dtype=_INDEX)
    data = np.empty(bound, dtype=a.data.dtype)
    csr_matmat(
        height, width, a.indptr, a.indices, a.data, b.indptr, b.indices, b.data,
        indptr, indices, data,
    )  # fmt: skip
    nnz = int(indptr[-1])
    return sp.csr_matrix((data[:nnz], indices[:nnz], indptr), shape=(height, width))
