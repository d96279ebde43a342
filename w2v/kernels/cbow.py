"""Continuous bag of words (CBOW) with negative sampling: the compiled training loop.

word2vec.c's `-cbow 1`: the mean h of the context vectors U[x] (radius b uniform in
1..window) predicts the centre word c against K negatives n_k ~ P_n,

    L(c) = −log σ(h·V[c]) − Σ_k log σ(−h·V[n_k]),   h = (1/m) Σ_j U[x_j].

With s = σ(h·V[o]) and label 1 for o = c, 0 for a negative, each output takes
V[o] −= α(s − label)·h, and every context word takes the whole of
−α Σ_o (s − label)·V[o] (word2vec.c adds it undivided by m, as gensim's cbow_mean=1 does).
"""

import numpy as np
from numba import njit, prange

from w2v.kernels.sampling import (
    clamp,
    draw_outputs,
    exp,
    gather_window,
    log_sum,
    stream_seed,
    subsample,
)


@njit(inline="always", cache=True)
def cbow_centre(U, V, ctx, m, outs, n_out, alpha, h, e_h, S, G, F):
    """One CBOW step: h = mean of U[ctx[:m]] against V[outs[:n_out]], outs[0] the centre.
    Returns Σ −log σ(±h·V[o]). Writes U[ctx], V[outs] and the scratch h, e_h (float32
    [dim]), S, G, F (float32 [≥ n_out]). The scores all come from V as it is on entry."""
    dim = U.shape[1]
    one = np.float32(1.0)
    for d in range(dim):
        h[d] = 0.0
        e_h[d] = 0.0
    for j in range(m):
        x = ctx[j]
        for d in range(dim):
            h[d] += U[x, d]
    inv_m = one / np.float32(m)
    for d in range(dim):
        h[d] *= inv_m
    for k in range(n_out):
        o = outs[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * V[o, d]
        S[k] = clamp(f)
    e = exp(-S[0])  # the centre: g = (1 − σ(f))·α, −log σ(f) = log(1 + e^−f)
    G[0] = alpha * e / (one + e)
    F[0] = one + e
    for k in range(1, n_out):  # negatives: g = −σ(f)·α, −log σ(−f) = log(1 + e^f)
        e = exp(-S[k])
        G[k] = -alpha / (one + e)
        F[k] = one + one / e
    for k in range(n_out):
        g = G[k]
        o = outs[k]
        for d in range(dim):
            v = V[o, d]
            e_h[d] += g * v
            V[o, d] = v + g * h[d]
    for j in range(m):
        x = ctx[j]
        for d in range(dim):
            U[x, d] += e_h[d]
    return log_sum(F, n_out)


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def cbow_span(
    U, V, ids, offsets, s0, s1, keep, noise_prob, noise_alias, window, negative,
    alpha0, alpha1, w_base, w_total, state,
):  # fmt: skip
    """Train sentences s0..s1−1 in order; returns (Σ −log-likelihood, number of terms).

    Writes only the rows of U and V that its steps touch. The learning rate at a sentence
    starting at word p is alpha0 + (alpha1 − alpha0)·(p − w_base) / w_total.
    """
    dim = U.shape[1]
    longest = 1
    for s in range(s0, s1):
        longest = max(longest, offsets[s + 1] - offsets[s])
    kept = np.empty(longest, np.int64)
    outs = np.empty(negative + 1, np.int64)
    ctx = np.empty(2 * window, np.int64)
    S = np.empty(negative + 1, np.float32)
    G = np.empty_like(S)
    F = np.empty_like(S)
    h = np.empty(dim, np.float32)
    e_h = np.empty(dim, np.float32)
    nll = 0.0
    terms = 0
    slope = (alpha1 - alpha0) / max(w_total, 1)
    for s in range(s0, s1):
        a = offsets[s]
        alpha = np.float32(alpha0 + slope * (a - w_base))
        state, n = subsample(ids, a, offsets[s + 1], keep, state, kept)
        for i in range(n):
            state, m = gather_window(kept, n, i, state, window, ctx)
            state, n_out = draw_outputs(state, kept[i], negative, noise_prob, noise_alias, outs)
            if m > 0:
                nll += cbow_centre(U, V, ctx, m, outs, n_out, alpha, h, e_h, S, G, F)
                terms += n_out
    return nll, terms


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy", parallel=True)
def cbow_chunk(
    U, V, ids, offsets, spans, keep, noise_prob, noise_alias, window, negative,
    alpha0, alpha1, seed, stream, loss,
):  # fmt: skip
    """Train a chunk of the corpus with CBOW, its spans in parallel (Hogwild).

    Same arguments, same writes (U, V, loss) and the same reproducibility as
    w2v.kernels.sgns.sgns_chunk; `loss` counts one term per output of each centre word.
    """
    T = len(spans) - 1
    w_base = offsets[spans[0]]
    w_total = offsets[spans[T]] - w_base
    for t in prange(T):
        nll, terms = cbow_span(
            U, V, ids, offsets, spans[t], spans[t + 1], keep, noise_prob, noise_alias,
            window, negative, alpha0, alpha1, w_base, w_total, stream_seed(seed, stream, t),
        )  # fmt: skip
        loss[t, 0] = nll
        loss[t, 1] = terms
