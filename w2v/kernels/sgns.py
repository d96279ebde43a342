"""Skip-gram with negative sampling (SGNS): the compiled step of one centre word.

For a centre word c (kept by subsampling) and each context word x within a radius b drawn
uniformly from 1..window, the loss of the lecture,

    L(x, c) = −log σ(U[x]·V[c]) − Σ_k log σ(−U[x]·V[n_k]),   n_k ~ P_n(w) ∝ count(w)^0.75,

is lowered by SGD as word2vec.c does it: U (its syn0) holds the context word's input vector,
V (its syn1neg) the output vectors of the centre and the negatives. With s = σ(U[x]·V[o])
and label 1 for o = c, 0 for a negative:

    ∂L/∂V[o] = (s − label)·U[x],   ∂L/∂U[x] = Σ_o (s − label)·V[o].

Two departures from word2vec.c, both for speed and both measured to keep its accuracy
(see scripts/bench_train.py):

* the K negatives are drawn once per centre word and shared by all its contexts (word2vec.c
  draws K per pair). The 1 + K output rows then stay in L1 cache while the contexts pass,
  cutting the random row fetches, the bottleneck once U and V outgrow the cache;
* a centre's 2b·(1 + K) terms form one minibatch (as HogBatch, Ji et al. 2016): all scores
  are computed first, then the rows are updated two contexts at a time (each output row
  is read once per pair of contexts, and both contexts' gradients read it as the pairs
  before left it). The scores are independent, so the CPU overlaps them, and σ runs over
  the batch in one vector loop.
"""

import numpy as np
from numba import njit

from w2v.kernels.sampling import (
    clamp,
    log_sum,
    step_sizes,
)


@njit(inline="always", cache=True)
def sgns_scores(U, V, P, ctx, m, outs, n_out, S):
    """S[k·m + j] = U[ctx[j]]·V[outs[k]], clamped; two contexts per pass over a V row."""
    dim = U.shape[1]
    for j in range(0, m - 1, 2):
        x = ctx[j]
        y = ctx[j + 1]
        for k in range(n_out):
            o = outs[k]
            R = P if o < P.shape[0] else V  # hotrows: P holds rows < H
            fx = np.float32(0.0)
            fy = np.float32(0.0)
            for d in range(dim):
                v = R[o, d]
                fx += U[x, d] * v
                fy += U[y, d] * v
            S[k * m + j] = clamp(fx)
            S[k * m + j + 1] = clamp(fy)
    if m % 2 == 1:
        x = ctx[m - 1]
        for k in range(n_out):
            o = outs[k]
            R = P if o < P.shape[0] else V  # hotrows: P holds rows < H
            f = np.float32(0.0)
            for d in range(dim):
                f += U[x, d] * R[o, d]
            S[k * m + m - 1] = clamp(f)


@njit(inline="always", cache=True)
def sgns_update(U, V, P, ctx, m, outs, n_out, G, Ex, Ey):
    """The step: V[o] += g·U[x] and U[x] += Σ_o g·V[o], two contexts per pass; each pair's
    U gradients read V as earlier pairs left it. Ex, Ey: float32 [dim] scratch."""
    dim = U.shape[1]
    for j in range(0, m - 1, 2):
        x = ctx[j]
        y = ctx[j + 1]
        for d in range(dim):
            Ex[d] = 0.0
            Ey[d] = 0.0
        for k in range(n_out):
            gx = G[k * m + j]
            gy = G[k * m + j + 1]
            o = outs[k]
            R = P if o < P.shape[0] else V  # hotrows: P holds rows < H
            for d in range(dim):
                v = R[o, d]
                Ex[d] += gx * v
                Ey[d] += gy * v
                R[o, d] = v + gx * U[x, d] + gy * U[y, d]
        for d in range(dim):
            U[x, d] += Ex[d]
        for d in range(dim):
            U[y, d] += Ey[d]
    if m % 2 == 1:
        x = ctx[m - 1]
        for d in range(dim):
            Ex[d] = 0.0
        for k in range(n_out):
            g = G[k * m + m - 1]
            o = outs[k]
            R = P if o < P.shape[0] else V  # hotrows: P holds rows < H
            for d in range(dim):
                v = R[o, d]
                Ex[d] += g * v
                R[o, d] = v + g * U[x, d]
        for d in range(dim):
            U[x, d] += Ex[d]


@njit(inline="always", cache=True)
def sgns_centre(U, V, P, ctx, m, outs, n_out, alpha, S, G, F, Ex, Ey):
    """One minibatch: inputs U[ctx[:m]] against outputs V[outs[:n_out]], outs[0] the true
    centre (label 1), the rest negatives (label 0). Returns Σ −log σ(±score) of its terms.
    Output rows below P.shape[0] are read and written in P, the span's private copy of
    them (w2v.kernels.hotrows).

    Writes U[ctx], V[outs] and the scratch S, G, F (float32 [≥ n_out·m]) and Ex, Ey
    (float32 [dim]). All scores come first, from the rows as they are on entry; then the steps.
    """
    sgns_scores(U, V, P, ctx, m, outs, n_out, S)
    step_sizes(S, m, n_out, alpha, G, F)
    sgns_update(U, V, P, ctx, m, outs, n_out, G, Ex, Ey)
    return log_sum(F, n_out * m)
