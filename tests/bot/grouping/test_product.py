"""The sparse product without scipy's counting pass gives scipy's product, entry for entry."""

import numpy as np
import scipy.sparse as sp

from bot.grouping._product import product


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    want = (a @ b).tocsr()
    got = product(a, b)
    assert got.shape == want.shape
    assert np.array_equal(got.indptr, want.indptr)
    assert np.array_equal(got.indices, want.indices)
    assert got.data.dtype == want.data.dtype
    assert got.data.tobytes() == want.data.tobytes()


def test_product_is_scipys_product() -> None:
    rng = np.random.default_rng(0)
    for density in (0.0, 0.01, 0.2, 1.0):
        a = sp.random(37, 50, density=density, format="csr", dtype=np.float32, random_state=rng)
        b = sp.random(50, 23, density=density, format="csr", dtype=np.float32, random_state=rng)
        # Empty rows at the start, in the middle and at the end of both factors.
        for m in (a, b):
            row_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
            m.data[np.isin(row_of, [0, 5, 6, m.shape[0] - 1])] = 0
            m.eliminate_zeros()
        _same(a, b)
        _same(a[:0], b)
        _same(a[:, :0], b[:0])


def test_other_dtypes_fall_back_to_scipy() -> None:
    a = sp.random(8, 9, density=0.5, format="csr", dtype=np.float64, random_state=1)
    b = sp.random(9, 4, density=0.5, format="csr", dtype=np.float32, random_state=2)
    _same(a, b)
