"""Row normalisation in slices gives the values of one pass over the whole matrix."""

import numpy as np
import scipy.sparse as sp

from bot.grouping._hashing import normalise_rows


def test_rows_normalised_in_slices_are_the_whole_pass() -> None:
    m = sp.random(3000, 500, density=0.02, format="csr", dtype=np.float32, random_state=3)
    m.data[m.indptr[1000] : m.indptr[1100]] = 0  # empty rows, one slice's edge among them
    m.eliminate_zeros()
    row_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    norms = np.sqrt(
        np.bincount(row_of, weights=np.square(m.data, dtype=np.float64), minlength=m.shape[0])
    )
    norms[norms == 0.0] = 1.0
    want = m.data / norms.astype(np.float32)[row_of]
    got = normalise_rows(m.copy())
    assert got.data.tobytes() == want.tobytes()
    assert normalise_rows(sp.csr_matrix((4, 3), dtype=np.float32)).nnz == 0
