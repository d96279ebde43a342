"""PPMI + truncated SVD word vectors (LSA), the recipe of Levy, Goldberg & Dagan (2015),
"Improving Distributional Similarity with Lessons Learned from Word Embeddings".

    X          co-occurrence counts, V × V (w2v.cooccur)
    P_α(c)   = #c^α / Σ_c' #c'^α                       context-distribution smoothing, α = cds
    PMI(w,c) = log X[w,c] − log #w − log P_α(c)          = log P(w,c) / (P(w) P_α(c))
    M        = max(PMI − log k, 0)                       shifted PPMI, k = neg
    M        ≈ U Σ Vᵀ                                    rank-`dim` truncated SVD
    W        = U Σ^p,  C = V Σ^p                         eigenvalue weighting, p = eig
    vectors  = W, or W/‖W‖ + C/‖C‖ (row-wise) with add_contexts ("w + c")

The SVD is randomized subspace iteration (Halko, Martinsson & Tropp 2011, algorithm 4.4)
by default; scipy's ARPACK (`solver="arpack"`) gives the same vectors several times slower
on these matrices (see scripts/bench_svd.py and the notes). Dense linear algebra runs on one
BLAS thread (truncated_svd): its products are of a tall n × l block with l × l matrices, and
on a busy machine OpenBLAS's spinning threads made them 10–30× slower than one thread.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from w2v.cooccur import WEIGHTINGS, cooccurrence
from w2v.errors import ConfigError
from w2v.kernels import lsa as K
from w2v.vectors import Vectors

SOLVERS = ("randomized", "arpack")


@dataclass(frozen=True)
class LsaConfig:
    """Every option of the PPMI + SVD trainer (the defaults are Levy et al.'s best SVD)."""

    dim: int = 100
    window: int = 5
    min_count: int = 5
    weighting: str = "uniform"  # or "harmonic": a pair at distance d counts 1/d
    dynamic: bool = False  # word2vec's sampled window radius
    cds: float = 0.75  # context-distribution smoothing exponent α
    neg: float = 1.0  # shift log k; 1 is no shift
    eig: float = 0.5  # eigenvalue weighting p in W = U Σ^p
    add_contexts: bool = False  # vectors = W + C
    solver: str = "randomized"
    n_iter: int = 6  # power iterations of the randomized SVD
    oversample: int = 50  # extra columns of the randomized SVD's sketch
    lower: bool = True
    punct: bool = False
    seed: int = 1

    def __post_init__(self):
        if not isinstance(self.dim, int) or self.dim < 1:
            raise ConfigError(f"dim must be a positive integer, not {self.dim!r}")
        if not isinstance(self.window, int) or self.window < 1:
            raise ConfigError(f"window must be a positive integer, not {self.window!r}")
        if not isinstance(self.min_count, int) or self.min_count < 1:
            raise ConfigError(f"min_count must be a positive integer, not {self.min_count!r}")
        if self.weighting not in WEIGHTINGS:
            raise ConfigError(f"weighting must be one of {', '.join(WEIGHTINGS)}")
        if not 0 < self.cds <= 1:
            raise ConfigError(f"cds must be in (0, 1], not {self.cds!r}")
        if not self.neg >= 1:
            raise ConfigError(f"neg (the shift log k) needs k >= 1, not {self.neg!r}")
        if not 0 <= self.eig <= 1:
            raise ConfigError(f"eig must be in [0, 1], not {self.eig!r}")
        if self.solver not in SOLVERS:
            raise ConfigError(f"solver must be one of {', '.join(SOLVERS)}, not {self.solver!r}")
        if self.n_iter < 0 or self.oversample < 0:
            raise ConfigError("n_iter and oversample must be at least 0")


def ppmi(X: sp.spmatrix, cds: float = 0.75, neg: float = 1.0) -> sp.csr_matrix:
    """Shifted positive PMI with context-distribution smoothing (float32 CSR, shape of X).

    M[w, c] = max(log X[w, c] − log #w − log P_α(c) − log neg, 0), #w = Σ_c X[w, c],
    P_α(c) = #c^α / Σ #c'^α with #c = Σ_w X[w, c]; entries with X = 0 stay 0 (PMI = −∞).
    An X without a positive entry gives an all-zero M (there is no P_α to normalise).
    """
    X, log_row, log_col = _pmi_terms(X, cds)
    data = np.empty(X.nnz, np.float32)
    counts = np.ascontiguousarray(X.data, dtype=np.float64)
    K.ppmi_values(X.indptr, X.indices, counts, log_row, log_col, float(np.log(neg)), data)
    M = sp.csr_matrix((data, X.indices.copy(), X.indptr.copy()), shape=X.shape)
    M.eliminate_zeros()
    return M


def _pmi_terms(X: sp.spmatrix, cds: float) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """X as CSR without zero entries, log #w [V] and log P_α(c) [V] (float64)."""
    X = sp.csr_matrix(X)
    X.sum_duplicates()
    X.eliminate_zeros()
    n_w = np.asarray(X.sum(axis=1), dtype=np.float64).ravel()
    n_c = np.asarray(X.sum(axis=0), dtype=np.float64).ravel() ** cds
    if X.nnz == 0:  # log(Σ #c^α) = log 0: nothing to normalise, and nothing reads the logs
        return X, np.zeros_like(n_w), np.zeros_like(n_c)
    with np.errstate(divide="ignore"):  # words or contexts never seen: no stored entry reads them
        log_row = np.log(n_w)
        log_col = np.log(n_c) - np.log(n_c.sum())
    return X, log_row, log_col


def empty_ppmi_reason(X: sp.spmatrix, cds: float, neg: float) -> str:
    """Why ppmi(X, cds, neg) has no positive entry, naming the setting to change."""
    X, log_row, log_col = _pmi_terms(X, cds)
    if X.nnz == 0:
        return "no two words of the corpus occur within the window of each other"
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    top = float(np.max(np.log(X.data) - log_row[rows] - log_col[X.indices]))
    if top > 0:
        return (
            f"the shift log(neg) = {np.log(neg):.3g} removes every entry (the largest PMI is "
            f"{top:.3g}); use a neg below {np.exp(top):.3g}"
        )
    return (
        f"every word pair has PMI <= 0 (the largest is {top:.3g}): the corpus is too small or "
        "too uniform; use a larger corpus or a smaller window"
    )


def _orth(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thin QR of Y [n, l]: Q float32 [n, l] with orthonormal columns, R float64 [l, l], Y = Q R.

    Cholesky QR twice (CholQR2): Q = Y R⁻¹ with RᵀR = YᵀY, repeated once for accuracy; only
    matrix products touch the tall matrix, which is ~30× faster than LAPACK's Householder QR
    on tall, skinny blocks. Householder QR is the fallback when Y is (numerically)
    rank-deficient.
    """
    Q = np.asarray(Y, dtype=np.float32)
    R = np.eye(Y.shape[1])
    for _ in range(2):
        try:
            R_i = np.linalg.cholesky((Q.T @ Q).astype(np.float64)).T
        except np.linalg.LinAlgError:
            Q, R = scipy.linalg.qr(Y.astype(np.float64), mode="economic")
            return Q.astype(np.float32), R
        Q = Q @ scipy.linalg.solve_triangular(R_i, np.eye(len(R_i))).astype(np.float32)
        R = R_i @ R
    return Q, R


def _matmul(A: sp.csr_matrix, B: np.ndarray) -> np.ndarray:
    """A @ B for A float32 CSR and B float32 [m, l], in parallel (w2v.kernels.lsa)."""
    out = np.empty((A.shape[0], B.shape[1]), np.float32)
    K.csr_matmul(A.indptr, A.indices, A.data, np.ascontiguousarray(B, np.float32), out)
    return out


def randomized_svd(
    M: sp.spmatrix, k: int, n_iter: int = 6, oversample: int = 50, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank-k SVD M ≈ U diag(S) Vt by randomized subspace iteration (Halko et al. 2011).

    Y = M Ω (Ω Gaussian [n, k + oversample]); n_iter times Q ← orth(M orth(Mᵀ Q)); then the
    exact SVD of the small projection Qᵀ M. Each iteration sharpens the spectrum by σ².
    Returns U float32 [m, k], S float64 [k] descending, Vt float32 [k, n].
    """
    M = sp.csr_matrix(M, dtype=np.float32)
    MT = M.T.tocsr()
    m, n = M.shape
    l = min(k + oversample, m, n)
    rng = np.random.default_rng(seed)
    Q, _ = _orth(_matmul(M, rng.standard_normal((n, l), dtype=np.float32)))
    for _ in range(n_iter):
        Q, _ = _orth(_matmul(M, _orth(_matmul(MT, Q))[0]))
    # M ≈ Q Qᵀ M = Q Pᵀ with P = Mᵀ Q = Qp R [n, l] and R = Ur S Vrᵀ, so M ≈ (Q Vr) S (Qp Ur)ᵀ.
    Qp, R = _orth(_matmul(MT, Q))
    Ur, S, Vrt = np.linalg.svd(R)
    U = Q @ Vrt[:k].T.astype(np.float32)
    Vt = (Qp @ Ur[:, :k].astype(np.float32)).T
    return np.ascontiguousarray(U), S[:k], np.ascontiguousarray(Vt)


def arpack_svd(M: sp.spmatrix, k: int, seed: int = 1):
    """Rank-k SVD by scipy.sparse.linalg.svds (ARPACK, implicitly restarted Lanczos); same
    return convention as randomized_svd."""
    from scipy.sparse.linalg import svds

    M = sp.csr_matrix(M, dtype=np.float32)
    rng = np.random.default_rng(seed)
    v0 = rng.standard_normal(min(M.shape)).astype(np.float32)
    U, S, Vt = svds(M, k=k, solver="arpack", v0=v0)
    order = np.argsort(-S)
    return U[:, order].astype(np.float32), S[order].astype(np.float64), Vt[order].astype(np.float32)


def _flip_signs(U: np.ndarray, Vt: np.ndarray) -> None:
    """Make the largest-magnitude entry of each column of U positive (scikit-learn's svd_flip),
    so the factors do not depend on the solver's arbitrary signs. Modifies U and Vt in place."""
    signs = np.sign(U[np.abs(U).argmax(axis=0), np.arange(U.shape[1])])
    signs[signs == 0] = 1
    U *= signs
    Vt *= signs[:, None]


def truncated_svd(M: sp.spmatrix, k: int, solver: str = "randomized", **options):
    """Rank-k SVD (U [m, k], S [k] descending, Vt [k, n]) with deterministic signs."""
    if not 1 <= k < min(M.shape):
        raise ConfigError(
            f"dim {k} must be below the vocabulary size {min(M.shape)}; lower --dim or --min-count"
        )
    if solver not in SOLVERS:
        raise ConfigError(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
    with threadpool_limits(1):  # see the module docstring
        if solver == "arpack":
            U, S, Vt = arpack_svd(M, k, seed=options.get("seed", 1))
        else:
            U, S, Vt = randomized_svd(M, k, **options)
    _flip_signs(U, Vt)
    return U, S, Vt


def _unit_rows(A: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return A / np.where(norms > 0, norms, 1)


def embed(U, S, Vt, eig: float = 0.5, add_contexts: bool = False):
    """Word and context vectors (W, C), float32 [V, k]: W = U Σ^eig, C = V Σ^eig; with
    add_contexts W becomes W/‖W‖ + C/‖C‖ row-wise (hyperwords' w + c)."""
    weight = (S**eig).astype(np.float32)
    W = U * weight
    C = Vt.T * weight
    if add_contexts:
        W = _unit_rows(W) + _unit_rows(C)
    return np.ascontiguousarray(W, np.float32), np.ascontiguousarray(C, np.float32)


class LSA:
    """The PPMI + SVD trainer, scikit-learn style: `LSA(config).fit(corpus)` returns itself
    with the learned `vectors_` (Vectors: W, contexts C, counts, meta), `vocab_` and
    `singular_values_` (float64 [dim]); `seconds_` times counting, PPMI and SVD."""

    def __init__(self, config: LsaConfig | None = None):
        self.config = config if config is not None else LsaConfig()

    def fit(self, source: str | os.PathLike | Iterable[list[str]], phrases=None) -> LSA:
        """Count the co-occurrences of `source`, then `fit_counts`. `phrases` joins
        collocations first, as w2v.train's does (w2v.collocations.phrase_model)."""
        from w2v.collocations import phrase_model

        c = self.config
        t = time.perf_counter()
        joiner = phrase_model(phrases, source, c.lower, c.punct)
        vocab, X = cooccurrence(
            source, window=c.window, min_count=c.min_count, weighting=c.weighting,
            dynamic=c.dynamic, lower=c.lower, punct=c.punct, seed=c.seed, phrases=joiner,
        )  # fmt: skip
        self.fit_counts(vocab, X, count_seconds=time.perf_counter() - t)
        if joiner is not None:
            self.vectors_.meta["phrases"] = joiner.summary()
        return self

    def fit_counts(self, vocab, X: sp.spmatrix, count_seconds: float | None = None) -> LSA:
        """PPMI + truncated SVD of co-occurrence counts X (float64 [V, V], symmetric, row i
        is vocab.words[i]), e.g. counted by a batch pipeline's own step."""
        c = self.config
        seconds = {} if count_seconds is None else {"count": count_seconds}
        t = time.perf_counter()
        M = ppmi(X, cds=c.cds, neg=c.neg)
        if M.nnz == 0:  # its SVD is zero: every vector would be 0 and every similarity too
            raise ConfigError(
                f"the PPMI matrix has no positive entry: {empty_ppmi_reason(X, c.cds, c.neg)}"
            )
        nnz_x = X.nnz
        del X
        seconds["ppmi"] = time.perf_counter() - t
        t = time.perf_counter()
        options = {"n_iter": c.n_iter, "oversample": c.oversample}
        U, S, Vt = truncated_svd(
            M, c.dim, c.solver, seed=c.seed, **(options if c.solver == "randomized" else {})
        )
        seconds["svd"] = time.perf_counter() - t
        W, C = embed(U, S, Vt, eig=c.eig, add_contexts=c.add_contexts)
        meta = {
            "trainer": "svd",
            "config": asdict(c),
            "corpus": {
                **vocab.stats,
                "kept": vocab.total,
                "vocab_size": len(vocab),
                "cooccurrence_nnz": nnz_x,
                "ppmi_nnz": M.nnz,
            },
            "singular_values": [float(s) for s in S],
            "seconds": {k: round(v, 3) for k, v in seconds.items()},
        }
        self.vocab_ = vocab
        self.singular_values_ = S
        self.seconds_ = seconds
        self.vectors_ = Vectors(vocab.words, W, counts=vocab.counts, contexts=C, meta=meta)
        return self


def lsa(
    source: str | os.PathLike | Iterable[list[str]],
    dim: int = 100,
    window: int = 5,
    min_count: int = 5,
    cds: float = 0.75,
    eig: float = 0.5,
    neg: float = 1.0,
    phrases=None,
    **options,
) -> Vectors:
    """Train PPMI + SVD vectors on a corpus (a text file or an iterable of token lists).

    `options` are the other fields of LsaConfig (weighting, dynamic, add_contexts, solver,
    n_iter, oversample, lower, punct, seed); `phrases` joins collocations first, as
    w2v.train's does. Returns Vectors with contexts C and meta {"trainer": "svd",
    "config": ..., "corpus": ..., "singular_values": ..., "seconds": ..., ["phrases"]}.
    """
    config = LsaConfig(
        dim=dim, window=window, min_count=min_count, cds=cds, eig=eig, neg=neg, **options
    )
    return LSA(config).fit(source, phrases=phrases).vectors_
