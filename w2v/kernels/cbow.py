"""Continuous bag of words (CBOW) with negative sampling: the compiled step of one centre word.

word2vec.c's `-cbow 1`: the mean h of the context vectors U[x] (radius b uniform in
1..window) predicts the centre word c against K negatives n_k ~ P_n,

    L(c) = −log σ(h·V[c]) − Σ_k log σ(−h·V[n_k]),   h = (1/m) Σ_j U[x_j].

With s = σ(h·V[o]) and label 1 for o = c, 0 for a negative, each output takes
V[o] −= α(s − label)·h, and every context word takes the whole of
−α Σ_o (s − label)·V[o] (word2vec.c adds it undivided by m, as gensim's cbow_mean=1 does).

One departure from word2vec.c, for speed: the K negatives are drawn once for every
NEGATIVES_SHARED centres of a sentence and shared by them; a centre never has itself as a
negative (w2v.kernels.sampling.reuse_negatives). Schedule "word2vec" draws them for every
centre, as word2vec.c does. A CBOW step reads the m context rows, which
stay in cache as the window slides, and 1 + K output rows at random places in V; once V
outgrows the caches, waiting for those rows is most of the step (at dim 300 and K = 15, 16
rows of 1.2 KB a centre). Shared, the negatives' rows are fetched once for four centres.
Each centre's negatives are still K draws of P_n, so each step's expected gradient is the
same; neighbouring steps' draws are no longer independent. Measured on gcide_wn, the
CBOW rows 15–18 of scripts/bench_grid.py (seed 1): training 1.2x as fast at the default
setting (row 15) and 1.33x at dim 300, K = 15 (row 17); analogy scores 0.4–2.6 points
lower (row 16 unchanged), WordSim353 and SimLex-999 within ±0.03, all still above
gensim's CBOW at the same settings. Skip-gram already shares its negatives among a centre's
contexts (w2v.kernels.sgns); sharing them across two centres too took 0.7 analogy points
off its 14 grid rows on average (2.0 at most) for 7% of speed, so it does not.
"""

import numpy as np
from numba import njit

from w2v.kernels.sampling import (
    clamp,
    log_sum,
    step_sizes,
)

NEGATIVES_SHARED = 4  # consecutive centres of a sentence that share one draw of negatives


@njit(inline="always", cache=True)
def output_step(V, P, h, outs, n_out, alpha, S, G, F, e):
    """h (float32 [dim]) against V[outs[:n_out]], outs[0] the true output: V[o] += g_o·h
    and e += Σ_o g_o·V[o] (V as on entry), g_o = α(label − σ(h·V[o])). Returns
    Σ −log σ(±h·V[o]). The scores all come first, from V as it is on entry. Rows below
    P.shape[0] are P's, the span's private copy of them (w2v.kernels.hotrows)."""
    dim = V.shape[1]
    for k in range(n_out):
        o = outs[k]
        R = P if o < P.shape[0] else V  # hotrows: P holds rows < H
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * R[o, d]
        S[k] = clamp(f)
    step_sizes(S, 1, n_out, alpha, G, F)
    for k in range(n_out):
        g = G[k]
        o = outs[k]
        R = P if o < P.shape[0] else V  # hotrows: P holds rows < H
        for d in range(dim):
            v = R[o, d]
            e[d] += g * v
            R[o, d] = v + g * h[d]
    return log_sum(F, n_out)


@njit(inline="always", cache=True)
def cbow_centre(U, V, P, ctx, m, outs, n_out, alpha, S, G, F, h, e_h):
    """One CBOW step: h = mean of U[ctx[:m]] against V[outs[:n_out]], outs[0] the centre.
    Returns Σ −log σ(±h·V[o]). Writes U[ctx], V[outs] and the scratch S, G, F (float32
    [≥ n_out]), h, e_h (float32 [dim]), in sgns_centre's order. The scores all come from
    V as it is on entry."""
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
    nll = output_step(V, P, h, outs, n_out, alpha, S, G, F, e_h)
    for j in range(m):
        x = ctx[j]
        for d in range(dim):
            U[x, d] += e_h[d]
    return nll
