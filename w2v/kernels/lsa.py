"""Kernels of the PPMI + SVD pipeline: PPMI values of a sparse count matrix, and the product
of a CSR matrix with a dense block (scipy's is single-threaded)."""

import numpy as np
from numba import njit, prange


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def ppmi_values(indptr, indices, counts, log_row, log_col, shift, out):
    """out[t] = max(log counts[t] − log_row[i] − log_col[j] − shift, 0) for every stored entry
    t = (i, j) of a CSR matrix (indptr [V + 1], indices [nnz], counts [nnz]); writes out [nnz]."""
    for i in prange(len(indptr) - 1):
        for t in range(indptr[i], indptr[i + 1]):
            pmi = np.log(counts[t]) - log_row[i] - log_col[indices[t]] - shift
            out[t] = pmi if pmi > 0.0 else 0.0


@njit(cache=True, nogil=True, fastmath=True, parallel=True)
def csr_matmul(indptr, indices, data, B, out):
    """out = A @ B for A in CSR (indptr [n + 1], indices, data [nnz]) and B [m, l], C-ordered;
    writes out [n, l], one row per iteration (rows are independent, so threads never share)."""
    l = B.shape[1]
    for i in prange(len(indptr) - 1):
        row = out[i]
        row[:] = 0.0
        for t in range(indptr[i], indptr[i + 1]):
            a = data[t]
            b = B[indices[t]]
            for c in range(l):
                row[c] += a * b[c]
