"""Skip-gram with negative sampling (SGNS): the compiled training loop.

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
from numba import njit, prange

from w2v.kernels.prefetch import prefetch_row
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
def sgns_scores(U, V, ctx, m, outs, n_out, S):
    """S[k·m + j] = U[ctx[j]]·V[outs[k]], clamped; two contexts per pass over a V row."""
    dim = U.shape[1]
    for j in range(0, m - 1, 2):
        x = ctx[j]
        y = ctx[j + 1]
        for k in range(n_out):
            o = outs[k]
            fx = np.float32(0.0)
            fy = np.float32(0.0)
            for d in range(dim):
                v = V[o, d]
                fx += U[x, d] * v
                fy += U[y, d] * v
            S[k * m + j] = clamp(fx)
            S[k * m + j + 1] = clamp(fy)
    if m % 2 == 1:
        x = ctx[m - 1]
        for k in range(n_out):
            o = outs[k]
            f = np.float32(0.0)
            for d in range(dim):
                f += U[x, d] * V[o, d]
            S[k * m + m - 1] = clamp(f)


@njit(inline="always", cache=True)
def sgns_gradients(S, m, n_out, alpha, G, F):
    """From the scores: G = α·(label − σ(S)), the step's scale, and F = 1 / σ(±S), whose
    logs are the loss terms (one vector loop, no libm calls)."""
    one = np.float32(1.0)
    for t in range(m):  # positives: g = (1 − σ(f))·α, −log σ(f) = log(1 + e^−f)
        e = exp(-S[t])
        G[t] = alpha * e / (one + e)
        F[t] = one + e
    for t in range(m, n_out * m):  # negatives: g = −σ(f)·α, −log σ(−f) = log(1 + e^f)
        e = exp(-S[t])
        G[t] = -alpha / (one + e)
        F[t] = one + one / e


@njit(inline="always", cache=True)
def sgns_update(U, V, ctx, m, outs, n_out, G, Ex, Ey):
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
            for d in range(dim):
                v = V[o, d]
                Ex[d] += gx * v
                Ey[d] += gy * v
                V[o, d] = v + gx * U[x, d] + gy * U[y, d]
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
            for d in range(dim):
                v = V[o, d]
                Ex[d] += g * v
                V[o, d] = v + g * U[x, d]
        for d in range(dim):
            U[x, d] += Ex[d]


@njit(inline="always", cache=True)
def sgns_centre(U, V, ctx, m, outs, n_out, alpha, S, G, F, Ex, Ey):
    """One minibatch: inputs U[ctx[:m]] against outputs V[outs[:n_out]], outs[0] the true
    centre (label 1), the rest negatives (label 0). Returns Σ −log σ(±score) of its terms.

    Writes U[ctx], V[outs] and the scratch S, G, F (float32 [≥ n_out·m]) and Ex, Ey
    (float32 [dim]). All scores come first, from the rows as they are on entry; then the steps.
    """
    sgns_scores(U, V, ctx, m, outs, n_out, S)
    sgns_gradients(S, m, n_out, alpha, G, F)
    sgns_update(U, V, ctx, m, outs, n_out, G, Ex, Ey)
    return log_sum(F, n_out * m)


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def sgns_span(
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
    outs_next = np.empty_like(outs)
    ctx = np.empty(2 * window, np.int64)
    S = np.empty(2 * window * (negative + 1), np.float32)
    G = np.empty_like(S)
    F = np.empty_like(S)
    Ex = np.empty(dim, np.float32)
    Ey = np.empty(dim, np.float32)
    nll = 0.0
    terms = 0
    slope = (alpha1 - alpha0) / max(w_total, 1)
    for s in range(s0, s1):
        a = offsets[s]
        alpha = np.float32(alpha0 + slope * (a - w_base))
        state, n = subsample(ids, a, offsets[s + 1], keep, state, kept)
        if n == 0:
            continue
        state, n_out = draw_outputs(state, kept[0], negative, noise_prob, noise_alias, outs)
        for i in range(n):
            # draw the next centre's outputs now and prefetch their rows, and the row of
            # the word entering the window, while this centre computes
            n_next = 0
            if i + 1 < n:
                state, n_next = draw_outputs(
                    state, kept[i + 1], negative, noise_prob, noise_alias, outs_next
                )
                for k in range(n_next):
                    prefetch_row(V, outs_next[k])
                if i + 1 + window < n:
                    prefetch_row(U, kept[i + 1 + window])
            state, m = gather_window(kept, n, i, state, window, ctx)
            if m > 0:
                nll += sgns_centre(U, V, ctx, m, outs, n_out, alpha, S, G, F, Ex, Ey)
                terms += m * n_out
            outs, outs_next = outs_next, outs
            n_out = n_next
    return nll, terms


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy", parallel=True)
def sgns_chunk(
    U, V, ids, offsets, spans, keep, noise_prob, noise_alias, window, negative,
    alpha0, alpha1, seed, stream, loss,
):  # fmt: skip
    """Train a chunk of the corpus, its spans in parallel (Hogwild: lock-free, rows shared).

    U, V         float32 [V, dim], C-contiguous: input and output vectors, updated in place
                 (word2vec.c syn0 / syn1neg; gensim wv.vectors / syn1neg)
    ids          uint32 [N]: token ids, sentence after sentence
    offsets      int64 [S + 1]: sentence s is ids[offsets[s]:offsets[s + 1]]
    spans        int64 [T + 1]: span t is sentences spans[t]..spans[t+1]−1, one task per span
                 (call under numba.parallel_chunksize(1) to hand them out one at a time)
    keep         float32 [V]: probability of keeping an occurrence (Vocab.keep_probs(sample))
    noise_prob, noise_alias   float32 [V], int32 [V]: alias table of P_n (Vocab.noise_alias())
    window       maximum radius; each centre word draws its radius b uniformly in 1..window
    negative     K, negatives per centre word, shared by its contexts
    alpha0, alpha1            learning rate at the chunk's first word and after its last word,
                 interpolated linearly by word position (the caller applies any floor)
    seed, stream              span t draws from the stream stream_seed(seed, stream, t)
    loss         float64 [T, 2], written: (Σ −log σ(±U·V) over the terms trained, their number)

    Writes U, V and loss only. With one thread the result is a pure function of the
    arguments; with several, concurrent updates of a shared row may interleave (Hogwild).
    """
    T = len(spans) - 1
    w_base = offsets[spans[0]]
    w_total = offsets[spans[T]] - w_base
    for t in prange(T):
        nll, terms = sgns_span(
            U, V, ids, offsets, spans[t], spans[t + 1], keep, noise_prob, noise_alias,
            window, negative, alpha0, alpha1, w_base, w_total, stream_seed(seed, stream, t),
        )  # fmt: skip
        loss[t, 0] = nll
        loss[t, 1] = terms
